import Hummingbird
import HummingbirdCore
import HTTPTypes
import ECPCompat
import KubeAPI
import NIOCore
import NIOSSL

/// A request context that keeps the connection's channel, where TLS puts the client certificate.
struct KubeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    var maxUploadSize: Int { KubeAPIServer.maxBodySize }
}

/// Bridges Hummingbird requests to the transport-free API layer and its responses back, streaming watch bodies
/// chunk by chunk and cancelling them the moment the client disconnects.
struct KubeResponder: HTTPResponder {
    let api: KubeAPIServer
    /// Set on the TLS port; the plain port serves everyone as an administrator.
    let authenticator: Authenticator?
    /// The ECP-AI monitoring endpoints, served beside the Kubernetes API on the plain port.
    var monitoring: MonitoringRoutes? = nil
    /// The ECP-AI manifest and resource endpoints, also on the plain port only.
    var ecp: ECPCompatHandler? = nil

    func respond(to request: Request, context: KubeRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        var request = request
        let (response, apiRequest) = try await answer(&request, context: context)
        api.requestMetrics.record(request: apiRequest, response: response, method: request.method.rawValue,
                                  path: request.uri.path, status: response.status, started: started, registry: api.registry)
        return Self.response(response, request: request)
    }

    /// The answer, and the request as the API layer saw it; `request` comes back with its body collected, so
    /// a streamed answer can watch the connection for the client's disconnect.
    private func answer(_ request: inout Request, context: KubeRequestContext) async throws -> (APIResponse, APIRequest?) {
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = field.value
        }
        var body: [UInt8] = []
        do {
            let buffer = try await request.collectBody(upTo: KubeAPIServer.maxBodySize)
            body = Array(buffer.readableBytesView)
        } catch {
            let limit = KubeAPIServer.maxBodySize
            // The ECP-AI and monitoring endpoints answer in their own error shape, the Kubernetes API with a Status.
            if ecp != nil, ECPCompatHandler.serves(path: request.uri.path) || MonitoringRoutes.serves(path: request.uri.path) {
                return (MonitoringRoutes.error(413, "request body too large", "the limit is \(limit) bytes (3 MiB)"), nil)
            }
            return (.error(.tooLarge(limit: limit)), nil)
        }
        var user = UserInfo.anonymousAdmin
        if let authenticator {
            let certificate = try? await context.channel.nioSSL_peerCertificate().get()
            guard let authenticated = authenticator.authenticate(authorization: headers["authorization"],
                                                                 peerCertificate: certificate) else {
                let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")
                return (.error(unauthorized), nil)
            }
            user = authenticated
        }
        let apiRequest = APIRequest(
            method: request.method.rawValue, path: request.uri.path,
            query: request.uri.query.map { APIRequest.parseQuery($0) } ?? [],
            headers: headers, body: body, user: user)
        if let monitoring, let answer = await monitoring.handle(apiRequest) {
            return (answer, apiRequest)
        }
        if let ecp, ECPCompatHandler.serves(path: apiRequest.path) {
            return (await ecp.handle(apiRequest), apiRequest)
        }
        return (await api.handle(apiRequest), apiRequest)
    }

    static func response(_ response: APIResponse, request: Request) -> Response {
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        let status = HTTPResponse.Status(code: response.status)
        switch response.body {
        case .bytes(let bytes):
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .stream(let stream):
            let body = ResponseBody { writer in
                try await request.body.consumeWithInboundCloseHandler { _ in
                    try await stream.run { bytes in
                        try await writer.write(ByteBuffer(bytes: bytes))
                    }
                } onInboundClosed: {
                    stream.cancel()
                }
                try await writer.finish(nil)
            }
            return Response(status: status, headers: fields, body: body)
        }
    }
}

extension RequestMetrics {
    /// Records one answered request; streamed answers (watches, followed logs) count without a duration. The
    /// path is parsed here only when the API did not route it to a resource (errors, other endpoints).
    func record(request: APIRequest?, response: APIResponse?, method: String, path: String, status: Int,
                started: ContinuousClock.Instant, registry: ResourceRegistry)
    {
        let elapsed = ContinuousClock.now - started
        let info: RequestInfo?
        let known: Bool
        if let routed = response?.requestInfo {
            (info, known) = (routed, true)
        } else {
            let watch = request?.queryValue("watch").map { $0 == "true" || $0 == "1" } ?? false
            info = RequestInfo.parse(method: method, path: path, watchParam: watch)
            known = info.map { registry.lookup(group: $0.group, version: $0.version, resource: $0.resource) != nil } ?? false
        }
        let longRunning = info?.verb == "watch" || (info?.subresource == "log" && request?.queryValue("follow") == "true")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        record(info: info, known: known, endpoint: info == nil ? RequestMetrics.endpoint(path: path) : nil, method: method,
               status: status, seconds: longRunning ? nil : seconds)
    }
}
