import KubeJSON
import XCTest

/// The ECP-AI endpoints over HTTP, in the shapes of the contract, and visible identically through the Kubernetes API.
final class ECPEndpointsTests: XCTestCase {
    func testParseDeployListMonitorDelete() throws {
        let server = try SimulatorProcess(cluster: true, extraArguments: ["--in-memory", "--time-scale", "20"])
        defer { server.stop() }
        let manifest = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: ecp-ai-tenant-123
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: callbot
              namespace: ecp-ai-tenant-123
            spec:
              replicas: 2
              selector: {matchLabels: {app: callbot}}
              template:
                metadata: {labels: {app: callbot}}
                spec:
                  containers: [{name: callbot, image: "ecp/callbot:1.0", resources: {requests: {cpu: 500m, memory: 512Mi}}}]
            """
        let parse = try server.request("POST", "/k8s/manifest/parse",
                                       json: ["manifest": .string(manifest), "tenant_id": "tenant-123", "deployment_mode": "demo"])
        XCTAssertEqual(parse.status, 200, parse.text)
        XCTAssertEqual(parse.json["status"], "success")
        XCTAssertEqual(parse.json["count"], 2)
        XCTAssertEqual(try server.request("GET", "/api/v1/namespaces/ecp-ai-tenant-123").status, 404, "parse creates nothing")

        let bad = try server.request("POST", "/k8s/manifest/parse",
                                     json: ["manifest": "apiVersion: v1\nkind: Gizmo\nmetadata:\n  name: x", "tenant_id": "t"])
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(bad.json["status"], "error")

        let deploy = try server.request("POST", "/k8s/manifest/deploy",
                                        json: ["manifest": .string(manifest), "tenant_id": "tenant-123", "deployment_mode": "demo"])
        XCTAssertEqual(deploy.status, 200, deploy.text)
        XCTAssertEqual(deploy.json["status"], "completed")
        XCTAssertEqual(deploy.json["deployed_count"], 2)
        XCTAssertEqual(deploy.json["failed_count"], 0)
        let callbot = deploy.json["resources"]?.arrayValue?.first { $0["kind"] == "Deployment" }
        XCTAssertEqual(callbot?["id"], "ecp-ai-tenant-123/Deployment/callbot")
        XCTAssertEqual(callbot?["status"], "Running")

        // The same objects through the Kubernetes API, labelled for the tenant and owned by field manager ecp-ai.
        let live = try server.request("GET", "/apis/apps/v1/namespaces/ecp-ai-tenant-123/deployments/callbot").json
        XCTAssertEqual(live[path: "metadata", "labels", "ecp-ai.io/tenant-id"], "tenant-123")
        XCTAssertTrue((live[path: "metadata", "managedFields"]?.arrayValue ?? []).contains { $0["manager"] == "ecp-ai" })
        let listed = try server.request("GET", "/k8s/resources?tenant_id=tenant-123").json
        XCTAssertTrue((listed["resources"]?.arrayValue ?? []).contains { $0["id"] == "ecp-ai-tenant-123/Deployment/callbot" })

        let health = try server.request("GET", "/monitoring/tenant/tenant-123").json
        XCTAssertNotNil(health[path: "services", "callbot", "cpu", "usage_percent"]?.doubleValue)
        XCTAssertNil(health[path: "services", "kube-apiserver"], "a tenant sees only its own services")
        let cluster = try server.request("GET", "/monitoring/health").json
        XCTAssertNotNil(cluster[path: "services", "kube-apiserver"])
        XCTAssertEqual(try server.request("GET", "/monitoring/tenant/nobody").status, 404)
        let sla = try server.request("GET", "/sla/status").json
        XCTAssertEqual(sla["target"], 99.5)
        XCTAssertNotNil(sla["percentage"]?.doubleValue)

        let delete = try server.request("DELETE", "/k8s/resources/callbot?namespace=ecp-ai-tenant-123&kind=Deployment")
        XCTAssertEqual(delete.status, 200, delete.text)
        XCTAssertEqual(delete.json["status"], "deleted")
        XCTAssertEqual(try server.request("GET", "/apis/apps/v1/namespaces/ecp-ai-tenant-123/deployments/callbot").status, 404)
        XCTAssertEqual(try server.request("DELETE", "/k8s/resources/callbot?namespace=ecp-ai-tenant-123&kind=Deployment").status, 404)
        XCTAssertEqual(try server.request("GET", "/openapi.json").json["openapi"]?.stringValue?.hasPrefix("3."), true)
        XCTAssertEqual(try server.request("GET", "/docs").status, 200)
    }
}

/// The monitoring engine's own port.
final class MonitoringPortTests: XCTestCase {
    func testMonitoringListener() throws {
        let monitoringPort = SimulatorProcess.freePort()
        let server = try SimulatorProcess(cluster: true, extraArguments: ["--in-memory", "--time-scale", "20",
                                                                         "--monitoring-port", String(monitoringPort)])
        defer { server.stop() }
        XCTAssertEqual(try server.request("POST", "/apis/apps/v1/namespaces/default/deployments",
                                          json: Fixtures.deployment("metered", replicas: 1)).status, 201)
        let connection = try TestConnection(port: monitoringPort)
        try connection.send("GET", "/monitoring/health")
        let health = try connection.readResponse()
        XCTAssertEqual(health.status, 200)
        XCTAssertNotNil(health.json[path: "summary", "sla_percentage"]?.doubleValue)
        let metrics = try TestConnection(port: monitoringPort)
        try metrics.send("GET", "/metrics")
        let text = try metrics.readResponse().text
        XCTAssertTrue(text.contains("apiserver_storage_objects"), text)
        XCTAssertTrue(text.contains("metered"), "per-workload series")
        // The server's own request figures, in kube-apiserver's names.
        let created = #"apiserver_request_total{verb="POST",group="apps",version="v1",resource="deployments",subresource="",code="201"} 1"#
        XCTAssertTrue(text.contains(created + "\n"), text)
        XCTAssertTrue(text.contains(#"apiserver_request_duration_seconds_count{verb="POST",group="apps",version="v1",resource="deployments",subresource=""} 1"#), text)
        XCTAssertTrue(text.contains(#"k8s_simulator_http_requests_total{method="GET",endpoint="/monitoring/health",code="200"} 1"#), text)
        let missing = try TestConnection(port: monitoringPort)
        try missing.send("GET", "/nothing")
        let notFound = try missing.readResponse()
        XCTAssertEqual(notFound.status, 404)
        XCTAssertEqual(notFound.json["status"], "error")
    }
}

/// metrics.k8s.io from the monitoring model, read by `kubectl top`.
final class MetricsAPITests: XCTestCase {
    func testKubectlTopPrintsTheModelsNumbers() throws {
        let server = try SimulatorProcess(cluster: true, extraArguments: ["--in-memory", "--time-scale", "20"])
        defer { server.stop() }
        let kubectl = try Kubectl(version: "1.33", server: server)
        XCTAssertEqual(try kubectl.run("create", "deployment", "topped", "--image=nginx:1.27", "--replicas=2").status, 0)
        XCTAssertEqual(try kubectl.run("rollout", "status", "deployment/topped", "--timeout=60s").status, 0)
        let discovery = try server.request("GET", "/apis/metrics.k8s.io/v1beta1").json
        XCTAssertEqual((discovery["resources"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }.sorted(), ["nodes", "pods"])
        let metrics = try server.request("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods").json
        XCTAssertEqual(metrics["kind"], "PodMetricsList")
        let names = (metrics["items"]?.arrayValue ?? []).compactMap { $0[path: "metadata", "name"]?.stringValue }
        XCTAssertEqual(names.filter { $0.hasPrefix("topped-") }.count, 2)
        // kubectl prints the model's numbers: each pod's CPU and memory lie about between what metrics.k8s.io
        // answered just before and just after.
        func usage() throws -> [String: (cpu: Double, memory: Double)] {
            var out: [String: (cpu: Double, memory: Double)] = [:]
            for item in try server.request("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods").json["items"]?.arrayValue ?? [] {
                let containers = item["containers"]?.arrayValue ?? []
                let cpu = containers.reduce(0.0) { $0 + Self.milliCPU($1[path: "usage", "cpu"]?.stringValue ?? "") }
                let memory = containers.reduce(0.0) { $0 + Self.mebibytes($1[path: "usage", "memory"]?.stringValue ?? "") }
                out[item[path: "metadata", "name"]?.stringValue ?? ""] = (cpu, memory)
            }
            return out
        }
        let before = try usage()
        let top = try kubectl.run("top", "pods")
        let after = try usage()
        XCTAssertEqual(top.status, 0, top.err)
        XCTAssertTrue(top.out.contains("CPU(cores)"))
        var compared = 0
        for line in top.out.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 3, let low = before[fields[0]], let high = after[fields[0]] else { continue }
            let cpu = Self.milliCPU(fields[1]), memory = Self.mebibytes(fields[2])
            XCTAssertGreaterThan(cpu, 0, String(line))
            // kubectl truncates to whole units, and simulated seconds pass while it runs.
            func band(_ a: Double, _ b: Double) -> ClosedRange<Double> { (min(a, b) * 0.95 - 1)...(max(a, b) * 1.05 + 1) }
            XCTAssert(band(low.cpu, high.cpu).contains(cpu), "\(line): \(low) \(high)")
            XCTAssert(band(low.memory, high.memory).contains(memory), "\(line): \(low) \(high)")
            compared += 1
        }
        XCTAssertEqual(compared, 2, top.out)
        let nodes = try kubectl.run("top", "nodes")
        XCTAssertEqual(nodes.status, 0, nodes.err)
        XCTAssertTrue(nodes.out.contains("node-1") && nodes.out.contains("MEMORY(%)"), nodes.out)
        XCTAssertEqual(try server.request("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope").status, 404)
    }

    /// `250m`, `1`, `1500000n` as millicores.
    static func milliCPU(_ text: String) -> Double {
        if text.hasSuffix("n") { return (Double(text.dropLast()) ?? -1) / 1_000_000 }
        if text.hasSuffix("u") { return (Double(text.dropLast()) ?? -1) / 1000 }
        if text.hasSuffix("m") { return Double(text.dropLast()) ?? -1 }
        return (Double(text) ?? -1) * 1000
    }

    /// `123Mi`, `2048Ki`, `1Gi` or plain bytes as MiB.
    static func mebibytes(_ text: String) -> Double {
        for (suffix, factor) in [("Ki", 1.0 / 1024), ("Mi", 1), ("Gi", 1024)] where text.hasSuffix(suffix) {
            return (Double(text.dropLast(2)) ?? -1) * factor
        }
        return (Double(text) ?? -1) / 1_048_576
    }
}
