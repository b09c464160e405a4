import KubeAPI
import KubeJSON

/// Amounts of resources as kube-scheduler's framework.Resource keeps them: cpu in millicores, memory and
/// ephemeral storage in bytes, extended resources (`nvidia.com/gpu`, hugepages) as integers.
struct SchedulerResources: Sendable, Equatable {
    var milliCPU: Int64 = 0
    var memory: Int64 = 0
    var ephemeralStorage: Int64 = 0
    /// Only meaningful for allocatable: the node's `pods` capacity.
    var allowedPods: Int64 = 0
    var scalars: [String: Int64] = [:]

    init(milliCPU: Int64 = 0, memory: Int64 = 0, ephemeralStorage: Int64 = 0, allowedPods: Int64 = 0,
         scalars: [String: Int64] = [:])
    {
        self.milliCPU = milliCPU
        self.memory = memory
        self.ephemeralStorage = ephemeralStorage
        self.allowedPods = allowedPods
        self.scalars = scalars
    }

    /// A resource list (`{"cpu": "500m", "memory": "1Gi", "nvidia.com/gpu": 1}`).
    init(list: JSON?) {
        for (name, value) in list?.objectValue ?? JSONObject() {
            guard let quantity = Quantity.parse(json: value) else { continue }
            set(name, quantity)
        }
    }

    /// The names kube-scheduler treats as scalar resources: extended (domain-prefixed), hugepages, attachable volumes.
    static func isScalar(_ name: String) -> Bool {
        name.contains("/") || name.hasPrefix("hugepages-") || name.hasPrefix("attachable-volumes-")
    }

    mutating func set(_ name: String, _ quantity: Quantity) {
        switch name {
        case "cpu": milliCPU = quantity.milliValue
        case "memory": memory = quantity.value
        case "ephemeral-storage": ephemeralStorage = quantity.value
        case "pods": allowedPods = quantity.value
        default: if Self.isScalar(name) { scalars[name] = quantity.value }
        }
    }

    func value(_ name: String) -> Int64 {
        switch name {
        case "cpu": return milliCPU
        case "memory": return memory
        case "ephemeral-storage": return ephemeralStorage
        case "pods": return allowedPods
        default: return scalars[name] ?? 0
        }
    }

    var isZero: Bool {
        milliCPU == 0 && memory == 0 && ephemeralStorage == 0 && scalars.values.allSatisfy { $0 == 0 }
    }

    mutating func add(_ other: SchedulerResources) {
        milliCPU += other.milliCPU
        memory += other.memory
        ephemeralStorage += other.ephemeralStorage
        for (name, value) in other.scalars { scalars[name, default: 0] += value }
    }

    mutating func subtract(_ other: SchedulerResources) {
        milliCPU -= other.milliCPU
        memory -= other.memory
        ephemeralStorage -= other.ephemeralStorage
        for (name, value) in other.scalars {
            let left = (scalars[name] ?? 0) - value
            scalars[name] = left == 0 ? nil : left
        }
    }

    mutating func setMax(_ other: SchedulerResources) {
        milliCPU = max(milliCPU, other.milliCPU)
        memory = max(memory, other.memory)
        ephemeralStorage = max(ephemeralStorage, other.ephemeralStorage)
        for (name, value) in other.scalars { scalars[name] = max(scalars[name] ?? 0, value) }
    }
}

/// What a pod asks of a node: its requests as the filter sees them, and the "non-zero" cpu and memory the
/// scoring uses (100m and 200Mi for a container that requests nothing, as kube-scheduler assumes).
struct SchedulerPodRequests: Sendable, Equatable {
    var requests = SchedulerResources()
    var nonZeroCPU: Int64 = 0
    var nonZeroMemory: Int64 = 0

    static let defaultMilliCPU: Int64 = 100
    static let defaultMemory: Int64 = 200 * 1024 * 1024

    /// resourcehelper.PodRequests: containers summed, sidecars (restartable init containers) added, each
    /// regular init container taken with the sidecars started before it, the larger of the two, pod-level
    /// requests where set, plus the RuntimeClass overhead.
    init(spec: JSON?) {
        let podLevel = SchedulerResources(list: spec?[path: "resources", "requests"])
        let podLevelCPU = spec?[path: "resources", "requests", "cpu"] != nil
        let podLevelMemory = spec?[path: "resources", "requests", "memory"] != nil
        let overhead = SchedulerResources(list: spec?["overhead"])

        func aggregate(nonZero: Bool) -> SchedulerResources {
            func containerRequests(_ container: JSON) -> SchedulerResources {
                let list = container[path: "resources", "requests"]
                var r = SchedulerResources(list: list)
                if nonZero {
                    // Without pod-level requests every container gets the defaults for what it leaves out;
                    // with them, only a resource missing at both levels does.
                    if list?["cpu"] == nil, !podLevelCPU { r.milliCPU = Self.defaultMilliCPU }
                    if list?["memory"] == nil, !podLevelMemory { r.memory = Self.defaultMemory }
                }
                return r
            }
            var total = SchedulerResources()
            for container in spec?["containers"]?.arrayValue ?? [] { total.add(containerRequests(container)) }
            var sidecars = SchedulerResources()
            var initMax = SchedulerResources()
            for container in spec?["initContainers"]?.arrayValue ?? [] {
                var r = containerRequests(container)
                if container["restartPolicy"]?.stringValue == "Always" {
                    total.add(r)
                    sidecars.add(r)
                    r = sidecars
                } else {
                    r.add(sidecars)
                }
                initMax.setMax(r)
            }
            total.setMax(initMax)
            if podLevelCPU { total.milliCPU = podLevel.milliCPU }
            if podLevelMemory { total.memory = podLevel.memory }
            total.add(overhead)
            return total
        }
        requests = aggregate(nonZero: false)
        let nonZero = aggregate(nonZero: true)
        nonZeroCPU = nonZero.milliCPU
        nonZeroMemory = nonZero.memory
    }

    init(requests: SchedulerResources, nonZeroCPU: Int64? = nil, nonZeroMemory: Int64? = nil) {
        self.requests = requests
        self.nonZeroCPU = nonZeroCPU ?? requests.milliCPU
        self.nonZeroMemory = nonZeroMemory ?? requests.memory
    }
}

struct SchedulerTaint: Sendable, Equatable, Hashable {
    var key: String
    var value: String
    var effect: String
}

struct SchedulerToleration: Sendable, Equatable {
    var key: String
    var op: String
    var value: String
    var effect: String

    init(key: String = "", op: String = "", value: String = "", effect: String = "") {
        self.key = key
        self.op = op
        self.value = value
        self.effect = effect
    }

    /// v1.Toleration.ToleratesTaint: empty effect matches every effect, empty key (with Exists) every key.
    func tolerates(_ taint: SchedulerTaint) -> Bool {
        if !effect.isEmpty, effect != taint.effect { return false }
        if !key.isEmpty, key != taint.key { return false }
        switch op {
        case "", "Equal": return value == taint.value
        case "Exists": return true
        default: return false
        }
    }
}

struct SchedulerHostPort: Sendable, Hashable {
    var ip: String
    var protocolName: String
    var port: Int64

    /// HostPortInfo.CheckConflict: the wildcard address conflicts with every address on the same port.
    func conflicts(with other: SchedulerHostPort) -> Bool {
        guard port == other.port, protocolName == other.protocolName else { return false }
        return ip == other.ip || ip == "0.0.0.0" || other.ip == "0.0.0.0"
    }
}

struct SchedulerNodeSelectorRequirement: Sendable, Equatable {
    var key: String
    var op: String
    var values: [String]
}

/// One nodeSelectorTerm: its requirements are ANDed; a term with none matches nothing.
struct SchedulerNodeSelectorTerm: Sendable, Equatable {
    var matchExpressions: [SchedulerNodeSelectorRequirement] = []
    var matchFields: [SchedulerNodeSelectorRequirement] = []

    init(matchExpressions: [SchedulerNodeSelectorRequirement] = [], matchFields: [SchedulerNodeSelectorRequirement] = []) {
        self.matchExpressions = matchExpressions
        self.matchFields = matchFields
    }

    init(json: JSON) {
        func requirements(_ list: JSON?) -> [SchedulerNodeSelectorRequirement] {
            (list?.arrayValue ?? []).map {
                SchedulerNodeSelectorRequirement(key: $0["key"]?.stringValue ?? "", op: $0["operator"]?.stringValue ?? "",
                                                 values: ($0["values"]?.arrayValue ?? []).compactMap(\.stringValue))
            }
        }
        matchExpressions = requirements(json["matchExpressions"])
        matchFields = requirements(json["matchFields"])
    }
}

struct SchedulerPreferredTerm: Sendable, Equatable {
    var weight: Int64
    var term: SchedulerNodeSelectorTerm
}

/// The parts of a pod the scheduler decides with, parsed once when the pod is seen.
struct SchedulerPod: Sendable {
    var namespace: String
    var name: String
    var uid: String
    var nodeName: String
    var schedulerName: String
    var phase: String
    var deleting: Bool
    var priority: Int64
    var preemptNever: Bool
    var requests: SchedulerPodRequests
    var tolerations: [SchedulerToleration]
    var nodeSelector: [String: String]
    /// nil when the pod has no required node affinity.
    var requiredTerms: [SchedulerNodeSelectorTerm]?
    var preferredTerms: [SchedulerPreferredTerm]
    var hostPorts: [SchedulerHostPort]
    var schedulingGated: Bool
    var nominatedNodeName: String
    /// status.startTime, else creation, for ordering preemption victims (longer-running is more important).
    var startTime: Double
    var generation: Int64?

    var key: String { namespace + "/" + name }
    var isTerminal: Bool { phase == "Succeeded" || phase == "Failed" }

    init(namespace: String, name: String, uid: String = "", nodeName: String = "", schedulerName: String = "default-scheduler",
         phase: String = "Pending", deleting: Bool = false, priority: Int64 = 0, preemptNever: Bool = false,
         requests: SchedulerPodRequests = SchedulerPodRequests(requests: SchedulerResources()),
         tolerations: [SchedulerToleration] = [], nodeSelector: [String: String] = [:],
         requiredTerms: [SchedulerNodeSelectorTerm]? = nil, preferredTerms: [SchedulerPreferredTerm] = [],
         hostPorts: [SchedulerHostPort] = [], schedulingGated: Bool = false, nominatedNodeName: String = "",
         startTime: Double = 0, generation: Int64? = nil)
    {
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.nodeName = nodeName
        self.schedulerName = schedulerName
        self.phase = phase
        self.deleting = deleting
        self.priority = priority
        self.preemptNever = preemptNever
        self.requests = requests
        self.tolerations = tolerations
        self.nodeSelector = nodeSelector
        self.requiredTerms = requiredTerms
        self.preferredTerms = preferredTerms
        self.hostPorts = hostPorts
        self.schedulingGated = schedulingGated
        self.nominatedNodeName = nominatedNodeName
        self.startTime = startTime
        self.generation = generation
    }

    init(json pod: JSON) {
        let spec = pod["spec"]
        let status = pod["status"]
        namespace = pod[path: "metadata", "namespace"]?.stringValue ?? ""
        name = pod[path: "metadata", "name"]?.stringValue ?? ""
        uid = pod[path: "metadata", "uid"]?.stringValue ?? ""
        generation = pod[path: "metadata", "generation"]?.intValue
        deleting = pod[path: "metadata", "deletionTimestamp"].map { !$0.isNull } ?? false
        nodeName = spec?["nodeName"]?.stringValue ?? ""
        schedulerName = spec?["schedulerName"]?.stringValue ?? "default-scheduler"
        phase = status?["phase"]?.stringValue ?? ""
        priority = spec?["priority"]?.intValue ?? 0
        preemptNever = spec?["preemptionPolicy"]?.stringValue == "Never"
        requests = SchedulerPodRequests(spec: spec)
        tolerations = (spec?["tolerations"]?.arrayValue ?? []).map {
            SchedulerToleration(key: $0["key"]?.stringValue ?? "", op: $0["operator"]?.stringValue ?? "",
                                value: $0["value"]?.stringValue ?? "", effect: $0["effect"]?.stringValue ?? "")
        }
        var selector: [String: String] = [:]
        for (key, value) in spec?["nodeSelector"]?.objectValue ?? JSONObject() { selector[key] = value.stringValue ?? "" }
        nodeSelector = selector
        let nodeAffinity = spec?[path: "affinity", "nodeAffinity"]
        if let required = nodeAffinity?["requiredDuringSchedulingIgnoredDuringExecution"], !required.isNull {
            requiredTerms = (required["nodeSelectorTerms"]?.arrayValue ?? []).map(SchedulerNodeSelectorTerm.init(json:))
        } else {
            requiredTerms = nil
        }
        preferredTerms = (nodeAffinity?["preferredDuringSchedulingIgnoredDuringExecution"]?.arrayValue ?? []).compactMap {
            guard let weight = $0["weight"]?.intValue, let term = $0["preference"] else { return nil }
            return SchedulerPreferredTerm(weight: weight, term: SchedulerNodeSelectorTerm(json: term))
        }
        var ports: [SchedulerHostPort] = []
        for list in ["initContainers", "containers"] {
            for container in spec?[list]?.arrayValue ?? [] {
                for port in container["ports"]?.arrayValue ?? [] {
                    guard let hostPort = port["hostPort"]?.intValue, hostPort > 0 else { continue }
                    let ip = port["hostIP"]?.stringValue ?? ""
                    ports.append(SchedulerHostPort(ip: ip.isEmpty ? "0.0.0.0" : ip,
                                                   protocolName: port["protocol"]?.stringValue ?? "TCP", port: hostPort))
                }
            }
        }
        hostPorts = ports
        schedulingGated = !(spec?["schedulingGates"]?.arrayValue ?? []).isEmpty
        nominatedNodeName = status?["nominatedNodeName"]?.stringValue ?? ""
        let started = status?["startTime"]?.stringValue ?? pod[path: "metadata", "creationTimestamp"]?.stringValue
        startTime = started.flatMap(Timestamp.parse) ?? 0
    }

    /// Enough of the pod for events and API paths.
    var reference: JSON {
        ["apiVersion": "v1", "kind": "Pod",
         "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid)]]
    }
}

/// The parts of a node the scheduler decides with.
struct SchedulerNode: Sendable, Equatable {
    var name: String
    var labels: [String: String]
    /// spec.taints, plus the NoSchedule taints the node lifecycle controller derives from conditions.
    var taints: [SchedulerTaint]
    var unschedulable: Bool
    var allocatable: SchedulerResources

    init(name: String, labels: [String: String] = [:], taints: [SchedulerTaint] = [], unschedulable: Bool = false,
         allocatable: SchedulerResources)
    {
        self.name = name
        self.labels = labels
        self.taints = taints
        self.unschedulable = unschedulable
        self.allocatable = allocatable
    }

    init(json node: JSON) {
        name = node[path: "metadata", "name"]?.stringValue ?? ""
        var labels: [String: String] = [:]
        for (key, value) in node[path: "metadata", "labels"]?.objectValue ?? JSONObject() { labels[key] = value.stringValue ?? "" }
        self.labels = labels
        unschedulable = node[path: "spec", "unschedulable"]?.boolValue ?? false
        var taints = (node[path: "spec", "taints"]?.arrayValue ?? []).map {
            SchedulerTaint(key: $0["key"]?.stringValue ?? "", value: $0["value"]?.stringValue ?? "",
                           effect: $0["effect"]?.stringValue ?? "")
        }
        for taint in Self.conditionTaints(node[path: "status", "conditions"]?.arrayValue ?? [])
        where !taints.contains(where: { $0.key == taint.key && $0.effect == taint.effect }) {
            taints.append(taint)
        }
        self.taints = taints
        let allocatable = node[path: "status", "allocatable"] ?? node[path: "status", "capacity"]
        self.allocatable = SchedulerResources(list: allocatable)
    }

    /// TaintNodesByCondition as the node lifecycle controller applies it, so a NotReady node repels pods here
    /// even when no such controller runs: Ready False → not-ready, Ready Unknown → unreachable, pressure
    /// conditions → their taints. A node that never reported Ready counts as not ready.
    static func conditionTaints(_ conditions: [JSON]) -> [SchedulerTaint] {
        var taints: [SchedulerTaint] = []
        var readySeen = false
        for condition in conditions {
            let type = condition["type"]?.stringValue ?? ""
            let status = condition["status"]?.stringValue ?? ""
            switch (type, status) {
            case ("Ready", "True"): readySeen = true
            case ("Ready", "False"):
                readySeen = true
                taints.append(SchedulerTaint(key: "node.kubernetes.io/not-ready", value: "", effect: "NoSchedule"))
            case ("Ready", _):
                readySeen = true
                taints.append(SchedulerTaint(key: "node.kubernetes.io/unreachable", value: "", effect: "NoSchedule"))
            case ("MemoryPressure", "True"):
                taints.append(SchedulerTaint(key: "node.kubernetes.io/memory-pressure", value: "", effect: "NoSchedule"))
            case ("DiskPressure", "True"):
                taints.append(SchedulerTaint(key: "node.kubernetes.io/disk-pressure", value: "", effect: "NoSchedule"))
            case ("PIDPressure", "True"):
                taints.append(SchedulerTaint(key: "node.kubernetes.io/pid-pressure", value: "", effect: "NoSchedule"))
            case ("NetworkUnavailable", "True"):
                taints.append(SchedulerTaint(key: "node.kubernetes.io/network-unavailable", value: "", effect: "NoSchedule"))
            default: break
            }
        }
        if !readySeen { taints.append(SchedulerTaint(key: "node.kubernetes.io/not-ready", value: "", effect: "NoSchedule")) }
        return taints
    }
}

/// What the pods on a node (bound, and assumed while their binding is in flight) take from it.
struct SchedulerNodeUsage: Sendable, Equatable {
    var requested = SchedulerResources()
    var nonZeroCPU: Int64 = 0
    var nonZeroMemory: Int64 = 0
    var podCount = 0
    var ports: [SchedulerHostPort: Int] = [:]

    init() {}

    mutating func add(_ requests: SchedulerPodRequests, ports hostPorts: [SchedulerHostPort]) {
        requested.add(requests.requests)
        nonZeroCPU += requests.nonZeroCPU
        nonZeroMemory += requests.nonZeroMemory
        podCount += 1
        for port in hostPorts { ports[port, default: 0] += 1 }
    }

    mutating func remove(_ requests: SchedulerPodRequests, ports hostPorts: [SchedulerHostPort]) {
        requested.subtract(requests.requests)
        nonZeroCPU -= requests.nonZeroCPU
        nonZeroMemory -= requests.nonZeroMemory
        podCount -= 1
        for port in hostPorts {
            let left = (ports[port] ?? 0) - 1
            ports[port] = left > 0 ? left : nil
        }
    }
}
