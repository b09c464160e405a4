@testable import ClusterSim
import Foundation
import KubeAPI
import KubeJSON
import XCTest

/// The pure parts of the StatefulSet, DaemonSet, Job, CronJob, endpoints, storage and disruption controllers:
/// names, messages, schedule and budget arithmetic, and the objects they write.
final class BatchAndServiceControllerTests: XCTestCase {
    private typealias Kit = BatchAndServiceKit

    // MARK: CronJob

    private func minute(_ text: String) -> Int64 { Int64(Timestamp.parse(text)!) }

    func testCronMostRecentScheduleTime() throws {
        let schedule = try CronSchedule.parse("*/5 * * * *")
        let next: (Int64) -> Int64? = { schedule.next(after: $0) }
        let created = minute("2026-01-01T10:02:00Z")
        // Nothing due yet.
        XCTAssertNil(CronJobSchedule.mostRecent(earliest: created, now: minute("2026-01-01T10:04:59Z"), startingDeadline: nil, next: next).time)
        // Exactly one activation passed.
        let one = CronJobSchedule.mostRecent(earliest: created, now: minute("2026-01-01T10:06:00Z"), startingDeadline: nil, next: next)
        XCTAssertEqual(one.time, minute("2026-01-01T10:05:00Z"))
        XCTAssertEqual(one.missed, .none)
        // Several missed: the latest one is started, and the miss is reported.
        let late = CronJobSchedule.mostRecent(earliest: created, now: minute("2026-01-01T10:31:00Z"), startingDeadline: nil, next: next)
        XCTAssertEqual(late.time, minute("2026-01-01T10:30:00Z"))
        XCTAssertEqual(late.missed, .few)
        // More than 100 missed starts is "many".
        let outage = CronJobSchedule.mostRecent(earliest: created, now: minute("2026-01-03T10:00:30Z"), startingDeadline: nil, next: next)
        XCTAssertEqual(outage.time, minute("2026-01-03T10:00:00Z"))
        XCTAssertEqual(outage.missed, .many)
        // startingDeadlineSeconds moves the earliest time forward.
        let bounded = CronJobSchedule.mostRecent(earliest: created, now: minute("2026-01-03T10:00:30Z"), startingDeadline: 200, next: next)
        XCTAssertEqual(bounded.time, minute("2026-01-03T10:00:00Z"))
        XCTAssertEqual(bounded.missed, .none)
    }

    func testCronJobNamesAndTimestamp() throws {
        let scheduled = minute("2026-11-29T08:51:00Z")
        XCTAssertEqual(CronJobSchedule.jobName(cronJob: "tick", scheduled: scheduled), "tick-\(scheduled / 60)")
        XCTAssertEqual(CronJobSchedule.timestamp(scheduled, zone: nil), "2026-11-29T08:51:00Z")
        XCTAssertEqual(CronJobSchedule.rfc1123Z(scheduled), "Sun, 29 Nov 2026 08:51:00 +0000")
        XCTAssertEqual(CronJobSchedule.rfc1123Z(0), "Thu, 01 Jan 1970 00:00:00 +0000")
        let berlin = try XCTUnwrap(TimeZone(identifier: "Europe/Berlin"))
        XCTAssertEqual(CronJobSchedule.timestamp(scheduled, zone: berlin), "2026-11-29T09:51:00+01:00")
        let cronJob: JSON = ["metadata": ["name": "tick", "namespace": "ns", "uid": "u1"],
                             "spec": ["jobTemplate": ["metadata": ["labels": ["a": "b"]], "spec": ["backoffLimit": 2]]]]
        let job = CronJobSchedule.job(cronJob: cronJob, scheduled: scheduled, zone: nil)
        XCTAssertEqual(job[path: "metadata", "name"]?.stringValue, "tick-\(scheduled / 60)")
        XCTAssertEqual(job[path: "metadata", "annotations", "batch.kubernetes.io/cronjob-scheduled-timestamp"]?.stringValue, "2026-11-29T08:51:00Z")
        XCTAssertEqual(job[path: "metadata", "labels", "a"]?.stringValue, "b")
        XCTAssertEqual(job[path: "metadata", "ownerReferences"]?.arrayValue?.first?["kind"]?.stringValue, "CronJob")
        XCTAssertEqual(job[path: "spec", "backoffLimit"]?.intValue, 2)
    }

    func testCronScheduleInTimeZone() throws {
        let daily = CronJobSchedule.Zoned(schedule: try CronSchedule.parse("0 9 * * *"), zone: TimeZone(identifier: "Europe/Berlin"))
        // 09:00 in Berlin in winter is 08:00 UTC.
        XCTAssertEqual(daily.next(after: minute("2026-01-10T00:00:00Z")), minute("2026-01-10T08:00:00Z"))
        XCTAssertTrue(CronJobSchedule.zone("Etc/UTC").known)
        XCTAssertNil(CronJobSchedule.zone("UTC").zone)
        XCTAssertFalse(CronJobSchedule.zone("Mars/Olympus").known)
    }

    // MARK: Job

    func testJobCompletedIndexesRoundTrip() {
        XCTAssertEqual(JobTracking.formatIndexes([0, 1, 2, 4, 6, 7, 9, 10, 11]), "0-2,4,6,7,9-11")
        XCTAssertEqual(JobTracking.formatIndexes([]), "")
        XCTAssertEqual(JobTracking.parseIndexes("0-2,4,6,7,9-11", completions: 10), [0, 1, 2, 4, 6, 7, 9])
        XCTAssertEqual(JobTracking.pendingIndexes(completions: 5, succeeded: [0, 2], held: [1], count: 3), [3, 4])
    }

    func testJobBackoffAndWantActive() {
        XCTAssertEqual(JobTracking.backoffDelay(failuresAfterLastSuccess: 0), 0)
        XCTAssertEqual(JobTracking.backoffDelay(failuresAfterLastSuccess: 1), 10)
        XCTAssertEqual(JobTracking.backoffDelay(failuresAfterLastSuccess: 3), 40)
        XCTAssertEqual(JobTracking.backoffDelay(failuresAfterLastSuccess: 20), 600)
        XCTAssertEqual(JobTracking.wantActive(completions: 5, parallelism: 2, succeeded: 4, active: 0), 1)
        XCTAssertEqual(JobTracking.wantActive(completions: 5, parallelism: 2, succeeded: 0, active: 0), 2)
        XCTAssertEqual(JobTracking.wantActive(completions: nil, parallelism: 3, succeeded: 0, active: 1), 3)
        XCTAssertEqual(JobTracking.wantActive(completions: nil, parallelism: 3, succeeded: 1, active: 1), 1)
    }

    func testJobPodFailureAccounting() {
        let deleting: JSON = ["metadata": ["deletionTimestamp": "2026-01-01T00:00:00Z"], "status": ["phase": "Running"]]
        XCTAssertTrue(JobTracking.isFailed(deleting, onlyFailedPhase: false))
        XCTAssertFalse(JobTracking.isFailed(deleting, onlyFailedPhase: true))
        XCTAssertTrue(JobTracking.isFailed(["status": ["phase": "Failed"]], onlyFailedPhase: true))
        let restarting: JSON = ["status": ["phase": "Running", "containerStatuses": [["restartCount": 2]]]]
        XCTAssertTrue(JobTracking.restartsExceedLimit(pods: [restarting], backoffLimit: 2))
        XCTAssertFalse(JobTracking.restartsExceedLimit(pods: [restarting], backoffLimit: 3))
    }

    func testJobConditionsAndMessages() {
        var conditions: [JSON] = []
        XCTAssertFalse(JobTracking.ensure(&conditions, "Suspended", "False", reason: "JobResumed", message: "Job resumed", now: "t0"))
        XCTAssertTrue(JobTracking.ensure(&conditions, "Suspended", "True", reason: "JobSuspended", message: "Job suspended", now: "t1"))
        XCTAssertTrue(JobTracking.ensure(&conditions, "Suspended", "False", reason: "JobResumed", message: "Job resumed", now: "t2"))
        XCTAssertEqual(conditions.count, 1)
        XCTAssertEqual(conditions[0]["reason"]?.stringValue, "JobResumed")
        XCTAssertEqual(conditions[0]["lastTransitionTime"]?.stringValue, "t2")
        let job: JSON = ["status": ["conditions": [["type": "Complete", "status": "True"]], "completionTime": "2026-01-01T00:00:10Z"]]
        XCTAssertTrue(JobTracking.isFinished(job))
        XCTAssertEqual(JobTracking.finishTime(job), Timestamp.parse("2026-01-01T00:00:10Z"))
    }

    func testJobPodsCarryTrackingAndIndex() {
        let job: JSON = [
            "metadata": ["name": "pi", "namespace": "ns", "uid": "u1"],
            "spec": ["template": ["metadata": ["labels": ["batch.kubernetes.io/job-name": "pi", "job-name": "pi",
                                                         "batch.kubernetes.io/controller-uid": "u1", "controller-uid": "u1"]],
                                  "spec": ["containers": [["name": "c", "image": "busybox"]]]]],
        ]
        let plain = JobTracking.pod(job: job, index: nil, name: "pi-abcde")
        XCTAssertEqual(JobTracking.generateName(of: plain), "pi-")
        XCTAssertEqual(plain[path: "metadata", "finalizers"], ["batch.kubernetes.io/job-tracking"])
        XCTAssertEqual(plain[path: "metadata", "labels", "batch.kubernetes.io/job-name"]?.stringValue, "pi")
        XCTAssertEqual(plain[path: "metadata", "ownerReferences"]?.arrayValue?.first?["controller"]?.boolValue, true)
        let indexed = JobTracking.pod(job: job, index: 2, name: "pi-2-abcde")
        XCTAssertEqual(JobTracking.generateName(of: indexed), "pi-2-")
        XCTAssertEqual(indexed[path: "metadata", "annotations", "batch.kubernetes.io/job-completion-index"]?.stringValue, "2")
        XCTAssertEqual(indexed[path: "metadata", "labels", "batch.kubernetes.io/job-completion-index"]?.stringValue, "2")
        XCTAssertEqual(indexed[path: "spec", "hostname"]?.stringValue, "pi-2")
        XCTAssertEqual(indexed[path: "spec", "containers"]?.arrayValue?.first?["env"]?.arrayValue?.first?["name"]?.stringValue, "JOB_COMPLETION_INDEX")
        XCTAssertEqual(JobTracking.completionIndex(indexed), 2)
    }

    func testJobUncountedPodsMoveIntoCounters() {
        var status: JSONObject = ["succeeded": 1, "uncountedTerminatedPods": ["succeeded": ["a", "b"], "failed": ["c"]]]
        XCTAssertTrue(JobController.countReleased(&status, withFinalizer: ["b"]))
        XCTAssertEqual(status["succeeded"]?.intValue, 2)
        XCTAssertEqual(status["failed"]?.intValue, 1)
        XCTAssertEqual(JobController.uids(status, "succeeded"), ["b"])
        XCTAssertEqual(JobController.uids(status, "failed"), [])
        XCTAssertFalse(JobController.countReleased(&status, withFinalizer: ["b"]))
    }

    // MARK: StatefulSet

    func testStatefulSetOrdinalsAndPods() {
        XCTAssertEqual(StatefulSetPods.ordinal(podName: "web-12", setName: "web"), 12)
        XCTAssertNil(StatefulSetPods.ordinal(podName: "web-01", setName: "web"))
        XCTAssertNil(StatefulSetPods.ordinal(podName: "webx-1", setName: "web"))
        XCTAssertEqual(StatefulSetPods.setName(ofPod: "my-web-3"), "my-web")
        let set: JSON = [
            "metadata": ["name": "web", "namespace": "ns", "uid": "u1"],
            "spec": ["serviceName": "web", "selector": ["matchLabels": ["app": "web"]],
                     "volumeClaimTemplates": [["metadata": ["name": "www"], "spec": ["accessModes": ["ReadWriteOnce"]]]]],
        ]
        let template: JSON = ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "c", "image": "nginx"]]]]
        let pod = StatefulSetPods.pod(set: set, template: template, revision: "web-abc", ordinal: 1)
        XCTAssertEqual(pod[path: "metadata", "name"]?.stringValue, "web-1")
        XCTAssertEqual(pod[path: "metadata", "labels", "statefulset.kubernetes.io/pod-name"]?.stringValue, "web-1")
        XCTAssertEqual(pod[path: "metadata", "labels", "apps.kubernetes.io/pod-index"]?.stringValue, "1")
        XCTAssertEqual(pod[path: "metadata", "labels", "controller-revision-hash"]?.stringValue, "web-abc")
        XCTAssertEqual(pod[path: "spec", "hostname"]?.stringValue, "web-1")
        XCTAssertEqual(pod[path: "spec", "subdomain"]?.stringValue, "web")
        XCTAssertEqual(pod[path: "spec", "volumes"]?.arrayValue?.first?[path: "persistentVolumeClaim", "claimName"]?.stringValue, "www-web-1")
        let claim = StatefulSetPods.claim(set: set, template: StatefulSetPods.claimTemplates(set)[0], ordinal: 1)
        XCTAssertEqual(claim[path: "metadata", "name"]?.stringValue, "www-web-1")
        XCTAssertEqual(claim[path: "metadata", "labels", "app"]?.stringValue, "web")
    }

    func testStatefulSetStatusCompletesRollingUpdate() {
        func pod(_ revision: String, ready: Bool) -> JSON {
            ["metadata": ["labels": ["controller-revision-hash": .string(revision)]],
             "status": ["phase": "Running", "conditions": [["type": "Ready", "status": ready ? "True" : "False"]]]]
        }
        let midway = StatefulSetPods.counts(pods: [pod("r1", ready: true), pod("r2", ready: true), pod("r2", ready: false)],
                                            currentRevision: "r1", updateRevision: "r2") { _ in true }
        XCTAssertEqual(midway, StatefulSetPods.Counts(replicas: 3, ready: 2, available: 2, current: 1, updated: 2))
        let rolling = StatefulSetPods.status(previous: nil, counts: midway, generation: 2, currentRevision: "r1", updateRevision: "r2",
                                             collisionCount: 0, rollingUpdate: true)
        XCTAssertEqual(rolling["currentRevision"]?.stringValue, "r1")
        let done = StatefulSetPods.Counts(replicas: 3, ready: 3, available: 3, current: 0, updated: 3)
        let finished = StatefulSetPods.status(previous: nil, counts: done, generation: 2, currentRevision: "r1", updateRevision: "r2",
                                              collisionCount: 0, rollingUpdate: true)
        XCTAssertEqual(finished["currentRevision"]?.stringValue, "r2")
        XCTAssertEqual(finished["currentReplicas"]?.intValue, 3)
        XCTAssertEqual(finished["observedGeneration"]?.intValue, 2)
    }

    func testRevisionHashUsesKubeAlphabet() {
        let data = BatchAndServiceRevisions.data(template: ["spec": ["containers": [["name": "c", "image": "a"]]]])
        XCTAssertEqual(data[path: "spec", "template", "$patch"]?.stringValue, "replace")
        let hash = Kit.revisionHash(data, collisionCount: 0)
        XCTAssertEqual(hash, Kit.revisionHash(data, collisionCount: 0))
        XCTAssertNotEqual(hash, Kit.revisionHash(data, collisionCount: 1))
        XCTAssertTrue(hash.allSatisfy { "456789bcdf".contains($0) }, hash)
        XCTAssertEqual(Kit.safeEncode("0123456789"), "456789bcdf")
        XCTAssertNil(BatchAndServiceRevisions.template(of: ["data": data])?["$patch"])
    }

    // MARK: DaemonSet

    func testDaemonSetPlacementHonoursTaintsAffinityAndDefaults() {
        let template: JSON = ["spec": ["nodeSelector": ["disk": "ssd"], "containers": [["name": "a", "image": "x"]]]]
        let plain: JSON = ["metadata": ["name": "n1", "labels": ["disk": "ssd"]]]
        XCTAssertTrue(DaemonSetNodes.placement(template: template, node: plain) == (true, true))
        let wrongLabel: JSON = ["metadata": ["name": "n2", "labels": ["disk": "hdd"]]]
        XCTAssertTrue(DaemonSetNodes.placement(template: template, node: wrongLabel) == (false, false))
        let tainted: JSON = ["metadata": ["name": "n3", "labels": ["disk": "ssd"]],
                             "spec": ["taints": [["key": "gpu", "value": "yes", "effect": "NoSchedule"]]]]
        XCTAssertTrue(DaemonSetNodes.placement(template: template, node: tainted) == (false, true))
        let evicting: JSON = ["metadata": ["name": "n4", "labels": ["disk": "ssd"]],
                              "spec": ["taints": [["key": "gpu", "effect": "NoExecute"]]]]
        XCTAssertTrue(DaemonSetNodes.placement(template: template, node: evicting) == (false, false))
        // The controller's own tolerations cover cordons and not-ready nodes.
        let cordoned: JSON = ["metadata": ["name": "n5", "labels": ["disk": "ssd"]],
                              "spec": ["taints": [["key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"],
                                                  ["key": "node.kubernetes.io/not-ready", "effect": "NoExecute"]]]]
        XCTAssertTrue(DaemonSetNodes.placement(template: template, node: cordoned) == (true, true))
        let affinity: JSON = ["spec": ["affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": [
            ["matchExpressions": [["key": "zone", "operator": "In", "values": ["a", "b"]]]],
        ]]]]]]
        XCTAssertTrue(DaemonSetNodes.fitsAffinity(podSpec: affinity["spec"]!, node: ["metadata": ["name": "n", "labels": ["zone": "b"]]]))
        XCTAssertFalse(DaemonSetNodes.fitsAffinity(podSpec: affinity["spec"]!, node: ["metadata": ["name": "n", "labels": ["zone": "c"]]]))
    }

    func testDaemonSetPodIsPinnedByAffinity() {
        let set: JSON = ["metadata": ["name": "agent", "namespace": "ns", "uid": "u", "generation": 3]]
        let template: JSON = ["metadata": ["labels": ["app": "agent"]], "spec": ["containers": [["name": "a", "image": "x"]]]]
        let pod = DaemonSetNodes.pod(set: set, template: template, hash: "abc", node: "node-7", name: "agent-xyz12")
        XCTAssertEqual(DaemonSetNodes.targetNode(pod), "node-7")
        XCTAssertNil(pod[path: "spec", "nodeName"])
        XCTAssertEqual(pod[path: "metadata", "labels", "controller-revision-hash"]?.stringValue, "abc")
        XCTAssertEqual(pod[path: "metadata", "labels", "pod-template-generation"]?.stringValue, "3")
        XCTAssertEqual(pod[path: "spec", "tolerations"]?.arrayValue?.count, 6)
        XCTAssertEqual(pod[path: "metadata", "generateName"]?.stringValue, "agent-")
    }

    func testDaemonSetBudget() {
        let set: JSON = ["spec": ["updateStrategy": ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": 0]]]]
        XCTAssertTrue(DaemonSetNodes.budget(set: set, desired: 10) == (3, 0))
        let zero: JSON = ["spec": ["updateStrategy": ["rollingUpdate": ["maxUnavailable": 0, "maxSurge": 0]]]]
        XCTAssertTrue(DaemonSetNodes.budget(set: zero, desired: 10) == (1, 0))
    }

    // MARK: Endpoints

    private func pod(_ name: String, ip: String, ready: Bool, port: Int64 = 8080, deleting: Bool = false) -> JSON {
        var pod: JSON = [
            "metadata": ["name": .string(name), "namespace": "ns", "uid": .string("uid-" + name)],
            "spec": ["nodeName": "node-1", "containers": [["name": "c", "ports": [["name": "http", "containerPort": .int(port)]]]]],
            "status": ["phase": "Running", "podIP": .string(ip), "conditions": [["type": "Ready", "status": ready ? "True" : "False"]]],
        ]
        if deleting { pod[path: "metadata", "deletionTimestamp"] = "2026-01-01T00:00:00Z" }
        return pod
    }

    private let service: JSON = ["metadata": ["name": "web", "namespace": "ns"],
                                 "spec": ["selector": ["app": "web"], "ports": [["name": "web", "port": 80, "targetPort": "http"]]]]

    func testEndpointSubsetsSplitReadinessAndPorts() {
        let pods = [pod("b", ip: "10.0.0.2", ready: true), pod("a", ip: "10.0.0.1", ready: true),
                    pod("c", ip: "10.0.0.3", ready: false), pod("d", ip: "10.0.0.4", ready: true, port: 9090),
                    pod("gone", ip: "10.0.0.5", ready: true, deleting: true), pod("noip", ip: "", ready: true)]
        let (subsets, truncated) = EndpointsController.subsets(service: service, pods: pods)
        XCTAssertFalse(truncated)
        XCTAssertEqual(subsets.count, 2)
        let main = subsets.first { $0["ports"]?.arrayValue?.first?["port"]?.intValue == 8080 }
        XCTAssertEqual(main?["addresses"]?.arrayValue?.compactMap { $0["ip"]?.stringValue }, ["10.0.0.1", "10.0.0.2"])
        XCTAssertEqual(main?["notReadyAddresses"]?.arrayValue?.compactMap { $0["ip"]?.stringValue }, ["10.0.0.3"])
        XCTAssertEqual(main?["ports"]?.arrayValue?.first?["name"]?.stringValue, "web")
        XCTAssertEqual(main?["addresses"]?.arrayValue?.first?[path: "targetRef", "name"]?.stringValue, "a")
        XCTAssertEqual(main?["addresses"]?.arrayValue?.first?["nodeName"]?.stringValue, "node-1")
        let other = subsets.first { $0["ports"]?.arrayValue?.first?["port"]?.intValue == 9090 }
        XCTAssertEqual(other?["addresses"]?.arrayValue?.count, 1)
    }

    func testEndpointsTruncateAtCapacity() {
        let pods = (0..<1005).map { pod("p\($0)", ip: "10.1.\($0 / 250).\($0 % 250)", ready: $0 % 2 == 0) }
        let (subsets, truncated) = EndpointsController.subsets(service: service, pods: pods)
        XCTAssertTrue(truncated)
        let total = subsets.reduce(0) { $0 + ($1["addresses"]?.arrayValue?.count ?? 0) + ($1["notReadyAddresses"]?.arrayValue?.count ?? 0) }
        XCTAssertEqual(total, 1000)
        XCTAssertEqual(subsets.first?["addresses"]?.arrayValue?.count, 503)
    }

    func testNamedTargetPortResolution() {
        XCTAssertEqual(BatchAndServiceEndpoints.resolvePort(pod: pod("a", ip: "1.1.1.1", ready: true), servicePort: ["port": 80, "targetPort": "http"]), 8080)
        XCTAssertNil(BatchAndServiceEndpoints.resolvePort(pod: pod("a", ip: "1.1.1.1", ready: true), servicePort: ["port": 80, "targetPort": "grpc"]))
        XCTAssertEqual(BatchAndServiceEndpoints.resolvePort(pod: pod("a", ip: "1.1.1.1", ready: true), servicePort: ["port": 80]), 80)
        XCTAssertEqual(BatchAndServiceEndpoints.resolvePort(pod: pod("a", ip: "1.1.1.1", ready: true), servicePort: ["port": 80, "targetPort": 9000]), 9000)
    }

    func testEndpointSliceConditionsAndStablePlacement() {
        let pods = [pod("a", ip: "10.0.0.1", ready: true), pod("b", ip: "10.0.0.2", ready: false),
                    pod("c", ip: "10.0.0.3", ready: true, deleting: true)]
        let groups = EndpointSliceController.groups(service: service, pods: pods) { _ in "zone-a" }
        XCTAssertEqual(groups.count, 1)
        let group = groups.values.first!
        let c = group.endpoints["uid-c"]
        XCTAssertEqual(c?[path: "conditions", "ready"]?.boolValue, false)
        XCTAssertEqual(c?[path: "conditions", "serving"]?.boolValue, true)
        XCTAssertEqual(c?[path: "conditions", "terminating"]?.boolValue, true)
        XCTAssertEqual(group.endpoints["uid-b"]?[path: "conditions", "ready"]?.boolValue, false)
        XCTAssertEqual(group.endpoints["uid-a"]?["zone"]?.stringValue, "zone-a")

        // An existing slice keeps the endpoints it holds; new ones fill it before a new slice is made.
        let existing: JSON = ["metadata": ["name": "web-aaaaa"], "ports": .array(group.ports),
                              "endpoints": [group.endpoints["uid-b"]!, ["addresses": ["10.9.9.9"], "targetRef": ["uid": "stale"]]]]
        let plan = EndpointSliceController.plan(existing: [existing], groups: groups)
        XCTAssertEqual(plan.update.count, 1)
        XCTAssertEqual(plan.update[0].endpoints.compactMap { $0[path: "targetRef", "uid"]?.stringValue }, ["uid-b", "uid-a", "uid-c"])
        XCTAssertTrue(plan.create.isEmpty)
        XCTAssertTrue(plan.delete.isEmpty)

        let many = (0..<250).map { pod("p\($0)", ip: "10.2.\($0 / 200).\($0 % 200 + 1)", ready: true) }
        let big = EndpointSliceController.plan(existing: [], groups: EndpointSliceController.groups(service: service, pods: many) { _ in nil })
        XCTAssertEqual(big.create.map(\.endpoints.count), [100, 100, 50])

        let empty = EndpointSliceController.plan(existing: [], groups: [:])
        XCTAssertEqual(empty.create.count, 1)
        XCTAssertTrue(empty.create[0].endpoints.isEmpty)
    }

    // MARK: Storage

    func testPersistentVolumeMatchingAndProvisioning() {
        let claim: JSON = ["metadata": ["name": "data", "namespace": "ns", "uid": "abc", "resourceVersion": "7"],
                           "spec": ["accessModes": ["ReadWriteOnce"], "storageClassName": "", "resources": ["requests": ["storage": "5Gi"]]]]
        func volume(_ name: String, _ size: String, modes: [JSON] = ["ReadWriteOnce"], claimed: Bool = false) -> JSON {
            var v: JSON = ["metadata": ["name": .string(name)], "spec": ["capacity": ["storage": .string(size)], "accessModes": .array(modes)],
                           "status": ["phase": "Available"]]
            if claimed { v[path: "spec", "claimRef"] = ["name": "other"] }
            return v
        }
        let match = PersistentVolumeBinding.bestMatch(claim: claim, volumes: [
            volume("small", "1Gi"), volume("big", "100Gi"), volume("right", "10Gi"), volume("taken", "5Gi", claimed: true),
            volume("rox", "5Gi", modes: ["ReadOnlyMany"]),
        ])
        XCTAssertEqual(match.map(Kit.name), "right")

        let storageClass = PersistentVolumeBinding.defaultClass()
        XCTAssertEqual(storageClass[path: "metadata", "annotations", "storageclass.kubernetes.io/is-default-class"]?.stringValue, "true")
        XCTAssertEqual(storageClass["provisioner"]?.stringValue, "simulator.k8s.io/hostpath")
        let pv = PersistentVolumeBinding.provisionedVolume(claim: claim, storageClass: storageClass, node: nil)
        XCTAssertEqual(pv[path: "metadata", "name"]?.stringValue, "pvc-abc")
        XCTAssertEqual(pv[path: "spec", "capacity", "storage"]?.stringValue, "5Gi")
        XCTAssertEqual(pv[path: "spec", "hostPath", "path"]?.stringValue, "/var/lib/k8s-simulator/pv/pvc-abc")
        XCTAssertEqual(pv[path: "spec", "persistentVolumeReclaimPolicy"]?.stringValue, "Delete")
        XCTAssertEqual(pv[path: "spec", "claimRef", "uid"]?.stringValue, "abc")
        XCTAssertEqual(pv[path: "spec", "storageClassName"]?.stringValue, "standard")
        let status = PersistentVolumeBinding.boundClaimStatus(claim: claim, volume: pv)
        XCTAssertEqual(status["phase"]?.stringValue, "Bound")
        XCTAssertEqual(status[path: "capacity", "storage"]?.stringValue, "5Gi")
    }

    // MARK: Disruption budgets

    func testDisruptionBudgetArithmetic() {
        func counts(_ spec: JSON, pods: Int, scale: Int) -> (Int, Int) {
            let r = DisruptionController.expectedAndDesired(spec: spec, podCount: pods) { () -> Int in scale }
            return (r.expected, r.desired)
        }
        XCTAssertTrue(counts(["minAvailable": 2], pods: 3, scale: 5) == (3, 2))
        XCTAssertTrue(counts(["minAvailable": "50%"], pods: 3, scale: 5) == (5, 3))
        XCTAssertTrue(counts(["maxUnavailable": 1], pods: 3, scale: 5) == (5, 4))
        XCTAssertTrue(counts(["maxUnavailable": "30%"], pods: 3, scale: 5) == (5, 3))
        XCTAssertTrue(counts(["maxUnavailable": 9], pods: 3, scale: 5) == (5, 0))
        XCTAssertEqual(DisruptionController.disruptionsAllowed(currentHealthy: 5, desiredHealthy: 3, expected: 5), 2)
        XCTAssertEqual(DisruptionController.disruptionsAllowed(currentHealthy: 2, desiredHealthy: 3, expected: 5), 0)
        XCTAssertEqual(DisruptionController.disruptionsAllowed(currentHealthy: 2, desiredHealthy: 0, expected: 0), 0)
    }

    func testDisruptionStatusCondition() {
        let allowed = DisruptionController.status(previous: nil, generation: 4, currentHealthy: 3, desiredHealthy: 2, expected: 3,
                                                  disrupted: JSONObject(), now: "t1")
        XCTAssertEqual(allowed["disruptionsAllowed"]?.intValue, 1)
        XCTAssertEqual(allowed["observedGeneration"]?.intValue, 4)
        let condition = allowed["conditions"]?.arrayValue?.first
        XCTAssertEqual(condition?["type"]?.stringValue, "DisruptionAllowed")
        XCTAssertEqual(condition?["status"]?.stringValue, "True")
        XCTAssertEqual(condition?["reason"]?.stringValue, "SufficientPods")
        let same = DisruptionController.status(previous: allowed, generation: 4, currentHealthy: 4, desiredHealthy: 2, expected: 4,
                                               disrupted: JSONObject(), now: "t2")
        XCTAssertEqual(same["conditions"]?.arrayValue?.first?["lastTransitionTime"]?.stringValue, "t1")
        let blocked = DisruptionController.status(previous: same, generation: 4, currentHealthy: 2, desiredHealthy: 2, expected: 4,
                                                  disrupted: JSONObject(), now: "t3")
        XCTAssertEqual(blocked["conditions"]?.arrayValue?.first?["reason"]?.stringValue, "InsufficientPods")
        XCTAssertEqual(blocked["conditions"]?.arrayValue?.first?["lastTransitionTime"]?.stringValue, "t3")
    }

    // MARK: Shared helpers

    func testScaledValuesAndRootCABundle() {
        XCTAssertEqual(Kit.scaledValue("25%", total: 10, roundUp: true), 3)
        XCTAssertEqual(Kit.scaledValue("25%", total: 10, roundUp: false), 2)
        XCTAssertEqual(Kit.scaledValue(4, total: 10, roundUp: true), 4)
        XCTAssertNil(Kit.scaledValue(nil, total: 10, roundUp: true))
        let bundle = RootCAPublisher.placeholderBundle(seed: 7)
        XCTAssertEqual(bundle, RootCAPublisher.placeholderBundle(seed: 7))
        XCTAssertNotEqual(bundle, RootCAPublisher.placeholderBundle(seed: 8))
        XCTAssertTrue(bundle.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        XCTAssertTrue(bundle.hasSuffix("-----END CERTIFICATE-----\n"))
        XCTAssertEqual(RootCAPublisher.base64(Array("hello!?".utf8)), Data("hello!?".utf8).base64EncodedString())
        let body = bundle.split(separator: "\n").dropFirst().dropLast().joined()
        let decoded = Data(base64Encoded: body).map { String(decoding: $0.prefix(40), as: UTF8.self) }
        XCTAssertEqual(decoded, "k8s-simulator placeholder cluster CA (se")
    }
}
