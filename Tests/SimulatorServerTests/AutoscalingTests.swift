import Foundation
import KubeJSON
import XCTest

/// The HorizontalPodAutoscaler controller against the monitoring model's metrics.k8s.io: load above the target
/// scales a Deployment out, and back in once the load drops and the stabilisation window has passed.
final class AutoscalingTests: XCTestCase {
    func testLoadAboveTheTargetScalesOutAndBackIn() throws {
        let server = try SimulatorProcess(cluster: true, extraArguments: ["--in-memory", "--time-scale", "60",
                                                                         "--incident-rate", "0"])
        defer { server.stop() }
        let deployments = "/apis/apps/v1/namespaces/default/deployments"
        var deployment = Fixtures.deployment("chatbot", replicas: 2)
        deployment[path: "metadata", "annotations"] = ["simulator.ecp-ai.io/rps": "2"]
        deployment[path: "spec", "template", "spec", "containers"] = [[
            "name": "chatbot", "image": "ecp-ai/chatbot:2.1.0",
            "resources": ["requests": ["cpu": "250m", "memory": "256Mi"], "limits": ["cpu": "500m", "memory": "512Mi"]],
        ]]
        XCTAssertEqual(try server.request("POST", deployments, json: deployment).status, 201)
        let hpa: JSON = [
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "chatbot"],
            "spec": [
                "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "chatbot"],
                "minReplicas": 2, "maxReplicas": 6,
                "metrics": [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 60]]]],
            ],
        ]
        let hpaPath = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/chatbot"
        XCTAssertEqual(try server.request("POST", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", json: hpa).status, 201)
        func replicas() throws -> Int64 { try server.request("GET", deployments + "/chatbot").json[path: "spec", "replicas"]?.intValue ?? -1 }
        func condition(_ type: String) throws -> JSON? {
            try server.request("GET", hpaPath).json[path: "status", "conditions"]?.arrayValue?.first { $0["type"] == .string(type) }
        }

        // Light load: the HPA reads metrics and keeps the minimum.
        try waitUntil(timeout: 60) { try condition("ScalingActive")?["status"] == "True" }
        XCTAssertEqual(try replicas(), 2)
        let light = try server.request("GET", hpaPath).json
        let lightUtilisation = light[path: "status", "currentMetrics"]?.arrayValue?.first?[path: "resource", "current", "averageUtilization"]?.intValue
        XCTAssertNotNil(lightUtilisation)
        XCTAssertLessThan(lightUtilisation ?? 100, 60)

        // Heavy load: every pod saturates its limit (200 % of its request), so the HPA scales out to the maximum.
        let heavy: JSON = ["metadata": ["annotations": ["simulator.ecp-ai.io/rps": "5000"]]]
        XCTAssertEqual(try server.request("PATCH", deployments + "/chatbot", json: heavy,
                                          contentType: "application/merge-patch+json").status, 200)
        try waitUntil(timeout: 90) { try replicas() == 6 }
        let scaled = try server.request("GET", hpaPath).json
        XCTAssertEqual(scaled[path: "status", "desiredReplicas"], 6)
        XCTAssertNotNil(scaled[path: "status", "lastScaleTime"]?.stringValue)
        XCTAssertGreaterThan(scaled[path: "status", "currentMetrics"]?.arrayValue?.first?[path: "resource", "current", "averageUtilization"]?.intValue ?? 0, 60)
        try waitUntil(timeout: 60) {
            try server.request("GET", deployments + "/chatbot").json[path: "status", "readyReplicas"] == 6
        }
        XCTAssertEqual(try condition("ScalingLimited")?["reason"], "TooManyReplicas")
        let events = try server.request("GET", "/api/v1/namespaces/default/events").json["items"]?.arrayValue ?? []
        XCTAssertTrue(events.contains { $0["reason"] == "SuccessfulRescale" && $0[path: "involvedObject", "kind"] == "HorizontalPodAutoscaler" })

        // Load gone: after the five-minute (simulated) stabilisation window the HPA scales back in to the minimum.
        let idle: JSON = ["metadata": ["annotations": ["simulator.ecp-ai.io/rps": "1"]]]
        XCTAssertEqual(try server.request("PATCH", deployments + "/chatbot", json: idle,
                                          contentType: "application/merge-patch+json").status, 200)
        try waitUntil(timeout: 120) { try replicas() == 2 }
        XCTAssertEqual(try condition("ScalingLimited")?["reason"], "TooFewReplicas")
        let kubectl = try Kubectl(version: "1.33", server: server)
        let listed = try kubectl.run("get", "hpa", "chatbot")
        XCTAssertEqual(listed.status, 0, listed.err)
        XCTAssertTrue(listed.out.contains("Deployment/chatbot"), listed.out)
    }
}
