import Foundation
import KubeJSON
import XCTest

/// The simulated cluster observed through the API (watching, not sleeping): rollouts, namespace deletion,
/// garbage collection, scheduling, Jobs, CronJobs, and replay by seed.
final class ClusterSimulationTests: XCTestCase {
    func start(_ extra: [String] = []) throws -> SimulatorProcess {
        try SimulatorProcess(cluster: true, extraArguments: ["--in-memory", "--time-scale", "50"] + extra)
    }

    func name(_ event: JSON?) -> String { event?[path: "object", "metadata", "name"]?.stringValue ?? "" }

    /// Reads watch events until `done` says so; fails after `timeout` seconds.
    func watchUntil(_ watch: WatchReader, timeout: Double = 60, _ done: (JSON) -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let event = try watch.next(timeout: max(0.1, deadline.timeIntervalSinceNow)) else { break }
            if done(event) { return }
        }
        XCTFail("condition not reached within \(timeout) s")
    }

    func testRollingUpdateNeverExceedsSurgeAndCompletes() throws {
        let server = try start()
        defer { server.stop() }
        var deployment = Fixtures.deployment("roll", replicas: 4)
        deployment[path: "spec", "strategy"] = ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 1, "maxUnavailable": 0]]
        deployment[path: "spec", "template", "spec", "containers"] = [["name": "app", "image": "nginx:1.27"]]
        XCTAssertEqual(try server.request("POST", "/apis/apps/v1/namespaces/default/deployments", json: deployment).status, 201)
        let pods = try WatchReader(port: server.port, path: "/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Droll")
        var live: [String: JSON] = [:]
        var ready: Set<String> = []
        try watchUntil(pods) { event in
            let podName = name(event)
            if event["type"] == "DELETED" { live[podName] = nil; ready.remove(podName) } else { live[podName] = event["object"] }
            if (event[path: "object", "status", "conditions"]?.arrayValue ?? []).contains(where: { $0["type"] == "Ready" && $0["status"] == "True" }) {
                ready.insert(podName)
            }
            return ready.count == 4
        }
        // Roll out a new image and watch every pod the whole way.
        let patch = try server.request("PATCH", "/apis/apps/v1/namespaces/default/deployments/roll",
                                       json: ["spec": ["template": ["spec": ["containers": [["name": "app", "image": "nginx:1.28"]]]]]],
                                       contentType: "application/strategic-merge-patch+json")
        XCTAssertEqual(patch.status, 200, patch.text)
        var maxLive = 0
        try watchUntil(pods, timeout: 90) { event in
            let podName = name(event)
            if event["type"] == "DELETED" { live[podName] = nil } else { live[podName] = event["object"] }
            let counted = live.values.filter { $0[path: "metadata", "deletionTimestamp"] == nil }
            maxLive = max(maxLive, counted.count)
            let updated = counted.filter {
                $0[path: "spec", "containers"]?.arrayValue?.first?["image"] == "nginx:1.28"
                    && ($0[path: "status", "conditions"]?.arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
            }
            return updated.count == 4 && counted.count == 4
        }
        XCTAssertLessThanOrEqual(maxLive, 5, "replicas + maxSurge")
        let kubectl = try Kubectl(version: "1.33", server: server)
        let status = try kubectl.run("rollout", "status", "deployment/roll", "--timeout=60s")
        XCTAssertEqual(status.status, 0, status.err)
        XCTAssertTrue(status.out.contains("successfully rolled out"), status.out)
        let history = try kubectl.run("rollout", "history", "deployment/roll")
        XCTAssertTrue(history.out.contains("1") && history.out.contains("2"), history.out)
        let undo = try kubectl.run("rollout", "undo", "deployment/roll")
        XCTAssertEqual(undo.status, 0, undo.err)
        XCTAssertEqual(try kubectl.run("rollout", "status", "deployment/roll", "--timeout=60s").status, 0)
        let image = try server.request("GET", "/apis/apps/v1/namespaces/default/deployments/roll").json[path: "spec", "template", "spec", "containers"]
        XCTAssertEqual(image?.arrayValue?.first?["image"], "nginx:1.27")
    }

    func testKubectlWaitAndNamespaceDeletion() throws {
        let server = try start()
        defer { server.stop() }
        let kubectl = try Kubectl(version: "1.33", server: server)
        XCTAssertEqual(try kubectl.run("create", "namespace", "doomed").status, 0)
        XCTAssertEqual(try kubectl.run("-n", "doomed", "create", "deployment", "web", "--image=nginx:1.27", "--replicas=2").status, 0)
        XCTAssertEqual(try kubectl.run("-n", "doomed", "create", "configmap", "c", "--from-literal=a=b").status, 0)
        let wait = try kubectl.run("-n", "doomed", "wait", "--for=condition=Available", "deployment/web", "--timeout=60s")
        XCTAssertEqual(wait.status, 0, wait.err)
        let pods = try server.request("GET", "/api/v1/namespaces/doomed/pods").json["items"]?.arrayValue ?? []
        XCTAssertEqual(pods.count, 2)
        let podName = try XCTUnwrap(pods.first?[path: "metadata", "name"]?.stringValue)
        let waitPod = try kubectl.run("-n", "doomed", "wait", "--for=condition=Ready", "pod/\(podName)", "--timeout=60s")
        XCTAssertEqual(waitPod.status, 0, waitPod.err)
        let logs = try kubectl.run("-n", "doomed", "logs", podName, "--tail=3")
        XCTAssertEqual(logs.status, 0, logs.err)
        XCTAssertFalse(logs.out.isEmpty)
        let delete = try kubectl.run("delete", "namespace", "doomed", "--timeout=90s")
        XCTAssertEqual(delete.status, 0, delete.err)
        XCTAssertEqual(try server.request("GET", "/api/v1/namespaces/doomed").status, 404)
        XCTAssertEqual(try server.request("GET", "/apis/apps/v1/namespaces/doomed/deployments").json["items"]?.arrayValue?.count, 0)
    }

    func testForegroundDeletionRemovesDependentsFirst() throws {
        let server = try start()
        defer { server.stop() }
        XCTAssertEqual(try server.request("POST", "/apis/apps/v1/namespaces/default/deployments", json: Fixtures.deployment("fg", replicas: 2)).status, 201)
        let pods = try WatchReader(port: server.port, path: "/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dfg")
        var seen = Set<String>()
        try watchUntil(pods) { event in seen.insert(name(event)); return seen.count == 2 }
        let deployments = try WatchReader(port: server.port, path: "/apis/apps/v1/namespaces/default/deployments?watch=true&resourceVersion=0")
        let delete = try server.request("DELETE", "/apis/apps/v1/namespaces/default/deployments/fg?propagationPolicy=Foreground")
        XCTAssertEqual(delete.status, 200)
        var deploymentGone = false
        try watchUntil(deployments, timeout: 60) { event in
            if event["type"] == "DELETED", name(event) == "fg" { deploymentGone = true }
            return deploymentGone
        }
        // By the time the owner is gone, so are its ReplicaSets and pods.
        XCTAssertEqual(try server.request("GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dfg").json["items"]?.arrayValue?.count, 0)
        let remaining = (try server.request("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dfg").json["items"]?.arrayValue ?? [])
        XCTAssertTrue(remaining.allSatisfy { $0[path: "metadata", "deletionTimestamp"] != nil }, "\(remaining.count) pods left")
    }

    func testUnschedulableGPUPodSchedulesWhenAGPUFrees() throws {
        let server = try start(["--nodes", "2", "--gpu-nodes", "1", "--gpus-per-node", "1"])
        defer { server.stop() }
        func gpuPod(_ name: String) -> JSON {
            var pod = Fixtures.pod(name)
            pod[path: "spec", "containers"] = [["name": "main", "image": "nvidia/cuda:12.4.0-base",
                                               "resources": ["limits": ["nvidia.com/gpu": "1"]]]]
            return pod
        }
        XCTAssertEqual(try server.request("POST", "/api/v1/namespaces/default/pods", json: gpuPod("gpu-a")).status, 201)
        let watch = try WatchReader(port: server.port, path: "/api/v1/namespaces/default/pods?watch=true&resourceVersion=0")
        try watchUntil(watch) { $0[path: "object", "metadata", "name"] == "gpu-a" && $0[path: "object", "spec", "nodeName"] != nil }
        XCTAssertEqual(try server.request("POST", "/api/v1/namespaces/default/pods", json: gpuPod("gpu-b")).status, 201)
        var message = ""
        try watchUntil(watch) { event in
            guard name(event) == "gpu-b" else { return false }
            let scheduled = event[path: "object", "status", "conditions"]?.arrayValue?.first { $0["type"] == "PodScheduled" }
            message = scheduled?["message"]?.stringValue ?? ""
            return scheduled?["reason"] == "Unschedulable"
        }
        XCTAssertTrue(message.hasPrefix("0/2 nodes are available:") && message.contains("Insufficient nvidia.com/gpu"), message)
        let events = try server.request("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dgpu-b,reason%3DFailedScheduling").json
        XCTAssertEqual(events["items"]?.arrayValue?.isEmpty, false)
        XCTAssertEqual(try server.request("DELETE", "/api/v1/namespaces/default/pods/gpu-a?gracePeriodSeconds=0").status, 200)
        try watchUntil(watch) { name($0) == "gpu-b" && $0[path: "object", "spec", "nodeName"]?.stringValue != nil }
    }

    func testJobCompletesAndCronJobFiresOnSimulatedTime() throws {
        let server = try start()
        defer { server.stop() }
        let job: JSON = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "once"],
                         "spec": ["completions": 2, "parallelism": 1, "template": ["spec": [
                             "restartPolicy": "Never", "containers": [["name": "c", "image": "busybox:1.36"]]]]]]
        XCTAssertEqual(try server.request("POST", "/apis/batch/v1/namespaces/default/jobs", json: job).status, 201)
        let jobs = try WatchReader(port: server.port, path: "/apis/batch/v1/namespaces/default/jobs?watch=true&resourceVersion=0")
        try watchUntil(jobs, timeout: 60) { event in
            name(event) == "once" && (event[path: "object", "status", "conditions"]?.arrayValue ?? [])
                .contains { $0["type"] == "Complete" && $0["status"] == "True" }
        }
        XCTAssertEqual(try server.request("GET", "/apis/batch/v1/namespaces/default/jobs/once").json[path: "status", "succeeded"], 2)

        let cron: JSON = ["apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "tick"],
                          "spec": ["schedule": "* * * * *", "jobTemplate": ["spec": ["template": ["spec": [
                              "restartPolicy": "OnFailure", "containers": [["name": "c", "image": "busybox:1.36"]]]]]]]]
        XCTAssertEqual(try server.request("POST", "/apis/batch/v1/namespaces/default/cronjobs", json: cron).status, 201)
        // Every simulated minute is 1.2 s here: a Job appears well within a few seconds.
        try watchUntil(jobs, timeout: 30) { event in
            event["type"] == "ADDED" && name(event).hasPrefix("tick-")
        }
    }

    func testSameSeedSameEvents() throws {
        func run() throws -> [String] {
            let server = try start(["--seed", "42"])
            defer { server.stop() }
            XCTAssertEqual(try server.request("POST", "/apis/apps/v1/namespaces/default/deployments",
                                              json: Fixtures.deployment("replay", replicas: 3)).status, 201)
            let pods = try WatchReader(port: server.port, path: "/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dreplay")
            var ready = Set<String>()
            try watchUntil(pods) { event in
                if (event[path: "object", "status", "conditions"]?.arrayValue ?? []).contains(where: { $0["type"] == "Ready" && $0["status"] == "True" }) {
                    ready.insert(name(event))
                }
                return ready.count == 3
            }
            let events = try server.request("GET", "/api/v1/namespaces/default/events").json["items"]?.arrayValue ?? []
            // Object, reason and message; the time an image pull spent queued behind another container's pull
            // depends on wall-clock interleaving and is the one detail left out.
            return events.map { event in
                let message = (event["message"]?.stringValue ?? "")
                    .replacingOccurrences(of: #" \([^)]* including waiting\)"#, with: "", options: .regularExpression)
                return "\(event[path: "involvedObject", "name"]?.stringValue ?? "") \(event["reason"]?.stringValue ?? "") \(message)"
            }.sorted()
        }
        let first = try run()
        let second = try run()
        XCTAssertFalse(first.isEmpty)
        XCTAssertEqual(first, second)
    }
}
