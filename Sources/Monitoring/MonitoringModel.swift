import ClusterSim
import KubeAPI
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
    /// `apiServerTraffic`, when given, is what the simulator's own listeners served in the last minute: the
    /// simulated `kube-apiserver` reports it on top of the in-cluster traffic the model derives.
    public func evaluate(_ snapshot: ClusterSnapshot, at t: Double, incidents: [Incident],
                         controlPlaneUptime: Double, apiServerTraffic: RequestMetrics.Recent? = nil,
                         perPod: Bool = true) -> [ServiceMetrics]
    {
        let controlPlane = ControlPlane.workloads(nodes: snapshot.nodes.count, pods: snapshot.pods.count,
                                                  uptime: controlPlaneUptime)
        return Self.keyed(controlPlane + snapshot.workloads).map { entry in
            let effects = Incident.effects(on: entry.key, namespace: entry.workload.namespace, name: entry.workload.name,
                                           incidents: incidents, at: t)
            var metrics = service.evaluate(entry.workload, key: entry.key, at: t, effects: effects, perPod: perPod)
            if entry.workload.kind == "ControlPlane", entry.workload.name == "kube-apiserver", let apiServerTraffic {
                Self.blend(&metrics, with: apiServerTraffic, effects: effects)
            }
            return metrics
        }
    }

    /// Weighs the real requests into the modelled ones: rates add up, latency and server errors are averaged by
    /// request count.
    static func blend(_ metrics: inout ServiceMetrics, with traffic: RequestMetrics.Recent, effects: IncidentEffects) {
        let modelled = metrics.requestsPerSecond
        let real = traffic.requestsPerSecond
        let total = modelled + real
        guard real > 0, total > 0 else { return }
        if let latency = traffic.meanLatencyMs {
            metrics.responseTimeMs = (metrics.responseTimeMs * modelled + latency * effects.latencyFactor * real) / total
        }
        metrics.errorPercent = min(100, (metrics.errorPercent * modelled + traffic.serverErrorPercent * real) / total)
        metrics.requestsPerSecond = total
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
