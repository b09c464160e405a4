import KubeAPI
import KubeJSON

/// kube-controller-manager's daemonset controller: one pod per eligible node, pinned to it by a required
/// `matchFields metadata.name` node affinity so the scheduler binds it, replaced node by node on template
/// changes within maxUnavailable / maxSurge, with the status `kubectl rollout status ds` reads.
struct DaemonSetController: QueuedController {
    static let name = "daemonset"
    static let component = "daemonset-controller"
    private typealias Kit = BatchAndServiceKit
    private typealias Nodes = DaemonSetNodes

    let core: QueuedControllerCore

    func run() async {
        await BatchAndServiceLoop.run([
            { await BatchAndServiceLoop.watchOwn(client, .daemonSets, into: queue) },
            { await watchPods() },
            { await watchNodes() },
            { await queue.run(workers: 2) { key in await sync(key) } },
        ])
    }

    private func watchPods() async {
        for await change in client.changes(.pods) {
            guard change.object.attributes.labels[Nodes.generationLabel] != nil
                || change.previous?.attributes.labels[Nodes.generationLabel] != nil else { continue }
            if let owner = Kit.controllerRef(change.object.json()), owner.kind == "DaemonSet" {
                queue.add(WorkKey(namespace: change.namespace, name: owner.name))
            }
        }
    }

    /// Every DaemonSet looks again when a node comes, goes, or changes what placement depends on.
    private func watchNodes() async {
        for await change in client.changes(.nodes) {
            if change.type == .modified, let previous = change.previous {
                let before = previous.json(), after = change.object.json()
                let same = previous.attributes.labels == change.object.attributes.labels
                    && before[path: "spec", "taints"] == after[path: "spec", "taints"]
                    && before[path: "spec", "unschedulable"] == after[path: "spec", "unschedulable"]
                    && Kit.condition(before, "Ready")?["status"] == Kit.condition(after, "Ready")?["status"]
                if same { continue }
            }
            for set in client.list(.daemonSets) { queue.add(Kit.workKey(set)) }
        }
    }

    private func sync(_ key: WorkKey) async {
        guard let set = client.get(.daemonSets, namespace: key.namespace, name: key.name), !Kit.isDeleting(set) else { return }
        do throws(APIError) {
            try await reconcile(set)
        } catch {
            context.logger.debug("daemonset \(key): \(error.message)")
            timers.requeue(key, after: Kit.isConflict(error) ? 0.5 : 5)
        }
    }

    private func reconcile(_ set: JSON) async throws(APIError) {
        let outcome = try await BatchAndServiceRevisions.sync(client, owner: set, kind: "DaemonSet",
                                                              revisions: BatchAndServiceRevisions.owned(client, owner: set))
        let hash = Kit.labels(outcome.update)[BatchAndServiceRevisions.hashLabel] ?? ""
        let template = set[path: "spec", "template"] ?? [:]
        let nodes = client.list(.nodes).sorted { Kit.name($0) < Kit.name($1) }
        var placements: [String: (run: Bool, keep: Bool)] = [:]
        for node in nodes { placements[Kit.name(node)] = Nodes.placement(template: template, node: node) }

        try await manage(set, hash: hash, nodes: nodes, placements: placements)
        if set[path: "spec", "updateStrategy", "type"]?.stringValue ?? "RollingUpdate" == "RollingUpdate" {
            try await rollingUpdate(set, hash: hash, nodes: nodes, placements: placements)
        }
        try await updateStatus(set, hash: hash, nodes: nodes, placements: placements, collisionCount: outcome.collisionCount)

        var live: Set<String> = [Kit.name(outcome.update)]
        let liveHashes = Set(ownedPods(set).map { Kit.labels($0)[Nodes.revisionLabel] ?? "" })
        for revision in outcome.revisions where liveHashes.contains(Kit.labels(revision)[BatchAndServiceRevisions.hashLabel] ?? "") {
            live.insert(Kit.name(revision))
        }
        let limit = Int(set[path: "spec", "revisionHistoryLimit"]?.intValue ?? 10)
        await BatchAndServiceRevisions.truncate(client, revisions: outcome.revisions, live: live, limit: limit)
    }

    private func ownedPods(_ set: JSON) -> [JSON] {
        Kit.list(client, .pods, namespace: Kit.namespace(set), selector: Kit.selector(set[path: "spec", "selector"]))
            .filter { Kit.isControlled($0, by: set) }
    }

    private func podsByNode(_ set: JSON) -> (byNode: [String: [JSON]], unplaced: [JSON]) {
        var byNode: [String: [JSON]] = [:]
        var unplaced: [JSON] = []
        for pod in ownedPods(set) {
            if let node = Nodes.targetNode(pod) { byNode[node, default: []].append(pod) } else { unplaced.append(pod) }
        }
        for node in byNode.keys {
            byNode[node]?.sort { Kit.creationTime($0) != Kit.creationTime($1) ? Kit.creationTime($0) < Kit.creationTime($1) : Kit.name($0) < Kit.name($1) }
        }
        return (byNode, unplaced)
    }

    private func surges(_ set: JSON, desired: Int) -> Bool {
        set[path: "spec", "updateStrategy", "type"]?.stringValue ?? "RollingUpdate" == "RollingUpdate"
            && Nodes.budget(set: set, desired: desired).maxSurge > 0
    }

    /// podsShouldBeOnNode for every node: create where missing, remove failed, excess and misplaced pods.
    private func manage(_ set: JSON, hash: String, nodes: [JSON], placements: [String: (run: Bool, keep: Bool)]) async throws(APIError) {
        let (byNode, _) = podsByNode(set)
        let minReady = set[path: "spec", "minReadySeconds"]?.intValue ?? 0
        let surge = surges(set, desired: placements.values.filter(\.run).count)
        var create: [String] = []
        var delete: [JSON] = []
        for node in nodes {
            let nodeName = Kit.name(node)
            let placement = placements[nodeName] ?? (false, false)
            let pods = byNode[nodeName] ?? []
            if placement.run && pods.isEmpty { create.append(nodeName) }
            if placement.run {
                var running: [JSON] = []
                for pod in pods where !Kit.isDeleting(pod) {
                    switch Kit.phase(pod) {
                    case "Failed", "Succeeded":
                        let what = Kit.phase(pod) == "Failed" ? "failed" : "succeeded"
                        await record(set, "Warning", Kit.phase(pod) == "Failed" ? "FailedDaemonPod" : "SucceededDaemonPod",
                                     "Found \(what) daemon pod \(Kit.namespace(pod))/\(Kit.name(pod)) on node \(nodeName), will try to kill it")
                        delete.append(pod)
                    default:
                        running.append(pod)
                    }
                }
                if !surge {
                    delete += running.dropFirst()
                    continue
                }
                // With surge a node may hold one old and one new pod while the new one comes up.
                var oldestNew: JSON?, oldestOld: JSON?
                for pod in running {
                    let isNew = Kit.labels(pod)[Nodes.revisionLabel] == hash
                    if isNew && oldestNew == nil { oldestNew = pod; continue }
                    if !isNew && oldestOld == nil { oldestOld = pod; continue }
                    delete.append(pod)
                }
                if let new = oldestNew, let old = oldestOld,
                   !Kit.isReady(old) || Kit.isAvailable(new, minReadySeconds: minReady, clock: context.clock)
                {
                    delete.append(old)
                }
            } else if !placement.keep {
                delete += pods.filter { !Kit.isDeleting($0) }
            }
        }
        // Unbound pods pinned to nodes that no longer exist can never run (getUnscheduledPodsWithoutNode).
        for (nodeName, pods) in byNode where placements[nodeName] == nil {
            delete += pods.filter { Kit.nodeName($0).isEmpty && !Kit.isDeleting($0) }
        }
        try await syncNodes(set, delete: delete, create: create, hash: hash)
    }

    /// rollingUpdate: replace old pods within maxUnavailable, or surge new ones beside them within maxSurge.
    private func rollingUpdate(_ set: JSON, hash: String, nodes: [JSON], placements: [String: (run: Bool, keep: Bool)]) async throws(APIError) {
        let (byNode, _) = podsByNode(set)
        let desired = placements.values.filter(\.run).count
        let (maxUnavailable, maxSurge) = Nodes.budget(set: set, desired: desired)
        let minReady = set[path: "spec", "minReadySeconds"]?.intValue ?? 0
        func available(_ pod: JSON) -> Bool { Kit.isAvailable(pod, minReadySeconds: minReady, clock: context.clock) }
        var deletions: [JSON] = [], allowed: [JSON] = [], candidates: [JSON] = []
        var newNodes: [String] = [], candidateNodes: [String] = []
        var unavailable = 0, surged = 0
        for node in nodes where placements[Kit.name(node)]?.run == true {
            let pods = (byNode[Kit.name(node)] ?? []).filter { !Kit.isDeleting($0) && !Kit.isTerminal($0) }
            let new = pods.filter { Kit.labels($0)[Nodes.revisionLabel] == hash }
            let old = pods.filter { Kit.labels($0)[Nodes.revisionLabel] != hash }
            guard new.count <= 1, old.count <= 1 else {
                surged += 1
                continue
            }
            if maxSurge == 0 {
                switch (old.first, new.first) {
                case (nil, nil), (.some, .some): unavailable += 1
                case (nil, .some(let pod)): if !available(pod) { unavailable += 1 }
                case (.some(let pod), nil):
                    if !available(pod) {
                        allowed.append(pod)
                        unavailable += 1
                    } else if unavailable < maxUnavailable {
                        candidates.append(pod)
                    }
                }
            } else {
                switch (old.first, new.first) {
                case (nil, _): break
                case (.some(let pod), nil):
                    if !available(pod) { newNodes.append(Kit.name(node)) } else if surged < maxSurge { candidateNodes.append(Kit.name(node)) }
                case (.some(let oldPod), .some(let newPod)):
                    if available(newPod) { deletions.append(oldPod) } else { surged += 1 }
                }
            }
        }
        if maxSurge == 0 {
            let room = min(max(0, maxUnavailable - unavailable), candidates.count)
            deletions = allowed + candidates.prefix(room)
        } else {
            newNodes += candidateNodes.prefix(min(max(0, maxSurge - surged), candidateNodes.count))
        }
        try await syncNodes(set, delete: deletions, create: newNodes, hash: hash)
    }

    private func syncNodes(_ set: JSON, delete: [JSON], create: [String], hash: String) async throws(APIError) {
        var firstError: APIError?
        for pod in delete {
            do throws(APIError) {
                try await client.delete(.pods, namespace: Kit.namespace(pod), name: Kit.name(pod), preconditionUID: Kit.uid(pod))
                await record(set, "Normal", "SuccessfulDelete", "Deleted pod: \(Kit.name(pod))")
            } catch {
                guard !Kit.isNotFound(error) else { continue }
                await record(set, "Warning", "FailedDelete", "Error deleting: \(error.message)")
                firstError = firstError ?? error
            }
        }
        let template = set[path: "spec", "template"] ?? [:]
        for node in create {
            var attempt = 0
            while true {
                let suffix = context.random.nameSuffix("daemonset/\(Kit.namespace(set))/\(Kit.name(set))/\(node)/\(hash)/\(attempt)")
                let pod = Nodes.pod(set: set, template: template, hash: hash, node: node, name: "\(Kit.name(set).prefix(58))-\(suffix)")
                do throws(APIError) {
                    let created = try await client.create(.pods, namespace: Kit.namespace(set), pod)
                    await record(set, "Normal", "SuccessfulCreate", "Created pod: \(Kit.name(created))")
                } catch {
                    if Kit.isAlreadyExists(error) && attempt < 8 {
                        attempt += 1
                        continue
                    }
                    await record(set, "Warning", "FailedCreate", "Error creating: \(error.message)")
                    firstError = firstError ?? error
                }
                break
            }
        }
        if let firstError { throw firstError }
    }

    private func updateStatus(_ set: JSON, hash: String, nodes: [JSON], placements: [String: (run: Bool, keep: Bool)],
                              collisionCount: Int64) async throws(APIError)
    {
        let (byNode, _) = podsByNode(set)
        let minReady = set[path: "spec", "minReadySeconds"]?.intValue ?? 0
        var desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0
        var soonest: Double?
        for node in nodes {
            let pods = byNode[Kit.name(node)] ?? []
            guard placements[Kit.name(node)]?.run == true else {
                if !pods.isEmpty { misscheduled += 1 }
                continue
            }
            desired += 1
            guard let pod = pods.sorted(by: { activeFirst($0, $1) }).first else { continue }
            current += 1
            if Kit.isReady(pod) {
                ready += 1
                let wait = Kit.secondsUntilAvailable(pod, minReadySeconds: minReady, clock: context.clock) ?? 0
                if wait == 0 { available += 1 } else { soonest = min(soonest ?? wait, wait) }
            }
            if Kit.labels(pod)[Nodes.revisionLabel] == hash { updated += 1 }
        }
        if let soonest { timers.requeue(Kit.workKey(set), after: soonest) }
        guard let fresh = client.get(.daemonSets, namespace: Kit.namespace(set), name: Kit.name(set)),
              Kit.uid(fresh) == Kit.uid(set) else { return }
        var status = fresh["status"]?.objectValue ?? JSONObject()
        status["currentNumberScheduled"] = .int(Int64(current))
        status["numberMisscheduled"] = .int(Int64(misscheduled))
        status["desiredNumberScheduled"] = .int(Int64(desired))
        status["numberReady"] = .int(Int64(ready))
        status["observedGeneration"] = .int(Kit.generation(set))
        status["updatedNumberScheduled"] = updated > 0 ? .int(Int64(updated)) : nil
        status["numberAvailable"] = available > 0 ? .int(Int64(available)) : nil
        status["numberUnavailable"] = desired - available > 0 ? .int(Int64(desired - available)) : nil
        if collisionCount > 0 || status["collisionCount"] != nil { status["collisionCount"] = .int(collisionCount) }
        try await Kit.writeStatus(client, .daemonSets, fresh, .object(status))
    }

    /// podByCreationTimestampAndPhase: running pods before pending ones, then the oldest.
    private func activeFirst(_ a: JSON, _ b: JSON) -> Bool {
        let aRunning = Kit.phase(a) == "Running", bRunning = Kit.phase(b) == "Running"
        if aRunning != bRunning { return aRunning }
        return Kit.creationTime(a) < Kit.creationTime(b)
    }

    private func record(_ set: JSON, _ type: String, _ reason: String, _ message: String) async {
        await context.events.record(set, type: type, reason: reason, message: message, component: Self.component)
    }
}
