import KubeAPI
import KubeJSON

/// The strategies and the status steps of a deployment sync (rolling.go, recreate.go, sync.go, progress.go).
extension DeploymentRun {
    // MARK: - Rolling update

    func rolloutRolling() async throws(APIError) {
        let (created, oldRSs) = try await newAndOld(create: true)
        guard let newRS = created else { return }
        let all = { self.rsList.filter { rs in oldRSs.contains { $0.wlUID == rs.wlUID } || rs.wlUID == newRS.wlUID } }
        if try await reconcileNewReplicaSet(all(), newRS) {
            try await syncRolloutStatus(all(), latest(newRS))
            return
        }
        let activeOld = oldRSs.map(latest).filter { M.rsReplicas($0) > 0 }
        if try await reconcileOldReplicaSets(all(), activeOld, latest(newRS)) {
            try await syncRolloutStatus(all(), latest(newRS))
            return
        }
        if S.complete(d, S(d["status"])) { try await cleanup(oldRSs.map(latest)) }
        try await syncRolloutStatus(all(), latest(newRS))
    }

    private func reconcileNewReplicaSet(_ all: [JSON], _ newRS: JSON) async throws(APIError) -> Bool {
        let want = M.replicas(d)
        if M.rsReplicas(newRS) == want { return false }
        if M.rsReplicas(newRS) > want { return try await scale(newRS, to: want).scaled }
        return try await scale(newRS, to: M.newRSNewReplicas(d, allRSs: all, newRS: newRS)).scaled
    }

    /// Scales old ReplicaSets down as far as availability allows: unhealthy replicas first, then ready ones while
    /// more than replicas-maxUnavailable stay available.
    private func reconcileOldReplicaSets(_ all: [JSON], _ oldRSs: [JSON], _ newRS: JSON) async throws(APIError) -> Bool {
        if M.specTotal(oldRSs) == 0 { return false }
        let minAvailable = M.replicas(d) - M.maxUnavailable(d)
        let newUnavailable = M.rsReplicas(newRS) - newRS.wlInt("status", "availableReplicas")
        let maxScaledDown = M.specTotal(all) - minAvailable - newUnavailable
        if maxScaledDown <= 0 { return false }
        let cleaned = try await cleanupUnhealthyReplicas(oldRSs, max: maxScaledDown)
        let scaledDown = try await scaleDownOldReplicaSetsForRollingUpdate(cleaned.rss + [latest(newRS)], cleaned.rss)
        return cleaned.count + scaledDown > 0
    }

    private func cleanupUnhealthyReplicas(_ oldRSs: [JSON], max maxCleanup: Int) async throws(APIError) -> (rss: [JSON], count: Int) {
        var rss = oldRSs.sorted(by: M.byCreation)
        var total = 0
        for i in rss.indices {
            if total >= maxCleanup { break }
            let rs = rss[i]
            let replicas = M.rsReplicas(rs), available = rs.wlInt("status", "availableReplicas")
            if replicas == 0 || replicas == available { continue }
            let count = min(maxCleanup - total, replicas - available)
            rss[i] = try await scale(rs, to: replicas - count).rs
            total += count
        }
        return (rss, total)
    }

    private func scaleDownOldReplicaSetsForRollingUpdate(_ all: [JSON], _ oldRSs: [JSON]) async throws(APIError) -> Int {
        let minAvailable = M.replicas(d) - M.maxUnavailable(d)
        let available = M.statusTotal(all, "availableReplicas")
        if available <= minAvailable { return 0 }
        let target = available - minAvailable
        var total = 0
        for rs in oldRSs.sorted(by: M.byCreation) {
            if total >= target { break }
            let replicas = M.rsReplicas(rs)
            if replicas == 0 { continue }
            let count = min(replicas, target - total)
            try await scale(rs, to: replicas - count)
            total += count
        }
        return total
    }

    // MARK: - Recreate

    func rolloutRecreate() async throws(APIError) {
        var (newRS, oldRSs) = try await newAndOld(create: false)
        var scaledDown = false
        for rs in oldRSs.map(latest) where M.rsReplicas(rs) > 0 {
            if try await scale(rs, to: 0).scaled { scaledDown = true }
        }
        if scaledDown || oldPodsRunning(newRS: newRS, oldRSs: oldRSs.map(latest)) {
            try await syncRolloutStatus(oldRSs.map(latest) + (newRS.map { [latest($0)] } ?? []), newRS.map(latest))
            return
        }
        if newRS == nil { (newRS, oldRSs) = try await newAndOld(create: true) }
        guard let created = newRS else { return }
        try await scale(created, to: M.replicas(d))
        if S.complete(d, S(d["status"])) { try await cleanup(oldRSs.map(latest)) }
        try await syncRolloutStatus(oldRSs.map(latest) + [latest(created)], latest(created))
    }

    /// oldPodsRunning: old ReplicaSets still report pods, or pods of theirs that have not finished still exist
    /// (terminating ones included: Recreate means the old pods are gone before new ones start).
    private func oldPodsRunning(newRS: JSON?, oldRSs: [JSON]) -> Bool {
        if M.statusTotal(oldRSs, "replicas") > 0 { return true }
        guard !selector.isEmpty, !selector.matchesNothing else { return false }
        let owners = Set(rsList.map(\.wlUID)).subtracting(newRS.map { [$0.wlUID] } ?? [])
        for pod in client.list(.pods, namespace: d.wlNamespace, labelSelector: selector.description) {
            guard let owner = pod.wlControllerRef?.uid, owners.contains(owner) else { continue }
            let phase = pod.wlString("status", "phase")
            if phase == "Failed" || phase == "Succeeded" { continue }
            return true
        }
        return false
    }

    // MARK: - Scaling events and pausing

    /// isScalingEvent: an active ReplicaSet was sized for another replica count than the deployment's.
    func isScalingEvent() async throws(APIError) -> Bool {
        let (newRS, oldRSs) = try await newAndOld(create: false)
        for rs in oldRSs + (newRS.map { [$0] } ?? []) where M.rsReplicas(latest(rs)) > 0 {
            guard let desired = Int(latest(rs).wlAnnotations[M.desiredReplicasAnnotation] ?? "") else { continue }
            if desired != M.replicas(d) { return true }
        }
        return false
    }

    /// sync: scale without rolling (paused deployments and scaling events).
    func sync() async throws(APIError) {
        let (newRS, oldRSs) = try await newAndOld(create: false)
        try await scaleForSync(newRS: newRS, oldRSs: oldRSs)
        if d[path: "spec", "paused"]?.boolValue == true { try await cleanup(oldRSs.map(latest)) }
        try await syncDeploymentStatus(oldRSs.map(latest) + (newRS.map { [latest($0)] } ?? []), newRS.map(latest))
    }

    /// scale: the one active (or latest) ReplicaSet takes the new count; in mid-rollout the difference is spread
    /// proportionally.
    private func scaleForSync(newRS: JSON?, oldRSs: [JSON]) async throws(APIError) {
        let newRS = newRS.map(latest), oldRSs = oldRSs.map(latest)
        if let only = M.findActiveOrLatest(newRS: newRS, oldRSs: oldRSs) {
            if M.rsReplicas(only) == M.replicas(d) { return }
            try await scale(only, to: M.replicas(d))
            return
        }
        if M.isSaturated(d, newRS) {
            for rs in oldRSs where M.rsReplicas(rs) > 0 { try await scale(rs, to: 0) }
            return
        }
        guard M.isRollingUpdate(d) else { return }
        let active = (oldRSs + (newRS.map { [$0] } ?? [])).filter { M.rsReplicas($0) > 0 }
        let plan = M.proportionalSizes(d, active: active)
        for (name, size) in plan.sizes {
            guard let rs = active.first(where: { $0.wlName == name }) else { continue }
            try await scale(rs, to: size, operation: plan.operation)
        }
    }

    /// checkPausedConditions: Progressing Unknown with DeploymentPaused / DeploymentResumed.
    func checkPausedConditions() async throws(APIError) {
        guard S.hasProgressDeadline(d) else { return }
        let condition = S(d["status"]).condition(S.progressing)
        if condition?["reason"]?.stringValue == S.timedOutReason { return }
        let pausedShown = condition?["reason"]?.stringValue == "DeploymentPaused"
        let paused = d[path: "spec", "paused"]?.boolValue == true
        if paused && !pausedShown {
            setCondition(S.condition(S.progressing, "Unknown", "DeploymentPaused", "Deployment is paused"))
        } else if !paused && pausedShown {
            setCondition(S.condition(S.progressing, "Unknown", "DeploymentResumed", "Deployment is resumed"))
        } else {
            return
        }
        try await commit(annotations: false, status: true)
    }

    // MARK: - History

    /// cleanupDeployment: old ReplicaSets beyond revisionHistoryLimit, oldest revision first, once scaled to 0.
    func cleanup(_ oldRSs: [JSON]) async throws(APIError) {
        guard let limit = d.wlOptionalInt("spec", "revisionHistoryLimit"), limit != Int(Int32.max) else { return }
        let cleanable = oldRSs.filter { !$0.wlDeleting }
        let excess = cleanable.count - limit
        guard excess > 0 else { return }
        for rs in cleanable.sorted(by: M.byRevision).prefix(excess) {
            if rs.wlInt("status", "replicas") != 0 || M.rsReplicas(rs) != 0
                || rs.wlGeneration > rs.wlInt("status", "observedGeneration") || rs.wlDeleting { continue }
            do {
                try await client.delete(.replicaSets, namespace: rs.wlNamespace, name: rs.wlName, preconditionUID: rs.wlUID)
            } catch {
                if error.code != 404 && error.code != 409 { throw error }
            }
            rsList.removeAll { $0.wlUID == rs.wlUID }
        }
    }

    // MARK: - Status

    func syncStatusOnly() async throws(APIError) {
        let (newRS, oldRSs) = try await newAndOld(create: false)
        try await syncDeploymentStatus(oldRSs.map(latest) + (newRS.map { [latest($0)] } ?? []), newRS.map(latest))
    }

    /// syncDeploymentStatus: counts and Available only.
    func syncDeploymentStatus(_ all: [JSON], _ newRS: JSON?) async throws(APIError) {
        let status = S.calculate(d, allRSs: all, newRS: newRS)
        guard status != S(d["status"]) else { return }
        d["status"] = status.json
        d = try await client.updateStatus(.deployments, d)
    }

    /// syncRolloutStatus: counts, Available and Progressing; an unchanged status is looked at again when the
    /// progress deadline would pass.
    func syncRolloutStatus(_ all: [JSON], _ newRS: JSON?) async throws(APIError) {
        let status = S.rollout(d, allRSs: all, newRS: newRS, clock: controller.context.clock)
        guard status != S(d["status"]) else {
            if let after = S.secondsUntilDeadline(d, status, clock: controller.context.clock) {
                controller.queue.add(key, after: after)
            }
            return
        }
        d["status"] = status.json
        d = try await client.updateStatus(.deployments, d)
    }
}
