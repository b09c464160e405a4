import KubeAPI
import KubeJSON

/// A Deployment's status as the deployment controller computes it (calculateStatus, syncRolloutStatus).
struct WorkloadDeploymentStatus: Equatable {
    var observedGeneration = 0
    var replicas = 0
    var updatedReplicas = 0
    var readyReplicas = 0
    var availableReplicas = 0
    var unavailableReplicas = 0
    var conditions: [JSON] = []
    var collisionCount: Int?

    static let progressing = "Progressing"
    static let available = "Available"
    static let replicaFailure = "ReplicaFailure"
    static let timedOutReason = "ProgressDeadlineExceeded"
    static let newRSAvailableReason = "NewReplicaSetAvailable"

    init() {}

    init(_ status: JSON?) {
        observedGeneration = status?.wlInt("observedGeneration") ?? 0
        replicas = status?.wlInt("replicas") ?? 0
        updatedReplicas = status?.wlInt("updatedReplicas") ?? 0
        readyReplicas = status?.wlInt("readyReplicas") ?? 0
        availableReplicas = status?.wlInt("availableReplicas") ?? 0
        unavailableReplicas = status?.wlInt("unavailableReplicas") ?? 0
        conditions = status?["conditions"]?.arrayValue ?? []
        collisionCount = status?.wlOptionalInt("collisionCount")
    }

    /// The JSON form, zero fields left out as Go's omitempty does.
    var json: JSON {
        var object = JSONObject()
        func put(_ key: String, _ value: Int) { if value != 0 { object[key] = .int(Int64(value)) } }
        put("observedGeneration", observedGeneration)
        put("replicas", replicas)
        put("updatedReplicas", updatedReplicas)
        put("readyReplicas", readyReplicas)
        put("availableReplicas", availableReplicas)
        put("unavailableReplicas", unavailableReplicas)
        if !conditions.isEmpty { object["conditions"] = .array(conditions) }
        if let collisionCount { object["collisionCount"] = .int(Int64(collisionCount)) }
        return .object(object)
    }

    func condition(_ type: String) -> JSON? { WorkloadConditions.find(conditions, type) }

    static func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSON {
        let now = JSON.string(WorkloadTime.nowString())
        return ["type": .string(type), "status": .string(status), "lastUpdateTime": now, "lastTransitionTime": now,
                "reason": .string(reason), "message": .string(message)]
    }

    static func hasProgressDeadline(_ d: JSON) -> Bool {
        guard let seconds = d.wlOptionalInt("spec", "progressDeadlineSeconds") else { return false }
        return seconds != Int(Int32.max)
    }

    /// calculateStatus: counts summed over the ReplicaSets, and Available from minimum availability.
    static func calculate(_ d: JSON, allRSs: [JSON], newRS: JSON?) -> WorkloadDeploymentStatus {
        typealias M = WorkloadDeploymentMath
        let available = M.statusTotal(allRSs, "availableReplicas")
        var status = WorkloadDeploymentStatus(d["status"])
        status.observedGeneration = d.wlGeneration
        status.replicas = M.statusTotal(allRSs, "replicas")
        status.updatedReplicas = newRS.map { M.statusTotal([$0], "replicas") } ?? 0
        status.readyReplicas = M.statusTotal(allRSs, "readyReplicas")
        status.availableReplicas = available
        status.unavailableReplicas = max(M.specTotal(allRSs) - available, 0)
        if available >= M.replicas(d) - M.maxUnavailable(d) {
            WorkloadConditions.set(&status.conditions, condition(Self.available, "True", "MinimumReplicasAvailable",
                                                                 "Deployment has minimum availability."))
        } else {
            WorkloadConditions.set(&status.conditions, condition(Self.available, "False", "MinimumReplicasUnavailable",
                                                                 "Deployment does not have minimum availability."))
        }
        return status
    }

    /// DeploymentComplete.
    static func complete(_ d: JSON, _ s: WorkloadDeploymentStatus) -> Bool {
        let want = WorkloadDeploymentMath.replicas(d)
        return s.updatedReplicas == want && s.replicas == want && s.availableReplicas == want
            && s.observedGeneration >= d.wlGeneration
    }

    /// DeploymentProgressing: more updated, fewer old, more ready or more available replicas than last time.
    static func progressing(_ d: JSON, _ s: WorkloadDeploymentStatus) -> Bool {
        let old = WorkloadDeploymentStatus(d["status"])
        return s.updatedReplicas > old.updatedReplicas || (s.replicas - s.updatedReplicas) < (old.replicas - old.updatedReplicas)
            || s.readyReplicas > old.readyReplicas || s.availableReplicas > old.availableReplicas
    }

    /// DeploymentTimedOut: no progress for progressDeadlineSeconds (simulated) since the condition last moved.
    static func timedOut(_ d: JSON, _ s: WorkloadDeploymentStatus, clock: SimulatedClock) -> Bool {
        guard hasProgressDeadline(d), let condition = s.condition(progressing) else { return false }
        let reason = condition["reason"]?.stringValue
        if reason == newRSAvailableReason { return false }
        if reason == timedOutReason { return true }
        guard let elapsed = WorkloadTime.simulatedSince(condition["lastUpdateTime"]?.stringValue ?? "", clock: clock) else {
            return false
        }
        return elapsed > Double(d.wlInt("spec", "progressDeadlineSeconds"))
    }

    /// syncRolloutStatus's computation: the status plus Progressing (complete, progressing or timed out) and the
    /// first ReplicaFailure of the ReplicaSets.
    static func rollout(_ d: JSON, allRSs: [JSON], newRS: JSON?, clock: SimulatedClock) -> WorkloadDeploymentStatus {
        var status = calculate(d, allRSs: allRSs, newRS: newRS)
        let hasDeadline = hasProgressDeadline(d)
        if !hasDeadline { status.conditions = WorkloadConditions.removing(status.conditions, progressing) }
        let current = WorkloadDeploymentStatus(d["status"]).condition(progressing)
        let isComplete = status.replicas == status.updatedReplicas
            && current?["reason"]?.stringValue == newRSAvailableReason
        if hasDeadline && !isComplete {
            if complete(d, status) {
                let message = newRS.map { "ReplicaSet \"\($0.wlName)\" has successfully progressed." }
                    ?? "Deployment \"\(d.wlName)\" has successfully progressed."
                WorkloadConditions.set(&status.conditions, condition(progressing, "True", newRSAvailableReason, message))
            } else if progressing(d, status) {
                let message = newRS.map { "ReplicaSet \"\($0.wlName)\" is progressing." }
                    ?? "Deployment \"\(d.wlName)\" is progressing."
                var updated = condition(progressing, "True", "ReplicaSetUpdated", message)
                // A progressing deployment refreshes lastUpdateTime; lastTransitionTime stays while True.
                if let current {
                    if current["status"]?.stringValue == "True" { updated["lastTransitionTime"] = current["lastTransitionTime"] }
                    status.conditions = WorkloadConditions.removing(status.conditions, progressing)
                }
                WorkloadConditions.set(&status.conditions, updated)
            } else if timedOut(d, status, clock: clock) {
                let message = newRS.map { "ReplicaSet \"\($0.wlName)\" has timed out progressing." }
                    ?? "Deployment \"\(d.wlName)\" has timed out progressing."
                WorkloadConditions.set(&status.conditions, condition(progressing, "False", timedOutReason, message))
            }
        }
        if let failure = replicaFailures(allRSs: allRSs, newRS: newRS).first {
            WorkloadConditions.set(&status.conditions, failure)
        } else {
            status.conditions = WorkloadConditions.removing(status.conditions, replicaFailure)
        }
        return status
    }

    /// getReplicaFailures: ReplicaFailure conditions of the new ReplicaSet first, then of the others.
    static func replicaFailures(allRSs: [JSON], newRS: JSON?) -> [JSON] {
        var ordered: [JSON] = newRS.map { [$0] } ?? []
        ordered += allRSs.filter { $0.wlUID != newRS?.wlUID }
        var failures: [JSON] = []
        for rs in ordered {
            for c in rs[path: "status", "conditions"]?.arrayValue ?? [] where c["type"]?.stringValue == replicaFailure {
                let since = c["lastTransitionTime"] ?? .null
                failures.append(["type": .string(replicaFailure), "status": c["status"] ?? "True", "lastUpdateTime": since,
                                 "lastTransitionTime": since, "reason": c["reason"] ?? "", "message": c["message"] ?? ""])
            }
        }
        return failures
    }

    /// requeueStuckDeployment: simulated seconds until the progress deadline would pass, when it matters.
    static func secondsUntilDeadline(_ d: JSON, _ s: WorkloadDeploymentStatus, clock: SimulatedClock) -> Double? {
        guard hasProgressDeadline(d), let condition = s.condition(progressing) else { return nil }
        if complete(d, s) || condition["reason"]?.stringValue == timedOutReason { return nil }
        guard let elapsed = WorkloadTime.simulatedSince(condition["lastUpdateTime"]?.stringValue ?? "", clock: clock) else {
            return nil
        }
        return max(Double(d.wlInt("spec", "progressDeadlineSeconds")) - elapsed, 0) + 1
    }
}
