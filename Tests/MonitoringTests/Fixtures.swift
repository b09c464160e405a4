import ClusterSim
import KubeJSON
@testable import Monitoring

/// Hand-built workloads shaped like an ECP-AI tenant, so the model runs without a cluster.
enum Fixtures {
    static let midnight = 1_700_006_400.0 // a UTC midnight

    static func pods(_ name: String, count: Int, ready: Int? = nil, containers: [ContainerResources]) -> [PodInput] {
        (0..<count).map { i in
            PodInput(name: "\(name)-\(i)", namespace: "tenant-a", nodeName: "node-\(i % 3 + 1)", running: true,
                     ready: i < (ready ?? count), startedAgo: 3600, containers: containers)
        }
    }

    static func callbot(replicas: Int = 2, ready: Int? = nil) -> WorkloadInput {
        let c = [ContainerResources(name: "callbot", cpuRequestMilli: 500, cpuLimitMilli: 1000, memoryRequestMiB: 512,
                                    memoryLimitMiB: 1024)]
        return WorkloadInput(kind: "Deployment", name: "callbot", namespace: "tenant-a", tenant: "tenant-a",
                             desired: replicas, pods: pods("callbot", count: replicas, ready: ready, containers: c),
                             profile: .callbot, template: c)
    }

    static func stt() -> WorkloadInput {
        let c = [ContainerResources(name: "stt", cpuRequestMilli: 1000, cpuLimitMilli: 2000, memoryRequestMiB: 2048,
                                    memoryLimitMiB: 4096, gpus: 1)]
        return WorkloadInput(kind: "StatefulSet", name: "stt", namespace: "tenant-a", tenant: "tenant-a", desired: 1,
                             pods: pods("stt", count: 1, containers: c), profile: .stt, template: c)
    }

    static func chatbot() -> WorkloadInput {
        let c = [ContainerResources(name: "chatbot", cpuRequestMilli: 250, memoryRequestMiB: 256)]
        return WorkloadInput(kind: "Deployment", name: "chatbot", namespace: "tenant-b", tenant: "tenant-b", desired: 3,
                             pods: pods("chatbot", count: 3, containers: c), profile: .chatbot, template: c)
    }

    static func web() -> WorkloadInput {
        let c = [ContainerResources(name: "nginx")]
        return WorkloadInput(kind: "Pod", name: "web", namespace: "default", desired: 1,
                             pods: pods("web", count: 1, containers: c), profile: .web, template: c)
    }

    static func snapshot(_ workloads: [WorkloadInput]? = nil) -> ClusterSnapshot {
        let w = workloads ?? [callbot(), stt(), chatbot(), web()]
        let nodes = (1...3).map { NodeInput(name: "node-\($0)", allocatableCPUMilli: 4000, allocatableMemoryMiB: 8192, failed: false) }
        return ClusterSnapshot(workloads: w, nodes: nodes, pods: w.flatMap(\.pods))
    }

    /// Steps the model through a simulated day every `step` seconds with the seeded random incidents; a random
    /// pod crash takes one replica of its target out for `restartSeconds`, as the controllers' recreation does.
    /// Returns (healthy points, points).
    static func simulateDay(seed: UInt64, rate: Double = IncidentSchedule.defaultRatePerHour, step: Double = 10,
                            restartSeconds: Double = 30, extra: [Incident] = []) -> (Int, Int)
    {
        let random = SeededRandom(seed: seed)
        let model = MonitoringModel(random: random)
        let base = snapshot()
        let keys = MonitoringModel.keyed(base.workloads).map(\.key)
        let incidents = IncidentSchedule(random: random, ratePerHour: rate)
            .incidents(from: midnight, to: midnight + 86_400, services: keys) + extra
        var healthy = 0, total = 0
        var t = midnight
        while t < midnight + 86_400 {
            var current = base
            for incident in incidents where incident.type == .podCrash && t >= incident.start
                && t < incident.start + restartSeconds
            {
                if let i = current.workloads.firstIndex(where: { $0.name == incident.target }),
                   let p = current.workloads[i].pods.firstIndex(where: \.ready)
                {
                    current.workloads[i].pods[p].ready = false
                }
            }
            let services = model.evaluate(current, at: t, incidents: incidents, controlPlaneUptime: t - midnight)
            if MonitoringModel.pointIsHealthy(services) { healthy += 1 }
            total += 1
            t += step
        }
        return (healthy, total)
    }
}
