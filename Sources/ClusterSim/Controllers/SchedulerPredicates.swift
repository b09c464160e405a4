/// Whether preemption could change a node's verdict: kube-scheduler's Unschedulable (it could, by evicting
/// lower-priority pods) versus UnschedulableAndUnresolvable (it cannot).
enum SchedulerFilterCode: Sendable, Equatable {
    case unschedulable
    case unresolvable
}

/// Why one node was rejected: the first failing filter plugin's status, with all of its reasons.
struct SchedulerFilterStatus: Sendable, Equatable {
    var code: SchedulerFilterCode
    var reasons: [String]
    var plugin: String
}

/// The reason strings of kube-scheduler's plugins, which users grep for in events.
enum SchedulerReasons {
    static let nodeUnschedulable = "node(s) were unschedulable"
    static let nodeAffinity = "node(s) didn't match Pod's node affinity/selector"
    static let affinityTermsConflict = "pod affinity terms conflict"
    static let hostPorts = "node(s) didn't have free ports for the requested pod ports"
    static let tooManyPods = "Too many pods"
    static let noNodesAvailable = "no nodes available to schedule pods"
    static let preemptionNotHelpful = "Preemption is not helpful for scheduling"
    static let noPreemptionVictims = "No preemption victims found for incoming pod"
    static let preemptNever = "not eligible due to preemptionPolicy=Never."
    static let terminatingOnNominated = "not eligible due to a terminating pod on the nominated node."
    static let schedulingGated = "Scheduling is blocked due to non-empty scheduling gates"

    static func insufficient(_ resource: String) -> String { "Insufficient \(resource)" }

    static func untoleratedTaint(_ taint: SchedulerTaint) -> String {
        "node(s) had untolerated taint {\(taint.key): \(taint.value)}"
    }

    /// The status PreFilter gives nodes it already ruled out (DaemonSet pods pinned by matchFields).
    static func didntSatisfyPlugins(_ plugins: [String]) -> String {
        "node(s) didn't satisfy plugin(s) [\(plugins.joined(separator: " "))]"
    }
}

/// The filter plugins of kube-scheduler's default profile, in its order: NodeUnschedulable, TaintToleration,
/// NodeAffinity, NodePorts, NodeResourcesFit. Pure functions over parsed pods and nodes.
enum SchedulerPredicates {
    static let unschedulableTaint = SchedulerTaint(key: "node.kubernetes.io/unschedulable", value: "", effect: "NoSchedule")

    /// The first filter that rejects `pod` on `node` given what is already there, or nil when it fits.
    static func filter(_ pod: SchedulerPod, node: SchedulerNode, usage: SchedulerNodeUsage) -> SchedulerFilterStatus? {
        if node.unschedulable, !pod.tolerations.contains(where: { $0.tolerates(unschedulableTaint) }) {
            return SchedulerFilterStatus(code: .unresolvable, reasons: [SchedulerReasons.nodeUnschedulable],
                                         plugin: "NodeUnschedulable")
        }
        if let taint = firstUntoleratedTaint(node.taints, pod.tolerations) {
            return SchedulerFilterStatus(code: .unresolvable, reasons: [SchedulerReasons.untoleratedTaint(taint)],
                                         plugin: "TaintToleration")
        }
        if !matchesNodeSelectorAndAffinity(pod, node: node) {
            return SchedulerFilterStatus(code: .unresolvable, reasons: [SchedulerReasons.nodeAffinity], plugin: "NodeAffinity")
        }
        if portsConflict(pod.hostPorts, used: usage.ports) {
            return SchedulerFilterStatus(code: .unschedulable, reasons: [SchedulerReasons.hostPorts], plugin: "NodePorts")
        }
        if fits(pod.requests.requests, usage: usage, allocatable: node.allocatable) { return nil }
        let insufficient = insufficientResources(pod.requests.requests, usage: usage, allocatable: node.allocatable)
        if !insufficient.isEmpty {
            return SchedulerFilterStatus(code: insufficient.contains { $0.unresolvable } ? .unresolvable : .unschedulable,
                                         reasons: insufficient.map(\.reason), plugin: "NodeResourcesFit")
        }
        return nil
    }

    // MARK: TaintToleration

    /// v1helper.FindMatchingUntoleratedTaint with DoNotScheduleTaintsFilterFunc: taints in node order, only
    /// NoSchedule and NoExecute.
    static func firstUntoleratedTaint(_ taints: [SchedulerTaint], _ tolerations: [SchedulerToleration]) -> SchedulerTaint? {
        for taint in taints where taint.effect == "NoSchedule" || taint.effect == "NoExecute" {
            if !tolerations.contains(where: { $0.tolerates(taint) }) { return taint }
        }
        return nil
    }

    // MARK: NodeAffinity

    static func matchesNodeSelectorAndAffinity(_ pod: SchedulerPod, node: SchedulerNode) -> Bool {
        for (key, value) in pod.nodeSelector where node.labels[key] != value { return false }
        guard let terms = pod.requiredTerms else { return true }
        return terms.contains { matches($0, node: node) }
    }

    /// A term matches when every requirement does; an empty or invalid term matches nothing.
    static func matches(_ term: SchedulerNodeSelectorTerm, node: SchedulerNode) -> Bool {
        if term.matchExpressions.isEmpty, term.matchFields.isEmpty { return false }
        for requirement in term.matchExpressions where !matches(requirement, labels: node.labels) { return false }
        for requirement in term.matchFields {
            guard requirement.key == "metadata.name" else { return false }
            switch requirement.op {
            case "In": if !requirement.values.contains(node.name) { return false }
            case "NotIn": if requirement.values.contains(node.name) { return false }
            default: return false
            }
        }
        return true
    }

    static func matches(_ requirement: SchedulerNodeSelectorRequirement, labels: [String: String]) -> Bool {
        let value = labels[requirement.key]
        switch requirement.op {
        case "In":
            guard !requirement.values.isEmpty, let value else { return false }
            return requirement.values.contains(value)
        case "NotIn":
            guard !requirement.values.isEmpty else { return false }
            guard let value else { return true }
            return !requirement.values.contains(value)
        case "Exists":
            return requirement.values.isEmpty && value != nil
        case "DoesNotExist":
            return requirement.values.isEmpty && value == nil
        case "Gt", "Lt":
            guard requirement.values.count == 1, let bound = Int64(requirement.values[0]),
                  let value, let number = Int64(value) else { return false }
            return requirement.op == "Gt" ? number > bound : number < bound
        default:
            return false
        }
    }

    enum NodeNamePreFilter: Equatable {
        case allNodes
        case only(Set<String>)
        case conflict
    }

    /// NodeAffinity's PreFilter: required terms that all pin `metadata.name In [...]` narrow the nodes to
    /// look at (how DaemonSet pods are placed); terms pinning disjoint names conflict.
    static func nodeNamePreFilter(_ pod: SchedulerPod) -> NodeNamePreFilter {
        guard let terms = pod.requiredTerms else { return .allNodes }
        var union: Set<String>?
        for term in terms {
            var termNames: Set<String>?
            for field in term.matchFields where field.key == "metadata.name" && field.op == "In" {
                let names = Set(field.values)
                termNames = termNames.map { $0.intersection(names) } ?? names
            }
            // A term without a name pin admits every node, and terms are ORed.
            guard let termNames else { return .allNodes }
            union = (union ?? []).union(termNames)
        }
        guard let union else { return .allNodes }
        return union.isEmpty ? .conflict : .only(union)
    }

    // MARK: NodePorts

    static func portsConflict(_ wanted: [SchedulerHostPort], used: [SchedulerHostPort: Int]) -> Bool {
        guard !wanted.isEmpty, !used.isEmpty else { return false }
        return wanted.contains { port in used.keys.contains { port.conflicts(with: $0) } }
    }

    // MARK: NodeResourcesFit

    /// The common case of insufficientResources, without building reasons.
    static func fits(_ request: SchedulerResources, usage: SchedulerNodeUsage, allocatable: SchedulerResources) -> Bool {
        guard Int64(usage.podCount) + 1 <= allocatable.allowedPods else { return false }
        let used = usage.requested
        if request.milliCPU > 0, request.milliCPU > allocatable.milliCPU - used.milliCPU { return false }
        if request.memory > 0, request.memory > allocatable.memory - used.memory { return false }
        if request.ephemeralStorage > 0, request.ephemeralStorage > allocatable.ephemeralStorage - used.ephemeralStorage {
            return false
        }
        for (name, wanted) in request.scalars where wanted != 0 {
            if wanted > (allocatable.scalars[name] ?? 0) - (used.scalars[name] ?? 0) { return false }
        }
        return true
    }

    /// fitsRequest: pod count, cpu, memory, ephemeral storage, then scalar resources; a request larger than the
    /// node's whole allocatable is unresolvable (preemption cannot help).
    static func insufficientResources(_ request: SchedulerResources, usage: SchedulerNodeUsage,
                                      allocatable: SchedulerResources) -> [(reason: String, unresolvable: Bool)]
    {
        var result: [(reason: String, unresolvable: Bool)] = []
        if Int64(usage.podCount) + 1 > allocatable.allowedPods {
            result.append((SchedulerReasons.tooManyPods, false))
        }
        if request.isZero { return result }
        let used = usage.requested
        if request.milliCPU > 0, request.milliCPU > allocatable.milliCPU - used.milliCPU {
            result.append((SchedulerReasons.insufficient("cpu"), request.milliCPU > allocatable.milliCPU))
        }
        if request.memory > 0, request.memory > allocatable.memory - used.memory {
            result.append((SchedulerReasons.insufficient("memory"), request.memory > allocatable.memory))
        }
        if request.ephemeralStorage > 0, request.ephemeralStorage > allocatable.ephemeralStorage - used.ephemeralStorage {
            result.append((SchedulerReasons.insufficient("ephemeral-storage"),
                           request.ephemeralStorage > allocatable.ephemeralStorage))
        }
        for name in request.scalars.keys.sorted() {
            let wanted = request.scalars[name] ?? 0
            guard wanted != 0 else { continue }
            let capacity = allocatable.scalars[name] ?? 0
            if wanted > capacity - (used.scalars[name] ?? 0) {
                result.append((SchedulerReasons.insufficient(name), wanted > capacity))
            }
        }
        return result
    }
}
