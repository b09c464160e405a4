import ClusterSim
import KubeAPI
import KubeJSON

/// Incidents acting on the cluster: pods deleted (their controllers recreate them), kubelets stopped, all
/// through the API, so kubectl sees the same outage the dashboard shows.
extension MonitoringEngine {
    static let podFailureAnnotation = "simulator.k8s.io/fail"

    /// Injects an incident now. `target` names a service (`name` or `namespace/name`), a pod (`namespace/pod`)
    /// for pod-crash, or a node (or a service, meaning one of its nodes) for node-failure; empty picks one.
    /// `severity` overrides the latency multiplier (default 8) or the error percent (default 15).
    @discardableResult
    public func inject(type rawType: String, target: String, durationSeconds: Double,
                       severity: Double? = nil) async throws(MonitoringError) -> JSON
    {
        guard let type = IncidentType(rawValue: rawType) else {
            throw MonitoringError(code: 400, message: "unknown incident type \"\(rawType)\"; expected one of "
                + IncidentType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let now = clock.now()
        let duration = durationSeconds > 0 ? durationSeconds : 60
        let number = state.withLock { s in s.injected += 1; return s.injected }
        let defaultSeverity: Double = switch type {
        case .latencySpike: 8
        case .errorBurst: 15
        case .podCrash, .nodeFailure: 1
        }
        var incident = Incident(id: "inc-\(number)", type: type, target: target, start: now, end: now + duration,
                                injected: true, severity: severity ?? defaultSeverity)
        let snapshot = self.snapshot()
        switch type {
        case .latencySpike, .errorBurst:
            guard let service = resolveService(target, in: snapshot) else {
                throw MonitoringError(code: 404, message: "no service \"\(target)\"")
            }
            incident.target = service.key
            incident.actions = ["\(type.rawValue) on \(service.key)"]
        case .podCrash:
            incident = try await crashPod(incident, snapshot: snapshot)
        case .nodeFailure:
            incident = try await failNode(incident, snapshot: snapshot)
        }
        let recorded = incident
        append(recorded)
        // Ends on time even when nobody calls tick (run() also resolves it, whichever comes first).
        Task { [self] in
            try? await clock.sleep(duration)
            await resolveExpired(at: clock.now())
        }
        return recorded.json(now: now)
    }

    func append(_ incident: Incident) {
        state.withLock { s in
            s.incidents.append(incident)
            if s.incidents.count > Self.incidentHistory { s.incidents.removeFirst(s.incidents.count - Self.incidentHistory) }
        }
    }

    func resolveService(_ target: String, in snapshot: ClusterSnapshot) -> (key: String, workload: WorkloadInput)? {
        let keyed = MonitoringModel.keyed(snapshot.workloads)
        if target.isEmpty { return nil }
        return keyed.first { $0.key == target }
            ?? keyed.first { "\($0.workload.namespace)/\($0.workload.name)" == target }
            ?? keyed.first { $0.workload.name == target }
    }

    /// Deletes one ready pod of the target (chosen by the seed), or the named pod; a bare pod is told to crash
    /// instead, since deleting it would lose it for good.
    func crashPod(_ incident: Incident, snapshot: ClusterSnapshot) async throws(MonitoringError) -> Incident {
        var incident = incident
        var pod: PodInput?
        var owned = true
        if let service = resolveService(incident.target, in: snapshot) {
            incident.target = service.key
            let candidates = service.workload.pods.filter(\.ready).isEmpty ? service.workload.pods
                : service.workload.pods.filter(\.ready)
            if !candidates.isEmpty {
                pod = candidates.sorted { $0.name < $1.name }[Int(random.hash("crash/\(incident.id)") % UInt64(candidates.count))]
            }
            owned = service.workload.kind != "Pod"
        } else {
            let parts = incident.target.split(separator: "/", maxSplits: 1).map(String.init)
            pod = snapshot.pods.first { parts.count == 2 ? ($0.namespace == parts[0] && $0.name == parts[1]) : $0.name == parts[0] }
            if let found = pod { owned = !snapshot.workloads.contains { $0.kind == "Pod" && $0.name == found.name && $0.namespace == found.namespace } }
        }
        guard let pod else { throw MonitoringError(code: 404, message: "no pod to crash for \"\(incident.target)\"") }
        do {
            if owned {
                try await client.delete(.pods, namespace: pod.namespace, name: pod.name, gracePeriodSeconds: 0)
                incident.actions.append("deleted pod \(pod.namespace)/\(pod.name)")
            } else {
                try await client.mergePatch(.pods, namespace: pod.namespace, name: pod.name,
                                            ["metadata": ["annotations": [Self.podFailureAnnotation: "CrashLoopBackOff"]]])
                incident.actions.append("pod \(pod.namespace)/\(pod.name) set to CrashLoopBackOff")
            }
        } catch {
            throw MonitoringError(code: Int(error.code), message: error.message)
        }
        if incident.target.isEmpty { incident.target = "\(pod.namespace)/\(pod.name)" }
        return incident
    }

    /// Stops a node's kubelet: the named node, a node running the named service, or a seeded choice.
    func failNode(_ incident: Incident, snapshot: ClusterSnapshot) async throws(MonitoringError) -> Incident {
        var incident = incident
        let up = snapshot.nodes.filter { !$0.failed }.map(\.name).sorted()
        var node: String?
        if snapshot.nodes.contains(where: { $0.name == incident.target }) {
            node = incident.target
        } else if let service = resolveService(incident.target, in: snapshot) {
            node = service.workload.pods.compactMap(\.nodeName).sorted().first
        } else if incident.target.isEmpty || incident.target == "random", !up.isEmpty {
            node = up[Int(random.hash("node-failure/\(incident.id)") % UInt64(up.count))]
        }
        guard let node else { throw MonitoringError(code: 404, message: "no node for \"\(incident.target)\"") }
        do {
            try await NodeLifecycle.setNodeFailure(node, failed: true, client: client)
        } catch {
            throw MonitoringError(code: Int(error.code), message: error.message)
        }
        incident.target = node
        incident.actions.append("node \(node) failed")
        return incident
    }

    /// Undoes what an incident did to the cluster once it is over: a node comes back, a bare pod stops crashing.
    /// Deleted pods need nothing: their controllers have recreated them.
    func resolveExpired(at now: Double) async {
        let due = state.withLock { s -> [Incident] in
            var out: [Incident] = []
            for i in s.incidents.indices where !s.incidents[i].resolved && now >= s.incidents[i].end {
                s.incidents[i].resolved = true
                out.append(s.incidents[i])
            }
            return out
        }
        for incident in due {
            var note: String?
            switch incident.type {
            case .nodeFailure:
                do {
                    try await NodeLifecycle.setNodeFailure(incident.target, failed: false, client: client)
                    note = "node \(incident.target) restored"
                } catch { note = "restoring node \(incident.target) failed: \(error.message)" }
            case .podCrash:
                for action in incident.actions where action.hasSuffix("set to CrashLoopBackOff") {
                    let key = action.dropFirst("pod ".count).split(separator: " ").first.map(String.init) ?? ""
                    let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else { continue }
                    _ = try? await client.mergePatch(.pods, namespace: parts[0], name: parts[1],
                                                     ["metadata": ["annotations": .object([Self.podFailureAnnotation: .null])]])
                    note = "pod \(key) recovered"
                }
            case .latencySpike, .errorBurst: break
            }
            if let note {
                state.withLock { s in
                    if let i = s.incidents.firstIndex(where: { $0.id == incident.id }) { s.incidents[i].actions.append(note) }
                }
            }
        }
    }

    /// Draws the random incidents due since the last tick and starts them. Targets are user services only: the
    /// simulated control plane has no pods to crash.
    func startRandomIncidents(until now: Double, snapshot: ClusterSnapshot) async {
        let from = state.withLock { s -> Double in
            let from = s.scheduledThrough
            s.scheduledThrough = max(now, from)
            return from
        }
        guard now > from else { return }
        let targets = MonitoringModel.keyed(snapshot.workloads).map(\.key)
        for var incident in schedule.incidents(from: from, to: now, services: targets) {
            if incident.type == .podCrash {
                // A crash that cannot act (nothing running, a bare pod) is not recorded: it would have no effect.
                guard let crashed = try? await crashPodIfOwned(incident, snapshot: snapshot) else { continue }
                incident = crashed
            }
            append(incident)
        }
    }

    private func crashPodIfOwned(_ incident: Incident, snapshot: ClusterSnapshot) async throws(MonitoringError) -> Incident {
        guard let service = resolveService(incident.target, in: snapshot), service.workload.kind != "Pod",
              service.workload.readyCount > 0 else { throw MonitoringError(code: 409, message: "nothing to crash") }
        return try await crashPod(incident, snapshot: snapshot)
    }
}
