import KubeJSON

public enum SLAStatus: String, Sendable {
    case meeting
    case atRisk = "at_risk"
    case breached
}

/// The SLA as the contract defines it: the share of healthy data points in a rolling window.
///
/// With 60 points one bad point already costs 1.67 %, below a 99.5 % target; calling that `breached` would make
/// every blip an outage, so a window within one point's worth of the target (`atRiskMargin` defaults to two
/// points' share, i.e. a single bad point) is `at_risk`, and only lower is `breached`.
public struct SLAWindow: Sendable {
    public let capacity: Int
    public let target: Double
    private var points: [Bool] = []
    private var head = 0
    /// Every point since the engine started, beside the rolling window: the figure a day is judged by.
    public private(set) var totalPoints = 0
    public private(set) var totalHealthyPoints = 0

    public init(capacity: Int = 60, target: Double = 99.5) {
        self.capacity = max(1, capacity)
        self.target = target
    }

    public mutating func record(_ healthy: Bool) {
        totalPoints += 1
        if healthy { totalHealthyPoints += 1 }
        if points.count < capacity {
            points.append(healthy)
        } else {
            points[head] = healthy
            head = (head + 1) % capacity
        }
    }

    public var dataPoints: Int { points.count }
    public var healthyPoints: Int { points.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// Percent of healthy points, three decimals; 100 before the first point (nothing has failed yet).
    public var percentage: Double {
        guard !points.isEmpty else { return 100 }
        return (Double(healthyPoints) / Double(points.count) * 100_000).rounded() / 1000
    }

    /// Percent of healthy points since the start, three decimals.
    public var totalPercentage: Double {
        guard totalPoints > 0 else { return 100 }
        return (Double(totalHealthyPoints) / Double(totalPoints) * 100_000).rounded() / 1000
    }

    public var atRiskMargin: Double { max(100.0 / Double(capacity) * 1.5, 0.5) }

    public var status: SLAStatus { Self.status(percentage: percentage, target: target, margin: atRiskMargin) }

    public static func status(percentage: Double, target: Double, margin: Double) -> SLAStatus {
        if percentage >= target { return .meeting }
        return percentage >= target - margin ? .atRisk : .breached
    }

    /// `{"status","percentage","target","data_points","healthy_points"}` as GET /sla/status answers, plus the
    /// same since the start (`total_*`).
    public func json() -> JSON {
        ["status": .string(status.rawValue), "percentage": .double(percentage), "target": .double(target),
         "data_points": .int(Int64(dataPoints)), "healthy_points": .int(Int64(healthyPoints)),
         "total_percentage": .double(totalPercentage), "total_data_points": .int(Int64(totalPoints)),
         "total_healthy_points": .int(Int64(totalHealthyPoints))]
    }
}
