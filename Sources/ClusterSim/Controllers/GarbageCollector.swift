import KubeAPI
import KubeJSON
import KubeStore
import Synchronization

/// kube-controller-manager's garbage collector: deletes objects whose owners are gone (Background), lets
/// owners deleted in the Foreground wait for their blocking dependents, and orphans dependents of owners
/// deleted with the `orphan` finalizer. Watches every listable, deletable resource, custom ones included.
struct GarbageCollector: Controller {
    static let name = "garbagecollector"
    /// How often (simulated seconds) the registry is checked for resources that appeared (CRDs).
    static let discoveryPeriod = 5.0

    let context: ControllerContext
    let client: ClusterClient
    let queue: WorkQueue
    let graph = GarbageCollectorGraph()
    let absentOwners = GarbageCollectorAbsentOwners()
    let backoff = WorkloadBackoff()

    init(context: ControllerContext) {
        self.context = context
        client = context.client.named("generic-garbage-collector")
        queue = WorkQueue(clock: context.clock)
    }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            // Load every resource's current objects before deciding anything, as upstream waits for its
            // informers to sync, so an owner listed after its dependents is not taken for missing.
            var watched: Set<String> = []
            var generation = client.api.registry.generation
            var subscriptions: [(ResourceRef, WatchSubscription)] = []
            for (ref, storage) in Self.watchableTypes(client.api.registry) {
                guard let subscription = subscribe(ref, initial: true) else { continue }
                watched.insert(storage)
                subscriptions.append((ref, subscription))
            }
            for uid in graph.pending() { enqueue(uid) }
            for (ref, subscription) in subscriptions {
                group.addTask { await consume(ref, subscription) }
            }
            group.addTask { await queue.run(workers: 4) { key in await sync(key) } }

            while !Task.isCancelled {
                do { try await context.clock.sleep(Self.discoveryPeriod) } catch { break }
                let current = client.api.registry.generation
                guard current != generation else { continue }
                generation = current
                for (ref, storage) in Self.watchableTypes(client.api.registry) where !watched.contains(storage) {
                    guard let subscription = subscribe(ref, initial: false) else { continue }
                    watched.insert(storage)
                    group.addTask { await consume(ref, subscription) }
                }
            }
        }
    }

    /// One resource per storage location that can be listed, watched and deleted. Events are left out: nothing
    /// owns or is owned by them, and they are the most written objects of all.
    static func watchableTypes(_ registry: ResourceRegistry) -> [(ResourceRef, String)] {
        var seen: Set<String> = []
        var out: [(ResourceRef, String)] = []
        for type in registry.allTypes() where type.storageVersion == nil {
            guard ["list", "watch", "delete"].allSatisfy(type.verbs.contains) else { continue }
            if type.plural == "events", type.group.isEmpty || type.group == "events.k8s.io" { continue }
            guard seen.insert(type.storageResource).inserted else { continue }
            out.append((ResourceRef(type.group, type.version, type.plural), type.storageResource))
        }
        return out
    }

    private func subscribe(_ ref: ResourceRef, initial: Bool) -> WatchSubscription? {
        guard let type = try? client.type(ref),
              let subscription = try? client.api.watch(type: type, namespace: nil, fromRevision: nil) else { return nil }
        if case .snapshot(let snapshot) = subscription.start {
            for item in snapshot.items {
                let object = item.json()
                for uid in graph.upsert(object.wlUID, GarbageCollectorNode(ref: ref, object: object), key: item.key,
                                        initial: initial) {
                    enqueue(uid)
                }
            }
        }
        return subscription
    }

    private func consume(_ ref: ResourceRef, _ subscription: WatchSubscription) async {
        defer { subscription.cancel() }
        for await event in subscription.events {
            let key = event.object.key
            let uids: [String]
            switch event.type {
            case .deleted:
                uids = graph.remove(graph.uid(key) ?? event.object.json().wlUID, key: key)
            case .modified where graph.uid(key) != nil && event.previous.map({
                GarbageCollectorSignature.of($0.bytes) == GarbageCollectorSignature.of(event.object.bytes) }) == true:
                continue
            case .added, .modified:
                let object = event.object.json()
                uids = graph.upsert(object.wlUID, GarbageCollectorNode(ref: ref, object: object), key: key)
            }
            for uid in uids { enqueue(uid) }
        }
    }

    private func enqueue(_ uid: String) { queue.add(WorkKey(namespace: "", name: uid)) }

    // MARK: - Processing

    private func sync(_ key: WorkKey) async {
        do {
            try await process(key.name)
            backoff.reset(key)
        } catch {
            context.logger.debug("garbage collector \(key.name): \(error.message)")
            queue.add(key, after: error.code == 409 ? 0 : backoff.next(key))
        }
    }

    private func process(_ uid: String) async throws(APIError) {
        guard let node = graph.node(uid),
              let live = client.get(node.ref, namespace: node.namespace, name: node.name), live.wlUID == uid else { return }
        if live.wlDeleting {
            let finalizers = live.wlFinalizers
            if finalizers.contains(GarbageCollectorGraph.orphanFinalizer) {
                try await orphanDependents(of: uid)
                try await removeFinalizer(GarbageCollectorGraph.orphanFinalizer, from: node, uid: uid)
            }
            if finalizers.contains(GarbageCollectorGraph.foregroundFinalizer) {
                try await processDeletingDependents(node, uid: uid)
            }
            return
        }
        let references = live.wlOwnerReferences
        guard !references.isEmpty else { return }
        var owners: [(uid: String, state: GarbageCollectorDecision.OwnerState)] = []
        for reference in references {
            owners.append((reference.uid, ownerState(reference, dependentNamespace: node.namespace)))
        }
        let dependents = graph.dependents(of: uid)
        let decision = GarbageCollectorDecision.decide(
            owners: owners, hasDependents: !dependents.isEmpty,
            dependentWaitsOnIt: dependents.contains { $0.node.deletingDependents }, finalizers: live.wlFinalizers)
        switch decision {
        case .nothing:
            return
        case .removeReferences(let gone):
            _ = try await WorkloadWrites.modify(client, node.ref, namespace: node.namespace, name: node.name, uid: uid) { object in
                let kept = (object[path: "metadata", "ownerReferences"]?.arrayValue ?? [])
                    .filter { !gone.contains($0["uid"]?.stringValue ?? "") }
                object[path: "metadata", "ownerReferences"] = kept.isEmpty ? nil : .array(kept)
                return true
            }
        case .deleteForeground(let unblock):
            if !unblock.isEmpty {
                _ = try await WorkloadWrites.modify(client, node.ref, namespace: node.namespace, name: node.name, uid: uid) { object in
                    let refs = (object[path: "metadata", "ownerReferences"]?.arrayValue ?? []).map { ref -> JSON in
                        var ref = ref
                        if unblock.contains(ref["uid"]?.stringValue ?? "") { ref["blockOwnerDeletion"] = false }
                        return ref
                    }
                    object[path: "metadata", "ownerReferences"] = .array(refs)
                    return true
                }
            }
            try await delete(node, uid: uid, propagation: .foreground)
        case .delete(let propagation):
            try await delete(node, uid: uid, propagation: propagation)
        }
    }

    /// classifyReferences for one owner, read live: gone (or replaced under the same name), waiting for its
    /// dependents, present, or of a kind this server does not serve (left alone).
    private func ownerState(_ reference: WorkloadOwnerRef, dependentNamespace: String) -> GarbageCollectorDecision.OwnerState {
        if absentOwners.contains(reference.uid) { return .absent }
        let registry = client.api.registry
        guard let type = registry.type(group: reference.group, version: reference.version, kind: reference.kind)
            ?? registry.type(group: reference.group, version: nil, kind: reference.kind) else { return .unknown }
        // A cluster-scoped dependent cannot have a namespaced owner: the reference resolves to nothing.
        if type.namespaced && dependentNamespace.isEmpty { return .absent }
        let ref = ResourceRef(type.group, type.version, type.plural)
        guard let owner = client.get(ref, namespace: type.namespaced ? dependentNamespace : "", name: reference.name),
              owner.wlUID == reference.uid else {
            absentOwners.insert(reference.uid)
            return .absent
        }
        if owner.wlDeleting && owner.wlFinalizers.contains(GarbageCollectorGraph.foregroundFinalizer) { return .waiting }
        return .present
    }

    private func delete(_ node: GarbageCollectorNode, uid: String, propagation: DeleteOptions.Propagation) async throws(APIError) {
        do {
            try await client.delete(node.ref, namespace: node.namespace, name: node.name, propagation: propagation,
                                    preconditionUID: uid)
        } catch {
            if error.code != 404 && error.code != 409 { throw error }
        }
    }

    /// processDeletingDependentsItem: the owner goes once no dependent blocks it; until then the blocking
    /// dependents are deleted.
    private func processDeletingDependents(_ node: GarbageCollectorNode, uid: String) async throws(APIError) {
        let blocking = graph.dependents(of: uid).filter { dependent in
            dependent.node.owners.contains { $0.uid == uid && $0.blockOwnerDeletion }
        }
        if blocking.isEmpty {
            try await removeFinalizer(GarbageCollectorGraph.foregroundFinalizer, from: node, uid: uid)
            return
        }
        for dependent in blocking where !dependent.node.deletingDependents { enqueue(dependent.uid) }
    }

    /// orphanDependents: every dependent loses its references to the owner.
    private func orphanDependents(of uid: String) async throws(APIError) {
        for dependent in graph.dependents(of: uid) {
            _ = try await WorkloadWrites.modify(client, dependent.node.ref, namespace: dependent.node.namespace,
                                                name: dependent.node.name, uid: dependent.uid) { object in
                let refs = object[path: "metadata", "ownerReferences"]?.arrayValue ?? []
                let kept = refs.filter { $0["uid"]?.stringValue != uid }
                guard kept.count != refs.count else { return false }
                object[path: "metadata", "ownerReferences"] = kept.isEmpty ? nil : .array(kept)
                return true
            }
        }
    }

    private func removeFinalizer(_ finalizer: String, from node: GarbageCollectorNode, uid: String) async throws(APIError) {
        _ = try await WorkloadWrites.modify(client, node.ref, namespace: node.namespace, name: node.name, uid: uid) { object in
            let finalizers = object.wlFinalizers
            guard finalizers.contains(finalizer) else { return false }
            let kept = finalizers.filter { $0 != finalizer }
            object[path: "metadata", "finalizers"] = kept.isEmpty ? nil : .array(kept.map(JSON.string))
            return true
        }
    }
}

/// Owners known to be gone (uids are never reused), so thousands of dependents of one deleted owner cost one
/// lookup; bounded like upstream's absentOwnerCache.
final class GarbageCollectorAbsentOwners: Sendable {
    private struct State { var set: Set<String> = []; var order: [String] = [] }
    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 1000) { self.capacity = capacity }

    func contains(_ uid: String) -> Bool { state.withLock { $0.set.contains(uid) } }

    func insert(_ uid: String) {
        state.withLock { state in
            guard state.set.insert(uid).inserted else { return }
            state.order.append(uid)
            if state.order.count > capacity {
                state.set.remove(state.order.removeFirst())
            }
        }
    }
}
