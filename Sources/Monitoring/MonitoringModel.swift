import ClusterSim
import KubeJSON

/// The whole model at one instant: every service of a snapshot plus the control plane, with incident effects.
/// Pure, so tests step it through a simulated day without a cluster or a wall clock.
public struct MonitoringModel: Sendable {
    public let service: ServiceModel

    public init(random: SeededRandom, utcOffsetSeconds: Double = 0) {
        service = ServiceModel(curve: LoadCurve(random: random, utcOffsetSeconds: utcOffsetSeconds))
    }

    /// The service keys of the health document: the name, or `namespace/name` for a later workload of the same
    /// name (two namespaces may both run `web`). The control plane is listed first and keeps its plain names.
    public static func keyed(_ workloads: [WorkloadInput]) -> [(key: String, workload: WorkloadInput)] {
        let controlPlane = workloads.filter { $0.kind == "ControlPlane" }
        let user = workloads.filter { $0.kind != "ControlPlane" }
            .sorted { ($0.namespace, $0.name, $0.kind) < ($1.namespace, $1.name, $1.kind) }
        var used = Set<String>()
        var out: [(key: String, workload: WorkloadInput)] = []
        for workload in controlPlane + user {
            var key = workload.name
            if used.contains(key) { key = "\(workload.namespace)/\(workload.name)" }
            if used.contains(key) { key = "\(workload.namespace)/\(workload.kind)/\(workload.name)" }
            used.insert(key)
            out.append((key, workload))
        }
        return out
    }

    /// Every service's metrics at `t`, control plane included.
    public func evaluate(_ snapshot: ClusterSnapshot, at t: Double, incidents: [Incident],
                         controlPlaneUptime: Double) -> [ServiceMetrics]
    {
        let controlPlane = ControlPlane.workloads(nodes: snapshot.nodes.count, pods: snapshot.pods.count,
                                                  uptime: controlPlaneUptime)
        return Self.keyed(controlPlane + snapshot.workloads).map { entry in
            let effects = Incident.effects(on: entry.key, namespace: entry.workload.namespace, name: entry.workload.name,
                                           incidents: incidents, at: t)
            return service.evaluate(entry.workload, key: entry.key, at: t, effects: effects)
        }
    }

    /// A data point of the SLA is healthy when no service is down; degraded services still serve.
    public static func pointIsHealthy(_ services: [ServiceMetrics]) -> Bool {
        !services.contains { $0.health == .unhealthy }
    }

    /// The worst health of the services, healthy when there are none.
    public static func overallHealth(_ services: [ServiceMetrics]) -> HealthStatus {
        services.map(\.health).max() ?? .healthy
    }
}
