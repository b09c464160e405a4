import ClusterSim
import Foundation
import KubeAPI
import KubeJSON

public enum IncidentType: String, Sendable, CaseIterable {
    case podCrash = "pod-crash"
    case nodeFailure = "node-failure"
    case latencySpike = "latency-spike"
    case errorBurst = "error-burst"
}

/// One incident, random or injected. Times are simulated seconds.
public struct Incident: Sendable, Equatable {
    public var id: String
    public var type: IncidentType
    /// A service key (`name` or `namespace/name`), or a node name for node failures.
    public var target: String
    public var start: Double
    public var end: Double
    public var injected: Bool
    /// Latency multiplier for a spike, extra error percent for a burst; unused for the others.
    public var severity: Double
    /// What was done to the cluster (`deleted pod default/web-abc`, `node node-2 failed`), for the record.
    public var actions: [String] = []
    /// Set once the end-of-incident work (restoring a node) has run.
    public var resolved = false

    public init(id: String, type: IncidentType, target: String, start: Double, end: Double, injected: Bool,
                severity: Double)
    {
        self.id = id
        self.type = type
        self.target = target
        self.start = start
        self.end = end
        self.injected = injected
        self.severity = severity
    }

    public func isActive(at t: Double) -> Bool { t >= start && t < end }

    public func json(now: Double) -> JSON {
        ["id": .string(id), "type": .string(type.rawValue), "target": .string(target),
         "source": .string(injected ? "injected" : "random"),
         "status": .string(isActive(at: now) ? "active" : (now < start ? "scheduled" : "resolved")),
         "started_at": .string(Timestamp.rfc3339(start)), "ends_at": .string(Timestamp.rfc3339(end)),
         "duration_seconds": .double((end - start).rounded()), "severity": .double((severity * 100).rounded() / 100),
         "actions": .array(actions.map { .string($0) })]
    }

    /// The effect of the active incidents on one service at `t`.
    public static func effects(on key: String, namespace: String, name: String, incidents: [Incident],
                               at t: Double) -> IncidentEffects
    {
        var effects = IncidentEffects()
        for incident in incidents where incident.isActive(at: t)
            && (incident.target == key || incident.target == name || incident.target == "\(namespace)/\(name)")
        {
            switch incident.type {
            case .latencySpike: effects.latencyFactor *= max(incident.severity, 1)
            case .errorBurst: effects.extraErrorPercent += max(incident.severity, 0)
            case .podCrash, .nodeFailure: break // they act on the cluster; readiness carries their effect
            }
        }
        return effects
    }
}

/// Seeded random incidents: whether one starts in a simulated minute, its kind, target, duration and severity are
/// functions of the seed and the minute's index alone, so a replay with the same seed meets the same incidents
/// however often the engine happens to sample.
public struct IncidentSchedule: Sendable {
    public let random: SeededRandom
    /// Expected random incidents per simulated hour across the whole cluster.
    public let ratePerHour: Double

    /// About five a simulated day: with the mix and severities below, an average day loses roughly 0.2 % of
    /// its data points, comfortably inside the 99.5 % SLA, while a day still shows visible blips.
    public static let defaultRatePerHour = 0.2

    public init(random: SeededRandom, ratePerHour: Double = defaultRatePerHour) {
        self.random = random
        self.ratePerHour = max(0, ratePerHour)
    }

    /// Random incidents starting in [from, to), targeting one of `services` (sorted for determinism).
    /// Node failures are never random: they evict pods for minutes, which only an operator should ask for.
    public func incidents(from: Double, to: Double, services: [String]) -> [Incident] {
        guard ratePerHour > 0, to > from, !services.isEmpty else { return [] }
        let targets = services.sorted()
        let probability = min(ratePerHour / 60, 1)
        var out: [Incident] = []
        var minute = Int64(floor(from / 60))
        while Double(minute) * 60 < to {
            defer { minute += 1 }
            guard random.unit("incident/\(minute)") < probability else { continue }
            let start = Double(minute) * 60 + random.unit("incident-offset/\(minute)") * 60
            guard start >= from, start < to else { continue }
            let kind = random.unit("incident-type/\(minute)")
            let target = targets[Int(random.hash("incident-target/\(minute)") % UInt64(targets.count))]
            let shape = random.unit("incident-shape/\(minute)")
            let incident: Incident
            if kind < 0.4 {
                incident = Incident(id: "inc-r\(minute)", type: .latencySpike, target: target, start: start,
                                    end: start + 60 + 180 * shape, injected: false,
                                    severity: 2 + 3 * random.unit("incident-severity/\(minute)"))
            } else if kind < 0.75 {
                incident = Incident(id: "inc-r\(minute)", type: .errorBurst, target: target, start: start,
                                    end: start + 30 + 120 * shape, injected: false,
                                    severity: 1.5 + 7.5 * random.unit("incident-severity/\(minute)"))
            } else {
                incident = Incident(id: "inc-r\(minute)", type: .podCrash, target: target, start: start,
                                    end: start + 60, injected: false, severity: 1)
            }
            out.append(incident)
        }
        return out
    }
}
