import ServiceLifecycle
import Hummingbird
import KubeAPI
import KubeJSON
import Monitoring

/// The monitoring endpoints of the ECP-AI contract, in front of the Kubernetes API on the same listener.
struct MonitoringRoutes: Sendable {
    let engine: MonitoringEngine

    /// Answers the monitoring paths; nil for everything else.
    func handle(_ request: APIRequest) async -> APIResponse? {
        let path = request.path.hasSuffix("/") && request.path.count > 1 ? String(request.path.dropLast()) : request.path
        switch (request.method, path) {
        case ("GET", "/monitoring/health"):
            return Self.json(200, engine.health(tenant: nil) ?? .object(JSONObject()))
        case ("GET", _) where path.hasPrefix("/monitoring/tenant/"):
            let tenant = String(path.dropFirst("/monitoring/tenant/".count))
            guard let health = engine.health(tenant: tenant) else {
                return Self.error(404, "tenant not found", "no service carries the label ecp-ai.io/tenant-id=\(tenant)")
            }
            return Self.json(200, health)
        case ("GET", "/sla/status"):
            let tenant = request.queryValue("tenant_id")
            guard let sla = engine.sla(tenant: tenant) else {
                return Self.error(404, "tenant not found", "no service carries the label ecp-ai.io/tenant-id=\(tenant ?? "")")
            }
            return Self.json(200, sla)
        case ("GET", _) where MonitoringWebSocket.tenant(path: path) != nil:
            // Only a request the WebSocket upgrade turned down gets here.
            guard MonitoringWebSocket.interval(request.queryValue("interval")) != nil else {
                return Self.error(400, "invalid interval", "interval must be a number of seconds between "
                    + "\(MonitoringWebSocket.intervalRange.lowerBound) and \(MonitoringWebSocket.intervalRange.upperBound)")
            }
            return Self.error(426, "upgrade required", "\(path) is a WebSocket endpoint: connect with Upgrade: websocket")
        case ("GET", "/simulator/incidents"):
            return Self.json(200, engine.incidents())
        case ("POST", "/simulator/incidents"):
            guard let body = try? JSONParser.parse(request.body), let type = body["type"]?.stringValue else {
                return Self.error(400, "invalid incident", "the body must be a JSON object with a \"type\"")
            }
            do {
                let incident = try await engine.inject(
                    type: type, target: body["target"]?.stringValue ?? "",
                    durationSeconds: body["duration_seconds"]?.doubleValue ?? 60, severity: body["severity"]?.doubleValue)
                return Self.json(201, incident)
            } catch {
                return Self.error(error.code, "incident not injected", error.message)
            }
        default:
            return nil
        }
    }

    /// The paths `handle` may answer (for choosing the error shape before a request is read).
    static func serves(path: String) -> Bool {
        ["/monitoring", "/sla", "/simulator", "/ws"].contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    static func json(_ status: Int, _ body: JSON) -> APIResponse {
        APIResponse(status: status, body: .bytes(body.serialized()))
    }

    /// ECP-AI's error shape: `{"status":"error","message":…,"detail":…}`.
    static func error(_ status: Int, _ message: String, _ detail: String) -> APIResponse {
        json(status, ["status": "error", "message": .string(message), "detail": .string(detail)])
    }
}

/// Samples the monitoring model on the simulated clock until shutdown.

struct MonitoringService: Service {
    let engine: MonitoringEngine

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await engine.run()
        }
    }
}

/// The monitoring engine's own listener (`--monitoring-port`, 6381): the monitoring and SLA endpoints and
/// `/metrics` in Prometheus text, per workload and per pod, after the API server's own gauges.
struct MonitoringResponder: HTTPResponder {
    let routes: MonitoringRoutes
    let api: KubeAPIServer
    let webSockets: WebSocketCounter

    func respond(to request: Request, context: KubeRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await answer(to: request)
        api.requestMetrics.record(request: nil, response: nil, method: request.method.rawValue, path: request.uri.path,
                                  status: response.status.code, started: started, registry: api.registry)
        return response
    }

    func answer(to request: Request) async throws -> Response {
        var hummingbirdRequest = request
        let body = (try? await hummingbirdRequest.collectBody(upTo: 1 << 20)).map { Array($0.readableBytesView) } ?? []
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let apiRequest = APIRequest(method: request.method.rawValue, path: request.uri.path,
                                    query: request.uri.query.map { APIRequest.parseQuery($0) } ?? [], headers: headers, body: body)
        if let answer = await routes.handle(apiRequest) {
            return KubeResponder.response(answer, request: hummingbirdRequest)
        }
        switch apiRequest.path {
        case "/metrics":
            let store = await api.handle(APIRequest(method: "GET", path: "/metrics"))
            let text = String(decoding: store.bodyBytes, as: UTF8.self) + webSockets.prometheus() + routes.engine.prometheus()
            return KubeResponder.response(APIResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                                      body: .bytes(Array(text.utf8))), request: hummingbirdRequest)
        case "/healthz", "/livez", "/readyz":
            return KubeResponder.response(.text(200, "ok"), request: hummingbirdRequest)
        default:
            return KubeResponder.response(MonitoringRoutes.error(404, "not found", "no monitoring endpoint at \(apiRequest.path)"),
                                          request: hummingbirdRequest)
        }
    }
}

/// The monitoring engine feeds `metrics.k8s.io`.
extension MonitoringEngine: MetricsSource {}
