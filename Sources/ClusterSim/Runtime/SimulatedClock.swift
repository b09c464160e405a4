import Foundation

/// The one clock of the simulation. Simulated time starts at the wall time of start-up and runs `scale` times
/// faster; every delay in the simulation (pull times, heartbeats, back-offs, cron schedules) is simulated time.
public final class SimulatedClock: Sendable {
    public let scale: Double
    let wallStart: Double
    let simulatedStart: Double

    public init(scale: Double = 1, start: Double = Date().timeIntervalSince1970) {
        self.scale = max(scale, 0.000_001)
        wallStart = Date().timeIntervalSince1970
        simulatedStart = start
    }

    /// Simulated seconds since the epoch.
    public func now() -> Double {
        simulatedStart + (Date().timeIntervalSince1970 - wallStart) * scale
    }

    /// Sleeps for `seconds` of simulated time.
    public func sleep(_ seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds / scale * 1_000_000_000))
    }
}

/// Deterministic randomness: every draw is a function of the seed and a stable name (object, purpose), never of
/// the order in which concurrent controllers happen to ask, so the same seed replays the same cluster.
public struct SeededRandom: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// A value in [0, 1) for `key`.
    public func unit(_ key: String) -> Double {
        Double(hash(key) >> 11) / Double(UInt64(1) << 53)
    }

    /// A value in `range` for `key`.
    public func uniform(_ key: String, _ range: ClosedRange<Double>) -> Double {
        range.lowerBound + unit(key) * (range.upperBound - range.lowerBound)
    }

    /// Five characters from kube's name alphabet, as generated names use.
    public func nameSuffix(_ key: String, length: Int = 5) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var value = hash(key)
        var out = ""
        for _ in 0..<length {
            out.append(alphabet[Int(value % UInt64(alphabet.count))])
            value /= UInt64(alphabet.count)
            if value == 0 { value = hash(key + out) }
        }
        return out
    }

    public func hash(_ key: String) -> UInt64 {
        // FNV-1a over the seed and the key, then a splitmix finaliser for good low bits.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in key.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }
}
