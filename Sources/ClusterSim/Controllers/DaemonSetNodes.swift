import KubeJSON

/// Which nodes a DaemonSet's pod belongs on (NodeShouldRunDaemonPod) and what that pod looks like
/// (pkg/controller/daemon/util): nodeSelector, required node affinity, and taints against the pod's
/// tolerations including those the controller adds itself.
enum DaemonSetNodes {
    static let revisionLabel = "controller-revision-hash"
    static let generationLabel = "pod-template-generation"
    private typealias Kit = BatchAndServiceKit

    /// AddOrUpdateDaemonPodTolerations: daemons keep running through node conditions and cordons.
    static func defaultTolerations(hostNetwork: Bool) -> [JSON] {
        var list: [(String, String)] = [
            ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
            ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
            ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule"),
        ]
        if hostNetwork { list.append(("node.kubernetes.io/network-unavailable", "NoSchedule")) }
        return list.map { ["key": .string($0.0), "operator": "Exists", "effect": .string($0.1)] }
    }

    /// The template's tolerations plus the defaults not already present (matched by key and effect).
    static func tolerations(template: JSON) -> [JSON] {
        var tolerations = template[path: "spec", "tolerations"]?.arrayValue ?? []
        let hostNetwork = template[path: "spec", "hostNetwork"]?.boolValue == true
        for toleration in defaultTolerations(hostNetwork: hostNetwork) {
            let exists = tolerations.contains {
                $0["key"]?.stringValue == toleration["key"]?.stringValue && $0["effect"]?.stringValue == toleration["effect"]?.stringValue
            }
            if !exists { tolerations.append(toleration) }
        }
        return tolerations
    }

    static func tolerates(_ toleration: JSON, taint: JSON) -> Bool {
        let effect = toleration["effect"]?.stringValue ?? ""
        if !effect.isEmpty && effect != taint["effect"]?.stringValue { return false }
        let key = toleration["key"]?.stringValue ?? ""
        let op = toleration["operator"]?.stringValue ?? "Equal"
        if key.isEmpty { return op == "Exists" }
        guard key == taint["key"]?.stringValue else { return false }
        switch op {
        case "Exists": return true
        case "Equal", "": return (toleration["value"]?.stringValue ?? "") == (taint["value"]?.stringValue ?? "")
        default: return false
        }
    }

    /// A NodeSelectorRequirement against a node's labels (matchExpressions) or fields (matchFields).
    static func matches(_ requirement: JSON, lookup: (String) -> String?) -> Bool {
        let key = requirement["key"]?.stringValue ?? ""
        let values = (requirement["values"]?.arrayValue ?? []).compactMap(\.stringValue)
        let value = lookup(key)
        switch requirement["operator"]?.stringValue ?? "" {
        case "In": return value.map(values.contains) ?? false
        case "NotIn": return value.map { !values.contains($0) } ?? true
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        case "Gt", "Lt":
            guard let value, let have = Int64(value), let bound = values.first.flatMap({ Int64($0) }) else { return false }
            return requirement["operator"]?.stringValue == "Gt" ? have > bound : have < bound
        default: return false
        }
    }

    /// nodeSelector and requiredDuringSchedulingIgnoredDuringExecution; terms are ORed, an empty term matches nothing.
    static func fitsAffinity(podSpec: JSON, node: JSON) -> Bool {
        let labels = Kit.labels(node)
        for (key, value) in podSpec["nodeSelector"]?.objectValue ?? JSONObject() where labels[key] != value.stringValue {
            return false
        }
        guard let terms = podSpec[path: "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                                  "nodeSelectorTerms"]?.arrayValue else { return true }
        let nodeName = Kit.name(node)
        return terms.contains { term in
            let expressions = term["matchExpressions"]?.arrayValue ?? []
            let fields = term["matchFields"]?.arrayValue ?? []
            guard !expressions.isEmpty || !fields.isEmpty else { return false }
            return expressions.allSatisfy { matches($0) { labels[$0] } }
                && fields.allSatisfy { matches($0) { $0 == "metadata.name" ? nodeName : nil } }
        }
    }

    /// (shouldRun, shouldContinueRunning) for a node, as NodeShouldRunDaemonPod decides.
    static func placement(template: JSON, node: JSON) -> (run: Bool, keep: Bool) {
        let spec = template["spec"] ?? [:]
        if let wanted = spec["nodeName"]?.stringValue, !wanted.isEmpty, wanted != Kit.name(node) { return (false, false) }
        guard fitsAffinity(podSpec: spec, node: node) else { return (false, false) }
        let tolerations = tolerations(template: template)
        let taints = node[path: "spec", "taints"]?.arrayValue ?? []
        let untolerated = taints.filter { taint in
            let effect = taint["effect"]?.stringValue ?? ""
            guard effect == "NoSchedule" || effect == "NoExecute" else { return false }
            return !tolerations.contains { tolerates($0, taint: taint) }
        }
        if untolerated.isEmpty { return (true, true) }
        return (false, !untolerated.contains { $0["effect"]?.stringValue == "NoExecute" })
    }

    /// The node a daemon pod is for: its binding, or the node its matchFields affinity pins it to.
    static func targetNode(_ pod: JSON) -> String? {
        let bound = Kit.nodeName(pod)
        if !bound.isEmpty { return bound }
        let terms = pod[path: "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                        "nodeSelectorTerms"]?.arrayValue ?? []
        for term in terms {
            for field in term["matchFields"]?.arrayValue ?? []
            where field["key"]?.stringValue == "metadata.name" && field["operator"]?.stringValue == "In" {
                if let values = field["values"]?.arrayValue, values.count == 1 { return values[0].stringValue }
            }
        }
        return nil
    }

    /// The pod for one node: the template with the revision labels, the default tolerations and a required
    /// node affinity naming that node, which the scheduler then honours (ReplaceDaemonSetPodNodeNameNodeAffinity).
    static func pod(set: JSON, template: JSON, hash: String, node: String, name: String) -> JSON {
        var labels = template[path: "metadata", "labels"]?.objectValue ?? JSONObject()
        labels[revisionLabel] = .string(hash)
        labels[generationLabel] = .string(String(Kit.generation(set)))
        var metadata: JSONObject = [
            "name": .string(name), "generateName": .string(Kit.name(set) + "-"), "namespace": .string(Kit.namespace(set)),
            "labels": .object(labels),
            "ownerReferences": [Kit.ownerReference(to: set, apiVersion: "apps/v1", kind: "DaemonSet")],
        ]
        if let annotations = template[path: "metadata", "annotations"], annotations.isObject {
            metadata["annotations"] = annotations
        }
        var spec = template["spec"] ?? [:]
        spec["tolerations"] = .array(tolerations(template: template))
        let term: JSON = ["matchFields": [["key": "metadata.name", "operator": "In", "values": [.string(node)]]]]
        spec[path: "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"] = ["nodeSelectorTerms": [term]]
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": spec]
    }

    /// The rolling-update budget: maxUnavailable and maxSurge of the desired count (maxUnavailable rounds up,
    /// maxSurge too, and at least one pod may always be unavailable when surge is zero).
    static func budget(set: JSON, desired: Int) -> (maxUnavailable: Int, maxSurge: Int) {
        let rolling = set[path: "spec", "updateStrategy", "rollingUpdate"]
        let surge = Kit.scaledValue(rolling?["maxSurge"], total: desired, roundUp: true) ?? 0
        var unavailable = Kit.scaledValue(rolling?["maxUnavailable"], total: desired, roundUp: true) ?? 1
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (unavailable, surge)
    }
}
