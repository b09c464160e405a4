/// DefaultPreemption as kube-scheduler runs it after a pod fits nowhere: on nodes where only capacity was
/// missing, find the fewest lower-priority pods whose eviction makes room, pick the cheapest node, nominate the
/// pod there. PodDisruptionBudgets are not consulted (every victim counts as non-violating).
struct SchedulerPreemptionVictim: Sendable, Equatable {
    var key: String
    var uid: String
}

enum SchedulerPreemptionResult: Sendable {
    /// No preemption: the PostFilter message to append ("preemption: ..."), and whether the pod loses the
    /// node it was nominated to (it does when no node has victims; not when it merely has to wait).
    case notHelpful(String, clearNomination: Bool)
    /// Evict `victims` on `node`; the pod is nominated there. `clearNominated` lost their nomination to it.
    case preempt(node: String, victims: [SchedulerPreemptionVictim], clearNominated: [String])
}

extension SchedulerCache {
    func preempt(_ pod: SchedulerPod, failure: SchedulerFailure) -> SchedulerPreemptionResult {
        state.withLock { $0.preempt(pod, failure: failure) }
    }

    /// A victim is gone from the API's point of view once its deletion is requested.
    func markPreempted(_ key: String) {
        state.withLock { state in state.pods[key]?.preempted = true }
    }
}

extension SchedulerCache.State {
    enum VictimSelection {
        case rejected(SchedulerFilterStatus)
        case victims([(key: String, entry: SchedulerCache.PodEntry)])
    }

    mutating func preempt(_ pod: SchedulerPod, failure: SchedulerFailure) -> SchedulerPreemptionResult {
        if pod.preemptNever {
            return .notHelpful(SchedulerMessages.preemption(SchedulerReasons.preemptNever), clearNomination: false)
        }
        if failure.noNodes { return .notHelpful("", clearNomination: true) }
        let nominated = nominations[pod.key]?.node ?? pod.nominatedNodeName
        if !nominated.isEmpty, failure.status(of: nominated)?.code != .unresolvable,
           let entry = nodes[nominated],
           entry.pods.contains(where: { pods[$0].map { $0.preempted && $0.priority < pod.priority } ?? false })
        {
            // Its earlier victims are still terminating: wait for them rather than evicting more.
            let message = SchedulerMessages.preemption(SchedulerReasons.terminatingOnNominated)
            return .notHelpful(message, clearNomination: false)
        }
        var reasons: [[String]] = []
        var potential: [String] = []
        for name in nodeOrder {
            if failure.status(of: name)?.code == .unschedulable {
                potential.append(name)
            } else {
                reasons.append([SchedulerReasons.preemptionNotHelpful])
            }
        }
        // DefaultPreemption dry-runs at least 100 nodes (or 10 percent) before choosing among the candidates.
        let wanted = min(potential.count, max(100, potential.count / 10))
        var candidates: [(node: String, victims: [(key: String, entry: SchedulerCache.PodEntry)])] = []
        for name in potential {
            if candidates.count >= wanted { break }
            switch selectVictims(pod, on: name) {
            case .rejected(let status): reasons.append(status.reasons)
            case .victims(let victims): candidates.append((name, victims))
            }
        }
        guard let best = Self.pickNode(candidates) else {
            let message = SchedulerMessages.fitError(allNodes: nodeOrder.count, reasons: reasons)
            return .notHelpful(SchedulerMessages.preemption(message), clearNomination: true)
        }
        for victim in best.victims { pods[victim.key]?.preempted = true }
        // Lower-priority pods nominated to the same node may no longer fit there.
        let displaced = (nominatedOnNode[best.node] ?? []).filter { key in
            key != pod.key && (nominations[key]?.pod.priority ?? 0) < pod.priority
        }.sorted()
        for key in displaced { clearNomination(key) }
        clearNomination(pod.key)
        nominations[pod.key] = SchedulerCache.Nomination(node: best.node, pod: pod)
        nominatedOnNode[best.node, default: []].insert(pod.key)
        return .preempt(node: best.node, victims: best.victims.map { SchedulerPreemptionVictim(key: $0.key, uid: $0.entry.uid) },
                        clearNominated: displaced)
    }

    /// SelectVictimsOnNode: remove every lower-priority pod, check the pod fits, then reprieve victims from the
    /// most important down while it still fits.
    func selectVictims(_ pod: SchedulerPod, on name: String) -> VictimSelection {
        guard let entry = nodes[name], let node = entry.node,
              let lowest = entry.priorityCounts.keys.min(), lowest < pod.priority
        else {
            return .rejected(SchedulerFilterStatus(code: .unresolvable, reasons: [SchedulerReasons.noPreemptionVictims],
                                                   plugin: "DefaultPreemption"))
        }
        var potential = entry.pods.compactMap { key in
            pods[key].flatMap { $0.priority < pod.priority && !$0.assumed ? (key: key, entry: $0) : nil }
        }
        guard !potential.isEmpty else {
            return .rejected(SchedulerFilterStatus(code: .unresolvable, reasons: [SchedulerReasons.noPreemptionVictims],
                                                   plugin: "DefaultPreemption"))
        }
        var usage = usageForFilter(pod, on: name)
        for victim in potential { usage.remove(victim.entry.requests, ports: victim.entry.ports) }
        if let status = SchedulerPredicates.filter(pod, node: node, usage: usage) { return .rejected(status) }
        potential.sort(by: Self.moreImportant)
        var victims: [(key: String, entry: SchedulerCache.PodEntry)] = []
        for victim in potential {
            usage.add(victim.entry.requests, ports: victim.entry.ports)
            if SchedulerPredicates.filter(pod, node: node, usage: usage) != nil {
                usage.remove(victim.entry.requests, ports: victim.entry.ports)
                victims.append(victim)
            }
        }
        return .victims(victims)
    }

    /// util.MoreImportantPod: higher priority, then longer running; the key keeps it a total order.
    static func moreImportant(_ a: (key: String, entry: SchedulerCache.PodEntry),
                              _ b: (key: String, entry: SchedulerCache.PodEntry)) -> Bool
    {
        if a.entry.priority != b.entry.priority { return a.entry.priority > b.entry.priority }
        if a.entry.startTime != b.entry.startTime { return a.entry.startTime < b.entry.startTime }
        return a.key < b.key
    }

    /// pickOneNodeForPreemption: lowest highest-victim priority, lowest priority sum, fewest victims, latest
    /// start among the highest-priority victims, then the first.
    static func pickNode(_ candidates: [(node: String, victims: [(key: String, entry: SchedulerCache.PodEntry)])])
        -> (node: String, victims: [(key: String, entry: SchedulerCache.PodEntry)])?
    {
        func highest(_ victims: [(key: String, entry: SchedulerCache.PodEntry)]) -> Int64 {
            victims.map(\.entry.priority).max() ?? Int64.min
        }
        func prioritySum(_ victims: [(key: String, entry: SchedulerCache.PodEntry)]) -> Int64 {
            victims.reduce(0) { $0 + $1.entry.priority + Int64(Int32.max) + 1 }
        }
        func earliestStartOfHighest(_ victims: [(key: String, entry: SchedulerCache.PodEntry)]) -> Double {
            let top = highest(victims)
            return victims.filter { $0.entry.priority == top }.map(\.entry.startTime).min() ?? 0
        }
        var best = candidates.first
        for candidate in candidates.dropFirst() {
            guard let current = best else { best = candidate; continue }
            let keys: [(Double, Double)] = [
                (Double(highest(candidate.victims)), Double(highest(current.victims))),
                (Double(prioritySum(candidate.victims)), Double(prioritySum(current.victims))),
                (Double(candidate.victims.count), Double(current.victims.count)),
                (-earliestStartOfHighest(candidate.victims), -earliestStartOfHighest(current.victims)),
            ]
            for (a, b) in keys where a != b {
                if a < b { best = candidate }
                break
            }
        }
        return best
    }
}
