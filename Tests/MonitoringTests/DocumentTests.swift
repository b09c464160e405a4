import ClusterSim
import KubeJSON
import KubeStore
import XCTest
@testable import Monitoring

final class DocumentTests: XCTestCase {
    func testHealthDocumentShape() {
        let model = MonitoringModel(random: SeededRandom(seed: 1))
        let services = model.evaluate(Fixtures.snapshot(), at: Fixtures.midnight + 3600, incidents: [], controlPlaneUptime: 60)
        var window = SLAWindow()
        window.record(true)
        let doc = MonitoringDocuments.health(services, sla: window, now: Fixtures.midnight)
        XCTAssertEqual(doc.objectValue?.keys, ["timestamp", "services", "summary"])
        XCTAssertEqual(doc["timestamp"]?.stringValue, "2023-11-15T00:00:00Z")
        let callbot = doc[path: "services", "callbot"]
        XCTAssertEqual(callbot?.objectValue?.keys, ["namespace", "cpu", "memory", "network", "health"])
        XCTAssertEqual(callbot?[path: "cpu"]?.objectValue?.keys, ["usage_percent", "load_1m"])
        XCTAssertEqual(callbot?[path: "memory"]?.objectValue?.keys, ["usage_mb", "usage_percent"])
        XCTAssertEqual(callbot?[path: "network"]?.objectValue?.keys, ["requests_per_second", "response_time_ms", "error_rate_percent"])
        XCTAssertEqual(callbot?[path: "health"]?.objectValue?.keys, ["status", "uptime_seconds"])
        XCTAssertEqual(doc[path: "services", "stt", "gpu"]?.objectValue?.keys, ["usage_percent", "memory_mb"])
        XCTAssertNotNil(doc[path: "services", "etcd"])
        XCTAssertEqual(doc[path: "summary"]?.objectValue?.keys,
                       ["overall_health", "sla_percentage", "sla_status", "total_services", "healthy_services"])
        XCTAssertEqual(doc[path: "summary", "total_services"]?.intValue, 9)
    }

    func testMetricsQuantities() {
        XCTAssertEqual(MonitoringDocuments.cpuQuantity(milli: 1.234567), "1234567n")
        XCTAssertEqual(MonitoringDocuments.memoryQuantity(mib: 12), "12288Ki")
        let pod = PodUsage(name: "web-0", namespace: "default", nodeName: "node-1", labels: [("app", "web")],
                           creationTimestamp: nil, containers: [("nginx", 2, 12)])
        let list = MonitoringDocuments.podMetricsList([pod], now: Fixtures.midnight)
        XCTAssertEqual(list["kind"]?.stringValue, "PodMetricsList")
        XCTAssertEqual(list[path: "items"]?.arrayValue?.first?[path: "containers"]?.arrayValue?.first?[path: "usage", "cpu"]?.stringValue,
                       "2000000n")
        let node = NodeInput(name: "node-1", allocatableCPUMilli: 4000, allocatableMemoryMiB: 8192, failed: false)
        let down = NodeInput(name: "node-2", allocatableCPUMilli: 4000, allocatableMemoryMiB: 8192, failed: true)
        let nodes = MonitoringDocuments.nodeMetricsList([node, down], pods: [pod], now: Fixtures.midnight)
        XCTAssertEqual(nodes[path: "items"]?.arrayValue?.count, 1)
        XCTAssertEqual(nodes[path: "items"]?.arrayValue?.first?["window"]?.stringValue, "20.0s")
    }

    func testPrometheusText() {
        let model = MonitoringModel(random: SeededRandom(seed: 1))
        let services = model.evaluate(Fixtures.snapshot(), at: Fixtures.midnight, incidents: [], controlPlaneUptime: 1)
        let text = MonitoringDocuments.prometheus(services, sla: SLAWindow(), activeIncidents: 0)
        XCTAssert(text.contains("# TYPE ecp_service_cpu_usage_percent gauge"))
        XCTAssert(text.contains("ecp_service_health{service=\"callbot\",namespace=\"tenant-a\",kind=\"Deployment\",tenant=\"tenant-a\"} 0"))
        XCTAssert(text.contains("ecp_pod_cpu_usage_cores{namespace=\"tenant-a\",pod=\"callbot-0\""))
        XCTAssert(text.contains("ecp_sla_percentage 100"))
    }

    func testSnapshotFromAPIObjects() throws {
        let deployment = try JSONParser.parse("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"callbot","namespace":"default","uid":"d1",
         "labels":{"ecp-ai.io/tenant-id":"tenant-123"}},
         "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"c","image":"ecp/callbot:1",
           "resources":{"requests":{"cpu":"500m","memory":"512Mi"},"limits":{"cpu":"1","memory":"1Gi","nvidia.com/gpu":"1"}}}]}}}}
        """)
        let rs = try JSONParser.parse("""
        {"metadata":{"name":"callbot-abc","namespace":"default","uid":"r1","ownerReferences":[{"uid":"d1","controller":true}]}}
        """)
        func pod(_ name: String, ready: Bool, node: String) throws -> JSON {
            try JSONParser.parse("""
            {"metadata":{"name":"\(name)","namespace":"default","uid":"\(name)","ownerReferences":[{"uid":"r1","controller":true}]},
             "spec":{"nodeName":"\(node)","containers":[{"name":"c","resources":{"requests":{"cpu":"500m"}}}]},
             "status":{"phase":"Running","startTime":"2023-11-15T00:00:00Z",
               "conditions":[{"type":"Ready","status":"\(ready ? "True" : "False")"}]}}
            """)
        }
        let nodes = [try JSONParser.parse(#"{"metadata":{"name":"n1"},"status":{"allocatable":{"cpu":"4","memory":"8Gi"}}}"#),
                     try JSONParser.parse(#"{"metadata":{"name":"n2","annotations":{"simulator.k8s.io/node-failure":"true"}}}"#)]
        let snapshot = ClusterSnapshot.build(deployments: [deployment], statefulSets: [], daemonSets: [], replicaSets: [rs],
                                             pods: [try pod("p1", ready: true, node: "n1"), try pod("p2", ready: true, node: "n2")],
                                             nodes: nodes, wallNow: Fixtures.midnight + 100, scale: 2)
        XCTAssertEqual(snapshot.workloads.count, 1)
        let w = snapshot.workloads[0]
        XCTAssertEqual(w.tenant, "tenant-123")
        XCTAssertEqual(w.profile.kind, "callbot")
        XCTAssertEqual(w.desired, 2)
        XCTAssertEqual(w.readyCount, 1, "a pod on a failed node does not serve")
        XCTAssertEqual(w.pods.first?.startedAgo, 200)
        XCTAssertNil(w.createdAgo, "no creationTimestamp in the fixture")
        XCTAssertEqual(w.template.first?.gpus, 1)
        XCTAssertEqual(w.template.first?.cpuLimitMilli, 1000)
        XCTAssertEqual(w.template.first?.memoryRequestMiB, 512)
        XCTAssertEqual(snapshot.nodes.first?.allocatableMemoryMiB, 8192)
        XCTAssertEqual(snapshot.nodes.last?.failed, true)
    }
}

final class PodDigestTests: XCTestCase {
    func stored(_ name: String, revision: Int64, phase: String) -> StoredObject {
        let pod: JSON = ["apiVersion": "v1", "kind": "Pod",
                         "metadata": ["name": .string(name), "namespace": "default", "labels": ["app": "web"]],
                         "spec": ["nodeName": "node-1", "containers": [["name": "c", "image": "nginx",
                                                                         "resources": ["requests": ["cpu": "250m"]]]]],
                         "status": ["phase": .string(phase), "conditions": [["type": "Ready", "status": "True"]]]]
        return StoredObject(key: ObjectKey(resource: "/pods", namespace: "default", name: name), revision: revision,
                            bytes: pod.serialized(), attributes: ObjectAttributes())
    }

    func testDigestsFollowRevisionsAndForgetDeletedPods() {
        let cache = PodDigestCache()
        let first = cache.digests(of: [stored("a", revision: 1, phase: "Pending"), stored("b", revision: 2, phase: "Running")])
        XCTAssertEqual(first.map(\.name), ["a", "b"])
        XCTAssertEqual(first.map(\.running), [false, true])
        XCTAssertEqual(first[0].containers.first?.cpuRequestMilli, 250)
        XCTAssertNotNil(first[0].bare, "a pod without a controller is a service of its own")
        // The same stored object: the earlier digest stands (the store hands out the same instance until the pod
        // changes); a new object for the pod is read afresh.
        let a = stored("a", revision: 1, phase: "Pending")
        XCTAssertEqual(cache.digests(of: [a]).first?.running, false)
        let second = cache.digests(of: [a, stored("b", revision: 3, phase: "Failed")])
        XCTAssertEqual(second.map(\.running), [false, false])
        XCTAssertEqual(cache.digests(of: [stored("a", revision: 4, phase: "Running")]).first?.running, true)
    }
}
