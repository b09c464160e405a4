import KubeAPI
import KubeJSON

/// The Node and Lease objects of the simulated nodes, as a kubelet (v1.32, containerd, on an EC2-like
/// instance) registers and renews them. Pure functions of the configuration, the seed and the time.
enum NodeLifecycleShape {
    static let managedLabel = "simulator.k8s.io/managed"
    static let leaseNamespace = "kube-node-lease"
    static let leaseDurationSeconds: Int64 = 40
    static let kubeletVersion = "v1.32.0"
    static let containerRuntimeVersion = "containerd://1.7.24"
    static let osImage = "Ubuntu 22.04.5 LTS"
    static let kernelVersion = "6.8.0-1021-aws"
    static let region = "us-east-1"
    static let zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    static let gpuProduct = "NVIDIA-A100-SXM4-80GB"
    static let unreachableTaint = "node.kubernetes.io/unreachable"
    /// Labels a GPU node carries (GPU feature discovery and the cloud's accelerator label).
    static let gpuLabelKeys = ["nvidia.com/gpu.present", "nvidia.com/gpu.product", "nvidia.com/gpu.count", "accelerator"]

    static func name(_ index: Int) -> String { "node-\(index)" }

    /// 3 for node-3; nil for names the simulation did not make.
    static func index(of name: String) -> Int? {
        guard name.hasPrefix("node-"), let index = Int(name.dropFirst(5)), index > 0, name == "node-\(index)" else { return nil }
        return index
    }

    /// 172.18.0.2 for node-1 (the docker network kind uses; .1 is its gateway), continuing into 172.18.1.x.
    static func internalIP(index: Int) -> String {
        let linear = index + 1
        let third = (linear - 1) / 254
        let fourth = (linear - 1) % 254 + 1
        return "172.18.\(third).\(fourth)"
    }

    /// 10.244.<index>.0/24, spilling into 10.245.x.0/24 and on past 255 nodes (a /14 cluster CIDR).
    static func podCIDR(index: Int) -> String {
        "10.\(244 + index / 256).\(index % 256).0/24"
    }

    static func zone(index: Int) -> String { zones[(index - 1) % zones.count] }

    static func isGPU(index: Int, configuration: ClusterConfiguration) -> Bool {
        configuration.gpuNodes > 0 && index > configuration.nodes - configuration.gpuNodes
    }

    // MARK: - Resources

    /// EC2-style instance type for the shape: m5 for 4 GiB per vCPU, c5 for 2, r5 for 8; p4de for A100 80GB.
    static func instanceType(cpuMilli: Int64, memoryBytes: Int64, gpu: Bool) -> String {
        if gpu { return "p4de.24xlarge" }
        let cores = max(1, Int((cpuMilli + 999) / 1000))
        let gibPerCore = Double(memoryBytes) / 1_073_741_824 / Double(cores)
        let family = gibPerCore <= 2.5 ? "c5" : (gibPerCore <= 5 ? "m5" : "r5")
        let size: String
        switch cores {
        case ...2: size = "large"
        case ...4: size = "xlarge"
        default: size = "\(cores / 4)xlarge"
        }
        return "\(family).\(size)"
    }

    /// CPU kubelet reserves for the system (the GKE/EKS ladder): 6% of the first core, 1% of the second,
    /// 0.5% of the next two, 0.25% of the rest.
    static func reservedCPUMilli(_ cpuMilli: Int64) -> Int64 {
        var reserved = 0.0
        let cores = Double(cpuMilli) / 1000
        reserved += min(cores, 1) * 60
        reserved += max(0, min(cores - 1, 1)) * 10
        reserved += max(0, min(cores - 2, 2)) * 5
        reserved += max(0, cores - 4) * 2.5
        return Int64(reserved.rounded())
    }

    /// Memory kept back: kube-reserved (255Mi + 11Mi per pod, as EKS sizes it) plus the 100Mi hard eviction threshold.
    static func reservedMemoryBytes(maxPods: Int) -> Int64 {
        Int64(255 + 11 * maxPods + 100) * 1_048_576
    }

    static let ephemeralStorageKi: Int64 = 101_430_960

    static func resources(configuration: ClusterConfiguration, gpu: Bool) -> (capacity: JSON, allocatable: JSON) {
        let cpu = Quantity.parse(configuration.nodeCPU) ?? Quantity(16)
        let memory = Quantity.parse(configuration.nodeMemory) ?? Quantity(68_719_476_736)
        let cpuMilli = cpu.milliValue
        let memoryBytes = memory.value
        let memoryKi = memoryBytes / 1024
        let allocatableCPU = max(0, cpuMilli - reservedCPUMilli(cpuMilli))
        let allocatableMemoryKi = max(0, memoryBytes - reservedMemoryBytes(maxPods: configuration.nodePods)) / 1024
        let storageBytes = ephemeralStorageKi * 1024
        var capacity: JSONObject = [
            "cpu": .string(cpuMilli % 1000 == 0 ? String(cpuMilli / 1000) : "\(cpuMilli)m"),
            "ephemeral-storage": .string("\(ephemeralStorageKi)Ki"),
            "hugepages-1Gi": "0", "hugepages-2Mi": "0",
            "memory": .string("\(memoryKi)Ki"),
        ]
        var allocatable: JSONObject = [
            "cpu": .string(allocatableCPU % 1000 == 0 ? String(allocatableCPU / 1000) : "\(allocatableCPU)m"),
            "ephemeral-storage": .string(String(storageBytes / 10 * 9)),
            "hugepages-1Gi": "0", "hugepages-2Mi": "0",
            "memory": .string("\(allocatableMemoryKi)Ki"),
        ]
        if gpu {
            capacity["nvidia.com/gpu"] = .string(String(configuration.gpusPerNode))
            allocatable["nvidia.com/gpu"] = .string(String(configuration.gpusPerNode))
        }
        capacity["pods"] = .string(String(configuration.nodePods))
        allocatable["pods"] = .string(String(configuration.nodePods))
        return (.object(capacity), .object(allocatable))
    }

    // MARK: - Objects

    static func labels(index: Int, configuration: ClusterConfiguration) -> JSONObject {
        let cpu = Quantity.parse(configuration.nodeCPU)?.milliValue ?? 16_000
        let memory = Quantity.parse(configuration.nodeMemory)?.value ?? 68_719_476_736
        let gpu = isGPU(index: index, configuration: configuration)
        let type = instanceType(cpuMilli: cpu, memoryBytes: memory, gpu: gpu)
        var labels: JSONObject = [
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/instance-type": .string(type),
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": .string(name(index)),
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": .string(type),
            "topology.kubernetes.io/region": .string(region),
            "topology.kubernetes.io/zone": .string(zone(index: index)),
        ]
        if gpu {
            labels["accelerator"] = "nvidia"
            labels["nvidia.com/gpu.count"] = .string(String(configuration.gpusPerNode))
            labels["nvidia.com/gpu.present"] = "true"
            labels["nvidia.com/gpu.product"] = .string(gpuProduct)
        }
        labels[managedLabel] = "true"
        return labels
    }

    /// A UUID-shaped string from the seed.
    static func uuid(_ random: SeededRandom, _ key: String) -> String {
        let hex = Array(KubeletImages.hex(random, key, length: 32))
        func part(_ range: Range<Int>) -> String { String(hex[range]) }
        return "\(part(0..<8))-\(part(8..<12))-4\(part(13..<16))-a\(part(17..<20))-\(part(20..<32))"
    }

    static func nodeInfo(name: String, random: SeededRandom) -> JSON {
        [
            "machineID": .string(KubeletImages.hex(random, "node/\(name)/machine-id", length: 32)),
            "systemUUID": .string("ec2" + String(uuid(random, "node/\(name)/system-uuid").dropFirst(3))),
            "bootID": .string(uuid(random, "node/\(name)/boot-id")),
            "kernelVersion": .string(kernelVersion),
            "osImage": .string(osImage),
            "containerRuntimeVersion": .string(containerRuntimeVersion),
            "kubeletVersion": .string(kubeletVersion),
            "kubeProxyVersion": .string(kubeletVersion),
            "operatingSystem": "linux",
            "architecture": "amd64",
        ]
    }

    /// The four conditions a healthy kubelet posts. Transition times carry over from `previous` when the
    /// status is unchanged; heartbeats are `now`.
    static func readyConditions(now: Double, previous: [JSON]) -> [JSON] {
        let rows: [(String, String, String, String)] = [
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]
        let stamp = JSON.string(Timestamp.rfc3339(now))
        return rows.map { type, status, reason, message in
            let old = previous.first { $0["type"]?.stringValue == type }
            let transition = old.flatMap { $0["status"]?.stringValue == status ? $0["lastTransitionTime"] : nil } ?? stamp
            return ["type": .string(type), "status": .string(status), "lastHeartbeatTime": stamp,
                    "lastTransitionTime": transition, "reason": .string(reason), "message": .string(message)]
        }
    }

    /// What the node lifecycle controller writes once the kubelet stopped posting: every condition Unknown,
    /// heartbeats left as the kubelet last wrote them.
    static func unknownConditions(now: Double, previous: [JSON]) -> [JSON] {
        let types = ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]
        let stamp = JSON.string(Timestamp.rfc3339(now))
        return types.map { type in
            let old = previous.first { $0["type"]?.stringValue == type }
            let transition = old.flatMap { $0["status"]?.stringValue == "Unknown" ? $0["lastTransitionTime"] : nil } ?? stamp
            return ["type": .string(type), "status": "Unknown", "lastHeartbeatTime": old?["lastHeartbeatTime"] ?? stamp,
                    "lastTransitionTime": transition, "reason": "NodeStatusUnknown",
                    "message": "Kubelet stopped posting node status."]
        }
    }

    static func status(index: Int, configuration: ClusterConfiguration, random: SeededRandom, now: Double,
                       previousConditions: [JSON]) -> JSON
    {
        let name = self.name(index)
        let resources = self.resources(configuration: configuration, gpu: isGPU(index: index, configuration: configuration))
        return [
            "capacity": resources.capacity,
            "allocatable": resources.allocatable,
            "conditions": .array(readyConditions(now: now, previous: previousConditions)),
            "addresses": [["type": "InternalIP", "address": .string(internalIP(index: index))],
                          ["type": "Hostname", "address": .string(name)]],
            "daemonEndpoints": ["kubeletEndpoint": ["Port": 10250]],
            "nodeInfo": nodeInfo(name: name, random: random),
            "images": [["names": ["registry.k8s.io/pause@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a",
                                  "registry.k8s.io/pause:3.10"], "sizeBytes": 320_368]],
        ]
    }

    /// The Node object as the kubelet registers it (with the pod CIDR node IPAM would assign).
    static func node(index: Int, configuration: ClusterConfiguration, random: SeededRandom, now: Double) -> JSON {
        let name = self.name(index)
        let instance = "i-0" + KubeletImages.hex(random, "node/\(name)/instance-id", length: 16)
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": [
                "name": .string(name),
                "labels": .object(labels(index: index, configuration: configuration)),
                "annotations": [
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                ],
            ],
            "spec": [
                "podCIDR": .string(podCIDR(index: index)),
                "podCIDRs": [.string(podCIDR(index: index))],
                "providerID": .string("aws:///\(zone(index: index))/\(instance)"),
            ],
            "status": status(index: index, configuration: configuration, random: random, now: now, previousConditions: []),
        ]
    }

    static func lease(name: String, nodeUID: String?, now: Double) -> JSON {
        var metadata: JSONObject = ["name": .string(name), "namespace": .string(leaseNamespace)]
        if let nodeUID {
            metadata["ownerReferences"] = [["apiVersion": "v1", "kind": "Node", "name": .string(name), "uid": .string(nodeUID)]]
        }
        return [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": .object(metadata),
            "spec": ["holderIdentity": .string(name), "leaseDurationSeconds": .int(leaseDurationSeconds),
                     "renewTime": .string(Timestamp.rfc3339Micro(now))],
        ]
    }

    static func internalIP(_ node: JSON) -> String? {
        (node[path: "status", "addresses"]?.arrayValue ?? [])
            .first { $0["type"]?.stringValue == "InternalIP" }?["address"]?.stringValue
    }

    // MARK: - Taint eviction

    enum Eviction: Equatable {
        case immediately
        case after(Double)
        case never
    }

    /// When the taint eviction controller removes a pod from a node tainted `key:NoExecute` (no value):
    /// at once without a matching toleration, never if no matching toleration bounds its time, else after
    /// the shortest tolerationSeconds.
    static func eviction(tolerations: [JSON], taintKey: String = unreachableTaint) -> Eviction {
        let matching = tolerations.filter { toleration in
            let effect = toleration["effect"]?.stringValue ?? ""
            guard effect.isEmpty || effect == "NoExecute" else { return false }
            let key = toleration["key"]?.stringValue ?? ""
            switch toleration["operator"]?.stringValue ?? "Equal" {
            case "Exists": return key.isEmpty || key == taintKey
            default: return key == taintKey && (toleration["value"]?.stringValue ?? "").isEmpty
            }
        }
        if matching.isEmpty { return .immediately }
        let bounded = matching.compactMap { $0["tolerationSeconds"]?.intValue }
        guard let shortest = bounded.min() else { return .never }
        return shortest <= 0 ? .immediately : .after(Double(shortest))
    }
}
