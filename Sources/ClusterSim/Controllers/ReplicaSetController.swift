import KubeAPI
import KubeJSON
import KubeStore
import Synchronization

/// kube-controller-manager's replicaset controller: keeps `spec.replicas` active pods matching the selector,
/// owned through a controller reference, and reports what it sees in the status.
struct ReplicaSetController: Controller {
    static let name = "replicaset"
    /// burstReplicas: at most this many creates or deletes per sync.
    static let burstReplicas = 500

    let context: ControllerContext
    let client: ClusterClient
    let queue: WorkQueue
    let pods = WorkloadPodCache()
    let counters = WorkloadNameCounter()
    let events: WorkloadEvents
    let backoff = WorkloadBackoff()
    let podTriggers: WorkloadCoalescer

    init(context: ControllerContext) {
        self.context = context
        client = context.client
        queue = WorkQueue(clock: context.clock)
        podTriggers = WorkloadCoalescer(queue: queue, clock: context.clock)
        events = WorkloadEvents(recorder: context.events, filter: WorkloadEventFilter(clock: context.clock),
                                component: "replicaset-controller")
    }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await watchReplicaSets() }
            group.addTask { await watchPods() }
            group.addTask { await queue.run(workers: 4) { key in await sync(key) } }
        }
    }

    // MARK: - Watches

    private func watchReplicaSets() async {
        for await change in client.changes(.replicaSets) {
            if change.type == .deleted {
                let uid = change.object.json().wlUID
                counters.forget(uid)
                events.filter.forget(uid)
                continue
            }
            queue.add(WorkKey(namespace: change.namespace, name: change.name))
        }
    }

    private func watchPods() async {
        for await change in client.changes(.pods) {
            let pod: WorkloadPod
            if change.type == .deleted {
                pod = pods.forget(change.key) ?? WorkloadPod(change.object.json())
            } else {
                pod = pods.pod(change.object)
            }
            if let owner = pod.controller, owner.kind == "ReplicaSet" {
                podTriggers.add(WorkKey(namespace: pod.namespace, name: owner.name))
            }
            guard change.type != .deleted else { continue }
            var labelsChanged = change.type == .added
            if let previous = change.previous, previous.attributes.labels != change.object.attributes.labels || pod.controller == nil {
                labelsChanged = labelsChanged || previous.attributes.labels != change.object.attributes.labels
                let old = WorkloadPod(previous.json())
                if let oldOwner = old.controller, oldOwner.uid != pod.controllerUID, oldOwner.kind == "ReplicaSet" {
                    podTriggers.add(WorkKey(namespace: pod.namespace, name: oldOwner.name))
                    labelsChanged = true
                }
            }
            // An orphan may be adopted by any ReplicaSet whose selector now matches it.
            if pod.controller == nil, labelsChanged, !pod.deleting {
                for rs in client.list(.replicaSets, namespace: pod.namespace) {
                    guard let selector = try? LabelSelector(json: rs[path: "spec", "selector"]), !selector.isEmpty,
                          selector.matches(pod.labels) else { continue }
                    podTriggers.add(WorkKey(namespace: pod.namespace, name: rs.wlName))
                }
            }
        }
    }

    // MARK: - Sync

    private func sync(_ key: WorkKey) async {
        do {
            try await reconcile(key)
            backoff.reset(key)
        } catch {
            context.logger.debug("replicaset \(key): \(error.message)")
            queue.add(key, after: error.code == 409 ? 0 : backoff.next(key))
        }
    }

    private func reconcile(_ key: WorkKey) async throws(APIError) {
        guard let rs = client.get(.replicaSets, namespace: key.namespace, name: key.name) else { return }
        guard let selector = WorkloadLabelMatcher(rs[path: "spec", "selector"]) else { return }
        let podType = try client.type(.pods)
        let snapshot = try client.api.list(type: podType, namespace: key.namespace)
        let all = pods.pods(snapshot.items)
        let owned = try await claim(rs, selector: selector, pods: all)
        let replicas = rs.wlOptionalInt("spec", "replicas") ?? 1

        var manageError: APIError?
        if !rs.wlDeleting {
            manageError = await manage(rs, owned: owned, all: all, replicas: replicas)
        }

        let minReady = rs.wlInt("spec", "minReadySeconds")
        let wallNow = Timestamp.now()
        let status = Self.status(rs, owned: owned, replicas: replicas, manageError: manageError?.message,
                                 wallNow: wallNow, scale: context.clock.scale)
        if status != (rs["status"] ?? .null) {
            _ = try await WorkloadWrites.modify(client, .replicaSets, namespace: key.namespace, name: key.name,
                                                uid: rs.wlUID, status: true) { fresh in
                fresh["status"] = status
                return true
            }
        }
        // A pod that is ready but not yet available becomes available without any event: come back then.
        if manageError == nil, minReady > 0 {
            let waits = owned.compactMap { pod -> Double? in
                guard pod.ready, !pod.available(minReadySeconds: minReady, wallNow: wallNow, scale: context.clock.scale),
                      let since = pod.readySince else { return nil }
                return Double(minReady) - (wallNow - since) * context.clock.scale
            }
            if let soonest = waits.min() { queue.add(key, after: max(soonest, 0) + 0.5) }
        }
        if let manageError { throw manageError }
    }

    /// claimPods: the active pods this ReplicaSet owns, adopting matching orphans and releasing mismatches.
    private func claim(_ rs: JSON, selector: WorkloadLabelMatcher, pods: [WorkloadPod]) async throws(APIError) -> [WorkloadPod] {
        var owned: [WorkloadPod] = []
        var canAdopt: Bool?
        let ownerRef = WorkloadOwnerRef.controller(of: rs, apiVersion: "apps/v1", kind: "ReplicaSet")
        let uid = rs.wlUID, deleting = rs.wlDeleting
        for pod in pods where pod.active {
            let decision = WorkloadClaims.decide(controllerUID: uid, controllerDeleting: deleting,
                                                 objectDeleting: pod.deleting, objectControllerUID: pod.controllerUID,
                                                 matches: selector.matches(pod.labels))
            switch decision {
            case .owned:
                owned.append(pod)
            case .adopt:
                // RecheckDeletionTimestamp: adopt only for a ReplicaSet that still exists and is not going away.
                if canAdopt == nil {
                    let fresh = client.get(.replicaSets, namespace: rs.wlNamespace, name: rs.wlName)
                    canAdopt = fresh?.wlUID == rs.wlUID && fresh?.wlDeleting == false
                }
                guard canAdopt == true else { continue }
                do {
                    try await WorkloadClaims.adopt(client, .pods, namespace: pod.namespace, name: pod.name, uid: pod.uid,
                                                   references: pod.references, owner: ownerRef)
                    owned.append(pod)
                } catch {
                    if error.code != 404 && error.code != 409 { throw error }
                }
            case .release:
                do {
                    try await WorkloadClaims.release(client, .pods, namespace: pod.namespace, name: pod.name, uid: pod.uid,
                                                     references: pod.references, ownerUID: rs.wlUID)
                } catch {
                    if error.code != 404 && error.code != 409 { throw error }
                }
            case .ignore:
                break
            }
        }
        return owned
    }

    // MARK: - manageReplicas

    private func manage(_ rs: JSON, owned: [WorkloadPod], all: [WorkloadPod], replicas: Int) async -> APIError? {
        let diff = owned.count - replicas
        if diff < 0 {
            return await createPods(rs, count: min(-diff, Self.burstReplicas))
        }
        if diff > 0 {
            let related = relatedPods(rs, owned: owned, all: all)
            let victims = WorkloadPodRanking.podsToDelete(owned, related: related, count: min(diff, Self.burstReplicas),
                                                          now: Timestamp.now())
            return await deletePods(rs, victims)
        }
        return nil
    }

    /// getIndirectlyRelatedPods: the pods of every ReplicaSet with the same controller (a Deployment's old and
    /// new ReplicaSets), so a rolling update spreads pods over nodes as upstream does.
    private func relatedPods(_ rs: JSON, owned: [WorkloadPod], all: [WorkloadPod]) -> [WorkloadPod] {
        guard let owner = rs.wlControllerRef else { return owned }
        let siblings = Set(client.list(.replicaSets, namespace: rs.wlNamespace)
            .filter { $0.wlControllerRef?.uid == owner.uid }.map(\.wlUID))
        return all.filter { $0.controllerUID.map(siblings.contains) ?? false }
    }

    /// slowStartBatch: 1, 2, 4, ... creates at a time, stopping at the first batch with a failure.
    private func createPods(_ rs: JSON, count: Int) async -> APIError? {
        var remaining = count
        var batch = min(remaining, 1)
        while batch > 0 {
            let names = (0..<batch).map { _ in podName(rs) }
            let failures = await withTaskGroup(of: APIError?.self) { group -> [APIError] in
                for name in names {
                    group.addTask { await createPod(rs, name: name) }
                }
                var failures: [APIError] = []
                for await failure in group { if let failure { failures.append(failure) } }
                return failures
            }
            if let first = failures.first { return first }
            remaining -= batch
            batch = min(2 * batch, remaining)
        }
        return nil
    }

    private func podName(_ rs: JSON) -> String {
        let prefix = Self.generateNamePrefix(rs.wlName)
        let counter = counters.next(rs.wlUID)
        // Keyed by name, not uid (uids are random), so the same seed replays the same pod names.
        let namespace = rs[path: "metadata", "namespace"]?.stringValue ?? ""
        return String(prefix.prefix(58)) + context.random.nameSuffix("\(namespace)/\(rs.wlName)/\(counter)")
    }

    static func generateNamePrefix(_ name: String) -> String { name + "-" }

    private func createPod(_ rs: JSON, name: String) async -> APIError? {
        var name = name
        for attempt in 0..<3 {
            let pod = Self.pod(from: rs, name: name)
            do {
                let created = try await client.create(.pods, namespace: rs.wlNamespace, pod)
                await events.record(rs, "Normal", "SuccessfulCreate", "Created pod: \(created.wlName)")
                return nil
            } catch {
                if WorkloadWrites.namespaceTerminating(error) { return nil }
                // A generated name that is taken is tried again with the next one, as generateName does.
                if error.code == 409, error.reason == "AlreadyExists", attempt < 2 {
                    name = podName(rs)
                    continue
                }
                await events.record(rs, "Warning", "FailedCreate", "Error creating: \(error.message)")
                return error
            }
        }
        return nil
    }

    /// GetPodFromTemplate: labels, annotations, finalizers and spec from the template, owned by the ReplicaSet.
    static func pod(from rs: JSON, name: String) -> JSON {
        let template = rs[path: "spec", "template"] ?? .object(JSONObject())
        var metadata: JSONObject = [
            "name": .string(name), "generateName": .string(generateNamePrefix(rs.wlName)),
            "namespace": .string(rs.wlNamespace),
        ]
        for field in ["labels", "annotations", "finalizers"] {
            if let value = template[path: "metadata", field], !value.isNull { metadata[field] = value }
        }
        metadata["ownerReferences"] = [WorkloadOwnerRef.controller(of: rs, apiVersion: "apps/v1", kind: "ReplicaSet").json]
        return [
            "apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata),
            "spec": template["spec"] ?? .object(JSONObject()),
        ]
    }

    private func deletePods(_ rs: JSON, _ victims: [WorkloadPod]) async -> APIError? {
        let failures = await withTaskGroup(of: APIError?.self) { group -> [APIError] in
            for pod in victims {
                group.addTask {
                    do throws(APIError) {
                        try await client.delete(.pods, namespace: pod.namespace, name: pod.name)
                        await events.record(rs, "Normal", "SuccessfulDelete", "Deleted pod: \(pod.name)")
                        return nil
                    } catch {
                        if error.code == 404 { return nil }
                        await events.record(rs, "Warning", "FailedDelete", "Error deleting: \(error.message)")
                        return error
                    }
                }
            }
            var failures: [APIError] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        return failures.first
    }

    // MARK: - Status

    /// calculateStatus: counts of the owned active pods, and ReplicaFailure while creates or deletes fail.
    static func status(_ rs: JSON, owned: [WorkloadPod], replicas: Int, manageError: String?, wallNow: Double,
                       scale: Double) -> JSON
    {
        let templateLabels = wlStringMap(rs[path: "spec", "template", "metadata", "labels"])
        let minReady = rs.wlInt("spec", "minReadySeconds")
        let fullyLabeled = owned.filter { pod in templateLabels.allSatisfy { pod.labels[$0.key] == $0.value } }.count
        let ready = owned.filter(\.ready).count
        let available = owned.filter { $0.available(minReadySeconds: minReady, wallNow: wallNow, scale: scale) }.count

        var status = rs["status"]?.objectValue ?? JSONObject()
        status["replicas"] = .int(Int64(owned.count))
        status["fullyLabeledReplicas"] = fullyLabeled > 0 ? .int(Int64(fullyLabeled)) : nil
        status["readyReplicas"] = ready > 0 ? .int(Int64(ready)) : nil
        status["availableReplicas"] = available > 0 ? .int(Int64(available)) : nil
        status["observedGeneration"] = rs.wlGeneration > 0 ? .int(Int64(rs.wlGeneration)) : nil
        var conditions = status["conditions"]?.arrayValue ?? []
        let failure = WorkloadConditions.find(conditions, "ReplicaFailure")
        if let manageError, failure == nil {
            let diff = owned.count - replicas
            let reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : ""
            WorkloadConditions.set(&conditions, [
                "type": "ReplicaFailure", "status": "True", "lastTransitionTime": .string(WorkloadTime.nowString()),
                "reason": .string(reason), "message": .string(manageError),
            ])
        } else if manageError == nil, failure != nil {
            conditions = WorkloadConditions.removing(conditions, "ReplicaFailure")
        }
        status["conditions"] = conditions.isEmpty ? nil : .array(conditions)
        // Go's status structs put fields in this order.
        let order = ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "terminatingReplicas",
                     "observedGeneration", "conditions"]
        var ordered = JSONObject()
        for key in order { if let value = status[key] { ordered[key] = value } }
        for (key, value) in status where !order.contains(key) { ordered[key] = value }
        return .object(ordered)
    }
}

/// Per-ReplicaSet counters behind seeded pod names, so a replay with the same seed names pods alike.
final class WorkloadNameCounter: Sendable {
    private let counters = Mutex<[String: Int]>([:])

    func next(_ uid: String) -> Int {
        counters.withLock { counters in
            let value = counters[uid, default: 0]
            counters[uid] = value + 1
            return value
        }
    }

    func forget(_ uid: String) {
        _ = counters.withLock { $0.removeValue(forKey: uid) }
    }
}
