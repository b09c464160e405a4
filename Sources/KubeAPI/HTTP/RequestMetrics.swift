import Foundation
import Synchronization

/// The server's own request figures: Prometheus counters and latency histograms in kube-apiserver's names, and
/// the last minute's rate and latency, which the monitoring model reports for the simulated `kube-apiserver`.
///
/// Recorded by the listeners, so they count what clients really sent over the wire. Label values come only
/// from the registry and a fixed list of endpoints, never from raw paths, so a client probing random URLs cannot
/// grow the series without bound.
public final class RequestMetrics: Sendable {
    struct Key: Hashable {
        var verb: String
        var group: String
        var version: String
        var resource: String
        var subresource: String
    }

    struct Series {
        var codes: [Int: UInt64] = [:]
        var latencyCount: UInt64 = 0
        var latencySum: Double = 0
        var buckets: [UInt64] = Array(repeating: 0, count: RequestMetrics.bounds.count)
    }

    /// One wall-clock second of the recent-traffic ring.
    struct Second {
        var index: Int64 = -1
        var requests = 0
        var serverErrors = 0
        var latencyCount = 0
        var latencySum = 0.0
    }

    struct State {
        var resources: [Key: Series] = [:]
        var endpoints: [String: Series] = [:]
        var ring = Array(repeating: Second(), count: RequestMetrics.window)
    }

    /// Upper bounds of the latency buckets, seconds: finer than kube-apiserver's at the low end, where we live.
    static let bounds: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                   1, 2.5, 5, 10, 30, 60]
    static let window = 60
    private let state = Mutex(State())
    private let startedAt = Date().timeIntervalSince1970

    public init() {}

    /// Records one request. `seconds` is nil for long-running requests (watches, log follows): they count, but a
    /// duration that is the client's choice says nothing about the server.
    public func record(info: RequestInfo?, known: Bool, endpoint: String?, method: String, status: Int, seconds: Double?) {
        let now = Date().timeIntervalSince1970
        let second = Int64(now)
        state.withLock { s in
            if let info {
                let key = Key(verb: Self.reportedVerb(info.verb), group: info.group, version: known ? info.version : "",
                              resource: known ? info.resource : "", subresource: known ? info.subresource ?? "" : "")
                Self.add(&s.resources[key, default: Series()], status: status, seconds: seconds)
            } else {
                Self.add(&s.endpoints["\(method) \(endpoint ?? "other")", default: Series()], status: status, seconds: seconds)
            }
            // The recent figures are the Kubernetes API's alone: a manifest deploy that waits half a minute
            // for readiness is not the API server being slow.
            guard info != nil else { return }
            let slot = Int(second % Int64(Self.window))
            if s.ring[slot].index != second { s.ring[slot] = Second(index: second) }
            s.ring[slot].requests += 1
            if status >= 500 { s.ring[slot].serverErrors += 1 }
            if let seconds {
                s.ring[slot].latencyCount += 1
                s.ring[slot].latencySum += seconds
            }
        }
    }

    /// kube-apiserver's verb label: the HTTP-ish action (POST for create, PUT for update), not the RBAC verb.
    static func reportedVerb(_ verb: String) -> String {
        switch verb {
        case "create": "POST"
        case "update": "PUT"
        default: verb.uppercased()
        }
    }

    private static func add(_ series: inout Series, status: Int, seconds: Double?) {
        series.codes[status, default: 0] += 1
        guard let seconds else { return }
        series.latencyCount += 1
        series.latencySum += seconds
        if let bucket = bounds.firstIndex(where: { seconds <= $0 }) { series.buckets[bucket] += 1 }
    }

    /// The last minute of traffic to resource paths (less while the server is younger than a minute).
    public struct Recent: Sendable, Equatable {
        public var requestsPerSecond: Double
        /// Mean duration of the short requests, nil when there were none.
        public var meanLatencyMs: Double?
        public var serverErrorPercent: Double

        public init(requestsPerSecond: Double, meanLatencyMs: Double?, serverErrorPercent: Double) {
            self.requestsPerSecond = requestsPerSecond
            self.meanLatencyMs = meanLatencyMs
            self.serverErrorPercent = serverErrorPercent
        }
    }

    public func recent() -> Recent {
        let now = Date().timeIntervalSince1970
        let current = Int64(now)
        let span = max(1, min(Double(Self.window), now - startedAt))
        var requests = 0, errors = 0, latencyCount = 0, latencySum = 0.0
        state.withLock { s in
            for second in s.ring where second.index > current - Int64(Self.window) {
                requests += second.requests
                errors += second.serverErrors
                latencyCount += second.latencyCount
                latencySum += second.latencySum
            }
        }
        return Recent(requestsPerSecond: Double(requests) / span,
                      meanLatencyMs: latencyCount > 0 ? latencySum / Double(latencyCount) * 1000 : nil,
                      serverErrorPercent: requests > 0 ? Double(errors) / Double(requests) * 100 : 0)
    }

    /// `apiserver_request_total`, `apiserver_request_duration_seconds` and the same for the ECP-AI and other
    /// non-resource endpoints, in Prometheus text.
    public func prometheus() -> String {
        let (resources, endpoints) = state.withLock { ($0.resources, $0.endpoints) }
        let resourceSeries = resources.sorted { lhs, rhs in
            (lhs.key.group, lhs.key.resource, lhs.key.subresource, lhs.key.verb)
                < (rhs.key.group, rhs.key.resource, rhs.key.subresource, rhs.key.verb)
        }.map { key, series in
            ("verb=\"\(key.verb)\",group=\"\(key.group)\",version=\"\(key.version)\",resource=\"\(key.resource)\",subresource=\"\(key.subresource)\"", series)
        }
        let endpointSeries = endpoints.sorted { $0.key < $1.key }.map { key, series in
            let parts = key.split(separator: " ", maxSplits: 1)
            return ("method=\"\(parts.first ?? "")\",endpoint=\"\(parts.count > 1 ? parts[1] : "")\"", series)
        }
        return Self.family(counter: "apiserver_request_total", "Requests to resource paths, by verb, resource and HTTP code.",
                           histogram: "apiserver_request_duration_seconds",
                           "Time to answer short (non-watch) requests to resource paths.", resourceSeries)
            + Self.family(counter: "k8s_simulator_http_requests_total",
                          "Requests to non-resource endpoints (ECP-AI, monitoring, discovery, health).",
                          histogram: "k8s_simulator_http_request_duration_seconds",
                          "Time to answer requests to non-resource endpoints.", endpointSeries)
    }

    /// A counter by code and a latency histogram over the same labelled series.
    private static func family(counter: String, _ counterHelp: String, histogram name: String, _ histogramHelp: String,
                               _ series: [(labels: String, series: Series)]) -> String
    {
        var text = "# HELP \(counter) \(counterHelp)\n# TYPE \(counter) counter\n"
        for (labels, series) in series {
            for (code, count) in series.codes.sorted(by: { $0.key < $1.key }) {
                text += "\(counter){\(labels),code=\"\(code)\"} \(count)\n"
            }
        }
        text += "# HELP \(name) \(histogramHelp)\n# TYPE \(name) histogram\n"
        for (labels, series) in series where series.latencyCount > 0 {
            text += histogram(name, labels, series)
        }
        return text
    }

    private static func histogram(_ name: String, _ labels: String, _ series: Series) -> String {
        var text = ""
        var cumulative: UInt64 = 0
        for (index, bound) in bounds.enumerated() {
            cumulative += series.buckets[index]
            text += "\(name)_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
        }
        text += "\(name)_bucket{\(labels),le=\"+Inf\"} \(series.latencyCount)\n"
        text += "\(name)_sum{\(labels)} \(series.latencySum)\n"
        text += "\(name)_count{\(labels)} \(series.latencyCount)\n"
        return text
    }

    /// The label for a non-resource path: one of a fixed set, so the series stay bounded.
    public static func endpoint(path: String) -> String {
        let known = ["/k8s/manifest/parse", "/k8s/manifest/deploy", "/k8s/resources", "/k8s/deployments",
                     "/monitoring/health", "/monitoring/tenant", "/sla/status", "/simulator/incidents", "/ws/monitoring",
                     "/metrics", "/healthz", "/livez", "/readyz", "/version", "/openapi", "/openapi.json", "/docs",
                     "/apis", "/api"]
        for prefix in known where path == prefix || path.hasPrefix(prefix + "/") { return prefix }
        return path == "/" ? "/" : "other"
    }
}
