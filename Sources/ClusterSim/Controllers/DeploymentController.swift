import KubeAPI
import KubeJSON
import KubeStore
import Synchronization

/// kube-controller-manager's deployment controller: a ReplicaSet per pod template, rolled by the strategy, with
/// revisions, history cleanup, pausing, proportional scaling and the status `kubectl rollout status` reads.
struct DeploymentController: Controller {
    static let name = "deployment"

    let context: ControllerContext
    let client: ClusterClient
    let queue: WorkQueue
    let events: WorkloadEvents
    let backoff = WorkloadBackoff()
    let recreates = WorkloadSelectorIndex()

    init(context: ControllerContext) {
        self.context = context
        client = context.client
        queue = WorkQueue(clock: context.clock)
        events = WorkloadEvents(recorder: context.events, filter: WorkloadEventFilter(clock: context.clock),
                                component: "deployment-controller")
    }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await watchDeployments() }
            group.addTask { await watchReplicaSets() }
            group.addTask { await watchPods() }
            group.addTask { await queue.run(workers: 4) { key in await sync(key) } }
        }
    }

    // MARK: - Watches

    private func watchDeployments() async {
        for await change in client.changes(.deployments) {
            let d = change.object.json()
            if change.type == .deleted || WorkloadDeploymentMath.isRollingUpdate(d) {
                recreates.remove(namespace: change.namespace, name: change.name)
            } else if let selector = try? LabelSelector(json: d[path: "spec", "selector"]) {
                recreates.set(namespace: change.namespace, name: change.name, selector)
            }
            if change.type == .deleted { events.filter.forget(d.wlUID) }
            queue.add(WorkKey(namespace: change.namespace, name: change.name))
        }
    }

    private func watchReplicaSets() async {
        for await change in client.changes(.replicaSets) {
            let rs = change.object.json()
            let owner = rs.wlControllerRef
            if let owner, owner.kind == "Deployment" {
                queue.add(WorkKey(namespace: change.namespace, name: owner.name))
            }
            // Only a change of ownership can have moved it away from a deployment; status writes cannot.
            if let previous = change.previous,
               GarbageCollectorSignature.of(previous.bytes) != GarbageCollectorSignature.of(change.object.bytes),
               let previousOwner = previous.json().wlControllerRef, previousOwner.uid != owner?.uid,
               previousOwner.kind == "Deployment"
            {
                queue.add(WorkKey(namespace: change.namespace, name: previousOwner.name))
            }
            // An orphan is a candidate for adoption by every deployment selecting it.
            if owner == nil, change.type != .deleted, !rs.wlDeleting {
                let labels = rs.wlLabels
                for d in client.list(.deployments, namespace: change.namespace) {
                    guard let selector = try? LabelSelector(json: d[path: "spec", "selector"]), !selector.isEmpty,
                          selector.matches(labels) else { continue }
                    queue.add(WorkKey(namespace: change.namespace, name: d.wlName))
                }
            }
        }
    }

    /// A Recreate rollout waits for the old pods to be gone, so their deletion wakes it. Matching the stored
    /// labels against the Recreate deployments' selectors spares parsing every deleted pod.
    private func watchPods() async {
        for await change in client.changes(.pods) where change.type == .deleted {
            for name in recreates.matching(namespace: change.namespace, labels: change.object.attributes.labels) {
                queue.add(WorkKey(namespace: change.namespace, name: name))
            }
        }
    }

    // MARK: - Sync

    private func sync(_ key: WorkKey) async {
        do {
            try await reconcile(key)
            backoff.reset(key)
        } catch {
            context.logger.debug("deployment \(key): \(error.message)")
            queue.add(key, after: error.code == 409 ? 0 : backoff.next(key))
        }
    }

    /// syncDeployment.
    private func reconcile(_ key: WorkKey) async throws(APIError) {
        guard let d = client.get(.deployments, namespace: key.namespace, name: key.name) else { return }
        let selectorJSON = d[path: "spec", "selector"]
        if Self.selectsEverything(selectorJSON) {
            await events.record(d, "Warning", "SelectingAll",
                                "This deployment is selecting all pods. A non-empty selector is required.")
            if d.wlInt("status", "observedGeneration") < d.wlGeneration {
                _ = try await WorkloadWrites.modify(client, .deployments, namespace: key.namespace, name: key.name,
                                                    uid: d.wlUID, status: true) { fresh in
                    fresh[path: "status", "observedGeneration"] = .int(Int64(fresh.wlGeneration))
                    return true
                }
            }
            return
        }
        guard let selector = try? LabelSelector(json: selectorJSON) else { return }
        let run = DeploymentRun(controller: self, key: key, deployment: d)
        run.rsList = try await claimReplicaSets(d, selector: selector)
        run.selector = selector
        if d.wlDeleting {
            try await run.syncStatusOnly()
            return
        }
        try await run.checkPausedConditions()
        if d[path: "spec", "paused"]?.boolValue == true {
            try await run.sync()
            return
        }
        if try await run.isScalingEvent() {
            try await run.sync()
            return
        }
        if WorkloadDeploymentMath.isRollingUpdate(d) {
            try await run.rolloutRolling()
        } else {
            try await run.rolloutRecreate()
        }
    }

    static func selectsEverything(_ selector: JSON?) -> Bool {
        guard let object = selector?.objectValue else { return false }
        return (object["matchLabels"]?.objectValue?.isEmpty ?? true) && (object["matchExpressions"]?.arrayValue?.isEmpty ?? true)
    }

    /// getReplicaSetsForDeployment: the ReplicaSets it owns, adopting matching orphans, releasing mismatches.
    private func claimReplicaSets(_ d: JSON, selector: LabelSelector) async throws(APIError) -> [JSON] {
        var owned: [JSON] = []
        var canAdopt: Bool?
        let ownerRef = WorkloadOwnerRef.controller(of: d, apiVersion: "apps/v1", kind: "Deployment")
        for rs in client.list(.replicaSets, namespace: d.wlNamespace) {
            let decision = WorkloadClaims.decide(controllerUID: d.wlUID, controllerDeleting: d.wlDeleting,
                                                 objectDeleting: rs.wlDeleting, objectControllerUID: rs.wlControllerRef?.uid,
                                                 matches: selector.matches(rs.wlLabels))
            switch decision {
            case .owned:
                owned.append(rs)
            case .adopt:
                if canAdopt == nil {
                    let fresh = client.get(.deployments, namespace: d.wlNamespace, name: d.wlName)
                    canAdopt = fresh?.wlUID == d.wlUID && fresh?.wlDeleting == false
                }
                guard canAdopt == true else { continue }
                do {
                    try await WorkloadClaims.adopt(client, .replicaSets, namespace: rs.wlNamespace, name: rs.wlName,
                                                   uid: rs.wlUID, references: rs.wlOwnerReferences, owner: ownerRef)
                    owned.append(client.get(.replicaSets, namespace: rs.wlNamespace, name: rs.wlName) ?? rs)
                } catch {
                    if error.code != 404 && error.code != 409 { throw error }
                }
            case .release:
                do {
                    try await WorkloadClaims.release(client, .replicaSets, namespace: rs.wlNamespace, name: rs.wlName,
                                                     uid: rs.wlUID, references: rs.wlOwnerReferences, ownerUID: d.wlUID)
                } catch {
                    if error.code != 404 && error.code != 409 { throw error }
                }
            case .ignore:
                break
            }
        }
        return owned
    }
}

/// Selectors of a kind of controller by namespace and name (here: the Recreate deployments).
final class WorkloadSelectorIndex: Sendable {
    private let selectors = Mutex<[String: [String: LabelSelector]]>([:])

    func set(namespace: String, name: String, _ selector: LabelSelector) {
        selectors.withLock { $0[namespace, default: [:]][name] = selector }
    }

    func remove(namespace: String, name: String) {
        selectors.withLock { $0[namespace]?[name] = nil }
    }

    func matching(namespace: String, labels: [String: String]) -> [String] {
        selectors.withLock { all in
            (all[namespace] ?? [:]).filter { !$0.value.isEmpty && $0.value.matches(labels) }.map(\.key).sorted()
        }
    }
}

/// One sync of one Deployment: the deployment and its ReplicaSets as last read or written, so each step sees
/// what the previous one did.
final class DeploymentRun {
    typealias M = WorkloadDeploymentMath
    typealias S = WorkloadDeploymentStatus

    let controller: DeploymentController
    let key: WorkKey
    var d: JSON
    var rsList: [JSON] = []
    var selector = LabelSelector.nothing

    init(controller: DeploymentController, key: WorkKey, deployment: JSON) {
        self.controller = controller
        self.key = key
        d = deployment
    }

    var client: ClusterClient { controller.client }

    /// The latest copy of a ReplicaSet this sync has seen.
    func latest(_ rs: JSON) -> JSON { rsList.first { $0.wlUID == rs.wlUID } ?? rs }

    // MARK: - Writes

    /// Writes a ReplicaSet's spec and annotations (which only this controller changes), re-reading on conflicts
    /// with the ReplicaSet controller's status writes.
    func updateReplicaSet(_ desired: JSON) async throws(APIError) -> JSON {
        let written = try await WorkloadWrites.modify(client, .replicaSets, namespace: desired.wlNamespace,
                                                      name: desired.wlName, uid: desired.wlUID) { fresh in
            guard fresh[path: "metadata", "annotations"] != desired[path: "metadata", "annotations"]
                || fresh["spec"] != desired["spec"] else { return false }
            fresh[path: "metadata", "annotations"] = desired[path: "metadata", "annotations"]
            fresh["spec"] = desired["spec"]
            return true
        }
        guard let written else { throw APIError.notFound(GroupResource(group: "apps", resource: "replicasets"), desired.wlName) }
        if let i = rsList.firstIndex(where: { $0.wlUID == written.wlUID }) { rsList[i] = written } else { rsList.append(written) }
        return written
    }

    /// Writes the deployment's revision annotation (a metadata change) and then its status, as upstream's single
    /// UpdateStatus does, since this API keeps status writes to status.
    func commit(annotations: Bool, status: Bool) async throws(APIError) {
        let pending = d["status"]
        if annotations { d = try await client.update(.deployments, d) }
        if status {
            d["status"] = pending
            d = try await client.updateStatus(.deployments, d)
        }
    }

    /// SetDeploymentRevision.
    func setDeploymentRevision(_ revision: String) -> Bool {
        guard d.wlAnnotations[M.revisionAnnotation] != revision else { return false }
        d[path: "metadata", "annotations", M.revisionAnnotation] = .string(revision)
        return true
    }

    func setCondition(_ condition: JSON) {
        var status = S(d["status"])
        WorkloadConditions.set(&status.conditions, condition)
        d[path: "status", "conditions"] = .array(status.conditions)
    }

    // MARK: - New and old ReplicaSets

    /// getAllReplicaSetsAndSyncRevision / getNewReplicaSet.
    func newAndOld(create: Bool) async throws(APIError) -> (new: JSON?, old: [JSON]) {
        let existing = M.findNewReplicaSet(d, rsList)
        let old = rsList.filter { $0.wlUID != existing?.wlUID }
        let newRevision = (old.map(M.revision).max() ?? 0) + 1
        if var rs = existing {
            var changed = M.setNewReplicaSetAnnotations(d, &rs, newRevision: newRevision, exists: true)
            let minReady = d.wlInt("spec", "minReadySeconds")
            if rs.wlInt("spec", "minReadySeconds") != minReady {
                rs[path: "spec", "minReadySeconds"] = .int(Int64(minReady))
                changed = true
            }
            if changed { rs = try await updateReplicaSet(rs) }
            let annotations = setDeploymentRevision(rs.wlAnnotations[M.revisionAnnotation] ?? "")
            var status = false
            if S.hasProgressDeadline(d), S(d["status"]).condition(S.progressing) == nil {
                setCondition(S.condition(S.progressing, "True", "FoundNewReplicaSet", "Found new replica set \"\(rs.wlName)\""))
                status = true
            }
            try await commit(annotations: annotations, status: status)
            return (rs, old)
        }
        guard create else { return (nil, old) }
        return (try await createNewReplicaSet(old: old, revision: newRevision), old)
    }

    private func createNewReplicaSet(old: [JSON], revision: Int) async throws(APIError) -> JSON {
        let collisionCount = S(d["status"]).collisionCount
        let hash = M.podTemplateHash(d[path: "spec", "template"] ?? .object(JSONObject()), collisionCount: collisionCount)
        var template = d[path: "spec", "template"] ?? .object(JSONObject())
        template[path: "metadata", "labels", M.hashLabel] = .string(hash)
        var selector = d[path: "spec", "selector"] ?? .object(JSONObject())
        selector[path: "matchLabels", M.hashLabel] = .string(hash)
        let name = "\(d.wlName)-\(hash)"
        var spec: JSONObject = ["replicas": 0]
        let minReady = d.wlInt("spec", "minReadySeconds")
        if minReady != 0 { spec["minReadySeconds"] = .int(Int64(minReady)) }
        spec["selector"] = selector
        spec["template"] = template
        var rs: JSON = [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": [
                "name": .string(name), "namespace": .string(d.wlNamespace),
                "labels": template[path: "metadata", "labels"] ?? .object(JSONObject()),
                "ownerReferences": [WorkloadOwnerRef.controller(of: d, apiVersion: "apps/v1", kind: "Deployment").json],
            ],
            "spec": .object(spec),
        ]
        let replicas = M.newRSNewReplicas(d, allRSs: old + [rs], newRS: rs)
        rs[path: "spec", "replicas"] = .int(Int64(replicas))
        _ = M.setNewReplicaSetAnnotations(d, &rs, newRevision: revision, exists: false)

        var alreadyExists = false
        let created: JSON
        do {
            created = try await client.create(.replicaSets, namespace: d.wlNamespace, rs)
        } catch {
            if error.code == 409, error.reason == "AlreadyExists" {
                alreadyExists = true
                // Ours and equal: it is the new ReplicaSet. Otherwise the hash collided: count it and retry.
                if let found = client.get(.replicaSets, namespace: d.wlNamespace, name: name),
                   found.wlControllerRef?.uid == d.wlUID,
                   M.equalIgnoringHash(found[path: "spec", "template"], d[path: "spec", "template"])
                {
                    created = found
                } else {
                    d[path: "status", "collisionCount"] = .int(Int64((collisionCount ?? 0) + 1))
                    d = (try? await client.updateStatus(.deployments, d)) ?? d
                    throw error
                }
            } else if WorkloadWrites.namespaceTerminating(error) {
                throw error
            } else {
                let message = "Failed to create new replica set \"\(name)\": \(error.message)"
                if S.hasProgressDeadline(d) {
                    setCondition(S.condition(S.progressing, "False", "ReplicaSetCreateError", message))
                    d = (try? await client.updateStatus(.deployments, d)) ?? d
                }
                await controller.events.record(d, "Warning", "ReplicaSetCreateError", message)
                throw error
            }
        }
        if !alreadyExists, replicas > 0 {
            await controller.events.record(d, "Normal", "ScalingReplicaSet",
                                           "Scaled up replica set \(created.wlName) from 0 to \(replicas)")
        }
        if let i = rsList.firstIndex(where: { $0.wlUID == created.wlUID }) { rsList[i] = created } else { rsList.append(created) }
        let annotations = setDeploymentRevision(String(revision))
        var status = false
        if !alreadyExists, S.hasProgressDeadline(d) {
            setCondition(S.condition(S.progressing, "True", "NewReplicaSetCreated", "Created new replica set \"\(created.wlName)\""))
            status = true
        }
        try await commit(annotations: annotations, status: status)
        return created
    }

    // MARK: - Scaling

    /// scaleReplicaSetAndRecordEvent.
    @discardableResult
    func scale(_ rs: JSON, to size: Int) async throws(APIError) -> (scaled: Bool, rs: JSON) {
        let rs = latest(rs)
        if M.rsReplicas(rs) == size { return (false, rs) }
        return try await scale(rs, to: size, operation: M.rsReplicas(rs) < size ? "up" : "down")
    }

    /// scaleReplicaSet: the new size and the desired/max annotations, with a ScalingReplicaSet event.
    @discardableResult
    func scale(_ rs: JSON, to size: Int, operation: String) async throws(APIError) -> (scaled: Bool, rs: JSON) {
        let rs = latest(rs)
        let desired = M.replicas(d), maxReplicas = desired + M.maxSurge(d)
        let resize = M.rsReplicas(rs) != size
        guard resize || M.replicasAnnotationsNeedUpdate(rs, desired: desired, max: maxReplicas) else { return (false, rs) }
        let oldSize = M.rsReplicas(rs)
        var copy = rs
        copy[path: "spec", "replicas"] = .int(Int64(size))
        M.setReplicasAnnotations(&copy, desired: desired, max: maxReplicas)
        let updated = try await updateReplicaSet(copy)
        guard resize else { return (false, updated) }
        await controller.events.record(d, "Normal", "ScalingReplicaSet",
                                       "Scaled \(operation) replica set \(updated.wlName) from \(oldSize) to \(size)")
        return (true, updated)
    }
}
