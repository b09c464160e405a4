import Foundation

/// The score plugins of kube-scheduler's default profile that matter without volumes or pod affinity, with their
/// default weights: TaintToleration 3, NodeAffinity 2, NodeResourcesFit (LeastAllocated on cpu and memory) 1,
/// NodeResourcesBalancedAllocation 1.
enum SchedulerScoring {
    static let maxNodeScore: Int64 = 100

    /// Total weighted score per node, in the given order. Runs for every feasible node of every pod, so it
    /// avoids building intermediate collections.
    static func scores(_ pod: SchedulerPod, nodes: [(node: SchedulerNode, usage: SchedulerNodeUsage)]) -> [Int64] {
        let bestEffort = pod.requests.requests.milliCPU == 0 && pod.requests.requests.memory == 0
        var totals = [Int64](repeating: 0, count: nodes.count)
        var taints = [Int64](repeating: 0, count: nodes.count)
        var affinity = [Int64](repeating: 0, count: nodes.count)
        var anyTaint = false
        for i in nodes.indices {
            let (node, usage) = nodes[i]
            var total = leastAllocated(pod.requests, usage: usage, allocatable: node.allocatable)
            if !bestEffort { total += balancedAllocation(pod.requests, usage: usage, allocatable: node.allocatable) }
            totals[i] = total
            if !node.taints.isEmpty {
                taints[i] = intolerablePreferNoSchedule(pod, node)
                anyTaint = anyTaint || taints[i] != 0
            }
            if !pod.preferredTerms.isEmpty { affinity[i] = preferredAffinity(pod, node) }
        }
        // Normalized, the taint score is 100 everywhere unless some node has an intolerable PreferNoSchedule taint.
        if anyTaint { taints = normalize(taints, reverse: true) }
        if !pod.preferredTerms.isEmpty { affinity = normalize(affinity, reverse: false) }
        for i in totals.indices {
            totals[i] += 3 * (anyTaint ? taints[i] : maxNodeScore) + 2 * affinity[i]
        }
        return totals
    }

    /// LeastAllocated: free share of cpu and memory after placing the pod, counting requests as "non-zero"
    /// (100m / 200Mi for a container that asks for nothing) so best-effort pods still spread.
    static func leastAllocated(_ pod: SchedulerPodRequests, usage: SchedulerNodeUsage, allocatable: SchedulerResources) -> Int64 {
        var total: Int64 = 0
        var weights: Int64 = 0
        func add(_ requested: Int64, _ capacity: Int64) {
            guard capacity != 0 else { return }
            total += requested > capacity ? 0 : (capacity - requested) * maxNodeScore / capacity
            weights += 1
        }
        add(usage.nonZeroCPU + pod.nonZeroCPU, allocatable.milliCPU)
        add(usage.nonZeroMemory + pod.nonZeroMemory, allocatable.memory)
        return weights == 0 ? 0 : total / weights
    }

    /// BalancedAllocation: 1 minus the spread between the cpu and memory shares after placing the pod.
    static func balancedAllocation(_ pod: SchedulerPodRequests, usage: SchedulerNodeUsage,
                                   allocatable: SchedulerResources) -> Int64
    {
        guard allocatable.milliCPU != 0, allocatable.memory != 0 else { return maxNodeScore }
        let cpu = min(1, Double(usage.requested.milliCPU + pod.requests.milliCPU) / Double(allocatable.milliCPU))
        let memory = min(1, Double(usage.requested.memory + pod.requests.memory) / Double(allocatable.memory))
        return Int64((1 - abs(cpu - memory) / 2) * Double(maxNodeScore))
    }

    /// TaintToleration's raw score: PreferNoSchedule taints the pod does not tolerate (fewer is better).
    static func intolerablePreferNoSchedule(_ pod: SchedulerPod, _ node: SchedulerNode) -> Int64 {
        var count: Int64 = 0
        for taint in node.taints where taint.effect == "PreferNoSchedule" {
            let tolerated = pod.tolerations.contains {
                ($0.effect.isEmpty || $0.effect == "PreferNoSchedule") && $0.tolerates(taint)
            }
            if !tolerated { count += 1 }
        }
        return count
    }

    /// NodeAffinity's raw score: the weights of the preferred terms the node matches.
    static func preferredAffinity(_ pod: SchedulerPod, _ node: SchedulerNode) -> Int64 {
        pod.preferredTerms.reduce(0) { sum, preferred in
            preferred.weight != 0 && SchedulerPredicates.matches(preferred.term, node: node) ? sum + preferred.weight : sum
        }
    }

    /// helper.DefaultNormalizeScore: scale to 0...100 by the highest raw score, reversed when fewer is better.
    static func normalize(_ scores: [Int64], reverse: Bool) -> [Int64] {
        let highest = scores.max() ?? 0
        if highest == 0 { return scores.map { _ in reverse ? maxNodeScore : 0 } }
        return scores.map { score in
            let scaled = maxNodeScore * score / highest
            return reverse ? maxNodeScore - scaled : scaled
        }
    }

    /// kube-scheduler picks uniformly among the best-scored nodes; here the pick is a seeded function of the pod
    /// and the node, so a replay with the same seed places the pod on the same node.
    static func selectHost(names: [String], scores: [Int64], podKey: String, random: SeededRandom) -> String? {
        let podHash = random.hash("scheduler/select/" + podKey)
        let hashes = names.map { random.hash("scheduler/node/" + $0) }
        return selectHost(names: names, scores: scores, podHash: podHash, nodeHashes: hashes)
    }

    static func selectHost(names: [String], scores: [Int64], podHash: UInt64, nodeHashes: [UInt64]) -> String? {
        guard let best = scores.max() else { return nil }
        var chosen: Int?
        var chosenDraw: UInt64 = 0
        for i in names.indices where scores[i] == best {
            let draw = mix(podHash ^ nodeHashes[i])
            if chosen == nil || draw < chosenDraw {
                chosen = i
                chosenDraw = draw
            }
        }
        return chosen.map { names[$0] }
    }

    /// splitmix64's finaliser: spreads the combined hashes so no node wins ties systematically.
    static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }

    /// numFeasibleNodesToFind with the default adaptive percentage: every node up to 100, then a share that
    /// shrinks with cluster size but never below 100 nodes or 5 percent.
    static func feasibleNodesToFind(_ allNodes: Int) -> Int {
        if allNodes < 100 { return allNodes }
        let percentage = max(5, 50 - allNodes / 125)
        return max(100, allNodes * percentage / 100)
    }
}

/// kube-scheduler's FitError.Error: "0/N nodes are available: <prefilter>. <sorted histogram>. <postfilter>".
enum SchedulerMessages {
    /// `reasons` holds each rejected node's reasons; `absent` counts nodes without an explicit status (ruled
    /// out before filtering), each reported with `absentReasons`.
    static func fitError(allNodes: Int, preFilter: String? = nil, reasons: [[String]], absent: Int = 0,
                         absentReasons: [String] = [], postFilter: String? = nil) -> String
    {
        var message = "0/\(allNodes) nodes are available:"
        if let preFilter, !preFilter.isEmpty {
            message += " \(preFilter)."
        } else {
            var histogram: [String: Int] = [:]
            for nodeReasons in reasons {
                for reason in nodeReasons { histogram[reason, default: 0] += 1 }
            }
            if absent > 0 {
                for reason in absentReasons { histogram[reason, default: 0] += absent }
            }
            let entries = histogram.map { "\($0.value) \($0.key)" }.sorted(by: goLess)
            if !entries.isEmpty { message += " \(entries.joined(separator: ", "))." }
        }
        if let postFilter, !postFilter.isEmpty { message += " \(postFilter)" }
        return message
    }

    /// DefaultPreemption wraps the preemption's own FitError message.
    static func preemption(_ message: String) -> String { "preemption: " + message }

    /// Go's sort.Strings: bytewise, so "10 x" sorts before "2 y" exactly as upstream prints it.
    static func goLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
