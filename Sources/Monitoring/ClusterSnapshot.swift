import KubeAPI
import KubeJSON

/// The resources one container asks for, in the units the model computes with.
public struct ContainerResources: Sendable, Equatable {
    public var name: String
    public var cpuRequestMilli: Double
    public var cpuLimitMilli: Double?
    public var memoryRequestMiB: Double
    public var memoryLimitMiB: Double?
    public var gpus: Double

    public init(name: String, cpuRequestMilli: Double = 0, cpuLimitMilli: Double? = nil, memoryRequestMiB: Double = 0,
                memoryLimitMiB: Double? = nil, gpus: Double = 0)
    {
        self.name = name
        self.cpuRequestMilli = cpuRequestMilli
        self.cpuLimitMilli = cpuLimitMilli
        self.memoryRequestMiB = memoryRequestMiB
        self.memoryLimitMiB = memoryLimitMiB
        self.gpus = gpus
    }

    /// From a container of a pod spec (`resources.requests`/`limits`; a limit alone implies the request, as
    /// the API server defaults it).
    public init(container: JSON) {
        func quantity(_ section: String, _ resource: String) -> Double? {
            guard let value = container[path: "resources", section, resource] else { return nil }
            return Quantity.parse(json: value)?.doubleValue
        }
        let cpuLimit = quantity("limits", "cpu").map { $0 * 1000 }
        let memoryLimit = quantity("limits", "memory").map { $0 / 1_048_576 }
        self.init(name: container["name"]?.stringValue ?? "",
                  cpuRequestMilli: quantity("requests", "cpu").map { $0 * 1000 } ?? cpuLimit ?? 0,
                  cpuLimitMilli: cpuLimit,
                  memoryRequestMiB: quantity("requests", "memory").map { $0 / 1_048_576 } ?? memoryLimit ?? 0,
                  memoryLimitMiB: memoryLimit,
                  gpus: quantity("limits", "nvidia.com/gpu") ?? quantity("requests", "nvidia.com/gpu") ?? 0)
    }

    public static func fromPodSpec(_ spec: JSON?) -> [ContainerResources] {
        (spec?["containers"]?.arrayValue ?? []).map(ContainerResources.init(container:))
    }
}

/// One pod as the model sees it.
public struct PodInput: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var nodeName: String?
    public var labels: JSONObject
    public var creationTimestamp: String?
    /// Running (containers started), whether or not it is Ready.
    public var running: Bool
    /// Ready and serving: Ready condition True, not terminating, its node up.
    public var ready: Bool
    /// Simulated seconds since the pod started (uptime), 0 when unknown.
    public var startedAgo: Double
    public var containers: [ContainerResources]

    public init(name: String, namespace: String, nodeName: String? = nil, labels: JSONObject = [:],
                creationTimestamp: String? = nil, running: Bool, ready: Bool, startedAgo: Double = 0,
                containers: [ContainerResources])
    {
        self.name = name
        self.namespace = namespace
        self.nodeName = nodeName
        self.labels = labels
        self.creationTimestamp = creationTimestamp
        self.running = running
        self.ready = ready
        self.startedAgo = startedAgo
        self.containers = containers
    }
}

/// A service of the health document: a Deployment, StatefulSet or DaemonSet with its pods, a bare pod, or
/// one of the simulated control-plane components.
public struct WorkloadInput: Sendable, Equatable {
    public var kind: String
    public var name: String
    public var namespace: String
    public var tenant: String?
    /// Replicas the owner wants (spec.replicas, or desiredNumberScheduled for a DaemonSet).
    public var desired: Int
    public var pods: [PodInput]
    public var profile: ServiceProfile
    /// The pod template's containers, used while no pod exists yet.
    public var template: [ContainerResources]
    /// Simulated seconds since the workload was created; nil when unknown (treated as long ago).
    public var createdAgo: Double?

    public init(kind: String, name: String, namespace: String, tenant: String? = nil, desired: Int, pods: [PodInput],
                profile: ServiceProfile, template: [ContainerResources] = [], createdAgo: Double? = nil)
    {
        self.createdAgo = createdAgo
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.tenant = tenant
        self.desired = desired
        self.pods = pods
        self.profile = profile
        self.template = template
    }

    public var readyCount: Int { pods.filter(\.ready).count }

    /// A service just deployed has no ready pod yet; that is a start-up, not an outage, for this long.
    public static let startupGraceSeconds = 300.0

    /// Created moments ago and nothing ready yet: still starting, so not counted as down.
    public var isStarting: Bool {
        readyCount == 0 && (createdAgo ?? .infinity) < Self.startupGraceSeconds
    }
    /// The stable key of noise and incident draws: renaming nothing, two reads see the same series.
    public var seriesKey: String { "\(kind)/\(namespace)/\(name)" }
}

/// A node as the model sees it (allocatable and whether its kubelet is stopped).
public struct NodeInput: Sendable, Equatable {
    public var name: String
    public var labels: JSONObject
    public var creationTimestamp: String?
    public var allocatableCPUMilli: Double
    public var allocatableMemoryMiB: Double
    public var failed: Bool

    public init(name: String, labels: JSONObject = [:], creationTimestamp: String? = nil, allocatableCPUMilli: Double,
                allocatableMemoryMiB: Double, failed: Bool)
    {
        self.name = name
        self.labels = labels
        self.creationTimestamp = creationTimestamp
        self.allocatableCPUMilli = allocatableCPUMilli
        self.allocatableMemoryMiB = allocatableMemoryMiB
        self.failed = failed
    }
}

/// Everything the model needs from one read of the cluster. Built from API objects by `build`, or by hand in
/// tests; it is a read-only view, never written back.
public struct ClusterSnapshot: Sendable {
    public static let tenantLabel = "ecp-ai.io/tenant-id"
    static let nodeFailureAnnotation = "simulator.k8s.io/node-failure"

    public var workloads: [WorkloadInput]
    public var nodes: [NodeInput]
    /// Every pod (including ones of Jobs), for per-pod metrics.
    public var pods: [PodInput]

    public init(workloads: [WorkloadInput], nodes: [NodeInput], pods: [PodInput]) {
        self.workloads = workloads
        self.nodes = nodes
        self.pods = pods
    }

    /// Groups pods under their workload by owner references (pod → ReplicaSet → Deployment, or pod →
    /// StatefulSet/DaemonSet); pods no controller owns are services of their own.
    /// `wallNow` and `scale` turn wall-clock start times of the objects into simulated uptime.
    public static func build(deployments: [JSON], statefulSets: [JSON], daemonSets: [JSON], replicaSets: [JSON],
                             pods rawPods: [JSON], nodes rawNodes: [JSON], wallNow: Double, scale: Double) -> ClusterSnapshot
    {
        build(deployments: deployments, statefulSets: statefulSets, daemonSets: daemonSets, replicaSets: replicaSets,
              pods: rawPods.map(PodDigest.init), nodes: rawNodes, wallNow: wallNow, scale: scale)
    }

    public static func build(deployments: [JSON], statefulSets: [JSON], daemonSets: [JSON], replicaSets: [JSON],
                             pods digests: [PodDigest], nodes rawNodes: [JSON], wallNow: Double, scale: Double) -> ClusterSnapshot
    {
        let nodes = rawNodes.map(node)
        let failedNodes = Set(nodes.filter(\.failed).map(\.name))
        var podsByOwner: [String: [PodInput]] = [:]
        var allPods: [PodInput] = []
        var bare: [WorkloadInput] = []
        for digest in digests {
            let input = pod(digest, failedNodes: failedNodes, wallNow: wallNow, scale: scale)
            allPods.append(input)
            if let owner = digest.controllerUID {
                podsByOwner[owner, default: []].append(input)
            } else if var service = digest.bare {
                service.pods = [input]
                service.template = input.containers
                service.createdAgo = digest.creationTimestamp.flatMap(Timestamp.parse).map { max(0, (wallNow - $0) * scale) }
                bare.append(service)
            }
        }
        // A Deployment's pods are those of the ReplicaSets it controls.
        var replicaSetsByOwner: [String: [String]] = [:]
        for rs in replicaSets {
            guard let owner = controllerUID(rs), let uid = rs[path: "metadata", "uid"]?.stringValue else { continue }
            replicaSetsByOwner[owner, default: []].append(uid)
        }
        var workloads: [WorkloadInput] = []
        for object in deployments {
            let uid = object[path: "metadata", "uid"]?.stringValue ?? ""
            let pods = (replicaSetsByOwner[uid] ?? []).flatMap { podsByOwner[$0] ?? [] }
            workloads.append(workload(object, kind: "Deployment", desired: replicas(object), pods: pods, wallNow: wallNow, scale: scale))
        }
        for object in statefulSets {
            let uid = object[path: "metadata", "uid"]?.stringValue ?? ""
            workloads.append(workload(object, kind: "StatefulSet", desired: replicas(object), pods: podsByOwner[uid] ?? [],
                                      wallNow: wallNow, scale: scale))
        }
        for object in daemonSets {
            let uid = object[path: "metadata", "uid"]?.stringValue ?? ""
            let pods = podsByOwner[uid] ?? []
            let desired = object[path: "status", "desiredNumberScheduled"]?.intValue.map(Int.init) ?? pods.count
            workloads.append(workload(object, kind: "DaemonSet", desired: desired, pods: pods, wallNow: wallNow, scale: scale))
        }
        // A finished bare pod (Succeeded) is done, not down; it is no service any more (left out of `bare`).
        workloads += bare
        return ClusterSnapshot(workloads: workloads, nodes: nodes, pods: allPods)
    }

    static func controllerUID(_ object: JSON) -> String? {
        let refs = object[path: "metadata", "ownerReferences"]?.arrayValue ?? []
        return refs.first(where: { $0["controller"]?.boolValue == true })?["uid"]?.stringValue
    }

    static func replicas(_ object: JSON) -> Int {
        Int(object[path: "spec", "replicas"]?.intValue ?? 1)
    }

    static func workload(_ object: JSON, kind: String, desired: Int, pods: [PodInput], wallNow: Double,
                         scale: Double) -> WorkloadInput
    {
        let created = object[path: "metadata", "creationTimestamp"]?.stringValue.flatMap(Timestamp.parse)
        let name = object[path: "metadata", "name"]?.stringValue ?? ""
        let podSpec = kind == "Pod" ? object["spec"] : object[path: "spec", "template", "spec"]
        let images = (podSpec?["containers"]?.arrayValue ?? []).compactMap { $0["image"]?.stringValue }
        // The rate annotation may sit on the workload or on its pod template.
        let annotations = object[path: "metadata", "annotations"]?.objectValue
        let templateAnnotations = object[path: "spec", "template", "metadata", "annotations"]?.objectValue
        var profile = ServiceProfile.guess(name: name, images: images).withAnnotations(templateAnnotations)
        profile = profile.withAnnotations(annotations)
        return WorkloadInput(kind: kind, name: name, namespace: object[path: "metadata", "namespace"]?.stringValue ?? "",
                             tenant: object[path: "metadata", "labels", tenantLabel]?.stringValue, desired: max(0, desired),
                             pods: pods, profile: profile, template: ContainerResources.fromPodSpec(podSpec),
                             createdAgo: created.map { max(0, (wallNow - $0) * scale) })
    }

    static func pod(_ digest: PodDigest, failedNodes: Set<String>, wallNow: Double, scale: Double) -> PodInput {
        // A pod on a node whose kubelet stopped serves nothing, even before the node controller notices.
        let nodeDown = digest.nodeName.map(failedNodes.contains) ?? false
        return PodInput(name: digest.name, namespace: digest.namespace, nodeName: digest.nodeName, labels: digest.labels,
                        creationTimestamp: digest.creationTimestamp, running: digest.running && !nodeDown,
                        ready: digest.running && digest.readyCondition && !nodeDown,
                        startedAgo: digest.startTime.map { max(0, (wallNow - $0) * scale) } ?? 0,
                        containers: digest.containers)
    }

    static func node(_ raw: JSON) -> NodeInput {
        func allocatable(_ resource: String) -> Double? {
            (raw[path: "status", "allocatable", resource] ?? raw[path: "status", "capacity", resource])
                .flatMap { Quantity.parse(json: $0)?.doubleValue }
        }
        let annotation = raw[path: "metadata", "annotations", nodeFailureAnnotation]?.stringValue
        return NodeInput(name: raw[path: "metadata", "name"]?.stringValue ?? "",
                         labels: raw[path: "metadata", "labels"]?.objectValue ?? [:],
                         creationTimestamp: raw[path: "metadata", "creationTimestamp"]?.stringValue,
                         allocatableCPUMilli: (allocatable("cpu") ?? 4) * 1000,
                         allocatableMemoryMiB: (allocatable("memory") ?? 8 * 1_073_741_824) / 1_048_576,
                         failed: annotation == "true")
    }
}
