import ClusterSim
import KubeAPI
import KubeJSON
import Synchronization

public struct MonitoringError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status the error maps to: 400 for a bad request, 404 for a missing target, else the API's.
    public var code: Int
    public var message: String
    public var description: String { message }
}

/// The monitoring engine: derives service metrics, the SLA and incidents from the live cluster, read through the
/// API like any client. It keeps only derived state (the SLA windows and the incident log); the cluster's
/// truth stays in the API, and incidents act on it through the API as an operator would.
public final class MonitoringEngine: Sendable {
    public let client: ClusterClient
    public let clock: SimulatedClock
    public let model: MonitoringModel
    public let schedule: IncidentSchedule
    public let random: SeededRandom
    /// Simulated seconds between SLA data points.
    public let sampleInterval: Double
    public let windowSize: Int
    public let target: Double

    struct State {
        var global: SLAWindow
        var tenants: [String: SLAWindow] = [:]
        var incidents: [Incident] = []
        var lastSample: Double?
        /// Random incidents are drawn up to here; the next tick draws from here on.
        var scheduledThrough: Double
        var injected = 0
    }
    let state: Mutex<State>
    /// Parsed pods by revision: a snapshot of 100,000 pods re-reads only the ones that changed.
    let podDigests = PodDigestCache()
    let startedAt: Double
    static let incidentHistory = 500

    public init(client: ClusterClient, clock: SimulatedClock, seed: UInt64,
                incidentRatePerHour: Double = IncidentSchedule.defaultRatePerHour, sampleInterval: Double = 10,
                windowSize: Int = 60, target: Double = 99.5, utcOffsetSeconds: Double = 0)
    {
        self.client = client
        self.clock = clock
        random = SeededRandom(seed: seed)
        model = MonitoringModel(random: random, utcOffsetSeconds: utcOffsetSeconds)
        schedule = IncidentSchedule(random: random, ratePerHour: incidentRatePerHour)
        self.sampleInterval = max(sampleInterval, 0.001)
        self.windowSize = windowSize
        self.target = target
        let now = clock.now()
        startedAt = now
        state = Mutex(State(global: SLAWindow(capacity: windowSize, target: target), scheduledThrough: now))
    }

    public convenience init(api: KubeAPIServer, clock: SimulatedClock, seed: UInt64,
                            incidentRatePerHour: Double = IncidentSchedule.defaultRatePerHour, sampleInterval: Double = 10,
                            windowSize: Int = 60)
    {
        self.init(client: ClusterClient(api: api, manager: "monitoring-engine"), clock: clock, seed: seed,
                  incidentRatePerHour: incidentRatePerHour, sampleInterval: sampleInterval, windowSize: windowSize)
    }

    // MARK: - Reading the cluster

    /// One consistent-enough read of the workloads, their pods and the nodes, through the API.
    public func snapshot() -> ClusterSnapshot {
        ClusterSnapshot.build(deployments: client.list(.deployments), statefulSets: client.list(.statefulSets),
                              daemonSets: client.list(.daemonSets), replicaSets: client.list(.replicaSets),
                              pods: podDigests.digests(of: client.listStored(.pods)), nodes: client.list(.nodes),
                              wallNow: Timestamp.now(), scale: clock.scale)
    }

    /// Every service's metrics now (control plane first).
    /// `perPod: false` for readings that need only each service's totals (health, SLA points).
    public func services(_ snapshot: ClusterSnapshot? = nil, at t: Double? = nil, perPod: Bool = true) -> [ServiceMetrics] {
        let now = t ?? clock.now()
        let incidents = state.withLock { $0.incidents }
        return model.evaluate(snapshot ?? self.snapshot(), at: now, incidents: incidents,
                              controlPlaneUptime: now - startedAt, apiServerTraffic: client.api.requestMetrics.recent(),
                              perPod: perPod)
    }

    /// Whether anything in the cluster carries the tenant's label (a tenant may have deployed only Services or
    /// ConfigMaps, and is still known then).
    func tenantExists(_ tenant: String, in snapshot: ClusterSnapshot) -> Bool {
        if snapshot.workloads.contains(where: { $0.tenant == tenant }) { return true }
        if snapshot.pods.contains(where: { $0.labels[ClusterSnapshot.tenantLabel]?.stringValue == tenant }) { return true }
        let selector = "\(ClusterSnapshot.tenantLabel)=\(tenant)"
        for ref in [ResourceRef.services, .configMaps, .namespaces, .secrets, .jobs]
            where !client.list(ref, labelSelector: selector).isEmpty { return true }
        return false
    }

    // MARK: - Documents

    /// The health document, all services or one tenant's; nil when the tenant is unknown (the HTTP layer's 404).
    public func health(tenant: String? = nil) -> JSON? {
        let snapshot = self.snapshot()
        let now = clock.now()
        sampleIfNeeded(snapshot, at: now)
        var services = self.services(snapshot, at: now, perPod: false)
        var window: SLAWindow
        if let tenant {
            guard tenantExists(tenant, in: snapshot) else { return nil }
            services = services.filter { $0.workload.tenant == tenant }
            window = state.withLock { $0.tenants[tenant] } ?? SLAWindow(capacity: windowSize, target: target)
        } else {
            window = state.withLock { $0.global }
        }
        if window.dataPoints == 0 { window.record(MonitoringModel.pointIsHealthy(services)) }
        return MonitoringDocuments.health(services, sla: window, now: now)
    }

    /// `{"status","percentage","target","data_points","healthy_points"}`; nil when the tenant is unknown.
    public func sla(tenant: String? = nil) -> JSON? {
        let snapshot = self.snapshot()
        sampleIfNeeded(snapshot, at: clock.now())
        guard let tenant else { return state.withLock { $0.global.json() } }
        guard tenantExists(tenant, in: snapshot) else { return nil }
        return (state.withLock { $0.tenants[tenant] } ?? SLAWindow(capacity: windowSize, target: target)).json()
    }

    /// Past and active incidents, newest first.
    public func incidents() -> JSON {
        let now = clock.now()
        let all = state.withLock { $0.incidents }.filter { $0.start <= now }.sorted { $0.start > $1.start }
        return ["incidents": .array(all.map { $0.json(now: now) }),
                "active": .int(Int64(all.filter { $0.isActive(at: now) }.count)), "total": .int(Int64(all.count))]
    }

    /// Prometheus text for /metrics.
    public func prometheus() -> String {
        let now = clock.now()
        let services = self.services(at: now)
        let (window, active) = state.withLock { s in (s.global, s.incidents.filter { $0.isActive(at: now) }.count) }
        return MonitoringDocuments.prometheus(services, sla: window, activeIncidents: active)
    }

    /// Usage of every running pod (in a namespace when given), from the services' model or, for pods no service
    /// owns (Jobs), a standalone estimate.
    func podUsages(_ snapshot: ClusterSnapshot, namespace: String?, at now: Double) -> [PodUsage] {
        var modelled: [String: PodUsage] = [:]
        for service in services(snapshot, at: now) where service.workload.kind != "ControlPlane" {
            for pod in service.pods { modelled["\(pod.namespace)/\(pod.name)"] = pod }
        }
        return snapshot.pods.filter { $0.running && (namespace == nil || $0.namespace == namespace) }
            .sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
            .map { modelled["\($0.namespace)/\($0.name)"] ?? model.service.standaloneUsage($0, at: now) }
    }

    /// `PodMetricsList` for `GET /apis/metrics.k8s.io/v1beta1[/namespaces/{ns}]/pods[?labelSelector=]`.
    public func podMetrics(namespace: String?, labelSelector: String? = nil) -> JSON {
        let now = clock.now()
        var pods = podUsages(snapshot(), namespace: namespace, at: now)
        if let labelSelector, !labelSelector.isEmpty {
            let matching = Set(client.list(.pods, namespace: namespace, labelSelector: labelSelector).map {
                "\($0[path: "metadata", "namespace"]?.stringValue ?? "")/\($0[path: "metadata", "name"]?.stringValue ?? "")"
            })
            pods = pods.filter { matching.contains("\($0.namespace)/\($0.name)") }
        }
        return MonitoringDocuments.podMetricsList(pods, now: now)
    }

    /// One `PodMetrics`; nil when the pod does not exist or is not running (metrics-server answers 404 then).
    public func podMetrics(namespace: String, name: String) -> JSON? {
        let now = clock.now()
        guard let pod = podUsages(snapshot(), namespace: namespace, at: now).first(where: { $0.name == name }) else { return nil }
        return MonitoringDocuments.podMetrics(pod, now: now)
    }

    /// `NodeMetricsList` for `GET /apis/metrics.k8s.io/v1beta1/nodes`.
    public func nodeMetrics() -> JSON {
        let now = clock.now()
        let snapshot = self.snapshot()
        return MonitoringDocuments.nodeMetricsList(snapshot.nodes, pods: podUsages(snapshot, namespace: nil, at: now), now: now)
    }

    /// One `NodeMetrics`; nil when absent or failed.
    public func nodeMetrics(name: String) -> JSON? {
        let now = clock.now()
        let snapshot = self.snapshot()
        guard let node = snapshot.nodes.first(where: { $0.name == name && !$0.failed }) else { return nil }
        return MonitoringDocuments.nodeMetrics(node, pods: podUsages(snapshot, namespace: nil, at: now), now: now)
    }

    // MARK: - Sampling

    /// Records one SLA data point (global and per tenant) at `t` from `snapshot`.
    func record(_ snapshot: ClusterSnapshot, at t: Double) {
        let services = self.services(snapshot, at: t, perPod: false)
        let healthy = MonitoringModel.pointIsHealthy(services)
        var perTenant: [String: Bool] = [:]
        for service in services {
            guard let tenant = service.workload.tenant else { continue }
            perTenant[tenant] = (perTenant[tenant] ?? true) && service.health != .unhealthy
        }
        state.withLock { s in
            s.global.record(healthy)
            for (tenant, ok) in perTenant {
                s.tenants[tenant, default: SLAWindow(capacity: windowSize, target: target)].record(ok)
            }
            s.lastSample = t
        }
    }

    /// A first data point when none exists yet, so the first request does not report an empty window.
    func sampleIfNeeded(_ snapshot: ClusterSnapshot, at t: Double) {
        guard state.withLock({ $0.lastSample == nil }) else { return }
        record(snapshot, at: t)
    }

    /// One step of the engine: ends expired incidents, starts random ones now due, records a data point.
    public func tick() async {
        let now = clock.now()
        await resolveExpired(at: now)
        // One read of the cluster per tick: it is the expensive part on a large cluster. An incident started now
        // shows in the next tick's point.
        let snapshot = self.snapshot()
        await startRandomIncidents(until: now, snapshot: snapshot)
        record(snapshot, at: now)
    }

    /// Samples every `sampleInterval` simulated seconds until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            await tick()
            do { try await clock.sleep(sampleInterval) } catch { return }
        }
    }
}
