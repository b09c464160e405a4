import Foundation
import KubeJSON
import XCTest

/// Every built-in kind of the API machinery issue: create, get, list, watch, update, patch, delete,
/// deletecollection through HTTP; plus field selectors of events and secrets, pod graceful deletion, and a
/// graceful shutdown that keeps what was written.
final class BuiltinKindsTests: XCTestCase {
    /// A minimal valid object per resource path.
    static let manifests: [(path: String, object: JSON)] = [
        ("/api/v1/namespaces/default/configmaps", ["kind": "ConfigMap", "apiVersion": "v1", "metadata": ["name": "k-cm"], "data": ["a": "b"]]),
        ("/api/v1/namespaces/default/secrets", ["kind": "Secret", "apiVersion": "v1", "metadata": ["name": "k-secret"], "stringData": ["a": "b"]]),
        ("/api/v1/namespaces/default/serviceaccounts", ["kind": "ServiceAccount", "apiVersion": "v1", "metadata": ["name": "k-sa"]]),
        ("/api/v1/namespaces/default/endpoints", ["kind": "Endpoints", "apiVersion": "v1", "metadata": ["name": "k-ep"],
            "subsets": [["addresses": [["ip": "10.244.0.5"]], "ports": [["port": 80, "protocol": "TCP"]]]]]),
        ("/api/v1/namespaces/default/events", ["kind": "Event", "apiVersion": "v1", "metadata": ["name": "k-ev"],
            "involvedObject": ["kind": "Pod", "name": "p", "namespace": "default"], "reason": "Test", "message": "m", "type": "Normal"]),
        ("/api/v1/namespaces/default/persistentvolumeclaims", ["kind": "PersistentVolumeClaim", "apiVersion": "v1", "metadata": ["name": "k-pvc"],
            "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]]),
        ("/api/v1/persistentvolumes", ["kind": "PersistentVolume", "apiVersion": "v1", "metadata": ["name": "k-pv"],
            "spec": ["capacity": ["storage": "1Gi"], "accessModes": ["ReadWriteOnce"], "hostPath": ["path": "/tmp/pv"]]]),
        ("/api/v1/namespaces/default/limitranges", ["kind": "LimitRange", "apiVersion": "v1", "metadata": ["name": "k-lr"],
            "spec": ["limits": [["type": "Container", "default": ["cpu": "500m"]]]]]),
        ("/api/v1/namespaces/default/resourcequotas", ["kind": "ResourceQuota", "apiVersion": "v1", "metadata": ["name": "k-rq"],
            "spec": ["hard": ["pods": "10"]]]),
        ("/api/v1/nodes", ["kind": "Node", "apiVersion": "v1", "metadata": ["name": "k-node"]]),
        ("/api/v1/namespaces/default/pods", Fixtures.pod("k-pod")),
        ("/api/v1/namespaces/default/services", ["kind": "Service", "apiVersion": "v1", "metadata": ["name": "k-svc"],
            "spec": ["ports": [["port": 80]]]]),
        ("/apis/apps/v1/namespaces/default/deployments", Fixtures.deployment("k-deploy")),
        ("/apis/apps/v1/namespaces/default/replicasets", workload("ReplicaSet", "k-rs")),
        ("/apis/apps/v1/namespaces/default/statefulsets", workload("StatefulSet", "k-sts", extra: ["serviceName": "k-sts"])),
        ("/apis/apps/v1/namespaces/default/daemonsets", workload("DaemonSet", "k-ds", replicas: false)),
        ("/apis/apps/v1/namespaces/default/controllerrevisions", ["kind": "ControllerRevision", "apiVersion": "apps/v1",
            "metadata": ["name": "k-cr"], "revision": 1, "data": ["a": 1]]),
        ("/apis/batch/v1/namespaces/default/jobs", ["kind": "Job", "apiVersion": "batch/v1", "metadata": ["name": "k-job"],
            "spec": ["template": ["spec": ["restartPolicy": "Never", "containers": [["name": "c", "image": "busybox"]]]]]]),
        ("/apis/batch/v1/namespaces/default/cronjobs", ["kind": "CronJob", "apiVersion": "batch/v1", "metadata": ["name": "k-cj"],
            "spec": ["schedule": "*/5 * * * *", "jobTemplate": ["spec": ["template": ["spec": [
                "restartPolicy": "OnFailure", "containers": [["name": "c", "image": "busybox"]]]]]]]]),
        ("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", ["kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2",
            "metadata": ["name": "k-hpa"], "spec": ["scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "k-deploy"],
                                                   "maxReplicas": 5]]),
        ("/apis/networking.k8s.io/v1/namespaces/default/ingresses", ["kind": "Ingress", "apiVersion": "networking.k8s.io/v1",
            "metadata": ["name": "k-ing"], "spec": ["defaultBackend": ["service": ["name": "k-svc", "port": ["number": 80]]]]]),
        ("/apis/networking.k8s.io/v1/ingressclasses", ["kind": "IngressClass", "apiVersion": "networking.k8s.io/v1",
            "metadata": ["name": "k-ic"], "spec": ["controller": "example.com/ingress"]]),
        ("/apis/networking.k8s.io/v1/namespaces/default/networkpolicies", ["kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1",
            "metadata": ["name": "k-np"], "spec": ["podSelector": .object(JSONObject())]]),
        ("/apis/policy/v1/namespaces/default/poddisruptionbudgets", ["kind": "PodDisruptionBudget", "apiVersion": "policy/v1",
            "metadata": ["name": "k-pdb"], "spec": ["minAvailable": 1, "selector": ["matchLabels": ["app": "x"]]]]),
        ("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", ["kind": "Role", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": ["name": "k-role"], "rules": [["apiGroups": [""], "resources": ["pods"], "verbs": ["get"]]]]),
        ("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", ["kind": "RoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": ["name": "k-rb"], "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "k-role"],
            "subjects": [["kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"]]]),
        ("/apis/rbac.authorization.k8s.io/v1/clusterroles", ["kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": ["name": "k-crole"], "rules": [["apiGroups": [""], "resources": ["pods"], "verbs": ["list"]]]]),
        ("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", ["kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": ["name": "k-crb"], "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "k-crole"],
            "subjects": [["kind": "Group", "name": "devs", "apiGroup": "rbac.authorization.k8s.io"]]]),
        ("/apis/coordination.k8s.io/v1/namespaces/default/leases", ["kind": "Lease", "apiVersion": "coordination.k8s.io/v1",
            "metadata": ["name": "k-lease"], "spec": ["holderIdentity": "me", "leaseDurationSeconds": 15]]),
        ("/apis/events.k8s.io/v1/namespaces/default/events", ["kind": "Event", "apiVersion": "events.k8s.io/v1",
            "metadata": ["name": "k-ev2"], "eventTime": "2026-11-29T08:00:00.000000Z", "reportingController": "example.com/c",
            "reportingInstance": "i", "action": "Test", "reason": "Test", "type": "Normal",
            "regarding": ["kind": "Pod", "name": "p", "namespace": "default"]]),
        ("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", ["kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
            "metadata": ["name": "k-eps"], "addressType": "IPv4", "endpoints": [["addresses": ["10.244.0.5"]]]]),
        ("/apis/storage.k8s.io/v1/storageclasses", ["kind": "StorageClass", "apiVersion": "storage.k8s.io/v1",
            "metadata": ["name": "k-sc"], "provisioner": "example.com/disk"]),
        ("/apis/scheduling.k8s.io/v1/priorityclasses", ["kind": "PriorityClass", "apiVersion": "scheduling.k8s.io/v1",
            "metadata": ["name": "k-pc"], "value": 1000]),
    ]

    static func workload(_ kind: String, _ name: String, replicas: Bool = true, extra: JSONObject = [:]) -> JSON {
        var spec: JSONObject = [
            "selector": ["matchLabels": ["app": .string(name)]],
            "template": ["metadata": ["labels": ["app": .string(name)]], "spec": ["containers": [["name": "c", "image": "nginx"]]]],
        ]
        if replicas { spec["replicas"] = 1 }
        for (k, v) in extra { spec[k] = v }
        return ["kind": .string(kind), "apiVersion": "apps/v1", "metadata": ["name": .string(name)], "spec": .object(spec)]
    }

    func testEveryBuiltinKindThroughEveryVerb() throws {
        let server = try SimulatorProcess(extraArguments: ["--in-memory", "--controllers=-*"])
        defer { server.stop() }
        for (path, object) in Self.manifests {
            let name = object[path: "metadata", "name"]!.stringValue!
            let start = try server.request("GET", path).json[path: "metadata", "resourceVersion"]?.stringValue ?? "0"
            let watch = try WatchReader(port: server.port, path: "\(path)?watch=true&resourceVersion=\(start)")
            let created = try server.request("POST", path, json: object)
            XCTAssertEqual(created.status, 201, "\(path): \(created.text)")
            XCTAssertEqual(try server.request("GET", "\(path)/\(name)").status, 200, path)
            XCTAssertTrue((try server.request("GET", path).json["items"]?.arrayValue ?? []).contains { $0[path: "metadata", "name"]?.stringValue == name }, path)
            var updated = created.json
            updated[path: "metadata", "labels", "updated"] = "yes"
            let put = try server.request("PUT", "\(path)/\(name)", json: updated)
            XCTAssertEqual(put.status, 200, "\(path): \(put.text)")
            let patch = try server.request("PATCH", "\(path)/\(name)", json: ["metadata": ["annotations": ["patched": "yes"]]],
                                           contentType: "application/merge-patch+json")
            XCTAssertEqual(patch.status, 200, "\(path): \(patch.text)")
            XCTAssertEqual(try watch.next()?["type"], "ADDED", path)
            XCTAssertEqual(try watch.next()?["type"], "MODIFIED", path)
            XCTAssertEqual(try watch.next()?["type"], "MODIFIED", path)
            let collection = try server.request("DELETE", "\(path)?labelSelector=updated%3Dyes")
            XCTAssertEqual(collection.status, 200, "\(path): \(collection.text)")
            let deleted = try watch.next()
            // Pods on no node and everything else go at once.
            XCTAssertEqual(deleted?["type"], "DELETED", path)
            XCTAssertEqual(try server.request("GET", "\(path)/\(name)").status, 404, path)
        }
    }

    func testEventAndSecretFieldSelectors() throws {
        let server = try SimulatorProcess(extraArguments: ["--in-memory", "--controllers=-*"])
        defer { server.stop() }
        for (path, object) in Self.manifests where path.hasSuffix("/api/v1/namespaces/default/events") || path.hasSuffix("secrets") {
            XCTAssertEqual(try server.request("POST", path, json: object).status, 201)
        }
        var tls: JSON = ["kind": "Secret", "apiVersion": "v1", "metadata": ["name": "k-tls"], "type": "kubernetes.io/tls",
                         "data": ["tls.crt": "Y2VydA==", "tls.key": "a2V5"]]
        XCTAssertEqual(try server.request("POST", "/api/v1/namespaces/default/secrets", json: tls).status, 201)
        tls = try server.request("GET", "/api/v1/namespaces/default/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls").json
        XCTAssertEqual((tls["items"]?.arrayValue ?? []).compactMap { $0[path: "metadata", "name"]?.stringValue }, ["k-tls"])
        let events = try server.request("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DPod,involvedObject.name%3Dp,reason%3DTest").json
        XCTAssertEqual(events["items"]?.arrayValue?.count, 1)
        let none = try server.request("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dq").json
        XCTAssertEqual(none["items"]?.arrayValue?.count, 0)
    }

    func testPodOnANodeIsDeletedGracefully() throws {
        let server = try SimulatorProcess(extraArguments: ["--in-memory", "--controllers=-*"])
        defer { server.stop() }
        XCTAssertEqual(try server.request("POST", "/api/v1/namespaces/default/pods", json: Fixtures.pod("graceful", nodeName: "node-x")).status, 201)
        let first = try server.request("DELETE", "/api/v1/namespaces/default/pods/graceful")
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.json[path: "metadata", "deletionGracePeriodSeconds"], 30)
        XCTAssertNotNil(first.json[path: "metadata", "deletionTimestamp"]?.stringValue)
        XCTAssertEqual(try server.request("GET", "/api/v1/namespaces/default/pods/graceful").status, 200, "its kubelet finishes it")
        let force = try server.request("DELETE", "/api/v1/namespaces/default/pods/graceful?gracePeriodSeconds=0")
        XCTAssertEqual(force.status, 200)
        XCTAssertEqual(try server.request("GET", "/api/v1/namespaces/default/pods/graceful").status, 404)
    }

    func testGracefulShutdownKeepsEverything() throws {
        let dataDir = SimulatorProcess.temporaryDirectory()
        let server = try SimulatorProcess(dataDir: dataDir, extraArguments: ["--controllers=-*"])
        for i in 0..<20 {
            XCTAssertEqual(try server.request("POST", "/api/v1/namespaces/default/configmaps", json: Fixtures.configMap("keep-\(i)")).status, 201)
        }
        server.process.interrupt()  // SIGINT
        server.process.waitUntilExit()
        XCTAssertEqual(server.process.terminationStatus, 0)
        let restarted = try SimulatorProcess(dataDir: dataDir, extraArguments: ["--controllers=-*"])
        defer { restarted.stop() }
        let items = try restarted.request("GET", "/api/v1/namespaces/default/configmaps").json["items"]?.arrayValue ?? []
        XCTAssertEqual(items.filter { $0[path: "metadata", "name"]?.stringValue?.hasPrefix("keep-") == true }.count, 20)
    }
}
