import ClusterSim
import KubeStore
import Monitoring

/// Everything `serve` can be told on its command line.
public struct SimulatorConfiguration: Sendable {
    public var dataDirectory = ".k8s-simulator"
    /// Plain HTTP port; 0 switches the listener off.
    public var port = 6360
    /// The monitoring engine's listener; 0 switches it off.
    public var monitoringPort = 6381
    /// TLS port with authentication; 0 switches the listener off.
    public var securePort = 6443
    /// Extra names and addresses for the generated serving certificate.
    public var tlsSANs: [String] = []
    /// Bring-your-own serving certificate, key and client CA (PEM files).
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    public var clientCAFile: String?
    /// kube-apiserver's static token CSV.
    public var tokenAuthFile: String?
    /// The simulated cluster: nodes, clock, seed, controllers.
    public var cluster = ClusterConfiguration()
    public var bindAddress = "127.0.0.1"
    /// Keep nothing on disk (tests).
    public var inMemory = false
    public var watchHistory = WatchHistory()
    /// Events a watcher may fall behind before it is cut off.
    public var watchBufferSize = 10_000
    /// Seconds a `/ws/monitoring` client may leave a message unread before it is dropped.
    public var webSocketStallTimeout = 10.0
    /// Random incidents per simulated hour (`--incident-rate`).
    public var incidentRatePerHour = Self.defaultIncidentRatePerHour
    public static let defaultIncidentRatePerHour = IncidentSchedule.defaultRatePerHour

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
