import ClusterSim
import Foundation

/// Traffic over a simulated day: a contact-centre shape (quiet night, morning ramp, a late-morning and a
/// mid-afternoon peak, evening tail) times seeded noise that is smooth over minutes and jitters per second,
/// so two reads a second apart differ a little and a chart over an hour looks like real traffic.
public struct LoadCurve: Sendable {
    public let random: SeededRandom
    /// Seconds added to simulated UTC to get the local time of day the curve follows (KST is 32 400).
    public let utcOffsetSeconds: Double

    public init(random: SeededRandom, utcOffsetSeconds: Double = 0) {
        self.random = random
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// The local hour of day in [0, 24) at simulated time `t`.
    public func hourOfDay(_ t: Double) -> Double {
        let seconds = (t + utcOffsetSeconds).truncatingRemainder(dividingBy: 86_400)
        return (seconds < 0 ? seconds + 86_400 : seconds) / 3_600
    }

    /// The daily shape in [0.15, 1]: 1 at the busiest hour, about 0.15 at 4 am.
    public static func dailyShape(hour: Double) -> Double {
        func bump(_ centre: Double, _ width: Double) -> Double {
            // Wrapped distance, so the evening tail meets the night without a step at midnight.
            var d = abs(hour - centre)
            d = min(d, 24 - d)
            return exp(-(d * d) / (2 * width * width))
        }
        let shape = 0.15 + 0.85 * max(bump(10.5, 2.2), 0.92 * bump(15.0, 2.5), 0.45 * bump(20.0, 2.0))
        return min(max(shape, 0.15), 1)
    }

    /// Multiplicative noise around 1 for `key`: a value per five minutes, interpolated (smooth drift, ±15 %),
    /// plus a per-second jitter (±3 %). Always in [0.8, 1.2].
    public func noise(_ key: String, at t: Double) -> Double {
        let slot = 300.0
        let index = floor(t / slot)
        let frac = t / slot - index
        let a = random.unit("noise/\(key)/\(Int64(index))")
        let b = random.unit("noise/\(key)/\(Int64(index) + 1)")
        // Smoothstep keeps the drift's slope continuous at slot edges.
        let s = frac * frac * (3 - 2 * frac)
        let drift = (a + (b - a) * s) * 2 - 1
        let jitter = random.unit("jitter/\(key)/\(Int64(floor(t)))") * 2 - 1
        return min(max(1 + 0.15 * drift + 0.03 * jitter, 0.8), 1.2)
    }

    /// Load factor (peak = about 1) for a service at simulated time `t`.
    public func factor(_ key: String, at t: Double) -> Double {
        Self.dailyShape(hour: hourOfDay(t)) * noise(key, at: t)
    }
}
