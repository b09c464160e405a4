import Synchronization

/// Why a pod did not fit anywhere, with what the message and preemption need.
struct SchedulerFailure: Sendable {
    var allNodes: Int
    var preFilterMessage: String?
    /// Nodes the filters rejected, by name.
    var statuses: [String: SchedulerFilterStatus]
    /// The status of nodes ruled out before filtering (by PreFilter), counted as `allNodes - statuses.count`.
    var absentStatus: SchedulerFilterStatus?
    var noNodes = false

    /// Capacity freed on some node (a pod deleted or finished) could make the pod fit.
    var waitsForCapacity: Bool { statuses.values.contains { $0.code == .unschedulable } }

    func status(of node: String) -> SchedulerFilterStatus? { statuses[node] ?? absentStatus }

    /// The FitError text without the PostFilter (preemption) part.
    func message(postFilter: String? = nil) -> String {
        if noNodes { return SchedulerReasons.noNodesAvailable }
        return SchedulerMessages.fitError(allNodes: allNodes, preFilter: preFilterMessage,
                                          reasons: statuses.values.map(\.reasons), absent: allNodes - statuses.count,
                                          absentReasons: absentStatus?.reasons ?? [], postFilter: postFilter)
    }
}

enum SchedulerOutcome: Sendable {
    case scheduled(node: String)
    case failed(SchedulerFailure)
}

/// kube-scheduler's cache: nodes and what the pods on them (bound, or assumed while their binding is in
/// flight) request, kept up to date from the watch so a scheduling decision never lists pods. The decision
/// and the assumption of its result happen under one lock, so concurrent binds never overcommit a node.
final class SchedulerCache: Sendable {
    struct PodEntry: Sendable {
        var uid: String
        var node: String
        var requests: SchedulerPodRequests
        var ports: [SchedulerHostPort]
        var priority: Int64
        var startTime: Double
        /// Placed by this scheduler, binding not yet observed through the watch.
        var assumed: Bool
        /// Chosen as a preemption victim and being deleted.
        var preempted = false
    }

    struct NodeEntry: Sendable {
        var node: SchedulerNode?
        var usage = SchedulerNodeUsage()
        var pods: Set<String> = []
        /// How many of its pods have each priority, so preemption skips nodes without lower-priority pods.
        var priorityCounts: [Int64: Int] = [:]
        /// The node's half of the seeded tie-break between equally scored nodes.
        var tieBreakHash: UInt64 = 0
    }

    struct Nomination: Sendable {
        var node: String
        var pod: SchedulerPod
    }

    enum NodeChange: Sendable, Equatable {
        case added
        case updated
        case unchanged
    }

    struct State: Sendable {
        var pods: [String: PodEntry] = [:]
        var nodes: [String: NodeEntry] = [:]
        /// Names of the nodes that exist, sorted: the order filtering walks them in.
        var nodeOrder: [String] = []
        /// Pods that preempted others and wait for the room they made, by pod key.
        var nominations: [String: Nomination] = [:]
        var nominatedOnNode: [String: Set<String>] = [:]
        var nextStartNodeIndex = 0
    }

    let state = Mutex(State())

    init() {}

    // MARK: Nodes

    /// `random` seeds the node's part of the tie-break.
    func setNode(_ node: SchedulerNode, random: SeededRandom = SeededRandom(seed: 0)) -> NodeChange {
        state.withLock { state in
            var entry = state.nodes[node.name] ?? NodeEntry()
            let previous = entry.node
            entry.node = node
            entry.tieBreakHash = random.hash("scheduler/node/" + node.name)
            state.nodes[node.name] = entry
            guard let previous else {
                let index = state.nodeOrder.firstIndex { $0 > node.name } ?? state.nodeOrder.count
                state.nodeOrder.insert(node.name, at: index)
                return .added
            }
            return previous == node ? .unchanged : .updated
        }
    }

    func nodeNames() -> [String] {
        state.withLock { $0.nodeOrder }
    }

    func removeNode(_ name: String) {
        state.withLock { state in
            guard var entry = state.nodes[name] else { return }
            entry.node = nil
            state.nodeOrder.removeAll { $0 == name }
            // Pods still bound to a vanished node keep their accounting until they go too.
            state.nodes[name] = entry.pods.isEmpty ? nil : entry
        }
    }

    // MARK: Pods

    /// True when the pod is already accounted on `node`; confirms an assumed pod whose binding showed up.
    /// Keyed by name only: a pod recreated under the same name is seen deleted first.
    func confirm(_ key: String, node: String) -> Bool {
        state.withLock { state in
            guard var entry = state.pods[key], entry.node == node else { return false }
            if entry.assumed {
                entry.assumed = false
                state.pods[key] = entry
            }
            return true
        }
    }

    /// Accounts a pod bound to a node (by this scheduler or anyone else).
    func addBound(_ pod: SchedulerPod) {
        state.withLock { state in
            state.remove(pod.key)
            state.add(pod.key, PodEntry(uid: pod.uid, node: pod.nodeName, requests: pod.requests, ports: pod.hostPorts,
                                        priority: pod.priority, startTime: pod.startTime, assumed: false))
            state.clearNomination(pod.key)
        }
    }

    /// Forgets a pod (deleted, or finished so its resources are free). True when it held resources.
    @discardableResult
    func removePod(_ key: String) -> Bool {
        state.withLock { state in
            state.clearNomination(key)
            return state.remove(key) != nil
        }
    }

    /// Drops an assumption whose binding failed; a pod confirmed meanwhile stays.
    func forget(_ key: String, uid: String, node: String) {
        state.withLock { state in
            guard let entry = state.pods[key], entry.assumed, entry.uid == uid, entry.node == node else { return }
            state.remove(key)
        }
    }

    func isAssumed(_ key: String) -> Bool {
        state.withLock { $0.pods[key]?.assumed ?? false }
    }

    /// After a relist: drops what the new list no longer has, except bindings still in flight.
    func retainPods(_ keys: Set<String>) {
        state.withLock { state in
            for (key, entry) in state.pods where !keys.contains(key) && !entry.assumed { state.remove(key) }
        }
    }

    func nominate(_ pod: SchedulerPod, on node: String) {
        state.withLock { state in
            guard state.pods[pod.key] == nil else { return }
            state.clearNomination(pod.key)
            state.nominations[pod.key] = Nomination(node: node, pod: pod)
            state.nominatedOnNode[node, default: []].insert(pod.key)
        }
    }

    func clearNomination(_ key: String) {
        state.withLock { $0.clearNomination(key) }
    }

    func nominatedNode(of key: String) -> String? {
        state.withLock { $0.nominations[key]?.node }
    }

    // MARK: Scheduling

    /// One scheduling cycle: filter, score, pick, and assume the pod on the chosen node.
    func schedule(_ pod: SchedulerPod, random: SeededRandom) -> SchedulerOutcome {
        state.withLock { $0.schedule(pod, random: random) }
    }
}

extension SchedulerCache.State {
    @discardableResult
    mutating func remove(_ key: String) -> SchedulerCache.PodEntry? {
        guard let entry = pods.removeValue(forKey: key) else { return nil }
        if var node = nodes[entry.node] {
            node.usage.remove(entry.requests, ports: entry.ports)
            node.pods.remove(key)
            let left = (node.priorityCounts[entry.priority] ?? 0) - 1
            node.priorityCounts[entry.priority] = left > 0 ? left : nil
            nodes[entry.node] = node.node == nil && node.pods.isEmpty ? nil : node
        }
        return entry
    }

    mutating func add(_ key: String, _ entry: SchedulerCache.PodEntry) {
        pods[key] = entry
        var node = nodes[entry.node] ?? SchedulerCache.NodeEntry()
        node.usage.add(entry.requests, ports: entry.ports)
        node.pods.insert(key)
        node.priorityCounts[entry.priority, default: 0] += 1
        nodes[entry.node] = node
    }

    mutating func clearNomination(_ key: String) {
        guard let nomination = nominations.removeValue(forKey: key) else { return }
        nominatedOnNode[nomination.node]?.remove(key)
        if nominatedOnNode[nomination.node]?.isEmpty == true { nominatedOnNode[nomination.node] = nil }
    }

    /// What the node would hold for `pod`: its pods, plus pods nominated to it that outrank or equal `pod`
    /// (RunFilterPluginsWithNominatedPods), so a preemptor's room is not taken by the next pod in line.
    func usageForFilter(_ pod: SchedulerPod, on name: String) -> SchedulerNodeUsage {
        var usage = nodes[name]?.usage ?? SchedulerNodeUsage()
        for key in nominatedOnNode[name] ?? [] where key != pod.key {
            guard let nominated = nominations[key]?.pod, nominated.priority >= pod.priority else { continue }
            usage.add(nominated.requests, ports: nominated.hostPorts)
        }
        return usage
    }

    func filter(_ pod: SchedulerPod, on name: String) -> SchedulerFilterStatus? {
        guard let node = nodes[name]?.node else {
            return SchedulerFilterStatus(code: .unresolvable, reasons: [SchedulerReasons.nodeAffinity], plugin: "NodeAffinity")
        }
        return SchedulerPredicates.filter(pod, node: node, usage: usageForFilter(pod, on: name))
    }

    mutating func schedule(_ pod: SchedulerPod, random: SeededRandom) -> SchedulerOutcome {
        let all = nodeOrder
        guard !all.isEmpty else {
            return .failed(SchedulerFailure(allNodes: 0, statuses: [:], noNodes: true))
        }
        var candidates = all
        var absent: SchedulerFilterStatus?
        switch SchedulerPredicates.nodeNamePreFilter(pod) {
        case .allNodes:
            break
        case .conflict:
            let status = SchedulerFilterStatus(code: .unresolvable, reasons: [SchedulerReasons.affinityTermsConflict],
                                               plugin: "NodeAffinity")
            return .failed(SchedulerFailure(allNodes: all.count, preFilterMessage: SchedulerReasons.affinityTermsConflict,
                                            statuses: [:], absentStatus: status))
        case .only(let names):
            candidates = all.filter { names.contains($0) }
            absent = SchedulerFilterStatus(code: .unresolvable, reasons: [SchedulerReasons.didntSatisfyPlugins(["NodeAffinity"])],
                                           plugin: "NodeAffinity")
        }
        // A pod that preempted others goes back to the node it made room on when it fits there.
        let nominated = nominations[pod.key]?.node ?? pod.nominatedNodeName
        if !nominated.isEmpty, candidates.contains(nominated), filter(pod, on: nominated) == nil {
            assume(pod, on: nominated)
            return .scheduled(node: nominated)
        }
        var statuses: [String: SchedulerFilterStatus] = [:]
        var feasible: [String] = []
        if !candidates.isEmpty {
            let wanted = SchedulerScoring.feasibleNodesToFind(candidates.count)
            let start = nextStartNodeIndex % candidates.count
            var processed = 0
            for offset in 0..<candidates.count {
                let name = candidates[(start + offset) % candidates.count]
                processed += 1
                if let status = filter(pod, on: name) {
                    statuses[name] = status
                } else {
                    feasible.append(name)
                    if feasible.count >= wanted { break }
                }
            }
            nextStartNodeIndex = (nextStartNodeIndex + processed) % all.count
        }
        guard !feasible.isEmpty else {
            return .failed(SchedulerFailure(allNodes: all.count, statuses: statuses, absentStatus: absent))
        }
        let chosen: String
        if feasible.count == 1 {
            chosen = feasible[0]
        } else {
            var names: [String] = []
            var scored: [(node: SchedulerNode, usage: SchedulerNodeUsage)] = []
            var hashes: [UInt64] = []
            names.reserveCapacity(feasible.count)
            scored.reserveCapacity(feasible.count)
            hashes.reserveCapacity(feasible.count)
            for name in feasible {
                guard let entry = nodes[name], let node = entry.node else { continue }
                names.append(name)
                scored.append((node, entry.usage))
                hashes.append(entry.tieBreakHash)
            }
            let scores = SchedulerScoring.scores(pod, nodes: scored)
            chosen = SchedulerScoring.selectHost(names: names, scores: scores,
                                                 podHash: random.hash("scheduler/select/" + pod.key),
                                                 nodeHashes: hashes) ?? feasible[0]
        }
        assume(pod, on: chosen)
        return .scheduled(node: chosen)
    }

    mutating func assume(_ pod: SchedulerPod, on node: String) {
        remove(pod.key)
        clearNomination(pod.key)
        add(pod.key, SchedulerCache.PodEntry(uid: pod.uid, node: node, requests: pod.requests, ports: pod.hostPorts,
                                             priority: pod.priority, startTime: pod.startTime, assumed: true))
    }
}
