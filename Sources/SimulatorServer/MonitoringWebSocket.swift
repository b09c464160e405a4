import Foundation
import HTTPTypes
import HummingbirdCore
import HummingbirdWebSocket
import KubeAPI
import KubeJSON
import Logging
import Monitoring
import NIOCore
import Synchronization

/// `ws://…/ws/monitoring[/{tenant_id}]?interval=S`: the health document on connect and then every `interval`
/// wall-clock seconds, as `{"type":"monitoring_update","tenant_id":…,"data":…,"timestamp":…}`.
///
/// Every connection has its own sending task, so a slow client only ever delays itself; one that has not taken
/// a message for `stalledWriteLimit` is cut off at the socket, because a close handshake would queue behind the
/// very bytes it is not reading.
struct MonitoringWebSocket: Sendable {
    typealias Handler = WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>

    let engine: MonitoringEngine
    let connections: WebSocketCounter
    var stalledWriteLimit: Duration = .seconds(10)

    static let defaultInterval = 5.0
    static let intervalRange = 0.01...3600.0
    static let pathPrefix = "/ws/monitoring"

    init(engine: MonitoringEngine, connections: WebSocketCounter) {
        self.engine = engine
        self.connections = connections
    }

    /// What a `/ws/monitoring…` path asks for: `.some(nil)` for the whole cluster, `.some(tenant)` for one tenant,
    /// nil for any other path.
    static func tenant(path: String) -> String?? {
        var path = path
        if path.count > 1, path.hasSuffix("/") { path.removeLast() }
        if path == pathPrefix { return .some(nil) }
        guard path.hasPrefix(pathPrefix + "/") else { return nil }
        let tenant = String(path.dropFirst(pathPrefix.count + 1))
        guard !tenant.isEmpty, !tenant.contains("/") else { return nil }
        return .some(tenant.removingPercentEncoding ?? tenant)
    }

    /// The seconds an `interval` query value asks for (the default without one); nil, a 400, when it is not a
    /// number in range.
    static func interval(_ value: String?) -> Double? {
        guard let value else { return defaultInterval }
        guard let seconds = Double(value), intervalRange.contains(seconds) else { return nil }
        return seconds
    }

    /// HTTP/1.1 that upgrades `/ws/monitoring…` requests and serves everything else as usual.
    var server: HTTPServerBuilder {
        .http1WebSocketUpgrade(configuration: .init(ws: .init(closeTimeout: .seconds(2)))) { request, channel, _ in
            shouldUpgrade(request, channel: channel)
        }
    }

    func shouldUpgrade(_ request: HTTPRequest, channel: any Channel) -> ShouldUpgradeResult<Handler> {
        let (path, query) = Self.split(request.path ?? "")
        let requested = query.flatMap { APIRequest.parseQuery($0).last(where: { $0.name == "interval" })?.value }
        guard let tenant = Self.tenant(path: path), let interval = Self.interval(requested) else { return .dontUpgrade }
        return .upgrade([:]) { inbound, outbound, context in
            connections.opened()
            defer { connections.closed() }
            try await stream(tenant: tenant, interval: interval, inbound: inbound, outbound: outbound, channel: channel)
        }
    }

    static func split(_ target: String) -> (path: String, query: String?) {
        guard let mark = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    /// One `monitoring_update`. An unknown tenant gets the same error document the HTTP endpoint answers, and
    /// the stream goes on: its manifests may be deployed a moment later.
    func message(tenant: String?) -> String {
        let data: JSON
        if let health = engine.health(tenant: tenant) {
            data = health
        } else {
            data = ["status": "error", "message": "tenant not found",
                    "detail": .string("no service carries the label ecp-ai.io/tenant-id=\(tenant ?? "")")]
        }
        let timestamp = data["timestamp"] ?? .string(Timestamp.rfc3339(engine.clock.now()))
        let message: JSON = ["type": "monitoring_update", "tenant_id": tenant.map { .string($0) } ?? .null,
                             "data": data, "timestamp": timestamp]
        return String(decoding: message.serialized(), as: UTF8.self)
    }

    func stream(tenant: String?, interval: Double, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
                channel: any Channel) async throws
    {
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Reading drives pings and the close handshake; what the client says carries nothing we need.
            group.addTask {
                for try await _ in inbound {}
            }
            group.addTask {
                while !Task.isCancelled {
                    try await send(message(tenant: tenant), outbound: outbound, channel: channel)
                    try await Task.sleep(for: .seconds(interval))
                }
            }
            // Whichever ends first (the client left, or sending failed) ends the connection.
            _ = try await group.next()
            group.cancelAll()
        }
    }

    func send(_ text: String, outbound: WebSocketOutboundWriter, channel: any Channel) async throws {
        let limit = stalledWriteLimit
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await outbound.write(.text(text))
                return true
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            let written = try await group.next() ?? false
            group.cancelAll()
            if !written {
                channel.close(promise: nil)
                throw CancellationError()
            }
        }
    }
}

/// Open WebSocket connections, for `/metrics`.
final class WebSocketCounter: Sendable {
    private let counts = Mutex<(open: Int, total: Int)>((0, 0))

    func opened() { counts.withLock { $0.open += 1; $0.total += 1 } }
    func closed() { counts.withLock { $0.open -= 1 } }
    var snapshot: (open: Int, total: Int) { counts.withLock { $0 } }

    func prometheus() -> String {
        let (open, total) = snapshot
        return """
            # HELP k8s_simulator_websocket_connections Open /ws/monitoring connections.
            # TYPE k8s_simulator_websocket_connections gauge
            k8s_simulator_websocket_connections \(open)
            # HELP k8s_simulator_websocket_connections_total /ws/monitoring connections accepted.
            # TYPE k8s_simulator_websocket_connections_total counter
            k8s_simulator_websocket_connections_total \(total)

            """
    }
}
