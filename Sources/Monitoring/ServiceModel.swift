import ClusterSim
import Foundation
import KubeJSON

public enum HealthStatus: String, Sendable, Comparable, CaseIterable {
    case healthy, degraded, unhealthy

    var rank: Int { self == .healthy ? 0 : (self == .degraded ? 1 : 2) }
    public static func < (a: HealthStatus, b: HealthStatus) -> Bool { a.rank < b.rank }
}

/// How a service's numbers turn into healthy, degraded or unhealthy. Thresholds are those a contact-centre
/// operator would page on: nothing serving, or errors at 5 %, or latency at six times normal is an outage;
/// a missing replica, 1 % errors or latency at 2.5 times normal is a degradation.
public enum HealthClassifier {
    public static let unhealthyErrorPercent = 5.0
    public static let degradedErrorPercent = 1.0
    public static let unhealthyLatencyRatio = 6.0
    public static let degradedLatencyRatio = 2.5

    public static func classify(desired: Int, ready: Int, errorPercent: Double, latencyMs: Double,
                                baseLatencyMs: Double, starting: Bool = false) -> HealthStatus
    {
        let ratio = baseLatencyMs > 0 ? latencyMs / baseLatencyMs : 1
        if desired > 0 && ready == 0 { return starting ? .degraded : .unhealthy }
        if errorPercent >= unhealthyErrorPercent || ratio >= unhealthyLatencyRatio { return .unhealthy }
        if ready < desired || errorPercent >= degradedErrorPercent || ratio >= degradedLatencyRatio { return .degraded }
        return .healthy
    }
}

/// One pod's usage, for metrics.k8s.io and per-pod Prometheus series.
public struct PodUsage: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var nodeName: String?
    public var labels: JSONLabels
    public var creationTimestamp: String?
    /// Per container: name, CPU millicores, memory MiB.
    public var containers: [(name: String, milliCPU: Double, memoryMiB: Double)]

    public var milliCPU: Double { containers.reduce(0) { $0 + $1.milliCPU } }
    public var memoryMiB: Double { containers.reduce(0) { $0 + $1.memoryMiB } }

    public static func == (a: PodUsage, b: PodUsage) -> Bool {
        a.name == b.name && a.namespace == b.namespace && a.milliCPU == b.milliCPU && a.memoryMiB == b.memoryMiB
    }
}

public typealias JSONLabels = [(key: String, value: String)]

/// The numbers of one service at one instant.
public struct ServiceMetrics: Sendable {
    public var key: String
    public var workload: WorkloadInput
    public var cpuPercent: Double
    public var load1m: Double
    public var memoryMiB: Double
    public var memoryPercent: Double
    public var requestsPerSecond: Double
    public var responseTimeMs: Double
    public var errorPercent: Double
    public var gpuPercent: Double?
    public var gpuMemoryMiB: Double?
    public var health: HealthStatus
    public var uptimeSeconds: Double
    public var pods: [PodUsage]
}

/// What active incidents do to a service's traffic.
public struct IncidentEffects: Sendable, Equatable {
    public var latencyFactor: Double = 1
    public var extraErrorPercent: Double = 0
    public init(latencyFactor: Double = 1, extraErrorPercent: Double = 0) {
        self.latencyFactor = latencyFactor
        self.extraErrorPercent = extraErrorPercent
    }
}

/// The metric model: pure functions of a workload, the simulated time, the seed and incident effects.
public struct ServiceModel: Sendable {
    public let curve: LoadCurve
    var random: SeededRandom { curve.random }

    public init(curve: LoadCurve) { self.curve = curve }

    /// CPU a pod may burn: its limit, else (burstable or best effort) a share of the node it can borrow.
    static func cpuCapacity(_ containers: [ContainerResources]) -> (capacity: Double, request: Double) {
        let request = containers.reduce(0) { $0 + $1.cpuRequestMilli }
        if !containers.isEmpty, containers.allSatisfy({ $0.cpuLimitMilli != nil }) {
            return (containers.reduce(0) { $0 + ($1.cpuLimitMilli ?? 0) }, request)
        }
        return (request > 0 ? max(2 * request, request + 500) : 1000, request)
    }

    static func memoryCapacity(_ containers: [ContainerResources], profile: ServiceProfile) -> Double {
        if !containers.isEmpty, containers.allSatisfy({ $0.memoryLimitMiB != nil }) {
            return containers.reduce(0) { $0 + ($1.memoryLimitMiB ?? 0) }
        }
        let request = containers.reduce(0) { $0 + $1.memoryRequestMiB }
        return request > 0 ? request * 2 : profile.idleMemoryMiB * 4
    }

    /// `perPod: false` leaves `pods` empty: a health or SLA reading needs only the service's totals, and on a
    /// large cluster the per-pod records are most of what a reading allocates.
    public func evaluate(_ workload: WorkloadInput, key: String, at t: Double,
                         effects: IncidentEffects = IncidentEffects(), perPod: Bool = true) -> ServiceMetrics
    {
        let profile = workload.profile
        let series = workload.seriesKey
        let readyPods = workload.pods.filter(\.ready)
        let ready = readyPods.count
        let containers = workload.pods.first?.containers ?? workload.template
        let (cpuCap, cpuRequest) = Self.cpuCapacity(containers)
        let memCap = Self.memoryCapacity(containers, profile: profile)
        let memRequest = containers.reduce(0) { $0 + $1.memoryRequestMiB }
        let gpusPerPod = containers.reduce(0) { $0 + $1.gpus }

        let offered = workload.desired > 0 ? profile.baseRPS * curve.factor(series, at: t) : 0
        let served = ready > 0 ? offered : 0
        let perPodRPS = ready > 0 ? served / Double(ready) : 0
        let idleCPU = max(5, 0.03 * cpuRequest)
        let demand = idleCPU + perPodRPS * profile.milliCPUPerRPS
        let rho = demand / cpuCap

        // Per-pod usage: ready pods carry the traffic, running-but-unready ones only idle.
        var pods: [PodUsage] = []
        var totalCPU = 0.0, totalMemory = 0.0, runningCount = 0
        for pod in workload.pods where pod.running {
            runningCount += 1
            let podNoise = curve.noise("pod/\(pod.namespace)/\(pod.name)", at: t)
            let cpu = min((pod.ready ? demand : idleCPU) * podNoise, cpuCap)
            let idleMemory = memRequest > 0 ? 0.45 * memRequest : profile.idleMemoryMiB
            let memory = min((idleMemory + (pod.ready ? perPodRPS : 0) * profile.memoryMiBPerRPS)
                * (0.97 + 0.06 * random.unit("mem/\(pod.namespace)/\(pod.name)")), 0.95 * memCap)
            totalCPU += cpu
            totalMemory += memory
            guard perPod else { continue }
            pods.append(PodUsage(name: pod.name, namespace: pod.namespace, nodeName: pod.nodeName,
                                 labels: pod.labels.compactMap { entry in entry.value.stringValue.map { (entry.key, $0) } },
                                 creationTimestamp: pod.creationTimestamp,
                                 containers: Self.split(cpu: cpu, memory: memory, over: pod.containers)))
        }

        // Queueing: latency grows as 1/(1-ρ) once the pods get busy, then incidents multiply it.
        let clamped = min(rho, 0.95)
        let queueing = 1 + clamped * clamped / (1 - clamped)
        let latency = profile.baseLatencyMs * queueing * curve.noise("latency/\(series)", at: t) * effects.latencyFactor

        var errors = 0.01 + 0.07 * random.unit("errors/\(series)")
        if rho > 0.9 { errors += (rho - 0.9) * 50 }
        if ready < workload.desired && workload.desired > 0 {
            errors += 0.5 * Double(workload.desired - ready) / Double(workload.desired)
        }
        errors += effects.extraErrorPercent
        // Nothing ready: every request fails, unless the service is just starting and takes no traffic yet.
        if workload.desired > 0 && ready == 0 { errors = workload.isStarting ? 0 : 100 }
        errors = min(max(errors, 0), 100)

        var gpuPercent: Double?, gpuMemory: Double?
        if gpusPerPod > 0 {
            let gpus = gpusPerPod * Double(max(ready, 0))
            let util = gpus > 0 ? 3 + 95 * min(served / (gpus * profile.rpsPerGPU), 1) : 0
            gpuPercent = min(max(util * curve.noise("gpu/\(series)", at: t), 0), 100)
            gpuMemory = gpus * (profile.gpuModelMiB + 12 * perPodRPS / max(gpusPerPod, 1))
        }

        let allCPUCap = cpuCap * Double(max(runningCount, 1))
        let cpuPercent = runningCount > 0 ? min(totalCPU / allCPUCap * 100, 100) : 0
        let memoryPercent = runningCount > 0 ? min(totalMemory / (memCap * Double(runningCount)) * 100, 100) : 0
        // load_1m: busy cores plus the run queue that builds as the pods saturate.
        let load = totalCPU / 1000 * (1 + max(0, rho - 0.7) * 3)
        let health = HealthClassifier.classify(desired: workload.desired, ready: ready, errorPercent: errors,
                                               latencyMs: latency, baseLatencyMs: profile.baseLatencyMs,
                                               starting: workload.isStarting)
        return ServiceMetrics(key: key, workload: workload, cpuPercent: cpuPercent, load1m: load, memoryMiB: totalMemory,
                              memoryPercent: memoryPercent, requestsPerSecond: served, responseTimeMs: latency,
                              errorPercent: errors, gpuPercent: gpuPercent, gpuMemoryMiB: gpuMemory, health: health,
                              uptimeSeconds: readyPods.map(\.startedAgo).max() ?? 0, pods: pods)
    }

    /// Shares a pod's usage among its containers by their requests (equally when none asks for anything).
    static func split(cpu: Double, memory: Double, over containers: [ContainerResources])
        -> [(name: String, milliCPU: Double, memoryMiB: Double)]
    {
        guard !containers.isEmpty else { return [("main", cpu, memory)] }
        let cpuTotal = containers.reduce(0) { $0 + $1.cpuRequestMilli }
        let memTotal = containers.reduce(0) { $0 + $1.memoryRequestMiB }
        let even = 1 / Double(containers.count)
        return containers.map { c in
            (c.name, cpu * (cpuTotal > 0 ? c.cpuRequestMilli / cpuTotal : even),
             memory * (memTotal > 0 ? c.memoryRequestMiB / memTotal : even))
        }
    }

    /// Usage of a pod that belongs to no modelled service (a Job's pod): idle plus a little seeded work.
    public func standaloneUsage(_ pod: PodInput, at t: Double) -> PodUsage {
        let (cap, request) = Self.cpuCapacity(pod.containers)
        let cpu = min((max(5, 0.05 * request) + 40 * random.unit("standalone/\(pod.name)")) * curve.noise("pod/\(pod.name)", at: t), cap)
        let memRequest = pod.containers.reduce(0) { $0 + $1.memoryRequestMiB }
        let memory = (memRequest > 0 ? 0.4 * memRequest : 48) * (0.97 + 0.06 * random.unit("mem/\(pod.namespace)/\(pod.name)"))
        return PodUsage(name: pod.name, namespace: pod.namespace, nodeName: pod.nodeName,
                        labels: pod.labels.compactMap { entry in entry.value.stringValue.map { (entry.key, $0) } },
                        creationTimestamp: pod.creationTimestamp,
                        containers: Self.split(cpu: cpu, memory: memory, over: pod.containers))
    }
}

/// The five control-plane components every cluster reports, even an empty one. Their traffic follows the size
/// of the cluster (heartbeats, watches, scheduling) rather than the daily curve of a contact centre.
public enum ControlPlane {
    public static let namespace = "kube-system"
    public static let components = ["kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager", "coredns"]

    public static func workloads(nodes: Int, pods: Int, uptime: Double) -> [WorkloadInput] {
        let size = Double(max(nodes, 1)) + Double(pods) / 10
        func make(_ name: String, rps: Double, cpuPerRPS: Double, memory: Double, latency: Double, cpu: Double) -> WorkloadInput {
            let profile = ServiceProfile(kind: "control-plane", baseRPS: rps, milliCPUPerRPS: cpuPerRPS, idleMemoryMiB: memory,
                                         memoryMiBPerRPS: 0.5, baseLatencyMs: latency, rpsPerGPU: 1, gpuModelMiB: 0)
            let container = ContainerResources(name: name, cpuRequestMilli: cpu, memoryRequestMiB: memory)
            let pod = PodInput(name: "\(name)-control-plane", namespace: namespace, nodeName: "control-plane",
                               running: true, ready: true, startedAgo: uptime, containers: [container])
            return WorkloadInput(kind: "ControlPlane", name: name, namespace: namespace, desired: 1, pods: [pod],
                                 profile: profile, template: [container])
        }
        return [
            make("kube-apiserver", rps: 20 + 6 * size, cpuPerRPS: 2, memory: 512, latency: 8, cpu: 250),
            make("etcd", rps: 15 + 4 * size, cpuPerRPS: 1.5, memory: 256, latency: 3, cpu: 100),
            make("kube-scheduler", rps: 1 + 0.5 * size, cpuPerRPS: 5, memory: 96, latency: 12, cpu: 100),
            make("kube-controller-manager", rps: 5 + 2 * size, cpuPerRPS: 3, memory: 160, latency: 10, cpu: 200),
            make("coredns", rps: 30 + 10 * size, cpuPerRPS: 0.3, memory: 70, latency: 2, cpu: 100),
        ]
    }
}
