import KubeStore

/// Everything `serve` can be told on its command line.
public struct SimulatorConfiguration: Sendable {
    public var dataDirectory = ".k8s-simulator"
    /// Plain HTTP port; 0 switches the listener off.
    public var port = 6360
    public var bindAddress = "127.0.0.1"
    /// Keep nothing on disk (tests).
    public var inMemory = false
    public var watchHistory = WatchHistory()
    /// Events a watcher may fall behind before it is cut off.
    public var watchBufferSize = 10_000

    public init() {}

    /// Parses `--watch-history`: a duration (`90s`, `5m`, `1h`) or an event count (`10000`).
    public static func parseWatchHistory(_ text: String) -> WatchHistory? {
        var history = WatchHistory()
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        if let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()), value > 0 {
            history.maxAge = value * factor
            return history
        }
        if let count = Int(text), count > 0 {
            history.maxEvents = count
            history.maxAge = .infinity
            return history
        }
        return nil
    }
}
