import KubeAPI
import KubeJSON

/// kube-controller-manager's disruption controller: PodDisruptionBudget status (expected, desired and
/// current healthy pods, disruptions allowed, the DisruptionAllowed condition), with expected pods taken
/// from the pods' controllers when the budget is a percentage or maxUnavailable.
struct DisruptionController: QueuedController {
    static let name = "disruption"
    static let component = "controllermanager"
    /// How long an eviction recorded in disruptedPods is honoured before the pod must be seen deleting.
    static let deletionTimeout = 120.0
    private typealias Kit = BatchAndServiceKit

    let core: QueuedControllerCore
    let index = BatchAndServiceSelectorIndex()

    func run() async {
        await BatchAndServiceLoop.run([
            { await watchBudgets() },
            { await watchPods() },
            { await queue.run(workers: 2) { key in await sync(key) } },
        ])
    }

    private func watchBudgets() async {
        for await change in client.changes(.podDisruptionBudgets) {
            let selector = change.type == .deleted ? nil
                : Kit.selector(change.object.json()[path: "spec", "selector"]) ?? .nothing
            index.update(namespace: change.namespace, name: change.name, selector: selector)
            queue.add(WorkKey(namespace: change.namespace, name: change.name))
        }
    }

    private func watchPods() async {
        for await change in client.changes(.pods) {
            var budgets = Set(index.matching(namespace: change.namespace, labels: change.object.attributes.labels))
            if let previous = change.previous {
                budgets.formUnion(index.matching(namespace: change.namespace, labels: previous.attributes.labels))
                if budgets.isEmpty { continue }
                if change.type == .modified, previous.attributes.labels == change.object.attributes.labels,
                   BatchAndServiceEndpoints.digest(previous) == BatchAndServiceEndpoints.digest(change.object) { continue }
            }
            for budget in budgets { queue.add(WorkKey(namespace: change.namespace, name: budget)) }
        }
    }

    private func sync(_ key: WorkKey) async {
        guard let budget = client.get(.podDisruptionBudgets, namespace: key.namespace, name: key.name) else { return }
        do throws(APIError) {
            try await reconcile(budget)
        } catch {
            context.logger.debug("disruption \(key): \(error.message)")
            timers.requeue(key, after: Kit.isConflict(error) ? 0.5 : 5)
        }
    }

    private struct ScaleError: Error { var message: String }

    private func reconcile(_ budget: JSON) async throws(APIError) {
        let namespace = Kit.namespace(budget)
        let selector = Kit.selector(budget[path: "spec", "selector"])
        let pods = Kit.list(client, .pods, namespace: namespace, selector: selector)
        if pods.isEmpty { await record(budget, "Normal", "NoPods", "No matching pods found") }

        var unmanaged: [String] = []
        let counts: (expected: Int, desired: Int)
        do throws(ScaleError) {
            counts = try Self.expectedAndDesired(spec: budget["spec"] ?? [:], podCount: pods.count) { () throws(ScaleError) -> Int in
                try expectedScale(pods: pods, unmanaged: &unmanaged)
            }
        } catch {
            await record(budget, "Warning", "CalculateExpectedPodCountFailed", "Failed to calculate the number of expected pods: \(error.message)")
            try await writeFailSafe(budget, message: error.message)
            return
        }
        if !unmanaged.isEmpty {
            await record(budget, "Warning", "UnmanagedPods",
                         "Pods selected by this PodDisruptionBudget (selector: \(selector?.description ?? "")) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.")
        }

        // Evictions recorded by the API stay in disruptedPods until the pod is seen deleting or time runs out.
        var disrupted = JSONObject()
        var soonest: Double?
        let byName = Dictionary(pods.map { (Kit.name($0), $0) }, uniquingKeysWith: { a, _ in a })
        for (name, stamp) in budget[path: "status", "disruptedPods"]?.objectValue ?? JSONObject() {
            guard let pod = byName[name], !Kit.isDeleting(pod), let at = stamp.stringValue.flatMap(Timestamp.parse) else { continue }
            let left = Self.deletionTimeout - Kit.simulatedElapsed(sinceWall: at, clock: context.clock)
            guard left > 0 else { continue }
            disrupted[name] = stamp
            soonest = min(soonest ?? left, left)
        }
        if let soonest { timers.requeue(Kit.workKey(budget), after: soonest) }
        let healthy = pods.filter { !Kit.isDeleting($0) && Kit.isReady($0) && disrupted[Kit.name($0)] == nil }.count
        let status = Self.status(previous: budget["status"], generation: Kit.generation(budget), currentHealthy: healthy,
                                 desiredHealthy: counts.desired, expected: counts.expected, disrupted: disrupted, now: Kit.now())
        try await Kit.writeStatus(client, .podDisruptionBudgets, budget, status)
    }

    /// getExpectedScale: the summed replicas of the distinct controllers of the pods.
    private func expectedScale(pods: [JSON], unmanaged: inout [String]) throws(ScaleError) -> Int {
        var seen: Set<String> = []
        var total = 0
        for pod in pods {
            guard let owner = Kit.controllerRef(pod) else {
                unmanaged.append(Kit.name(pod))
                continue
            }
            guard !seen.contains(owner.uid) else { continue }
            guard let (uid, replicas) = controllerScale(namespace: Kit.namespace(pod), owner: owner) else {
                throw ScaleError(message: "found no controllers for pod \"\(Kit.name(pod))\"")
            }
            seen.insert(owner.uid)
            if seen.insert(uid).inserted || uid == owner.uid { total += replicas }
        }
        return total
    }

    /// The finders of the disruption controller: a ReplicaSet (or the Deployment owning it), a
    /// ReplicationController or a StatefulSet, as (uid of the scaled object, replicas).
    private func controllerScale(namespace: String, owner: (kind: String, name: String, uid: String)) -> (String, Int)? {
        func replicas(_ object: JSON) -> Int { Int(object[path: "spec", "replicas"]?.intValue ?? 1) }
        switch owner.kind {
        case "ReplicaSet":
            guard let set = client.get(.replicaSets, namespace: namespace, name: owner.name), Kit.uid(set) == owner.uid else { return nil }
            if let parent = Kit.controllerRef(set), parent.kind == "Deployment",
               let deployment = client.get(.deployments, namespace: namespace, name: parent.name), Kit.uid(deployment) == parent.uid
            {
                return (Kit.uid(deployment), replicas(deployment))
            }
            return (Kit.uid(set), replicas(set))
        case "ReplicationController":
            guard let rc = client.get(ResourceRef("", "v1", "replicationcontrollers"), namespace: namespace, name: owner.name),
                  Kit.uid(rc) == owner.uid else { return nil }
            return (Kit.uid(rc), replicas(rc))
        case "StatefulSet":
            guard let set = client.get(.statefulSets, namespace: namespace, name: owner.name), Kit.uid(set) == owner.uid else { return nil }
            return (Kit.uid(set), replicas(set))
        default:
            return nil
        }
    }

    /// getExpectedPodCount: an integer minAvailable counts the selected pods; a percentage or maxUnavailable
    /// takes the controllers' scale, rounding percentages up.
    static func expectedAndDesired<E: Error>(spec: JSON, podCount: Int, scale: () throws(E) -> Int) throws(E) -> (expected: Int, desired: Int) {
        if let maxUnavailable = spec["maxUnavailable"], !maxUnavailable.isNull {
            let expected = try scale()
            let unavailable = Kit.scaledValue(maxUnavailable, total: expected, roundUp: true) ?? 0
            return (expected, max(0, expected - unavailable))
        }
        if let minAvailable = spec["minAvailable"], !minAvailable.isNull {
            if let count = minAvailable.intValue { return (podCount, Int(count)) }
            let expected = try scale()
            return (expected, Kit.scaledValue(minAvailable, total: expected, roundUp: true) ?? 0)
        }
        return (podCount, 0)
    }

    static func disruptionsAllowed(currentHealthy: Int, desiredHealthy: Int, expected: Int) -> Int {
        let allowed = currentHealthy - desiredHealthy
        return expected <= 0 || allowed <= 0 ? 0 : allowed
    }

    /// The status updatePdbStatus writes, with the DisruptionAllowed condition moved only on a change.
    static func status(previous: JSON?, generation: Int64, currentHealthy: Int, desiredHealthy: Int, expected: Int,
                       disrupted: JSONObject, now: String) -> JSON
    {
        let allowed = disruptionsAllowed(currentHealthy: currentHealthy, desiredHealthy: desiredHealthy, expected: expected)
        var status = JSONObject()
        status["observedGeneration"] = .int(generation)
        if !disrupted.isEmpty { status["disruptedPods"] = .object(disrupted) }
        status["disruptionsAllowed"] = .int(Int64(allowed))
        status["currentHealthy"] = .int(Int64(currentHealthy))
        status["desiredHealthy"] = .int(Int64(desiredHealthy))
        status["expectedPods"] = .int(Int64(expected))
        status["conditions"] = .array(condition(previous: previous, generation: generation,
                                                status: allowed > 0 ? "True" : "False",
                                                reason: allowed > 0 ? "SufficientPods" : "InsufficientPods", message: "", now: now))
        return .object(status)
    }

    static func condition(previous: JSON?, generation: Int64, status: String, reason: String, message: String, now: String) -> [JSON] {
        var conditions = previous?["conditions"]?.arrayValue ?? []
        let old = conditions.firstIndex { $0["type"]?.stringValue == "DisruptionAllowed" }
        let transition = old.flatMap { conditions[$0]["status"]?.stringValue == status ? conditions[$0]["lastTransitionTime"] : nil }
        let condition: JSON = [
            "type": "DisruptionAllowed", "status": .string(status), "observedGeneration": .int(generation),
            "lastTransitionTime": transition ?? .string(now), "reason": .string(reason), "message": .string(message),
        ]
        if let old { conditions[old] = condition } else { conditions.append(condition) }
        return conditions
    }

    /// failSafe: no disruptions allowed while the budget cannot be computed.
    private func writeFailSafe(_ budget: JSON, message: String) async throws(APIError) {
        var status = budget["status"]?.objectValue ?? JSONObject()
        status["disruptionsAllowed"] = 0
        status["observedGeneration"] = .int(Kit.generation(budget))
        status["conditions"] = .array(Self.condition(previous: budget["status"], generation: Kit.generation(budget), status: "False",
                                                     reason: "SyncFailed", message: message, now: Kit.now()))
        try await Kit.writeStatus(client, .podDisruptionBudgets, budget, .object(status))
    }

    private func record(_ budget: JSON, _ type: String, _ reason: String, _ message: String) async {
        await context.events.record(budget, type: type, reason: reason, message: message, component: Self.component)
    }
}
