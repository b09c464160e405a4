import KubeAPI
import KubeJSON
import KubeStore

/// kube-controller-manager's namespace controller: a namespace being deleted has all its content deleted
/// (every namespaced resource, custom ones too), waits for what is still going (terminating pods, objects with
/// finalizers), reports progress in its conditions, and then gives up its `kubernetes` finalizer through the
/// finalize subresource, after which the API removes it.
struct NamespaceController: Controller {
    static let name = "namespace"
    static let finalizerToken = "kubernetes"
    /// finalizerEstimateSeconds: how long to wait when remaining content has finalizers.
    static let finalizerEstimateSeconds = 15

    let context: ControllerContext
    let client: ClusterClient
    let queue: WorkQueue
    let backoff = WorkloadBackoff()

    init(context: ControllerContext) {
        self.context = context
        client = context.client.named("namespace-controller")
        queue = WorkQueue(clock: context.clock)
    }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await change in client.changes(.namespaces) where change.type != .deleted {
                    if change.object.json().wlDeleting { queue.add(WorkKey(namespace: "", name: change.name)) }
                }
            }
            group.addTask { await queue.run(workers: 2) { key in await sync(key) } }
        }
    }

    private func sync(_ key: WorkKey) async {
        do {
            if let wait = try await reconcile(key.name) {
                // ResourcesRemainingError: look again after half the estimate.
                queue.add(key, after: Double(wait / 2 + 1))
            }
            backoff.reset(key)
        } catch {
            context.logger.debug("namespace \(key.name): \(error.message)")
            queue.add(key, after: error.code == 409 ? 0 : backoff.next(key))
        }
    }

    /// namespacedResourcesDeleter.Delete: nil when finished, else the estimated seconds until content is gone.
    private func reconcile(_ name: String) async throws(APIError) -> Int? {
        guard let namespace = client.get(.namespaces, name: name), namespace.wlDeleting else { return nil }
        if namespace.wlString("status", "phase") != "Terminating" {
            _ = try await WorkloadWrites.modify(client, .namespaces, namespace: "", name: name, uid: namespace.wlUID, status: true) { ns in
                ns[path: "status", "phase"] = "Terminating"
                return true
            }
        }
        let (estimate, errors) = try await deleteAllContent(namespace)
        if !errors.isEmpty {
            throw APIError(code: 500, reason: "InternalError", message: errors.sorted().joined(separator: ", "))
        }
        if estimate > 0 { return estimate }
        try await finalize(name)
        return nil
    }

    // MARK: - Content

    /// Every namespaced resource that can be deleted, one per storage location.
    static func deletableTypes(_ registry: ResourceRegistry) -> [ResourceType] {
        var seen: Set<String> = []
        return registry.allTypes().filter { type in
            type.namespaced && type.storageVersion == nil && type.verbs.contains("delete") && type.verbs.contains("list")
                && seen.insert(type.storageResource).inserted
        }
    }

    private func deleteAllContent(_ namespace: JSON) async throws(APIError) -> (estimate: Int, errors: [String]) {
        let name = namespace.wlName
        let deletedAt = namespace.wlString("metadata", "deletionTimestamp")
        var estimate = 0
        var errors: [String] = []
        var remaining: [String: Int] = [:]
        var finalizers: [String: Int] = [:]
        for type in Self.deletableTypes(client.api.registry) {
            let result = await deleteAllContent(of: type, namespace: name, deletedAt: deletedAt)
            if let error = result.error { errors.append(error) }
            estimate = max(estimate, result.estimate)
            if result.remaining > 0 {
                remaining["\(type.plural).\(type.group)"] = result.remaining
                for (finalizer, count) in result.finalizers { finalizers[finalizer, default: 0] += count }
            }
        }
        let conditions = NamespaceDeletionConditions.conditions(contentErrors: errors, remainingByResource: remaining,
                                                                remainingByFinalizer: finalizers)
        _ = try await WorkloadWrites.modify(client, .namespaces, namespace: "", name: name, uid: namespace.wlUID, status: true) { ns in
            var current = ns[path: "status", "conditions"]?.arrayValue ?? []
            guard NamespaceDeletionConditions.update(&current, with: conditions, now: WorkloadTime.nowString()) else {
                return false
            }
            ns[path: "status", "conditions"] = .array(current)
            return true
        }
        return (estimate, errors)
    }

    /// deleteAllContentForGroupVersionResource: delete the collection, then count what is left.
    private func deleteAllContent(of type: ResourceType, namespace: String,
                                  deletedAt: String) async -> (estimate: Int, remaining: Int, finalizers: [String: Int], error: String?)
    {
        let ref = ResourceRef(type.group, type.version, type.plural)
        let isPods = type.group.isEmpty && type.plural == "pods"
        var estimate = isPods ? podsEstimate(namespace: namespace, deletedAt: deletedAt) : 0
        var failure: String?
        var deletedCollection = false
        if type.verbs.contains("deletecollection") {
            let base = type.group.isEmpty ? "/api/\(type.version)" : "/apis/\(type.group)/\(type.version)"
            let response = await client.api.handle(APIRequest(
                method: "DELETE", path: "\(base)/namespaces/\(namespace)/\(type.plural)",
                query: [("propagationPolicy", "Background")]))
            if (200..<300).contains(response.status) {
                deletedCollection = true
            } else if response.status != 404 && response.status != 405 {
                let message = (try? JSONParser.parse(response.bodyBytes))?["message"]?.stringValue ?? "status \(response.status)"
                failure = message
            }
        }
        if !deletedCollection && failure == nil {
            for item in client.list(ref, namespace: namespace) where !item.wlDeleting {
                do {
                    try await client.delete(ref, namespace: namespace, name: item.wlName, propagation: .background)
                } catch {
                    if error.code != 404 && error.code != 409 { failure = error.message }
                }
            }
        }
        if let failure { return (estimate, 0, [:], failure) }
        let left = client.list(ref, namespace: namespace)
        var finalizers: [String: Int] = [:]
        for item in left { for finalizer in item.wlFinalizers { finalizers[finalizer, default: 0] += 1 } }
        if estimate == 0, !left.isEmpty {
            if left.contains(where: { !$0.wlFinalizers.isEmpty }) {
                estimate = Self.finalizerEstimateSeconds
            } else {
                let gvr = "\(type.group)/\(type.version), Resource=\(type.plural)"
                return (0, left.count, finalizers, "unexpected items still remain in namespace: \(namespace) for gvr: \(gvr)")
            }
        }
        return (estimate, left.count, finalizers, nil)
    }

    /// estimateGracefulTerminationForPods: the longest grace period of unfinished pods, less the (simulated)
    /// time since the namespace started terminating.
    private func podsEstimate(namespace: String, deletedAt: String) -> Int {
        var longest = 0
        for pod in client.list(.pods, namespace: namespace) {
            let phase = pod.wlString("status", "phase")
            if phase == "Succeeded" || phase == "Failed" { continue }
            if let grace = pod.wlOptionalInt("spec", "terminationGracePeriodSeconds") { longest = max(longest, grace) }
        }
        let elapsed = Int(WorkloadTime.simulatedSince(deletedAt, clock: context.clock) ?? 0)
        return max(longest - elapsed, 0)
    }

    /// finalizeNamespace: spec.finalizers without ours, through PUT .../finalize.
    private func finalize(_ name: String) async throws(APIError) {
        guard var namespace = client.get(.namespaces, name: name) else { return }
        let kept = Set((namespace[path: "spec", "finalizers"]?.arrayValue ?? []).compactMap(\.stringValue))
            .subtracting([Self.finalizerToken]).sorted()
        namespace[path: "spec", "finalizers"] = .array(kept.map(JSON.string))
        let response = await client.api.handle(APIRequest(
            method: "PUT", path: "/api/v1/namespaces/\(name)/finalize",
            headers: ["content-type": "application/json"], body: namespace.serialized()))
        guard !(200..<300).contains(response.status), response.status != 404 else { return }
        let message = (try? JSONParser.parse(response.bodyBytes))?["message"]?.stringValue ?? "status \(response.status)"
        throw APIError(code: response.status, reason: "", message: message)
    }
}

/// The namespace deletion conditions (namespaceConditionUpdater) and their messages.
enum NamespaceDeletionConditions {
    static let types = [
        "NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure",
        "NamespaceDeletionContentFailure", "NamespaceContentRemaining", "NamespaceFinalizersRemaining",
    ]
    static let okReasons = [
        "NamespaceDeletionDiscoveryFailure": "ResourcesDiscovered",
        "NamespaceDeletionGroupVersionParsingFailure": "ParsedGroupVersions",
        "NamespaceDeletionContentFailure": "ContentDeleted",
        "NamespaceContentRemaining": "ContentRemoved",
        "NamespaceFinalizersRemaining": "ContentHasNoFinalizers",
    ]
    static let okMessages = [
        "NamespaceDeletionDiscoveryFailure": "All resources successfully discovered",
        "NamespaceDeletionGroupVersionParsingFailure": "All legacy kube types successfully parsed",
        "NamespaceDeletionContentFailure": "All content successfully deleted, may be waiting on finalization",
        "NamespaceContentRemaining": "All content successfully removed",
        "NamespaceFinalizersRemaining": "All content-preserving finalizers finished",
    ]

    /// The failing conditions, by type: (status, reason, message).
    static func conditions(contentErrors: [String], remainingByResource: [String: Int],
                           remainingByFinalizer: [String: Int]) -> [String: (reason: String, message: String)]
    {
        var out: [String: (reason: String, message: String)] = [:]
        if !contentErrors.isEmpty {
            out["NamespaceDeletionContentFailure"] = ("ContentDeletionFailed",
                "Failed to delete all resource types, \(contentErrors.count) remaining: \(contentErrors.sorted().joined(separator: ", "))")
        }
        let resources = remainingByResource.filter { $0.value > 0 }.map { "\($0.key) has \($0.value) resource instances" }.sorted()
        if !resources.isEmpty {
            out["NamespaceContentRemaining"] = ("SomeResourcesRemain",
                "Some resources are remaining: \(resources.joined(separator: ", "))")
        }
        let finalizers = remainingByFinalizer.filter { $0.value > 0 }.map { "\($0.key) in \($0.value) resource instances" }.sorted()
        if !finalizers.isEmpty {
            out["NamespaceFinalizersRemaining"] = ("SomeFinalizersRemain",
                "Some content in the namespace has finalizers remaining: \(finalizers.joined(separator: ", "))")
        }
        return out
    }

    /// updateConditions: every type present, failing ones True and the rest False with their "ok" reason;
    /// lastTransitionTime moves only with the status. Returns whether anything changed.
    static func update(_ conditions: inout [JSON], with failing: [String: (reason: String, message: String)], now: String) -> Bool {
        var changed = false
        for type in types {
            let status = failing[type] == nil ? "False" : "True"
            let reason = failing[type]?.reason ?? okReasons[type] ?? ""
            let message = failing[type]?.message ?? okMessages[type] ?? ""
            guard let i = conditions.firstIndex(where: { $0["type"]?.stringValue == type }) else {
                conditions.append(["type": .string(type), "status": .string(status), "lastTransitionTime": .string(now),
                                   "reason": .string(reason), "message": .string(message)])
                changed = true
                continue
            }
            var condition = conditions[i]
            if condition["status"]?.stringValue == status, condition["reason"]?.stringValue == reason,
               condition["message"]?.stringValue == message { continue }
            if condition["status"]?.stringValue != status { condition["lastTransitionTime"] = .string(now) }
            condition["status"] = .string(status)
            condition["reason"] = .string(reason)
            condition["message"] = .string(message)
            conditions[i] = condition
            changed = true
        }
        return changed
    }
}
