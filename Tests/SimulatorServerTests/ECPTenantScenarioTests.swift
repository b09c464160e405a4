import Foundation
import KubeJSON
import XCTest

/// A whole ECP-AI tenant through the ECP-AI endpoints, checked against the Kubernetes API and the monitoring engine.
final class ECPTenantScenarioTests: XCTestCase {
    static func tenantManifest(namespace: String) -> String {
        func deployment(_ name: String, replicas: Int, cpu: String, memory: String, gpu: Bool = false, rps: Int? = nil) -> String {
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: \(name)
              namespace: \(namespace)
              labels: {app: \(name), tier: ai}
            \(rps.map { "  annotations: {simulator.ecp-ai.io/rps: \"\($0)\"}" } ?? "")
            spec:
              replicas: \(replicas)
              selector: {matchLabels: {app: \(name)}}
              template:
                metadata: {labels: {app: \(name)}}
                spec:
                  containers:
                  - name: \(name)
                    image: ecp-ai/\(name):2.1.0
                    ports: [{containerPort: 8080}]
                    envFrom: [{configMapRef: {name: ai-config}}, {secretRef: {name: ai-credentials}}]
                    resources:
                      requests: {cpu: \(cpu), memory: \(memory)\(gpu ? ", nvidia.com/gpu: 1" : "")}
                      limits: {cpu: \(cpu), memory: \(memory)\(gpu ? ", nvidia.com/gpu: 1" : "")}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: \(name), namespace: \(namespace)}
            spec:
              selector: {app: \(name)}
              ports: [{port: 80, targetPort: 8080}]
            """
        }
        return """
            apiVersion: v1
            kind: Namespace
            metadata: {name: \(namespace)}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ai-config, namespace: \(namespace)}
            data: {MODEL: "ko-callbot-large", LOG_LEVEL: info}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: ai-credentials, namespace: \(namespace)}
            type: Opaque
            stringData: {API_KEY: "not-a-real-key"}
            ---
            \(deployment("callbot", replicas: 2, cpu: "500m", memory: "512Mi"))
            ---
            \(deployment("chatbot", replicas: 2, cpu: "250m", memory: "256Mi"))
            ---
            \(deployment("stt-engine", replicas: 1, cpu: "2", memory: "4Gi", gpu: true))
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: chatbot, namespace: \(namespace)}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: chatbot}
              minReplicas: 2
              maxReplicas: 6
              metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: model-store, namespace: \(namespace)}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 10Gi}}
            """
    }

    /// The API path listing a kind in a namespace (the kinds of the tenant manifest).
    static func listPath(kind: String, namespace: String?) -> String {
        let (prefix, plural): (String, String) = switch kind {
        case "Deployment": ("/apis/apps/v1", "deployments")
        case "HorizontalPodAutoscaler": ("/apis/autoscaling/v2", "horizontalpodautoscalers")
        case "PersistentVolumeClaim": ("/api/v1", "persistentvolumeclaims")
        default: ("/api/v1", kind.lowercased() + "s")
        }
        return namespace.map { "\(prefix)/namespaces/\($0)/\(plural)" } ?? "\(prefix)/\(plural)"
    }

    func testTenantManifestDeploysCompletelyAndMatchesTheKubernetesAPI() throws {
        let server = try SimulatorProcess(cluster: true, extraArguments: ["--in-memory", "--time-scale", "20"])
        defer { server.stop() }
        let namespace = "ecp-ai-tenant-acme"
        let manifest = Self.tenantManifest(namespace: namespace)
        let deploy = try server.request("POST", "/k8s/manifest/deploy", json: [
            "manifest": .string(manifest), "tenant_id": "acme", "deployment_mode": "demo", "wait_seconds": 300,
        ])
        XCTAssertEqual(deploy.status, 200, deploy.text)
        XCTAssertEqual(deploy.json["status"], "completed", deploy.text)
        XCTAssertEqual(deploy.json["deployed_count"], 11)
        XCTAssertEqual(deploy.json["failed_count"], 0)
        let deployed = deploy.json["resources"]?.arrayValue ?? []
        for name in ["callbot", "chatbot", "stt-engine"] {
            let item = deployed.first { $0["id"] == .string("\(namespace)/Deployment/\(name)") }
            XCTAssertEqual(item?["status"], "Running", "\(name): \(item?.serialized().count ?? 0)")
            XCTAssertEqual(item?["ready"], true)
        }

        // Every object the report names is in the Kubernetes API, labelled for the tenant and applied by ecp-ai;
        // and /k8s/resources lists exactly the objects the API holds with the tenant's label.
        let listed = try server.request("GET", "/k8s/resources?tenant_id=acme")
        XCTAssertEqual(listed.status, 200)
        let items = listed.json["resources"]?.arrayValue ?? []
        XCTAssertEqual(Set(items.compactMap { $0["id"]?.stringValue }), Set(deployed.compactMap { $0["id"]?.stringValue }))
        var fromAPI: [String: JSON] = [:]
        for kind in ["Namespace", "ConfigMap", "Secret", "Deployment", "Service", "HorizontalPodAutoscaler", "PersistentVolumeClaim"] {
            let path = Self.listPath(kind: kind, namespace: kind == "Namespace" ? nil : namespace)
            let list = try server.request("GET", path + "?labelSelector=ecp-ai.io%2Ftenant-id%3Dacme").json
            for object in list["items"]?.arrayValue ?? [] {
                let name = object[path: "metadata", "name"]?.stringValue ?? ""
                fromAPI[kind == "Namespace" ? "Namespace/\(name)" : "\(namespace)/\(kind)/\(name)"] = object
                XCTAssertTrue((object[path: "metadata", "managedFields"]?.arrayValue ?? []).contains { $0["manager"] == "ecp-ai" },
                              "\(kind)/\(name) applied by ecp-ai")
            }
        }
        XCTAssertEqual(Set(fromAPI.keys), Set(items.compactMap { $0["id"]?.stringValue }))
        for item in items {
            guard let id = item["id"]?.stringValue, let object = fromAPI[id] else { continue }
            XCTAssertEqual(item["created_at"], object[path: "metadata", "creationTimestamp"], id)
            XCTAssertEqual(item["name"], object[path: "metadata", "name"], id)
            if item["kind"] == "Deployment" {
                XCTAssertEqual(object[path: "status", "readyReplicas"], object[path: "spec", "replicas"], id)
            }
        }
        // A demo deploy starts fast: the kubelet finds the images on the node instead of pulling them.
        let events = try server.request("GET", "/api/v1/namespaces/\(namespace)/events?fieldSelector=reason%3DPulled").json
        let pulled = (events["items"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }
        XCTAssertFalse(pulled.isEmpty)
        XCTAssertTrue(pulled.allSatisfy { $0.contains("already present on machine") }, "\(pulled)")
        // The GPU workload landed on a GPU node.
        let sttPods = try server.request("GET", "/api/v1/namespaces/\(namespace)/pods?labelSelector=app%3Dstt-engine").json
        let sttNode = sttPods["items"]?.arrayValue?.first?[path: "spec", "nodeName"]?.stringValue ?? ""
        let node = try server.request("GET", "/api/v1/nodes/\(sttNode)").json
        XCTAssertNotNil(node[path: "status", "capacity", "nvidia.com/gpu"], "stt-engine on \(sttNode)")

        // Another tenant's services stay out of acme's monitoring.
        let other = try server.request("POST", "/k8s/manifest/deploy", json: [
            "manifest": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}",
            "tenant_id": "globex", "deployment_mode": "demo",
        ])
        XCTAssertEqual(other.json["status"], "completed", other.text)

        let first = try server.request("GET", "/monitoring/tenant/acme").json
        let services = first["services"]?.objectValue ?? [:]
        XCTAssertEqual(Set(services.keys), ["callbot", "chatbot", "stt-engine"])
        XCTAssertNotNil(first[path: "services", "stt-engine", "gpu", "usage_percent"]?.doubleValue)
        XCTAssertNil(first[path: "services", "callbot", "gpu"])
        XCTAssertEqual(first[path: "summary", "total_services"], 3)
        XCTAssertEqual(Set((try server.request("GET", "/monitoring/tenant/globex").json["services"]?.objectValue ?? [:]).keys), ["web"])

        // Values move between reads (simulated minutes pass) and stay in physical ranges.
        var readings: [JSON] = [first]
        for _ in 0..<3 {
            usleep(1_500_000)
            readings.append(try server.request("GET", "/monitoring/tenant/acme").json)
        }
        for reading in readings {
            for (name, service) in reading["services"]?.objectValue ?? [:] {
                func value(_ section: String, _ field: String) -> Double { service[path: section, field]?.doubleValue ?? -1 }
                XCTAssert((0...100).contains(value("cpu", "usage_percent")), "\(name) cpu")
                XCTAssert((0...100).contains(value("memory", "usage_percent")), "\(name) memory")
                XCTAssertGreaterThan(value("memory", "usage_mb"), 0, name)
                XCTAssertGreaterThan(value("network", "requests_per_second"), 0, name)
                XCTAssertGreaterThan(value("network", "response_time_ms"), 0, name)
                XCTAssert((0...100).contains(value("network", "error_rate_percent")), "\(name) errors")
                XCTAssertGreaterThanOrEqual(value("cpu", "load_1m"), 0, name)
                if service["gpu"] != nil { XCTAssert((0...100).contains(value("gpu", "usage_percent")), "\(name) gpu") }
            }
        }
        for name in ["callbot", "chatbot", "stt-engine"] {
            let cpu = readings.compactMap { $0[path: "services", name, "cpu", "usage_percent"]?.doubleValue }
            let rps = readings.compactMap { $0[path: "services", name, "network", "requests_per_second"]?.doubleValue }
            XCTAssertGreaterThan(Set(cpu).count, 1, "\(name) cpu never moved: \(cpu)")
            XCTAssertGreaterThan(Set(rps).count, 1, "\(name) requests never moved: \(rps)")
        }
        XCTAssertNotEqual(Set(readings.compactMap { $0["timestamp"]?.stringValue }).count, 1)
    }

    /// A failed node takes its pods' readiness with it: the tenant's service goes unhealthy and its SLA dips; the
    /// pods are evicted and rescheduled, the node comes back, and the window recovers.
    func testInjectedNodeFailureDipsHealthAndSLAThenRecovers() throws {
        let server = try SimulatorProcess(cluster: true, extraArguments: ["--in-memory", "--time-scale", "60",
                                                                         "--incident-rate", "0"])
        defer { server.stop() }
        let manifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: asr-engine, namespace: default}
            spec:
              replicas: 1
              selector: {matchLabels: {app: asr-engine}}
              template:
                metadata: {labels: {app: asr-engine}}
                spec: {containers: [{name: asr, image: "ecp-ai/asr:1.0", resources: {requests: {cpu: "1", memory: 1Gi}}}]}
            """
        let deploy = try server.request("POST", "/k8s/manifest/deploy",
                                        json: ["manifest": .string(manifest), "tenant_id": "initech", "deployment_mode": "demo"])
        XCTAssertEqual(deploy.json["status"], "completed", deploy.text)
        func health() throws -> JSON { try server.request("GET", "/monitoring/tenant/initech").json }
        func sla() throws -> JSON { try server.request("GET", "/sla/status?tenant_id=initech").json }
        func pod() throws -> JSON? {
            try server.request("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dasr-engine").json["items"]?
                .arrayValue?.first { $0[path: "metadata", "deletionTimestamp"] == nil }
        }
        // Let a few healthy data points in first.
        try waitUntil(timeout: 30) { try sla()["data_points"]?.intValue ?? 0 >= 3 }
        XCTAssertEqual(try health()[path: "services", "asr-engine", "health", "status"], "healthy")
        XCTAssertEqual(try sla()["percentage"], 100)
        let originalNode = try pod()?[path: "spec", "nodeName"]?.stringValue
        XCTAssertNotNil(originalNode)

        let injected = try server.request("POST", "/simulator/incidents",
                                          json: ["type": "node-failure", "target": "asr-engine", "duration_seconds": 900])
        XCTAssertEqual(injected.status, 201, injected.text)
        XCTAssertEqual(injected.json["target"]?.stringValue, originalNode)
        XCTAssertEqual(injected.json["status"], "active")

        // The dip: the node goes NotReady, the service loses its only ready pod, the SLA window loses points.
        var lowest = 100.0
        var sawUnhealthy = false
        try waitUntil(timeout: 60) {
            let status = try health()[path: "services", "asr-engine", "health", "status"]?.stringValue
            if status == "unhealthy" { sawUnhealthy = true }
            lowest = min(lowest, try sla()["percentage"]?.doubleValue ?? 100)
            return sawUnhealthy && lowest < 100
        }
        let node = try server.request("GET", "/api/v1/nodes/\(originalNode ?? "")").json
        let ready = node[path: "status", "conditions"]?.arrayValue?.first { $0["type"] == "Ready" }
        XCTAssertNotEqual(ready?["status"], "True", "the failed node is not Ready")
        XCTAssertLessThan(lowest, 100)
        XCTAssertLessThan(try server.request("GET", "/sla/status").json["percentage"]?.doubleValue ?? 100, 100,
                          "the cluster-wide SLA dips too")

        // Recovery: the pod is rescheduled onto a healthy node, the service is healthy again, and once the dip has
        // rolled out of the window the SLA is back at 100 %.
        try waitUntil(timeout: 90) {
            guard let replacement = try pod(), replacement[path: "spec", "nodeName"]?.stringValue != originalNode,
                  replacement[path: "status", "phase"] == "Running" else { return false }
            return try health()[path: "services", "asr-engine", "health", "status"] == "healthy"
        }
        try waitUntil(timeout: 90) { try sla()["percentage"] == 100 }
        XCTAssertLessThan(try sla()["total_percentage"]?.doubleValue ?? 100, 100, "the dip stays in the running total")
        try waitUntil(timeout: 60) {
            try server.request("GET", "/simulator/incidents").json["incidents"]?.arrayValue?.first?["status"] == "resolved"
        }
        let restored = try server.request("GET", "/api/v1/nodes/\(originalNode ?? "")").json
        XCTAssertEqual(restored[path: "status", "conditions"]?.arrayValue?.first { $0["type"] == "Ready" }?["status"], "True")
    }
}

/// Polls `condition` every 100 ms until it holds or `timeout` seconds pass (then fails the test).
func waitUntil(timeout: Double, file: StaticString = #filePath, line: UInt = #line,
               _ condition: () throws -> Bool) throws
{
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        usleep(100_000)
    }
    XCTFail("condition not met within \(timeout) s", file: file, line: line)
    throw TestHTTPError("timed out")
}

/// A simulated day of the real cluster at the default incident rate: random incidents act on it (pods crash and
/// are recreated, latency spikes, error bursts) and the SLA over the day still meets 99.5 %.
final class SimulatedDaySLATests: XCTestCase {
    func testADayAtTheDefaultIncidentRateMeetsTheSLA() throws {
        let server = try SimulatorProcess(cluster: true, extraArguments: ["--in-memory", "--time-scale", "1440"])
        defer { server.stop() }
        // Two replicas each: at 1440× a recreated pod takes simulated minutes to be Ready again (every controller hop
        // costs real milliseconds), which would charge a single-replica service for the time scale, not the incident.
        for (name, replicas) in [("callbot", Int64(2)), ("chatbot", 2), ("stt-engine", 2)] {
            var deployment = Fixtures.deployment(name, replicas: replicas)
            deployment[path: "metadata", "labels"] = ["ecp-ai.io/tenant-id": "day"]
            XCTAssertEqual(try server.request("POST", "/apis/apps/v1/namespaces/default/deployments", json: deployment).status, 201)
        }
        func health() throws -> JSON { try server.request("GET", "/monitoring/tenant/day").json }
        // Measure from the moment the tenant is up, so start-up is not counted as downtime.
        try waitUntil(timeout: 60) { try health()[path: "summary", "healthy_services"] == 3 }
        let start = try server.request("GET", "/sla/status").json
        func simulatedNow() throws -> Double {
            let formatter = ISO8601DateFormatter()
            return formatter.date(from: try health()["timestamp"]?.stringValue ?? "")?.timeIntervalSince1970 ?? 0
        }
        let startTime = try simulatedNow()
        XCTAssertGreaterThan(startTime, 0)
        try waitUntil(timeout: 240) {
            try simulatedNow() - startTime >= 86_400
        }
        let end = try server.request("GET", "/sla/status").json
        let points = (end["total_data_points"]?.intValue ?? 0) - (start["total_data_points"]?.intValue ?? 0)
        let healthy = (end["total_healthy_points"]?.intValue ?? 0) - (start["total_healthy_points"]?.intValue ?? 0)
        // A point every 10 simulated seconds, fewer when the machine cannot keep up with 1440× real time.
        XCTAssertGreaterThan(points, 1_000)
        let percentage = Double(healthy) / Double(max(points, 1)) * 100
        XCTAssertGreaterThanOrEqual(percentage, 99.5, "\(healthy) of \(points) points healthy")
        let incidents = try server.request("GET", "/simulator/incidents").json["incidents"]?.arrayValue ?? []
        XCTAssertFalse(incidents.filter { $0["source"] == "random" }.isEmpty, "a day brings random incidents")
    }
}
