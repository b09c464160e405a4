@testable import ClusterSim
import KubeAPI
import KubeJSON
import KubeStore
import XCTest

/// Pure parts of the replicaset, deployment, garbagecollector and namespace controllers.
final class WorkloadControllerTests: XCTestCase {
    typealias M = WorkloadDeploymentMath
    typealias S = WorkloadDeploymentStatus

    // MARK: - Fixtures

    func deployment(replicas: Int = 10, maxSurge: JSON = "25%", maxUnavailable: JSON = "25%", strategy: String = "RollingUpdate",
                    generation: Int = 1, status: JSON? = nil) -> JSON
    {
        var d: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "default", "uid": "d-uid", "generation": .int(Int64(generation))],
            "spec": [
                "replicas": .int(Int64(replicas)), "progressDeadlineSeconds": 600, "revisionHistoryLimit": 10,
                "selector": ["matchLabels": ["app": "web"]],
                "strategy": ["type": .string(strategy), "rollingUpdate": ["maxSurge": maxSurge, "maxUnavailable": maxUnavailable]],
                "template": ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "c", "image": "nginx:1"]]]],
            ],
        ]
        if let status { d["status"] = status }
        return d
    }

    func replicaSet(_ name: String, replicas: Int, created: String = "2026-01-01T00:00:00Z", available: Int = 0,
                    statusReplicas: Int? = nil, annotations: [String: String] = [:]) -> JSON
    {
        var annotationObject = JSONObject()
        for (key, value) in annotations.sorted(by: { $0.key < $1.key }) { annotationObject[key] = .string(value) }
        return [
            "metadata": ["name": .string(name), "uid": .string("uid-" + name), "creationTimestamp": .string(created),
                         "annotations": .object(annotationObject)],
            "spec": ["replicas": .int(Int64(replicas))],
            "status": ["replicas": .int(Int64(statusReplicas ?? replicas)), "availableReplicas": .int(Int64(available))],
        ]
    }

    func pod(_ name: String, node: String = "n1", phase: String = "Running", ready: Bool = true,
             readySince: String = "2026-01-01T00:00:00Z", created: String = "2026-01-01T00:00:00Z", restarts: Int = 0,
             cost: String? = nil, uid: String? = nil) -> WorkloadPod
    {
        var metadata: JSONObject = ["name": .string(name), "namespace": "default", "uid": .string(uid ?? name),
                                    "creationTimestamp": .string(created), "labels": ["app": "web"]]
        if let cost { metadata["annotations"] = ["controller.kubernetes.io/pod-deletion-cost": .string(cost)] }
        var spec = JSONObject()
        if !node.isEmpty { spec["nodeName"] = .string(node) }
        return WorkloadPod([
            "metadata": .object(metadata), "spec": .object(spec),
            "status": [
                "phase": .string(phase),
                "conditions": [["type": "Ready", "status": ready ? "True" : "False", "lastTransitionTime": .string(readySince)]],
                "containerStatuses": [["name": "c", "restartCount": .int(Int64(restarts))]],
            ],
        ])
    }

    // MARK: - pod-template-hash

    func testSafeEncodeAndFNVMatchUpstream() {
        XCTAssertEqual(M.safeEncode("0123456789"), "456789bcdf")
        XCTAssertEqual(M.fnv32a([]), 0x811c_9dc5)
        XCTAssertEqual(M.fnv32a(Array("a".utf8)), 0xe40c_292c)
        XCTAssertEqual(M.fnv32a(Array("foobar".utf8)), 0xbf9c_f968)
    }

    func testPodTemplateHashIsDeterministicAndOrderIndependent() throws {
        let a = try JSONParser.parse(#"{"metadata":{"labels":{"app":"web","tier":"fe"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}"#)
        let b = try JSONParser.parse(#"{"spec":{"containers":[{"image":"nginx","name":"c"}]},"metadata":{"labels":{"tier":"fe","app":"web"}}}"#)
        let hash = M.podTemplateHash(a, collisionCount: nil)
        XCTAssertEqual(hash, M.podTemplateHash(b, collisionCount: nil))
        XCTAssertFalse(hash.isEmpty)
        XCTAssertLessThanOrEqual(hash.count, 10)
        XCTAssertTrue(hash.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
        XCTAssertNotEqual(hash, M.podTemplateHash(a, collisionCount: 1))
        var changed = a
        changed[path: "spec", "containers"] = [["name": "c", "image": "nginx:2"]]
        XCTAssertNotEqual(hash, M.podTemplateHash(changed, collisionCount: nil))
    }

    func testTemplateEqualityIgnoresHashLabelAndEmptyFields() throws {
        let template = try JSONParser.parse(#"{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}"#)
        var withHash = template
        withHash[path: "metadata", "labels", "pod-template-hash"] = "abc"
        withHash[path: "metadata", "creationTimestamp"] = .null
        XCTAssertTrue(M.equalIgnoringHash(template, withHash))
        var other = template
        other[path: "spec", "containers"] = [["name": "c", "image": "nginx:2"]]
        XCTAssertFalse(M.equalIgnoringHash(template, other))
    }

    // MARK: - Surge and unavailability

    func testFencepostsRoundSurgeUpAndUnavailabilityDown() {
        XCTAssertTrue(M.fenceposts(maxSurge: "25%", maxUnavailable: "25%", desired: 4) == (1, 1))
        XCTAssertTrue(M.fenceposts(maxSurge: "25%", maxUnavailable: "25%", desired: 3) == (1, 0))
        XCTAssertTrue(M.fenceposts(maxSurge: 2, maxUnavailable: "50%", desired: 5) == (2, 2))
        XCTAssertTrue(M.fenceposts(maxSurge: 0, maxUnavailable: 0, desired: 5) == (0, 1))
        XCTAssertTrue(M.fenceposts(maxSurge: "0%", maxUnavailable: "0%", desired: 5) == (0, 1))
        XCTAssertEqual(M.maxUnavailable(deployment(replicas: 3, maxUnavailable: 10)), 3)
        XCTAssertEqual(M.maxUnavailable(deployment(replicas: 0)), 0)
        XCTAssertEqual(M.maxSurge(deployment(replicas: 10, strategy: "Recreate")), 0)
        XCTAssertEqual(M.maxUnavailable(deployment(replicas: 10, strategy: "Recreate")), 0)
    }

    func testNewReplicaSetGrowsWithinSurge() {
        let d = deployment(replicas: 10, maxSurge: 3, maxUnavailable: 2)
        let old = replicaSet("old", replicas: 10), new = replicaSet("new", replicas: 0)
        XCTAssertEqual(M.newRSNewReplicas(d, allRSs: [old, new], newRS: new), 3)
        let grown = replicaSet("new", replicas: 3)
        XCTAssertEqual(M.newRSNewReplicas(d, allRSs: [old, grown], newRS: grown), 3, "at replicas+maxSurge: no growth")
        let shrunk = replicaSet("old", replicas: 2)
        XCTAssertEqual(M.newRSNewReplicas(d, allRSs: [shrunk, grown], newRS: grown), 10, "never beyond replicas")
        XCTAssertEqual(M.newRSNewReplicas(deployment(replicas: 4, strategy: "Recreate"), allRSs: [old, new], newRS: new), 4)
    }

    func testProportionalScalingSpreadsByShare() {
        let d = deployment(replicas: 20, maxSurge: 2, maxUnavailable: 0)
        let annotations = [M.maxReplicasAnnotation: "12"]
        let old = replicaSet("old", replicas: 8, created: "2026-01-01T00:00:00Z", annotations: annotations)
        let new = replicaSet("new", replicas: 4, created: "2026-01-02T00:00:00Z", annotations: annotations)
        let plan = M.proportionalSizes(d, active: [new, old])
        XCTAssertEqual(plan.operation, "up")
        XCTAssertEqual(plan.sizes.map(\.name), ["old", "new"])
        XCTAssertEqual(plan.sizes.map(\.size), [15, 7])

        let down = deployment(replicas: 5, maxSurge: 1, maxUnavailable: 0)
        let plan2 = M.proportionalSizes(down, active: [replicaSet("a", replicas: 6, annotations: [M.maxReplicasAnnotation: "11"]),
                                                         replicaSet("b", replicas: 5, created: "2026-01-03T00:00:00Z",
                                                                    annotations: [M.maxReplicasAnnotation: "11"])])
        XCTAssertEqual(plan2.operation, "down")
        XCTAssertEqual(plan2.sizes.reduce(0) { $0 + $1.size }, 6)
    }

    func testActiveOrLatestAndSaturation() {
        let old = replicaSet("old", replicas: 0, created: "2026-01-01T00:00:00Z")
        let newer = replicaSet("newer", replicas: 0, created: "2026-01-02T00:00:00Z")
        XCTAssertEqual(M.findActiveOrLatest(newRS: nil, oldRSs: [old, newer])?.wlName, "newer")
        XCTAssertEqual(M.findActiveOrLatest(newRS: replicaSet("n", replicas: 3), oldRSs: [old])?.wlName, "n")
        XCTAssertNil(M.findActiveOrLatest(newRS: replicaSet("n", replicas: 3), oldRSs: [replicaSet("o", replicas: 1)]))
        let d = deployment(replicas: 3)
        XCTAssertTrue(M.isSaturated(d, replicaSet("n", replicas: 3, available: 3, annotations: [M.desiredReplicasAnnotation: "3"])))
        XCTAssertFalse(M.isSaturated(d, replicaSet("n", replicas: 3, available: 2, annotations: [M.desiredReplicasAnnotation: "3"])))
    }

    // MARK: - Revisions

    func testNewReplicaSetAnnotationsOnCreateAndRollback() {
        var d = deployment(replicas: 4)
        d[path: "metadata", "annotations"] = ["kubernetes.io/change-cause": "v2", M.revisionAnnotation: "7",
                                              "kubectl.kubernetes.io/last-applied-configuration": "{}"]
        var rs = replicaSet("new", replicas: 0)
        XCTAssertTrue(M.setNewReplicaSetAnnotations(d, &rs, newRevision: 3, exists: false))
        let created = rs.wlAnnotations
        XCTAssertEqual(created[M.revisionAnnotation], "3")
        XCTAssertEqual(created[M.desiredReplicasAnnotation], "4")
        XCTAssertEqual(created[M.maxReplicasAnnotation], "5")
        XCTAssertEqual(created["kubernetes.io/change-cause"], "v2")
        XCTAssertNil(created["kubectl.kubernetes.io/last-applied-configuration"])
        XCTAssertNil(created[M.revisionHistoryAnnotation])

        // Rolling back to it later: revision 5, history keeps 3.
        XCTAssertTrue(M.setNewReplicaSetAnnotations(d, &rs, newRevision: 5, exists: true))
        XCTAssertEqual(rs.wlAnnotations[M.revisionAnnotation], "5")
        XCTAssertEqual(rs.wlAnnotations[M.revisionHistoryAnnotation], "3")
        XCTAssertTrue(M.setNewReplicaSetAnnotations(d, &rs, newRevision: 8, exists: true))
        XCTAssertEqual(rs.wlAnnotations[M.revisionHistoryAnnotation], "3,5")
        XCTAssertFalse(M.setNewReplicaSetAnnotations(d, &rs, newRevision: 8, exists: true), "nothing to change")
    }

    func testOrderingByRevisionThenCreation() {
        let a = replicaSet("a", replicas: 0, created: "2026-01-02T00:00:00Z", annotations: [M.revisionAnnotation: "2"])
        let b = replicaSet("b", replicas: 0, created: "2026-01-01T00:00:00Z", annotations: [M.revisionAnnotation: "3"])
        let c = replicaSet("c", replicas: 0, created: "2026-01-01T00:00:00Z", annotations: [M.revisionAnnotation: "2"])
        XCTAssertEqual([a, b, c].sorted(by: M.byRevision).map(\.wlName), ["c", "a", "b"])
        XCTAssertEqual([a, b, c].sorted(by: M.byCreation).map(\.wlName), ["b", "c", "a"])
    }

    // MARK: - Deployment status

    func testStatusAndConditionMessages() {
        let clock = SimulatedClock(scale: 1)
        let d = deployment(replicas: 3, generation: 2)
        let rs = replicaSet("web-abc", replicas: 3, available: 3)
        var ready = rs
        ready[path: "status", "readyReplicas"] = 3
        let status = S.rollout(d, allRSs: [ready], newRS: ready, clock: clock)
        XCTAssertEqual(status.observedGeneration, 2)
        XCTAssertEqual(status.replicas, 3)
        XCTAssertEqual(status.updatedReplicas, 3)
        XCTAssertEqual(status.readyReplicas, 3)
        XCTAssertEqual(status.availableReplicas, 3)
        XCTAssertEqual(status.unavailableReplicas, 0)
        XCTAssertEqual(status.condition("Available")?["reason"], "MinimumReplicasAvailable")
        XCTAssertEqual(status.condition("Available")?["message"], "Deployment has minimum availability.")
        XCTAssertEqual(status.condition("Progressing")?["reason"], "NewReplicaSetAvailable")
        XCTAssertEqual(status.condition("Progressing")?["message"], "ReplicaSet \"web-abc\" has successfully progressed.")
        XCTAssertNil(status.json["unavailableReplicas"], "zero counts are left out")

        let rolling = S.rollout(d, allRSs: [replicaSet("web-abc", replicas: 3, available: 1)],
                                newRS: replicaSet("web-abc", replicas: 3, available: 1), clock: clock)
        XCTAssertEqual(rolling.condition("Available")?["reason"], "MinimumReplicasUnavailable")
        XCTAssertEqual(rolling.condition("Available")?["message"], "Deployment does not have minimum availability.")
        XCTAssertEqual(rolling.condition("Progressing")?["reason"], "ReplicaSetUpdated")
        XCTAssertEqual(rolling.condition("Progressing")?["message"], "ReplicaSet \"web-abc\" is progressing.")
        XCTAssertEqual(rolling.unavailableReplicas, 2)
    }

    func testProgressDeadlineExceeded() {
        let clock = SimulatedClock(scale: 1)
        let longAgo = JSON.string(Timestamp.rfc3339(Timestamp.now() - 700))
        let status: JSON = ["observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "conditions": [
            ["type": "Progressing", "status": "True", "lastUpdateTime": longAgo, "lastTransitionTime": longAgo,
             "reason": "ReplicaSetUpdated", "message": "ReplicaSet \"web-abc\" is progressing."],
        ]]
        let d = deployment(replicas: 1, status: status)
        let stuck = replicaSet("web-abc", replicas: 1, available: 0)
        let result = S.rollout(d, allRSs: [stuck], newRS: stuck, clock: clock)
        XCTAssertEqual(result.condition("Progressing")?["status"], "False")
        XCTAssertEqual(result.condition("Progressing")?["reason"], "ProgressDeadlineExceeded")
        XCTAssertEqual(result.condition("Progressing")?["message"], "ReplicaSet \"web-abc\" has timed out progressing.")
        XCTAssertNil(S.secondsUntilDeadline(d, result, clock: clock))
    }

    func testReplicaFailureIsCopiedFromReplicaSet() {
        var rs = replicaSet("web-abc", replicas: 2, available: 0)
        rs[path: "status", "conditions"] = [["type": "ReplicaFailure", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z",
                                             "reason": "FailedCreate", "message": "pods \"x\" is forbidden: quota"]]
        let status = S.rollout(deployment(replicas: 2), allRSs: [rs], newRS: rs, clock: SimulatedClock(scale: 1))
        XCTAssertEqual(status.condition("ReplicaFailure")?["reason"], "FailedCreate")
        XCTAssertEqual(status.condition("ReplicaFailure")?["lastUpdateTime"], "2026-01-01T00:00:00Z")
    }

    func testConditionKeepsTransitionTimeWhileStatusHolds() {
        var conditions: [JSON] = [["type": "Progressing", "status": "True", "lastUpdateTime": "t0", "lastTransitionTime": "t0",
                                   "reason": "NewReplicaSetCreated", "message": "Created new replica set \"a\""]]
        WorkloadConditions.set(&conditions, ["type": "Progressing", "status": "True", "lastUpdateTime": "t1",
                                             "lastTransitionTime": "t1", "reason": "NewReplicaSetCreated", "message": "other"])
        XCTAssertEqual(conditions[0]["message"], "Created new replica set \"a\"", "same status and reason: untouched")
        WorkloadConditions.set(&conditions, ["type": "Progressing", "status": "True", "lastUpdateTime": "t2",
                                             "lastTransitionTime": "t2", "reason": "ReplicaSetUpdated", "message": "m"])
        XCTAssertEqual(conditions[0]["lastTransitionTime"], "t0")
        XCTAssertEqual(conditions[0]["lastUpdateTime"], "t2")
        WorkloadConditions.set(&conditions, ["type": "Progressing", "status": "False", "lastUpdateTime": "t3",
                                             "lastTransitionTime": "t3", "reason": "ProgressDeadlineExceeded", "message": "m"])
        XCTAssertEqual(conditions[0]["lastTransitionTime"], "t3")
    }

    // MARK: - ReplicaSet

    func testScaleDownOrder() {
        let now = Timestamp.parse("2026-01-01T01:00:00Z")!
        let pods = [
            pod("running-old", readySince: "2026-01-01T00:00:00Z", created: "2026-01-01T00:00:00Z"),
            pod("unscheduled", node: "", phase: "Pending", ready: false),
            pod("pending", phase: "Pending", ready: false),
            pod("not-ready", ready: false),
            pod("costly", cost: "100"),
            pod("cheap", cost: "-100"),
            pod("running-new", readySince: "2026-01-01T00:59:59Z", created: "2026-01-01T00:59:00Z"),
        ]
        let order = WorkloadPodRanking.podsToDelete(pods, related: pods, count: 6, now: now).map(\.name)
        XCTAssertEqual(order, ["unscheduled", "pending", "not-ready", "cheap", "running-new", "running-old"])
        XCTAssertEqual(WorkloadPodRanking.podsToDelete(pods, related: pods, count: 10, now: now).count, pods.count)
    }

    func testScaleDownPrefersCrowdedNodesAndRestarts() {
        let now = Timestamp.parse("2026-01-01T01:00:00Z")!
        let lonely = pod("lonely", node: "a")
        let crowded = [pod("crowded-1", node: "b"), pod("crowded-2", node: "b")]
        XCTAssertEqual(WorkloadPodRanking.podsToDelete([lonely] + crowded, related: [lonely] + crowded, count: 1, now: now)
            .first?.name.hasPrefix("crowded"), true)
        let restarted = pod("restarted", node: "c", restarts: 4), steady = pod("steady", node: "d")
        XCTAssertEqual(WorkloadPodRanking.podsToDelete([steady, restarted], related: [steady, restarted], count: 1, now: now)
            .first?.name, "restarted")
    }

    func testPodAvailabilityHonoursMinReadySeconds() {
        let since = Timestamp.parse("2026-01-01T00:00:00Z")!
        let ready = pod("p", readySince: "2026-01-01T00:00:00Z")
        XCTAssertTrue(ready.available(minReadySeconds: 0, wallNow: since, scale: 1))
        XCTAssertFalse(ready.available(minReadySeconds: 10, wallNow: since + 5, scale: 1))
        XCTAssertTrue(ready.available(minReadySeconds: 10, wallNow: since + 11, scale: 1))
        XCTAssertTrue(ready.available(minReadySeconds: 10, wallNow: since + 0.2, scale: 100), "simulated time")
        XCTAssertFalse(pod("q", ready: false).available(minReadySeconds: 0, wallNow: since, scale: 1))
    }

    func testPodFromTemplateIsOwnedByTheReplicaSet() {
        let rs: JSON = [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": ["name": "web-abc", "namespace": "prod", "uid": "rs-uid"],
            "spec": ["template": ["metadata": ["labels": ["app": "web"], "annotations": ["a": "b"]],
                                  "spec": ["containers": [["name": "c", "image": "nginx"]]]]],
        ]
        let p = ReplicaSetController.pod(from: rs, name: "web-abc-xyz12")
        XCTAssertEqual(p.wlName, "web-abc-xyz12")
        XCTAssertEqual(p.wlString("metadata", "generateName"), "web-abc-")
        XCTAssertEqual(p.wlNamespace, "prod")
        XCTAssertEqual(p.wlLabels, ["app": "web"])
        XCTAssertEqual(p.wlAnnotations, ["a": "b"])
        let owner = p.wlControllerRef
        XCTAssertEqual(owner?.uid, "rs-uid")
        XCTAssertEqual(owner?.kind, "ReplicaSet")
        XCTAssertEqual(owner?.apiVersion, "apps/v1")
        XCTAssertEqual(owner?.blockOwnerDeletion, true)
        XCTAssertEqual(p[path: "spec", "containers"]?.arrayValue?.count, 1)
    }

    func testReplicaSetStatus() {
        let rs: JSON = [
            "metadata": ["name": "web-abc", "generation": 3],
            "spec": ["replicas": 3, "template": ["metadata": ["labels": ["app": "web", "tier": "fe"]]]],
            "status": ["replicas": 0],
        ]
        let pods = [pod("a"), pod("b", ready: false)]
        let status = ReplicaSetController.status(rs, owned: pods, replicas: 3, manageError: "quota exceeded",
                                                 wallNow: Timestamp.now(), scale: 1)
        XCTAssertEqual(status["replicas"], 2)
        XCTAssertNil(status["fullyLabeledReplicas"], "pods lack the tier label; zero is left out")
        XCTAssertEqual(status["readyReplicas"], 1)
        XCTAssertEqual(status["availableReplicas"], 1)
        XCTAssertEqual(status["observedGeneration"], 3)
        let failure = status["conditions"]?.arrayValue?.first
        XCTAssertEqual(failure?["type"], "ReplicaFailure")
        XCTAssertEqual(failure?["reason"], "FailedCreate")
        XCTAssertEqual(failure?["message"], "quota exceeded")
        var healed = rs
        healed["status"] = status
        let cleared = ReplicaSetController.status(healed, owned: pods, replicas: 2, manageError: nil, wallNow: Timestamp.now(), scale: 1)
        XCTAssertNil(cleared["conditions"])
    }

    func testLabelMatcherAgreesWithSelectors() throws {
        let plain = try XCTUnwrap(WorkloadLabelMatcher(["matchLabels": ["app": "web"]]))
        XCTAssertNotNil(plain.equalities)
        XCTAssertTrue(plain.matches(["app": "web", "x": "y"]))
        XCTAssertFalse(plain.matches(["app": "db"]))
        let expressions = try XCTUnwrap(WorkloadLabelMatcher(["matchExpressions": [["key": "tier", "operator": "In", "values": ["fe"]]]]))
        XCTAssertNil(expressions.equalities)
        XCTAssertTrue(expressions.matches(["tier": "fe"]))
        XCTAssertFalse(expressions.matches(["tier": "be"]))
        XCTAssertTrue(try XCTUnwrap(WorkloadLabelMatcher(.object(JSONObject()))).matches(["any": "thing"]), "{} selects everything")
        XCTAssertFalse(try XCTUnwrap(WorkloadLabelMatcher(nil)).matches(["any": "thing"]), "no selector selects nothing")
    }

    func testClaimDecisions() {
        typealias C = WorkloadClaims
        XCTAssertEqual(C.decide(controllerUID: "a", controllerDeleting: false, objectDeleting: false, objectControllerUID: "a", matches: true), .owned)
        XCTAssertEqual(C.decide(controllerUID: "a", controllerDeleting: false, objectDeleting: false, objectControllerUID: "a", matches: false), .release)
        XCTAssertEqual(C.decide(controllerUID: "a", controllerDeleting: true, objectDeleting: false, objectControllerUID: "a", matches: false), .ignore)
        XCTAssertEqual(C.decide(controllerUID: "a", controllerDeleting: false, objectDeleting: false, objectControllerUID: "b", matches: true), .ignore)
        XCTAssertEqual(C.decide(controllerUID: "a", controllerDeleting: false, objectDeleting: false, objectControllerUID: nil, matches: true), .adopt)
        XCTAssertEqual(C.decide(controllerUID: "a", controllerDeleting: false, objectDeleting: true, objectControllerUID: nil, matches: true), .ignore)
        XCTAssertEqual(C.decide(controllerUID: "a", controllerDeleting: true, objectDeleting: false, objectControllerUID: nil, matches: true), .ignore)
    }

    // MARK: - Garbage collector

    func testGarbageCollectorDecisions() {
        typealias G = GarbageCollectorDecision
        XCTAssertEqual(G.decide(owners: [], hasDependents: false, dependentWaitsOnIt: false, finalizers: []), .nothing)
        XCTAssertEqual(G.decide(owners: [("a", .present)], hasDependents: false, dependentWaitsOnIt: false, finalizers: []), .nothing)
        XCTAssertEqual(G.decide(owners: [("a", .present), ("b", .absent)], hasDependents: false, dependentWaitsOnIt: false,
                                finalizers: []), .removeReferences(["b"]))
        XCTAssertEqual(G.decide(owners: [("a", .absent)], hasDependents: true, dependentWaitsOnIt: false, finalizers: []),
                       .delete(.background))
        XCTAssertEqual(G.decide(owners: [("a", .absent)], hasDependents: false, dependentWaitsOnIt: false, finalizers: ["orphan"]),
                       .delete(.orphan))
        XCTAssertEqual(G.decide(owners: [("a", .waiting)], hasDependents: true, dependentWaitsOnIt: false, finalizers: []),
                       .deleteForeground(unblock: []))
        XCTAssertEqual(G.decide(owners: [("a", .waiting)], hasDependents: true, dependentWaitsOnIt: true, finalizers: []),
                       .deleteForeground(unblock: ["a"]))
        XCTAssertEqual(G.decide(owners: [("a", .waiting)], hasDependents: false, dependentWaitsOnIt: false, finalizers: []),
                       .delete(.background))
        XCTAssertEqual(G.decide(owners: [("a", .unknown)], hasDependents: false, dependentWaitsOnIt: false, finalizers: []), .nothing)
    }

    func testGarbageCollectorGraphTellsWhatToLookAt() {
        let graph = GarbageCollectorGraph()
        let rsKey = ObjectKey(resource: "apps/replicasets", namespace: "default", name: "rs")
        let podKey = ObjectKey(resource: "/pods", namespace: "default", name: "p")
        let rs: JSON = ["metadata": ["name": "rs", "namespace": "default", "uid": "rs-uid"]]
        let pod: JSON = ["metadata": ["name": "p", "namespace": "default", "uid": "p-uid", "ownerReferences": [
            ["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "rs-uid", "controller": true, "blockOwnerDeletion": true],
        ]]]
        XCTAssertEqual(graph.upsert("p-uid", GarbageCollectorNode(ref: .pods, object: pod), key: podKey), ["p-uid"],
                       "owner not seen yet: check it")
        XCTAssertEqual(graph.upsert("rs-uid", GarbageCollectorNode(ref: .replicaSets, object: rs), key: rsKey), [])
        var deleting = rs
        deleting[path: "metadata", "deletionTimestamp"] = "2026-01-01T00:00:00Z"
        deleting[path: "metadata", "finalizers"] = ["foregroundDeletion"]
        XCTAssertEqual(Set(graph.upsert("rs-uid", GarbageCollectorNode(ref: .replicaSets, object: deleting), key: rsKey)),
                       ["rs-uid", "p-uid"], "foreground deletion: the owner and its dependents")
        XCTAssertEqual(graph.dependents(of: "rs-uid").map(\.uid), ["p-uid"])
        XCTAssertEqual(graph.remove("p-uid", key: podKey), ["rs-uid"], "a blocking dependent went: re-check the owner")
        XCTAssertFalse(graph.hasDependents("rs-uid"))
        XCTAssertEqual(graph.uid(rsKey), "rs-uid")
    }

    func testGarbageCollectorSignatureSeesOnlyOwnershipAndDeletion() {
        let base = #"{"metadata":{"name":"p","ownerReferences":[{"uid":"a","name":"x"}],"finalizers":["f"]},"status":{"phase":"Pending"}}"#
        let statusOnly = #"{"metadata":{"name":"p","ownerReferences":[{"uid":"a","name":"x"}],"finalizers":["f"]},"status":{"phase":"Running"}}"#
        let newOwner = #"{"metadata":{"name":"p","ownerReferences":[{"uid":"b","name":"x"}],"finalizers":["f"]},"status":{"phase":"Running"}}"#
        let deleting = #"{"metadata":{"name":"p","deletionTimestamp":"2026-01-01T00:00:00Z","ownerReferences":[{"uid":"a","name":"x"}],"finalizers":["f"]},"status":{"phase":"Pending"}}"#
        let escaped = #"{"metadata":{"name":"p","ownerReferences":[{"uid":"a","name":"x"}],"finalizers":["f"],"annotations":{"a":"\"finalizers\":[1]"}},"status":{}}"#
        func sig(_ s: String) -> [UInt8] { GarbageCollectorSignature.of(Array(s.utf8)) }
        XCTAssertEqual(sig(base), sig(statusOnly))
        XCTAssertNotEqual(sig(base), sig(newOwner))
        XCTAssertNotEqual(sig(base), sig(deleting))
        XCTAssertEqual(sig(base), sig(escaped), "quotes escaped inside strings never match")
    }

    // MARK: - Namespace

    func testNamespaceConditionMessages() {
        let failing = NamespaceDeletionConditions.conditions(
            contentErrors: [], remainingByResource: ["pods.": 2, "replicasets.apps": 1, "secrets.": 0],
            remainingByFinalizer: ["example.com/hold": 1])
        XCTAssertEqual(failing["NamespaceContentRemaining"]?.reason, "SomeResourcesRemain")
        XCTAssertEqual(failing["NamespaceContentRemaining"]?.message,
                       "Some resources are remaining: pods. has 2 resource instances, replicasets.apps has 1 resource instances")
        XCTAssertEqual(failing["NamespaceFinalizersRemaining"]?.message,
                       "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances")
        var conditions: [JSON] = []
        XCTAssertTrue(NamespaceDeletionConditions.update(&conditions, with: failing, now: "t0"))
        XCTAssertEqual(conditions.map { $0["type"]?.stringValue ?? "" }, NamespaceDeletionConditions.types)
        XCTAssertEqual(conditions[0]["status"], "False")
        XCTAssertEqual(conditions[0]["message"], "All resources successfully discovered")
        XCTAssertEqual(conditions[3]["status"], "True")
        XCTAssertFalse(NamespaceDeletionConditions.update(&conditions, with: failing, now: "t1"), "unchanged")
        XCTAssertTrue(NamespaceDeletionConditions.update(&conditions, with: [:], now: "t2"))
        XCTAssertEqual(conditions[3]["status"], "False")
        XCTAssertEqual(conditions[3]["reason"], "ContentRemoved")
        XCTAssertEqual(conditions[3]["lastTransitionTime"], "t2")
        XCTAssertEqual(conditions[0]["lastTransitionTime"], "t0")
        let errors = NamespaceDeletionConditions.conditions(contentErrors: ["b", "a"], remainingByResource: [:], remainingByFinalizer: [:])
        XCTAssertEqual(errors["NamespaceDeletionContentFailure"]?.message, "Failed to delete all resource types, 2 remaining: a, b")
    }
}
