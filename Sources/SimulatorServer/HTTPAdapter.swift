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
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = field.value
        }
        var body: [UInt8] = []
        var hummingbirdRequest = request
        do {
            let buffer = try await hummingbirdRequest.collectBody(upTo: KubeAPIServer.maxBodySize)
            body = Array(buffer.readableBytesView)
        } catch {
            return Self.response(.error(.tooLarge(limit: KubeAPIServer.maxBodySize)), request: request)
        }
        var user = UserInfo.anonymousAdmin
        if let authenticator {
            let certificate = try? await context.channel.nioSSL_peerCertificate().get()
            guard let authenticated = authenticator.authenticate(authorization: headers["authorization"],
                                                                 peerCertificate: certificate) else {
                let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")
                return Self.response(.error(unauthorized), request: hummingbirdRequest)
            }
            user = authenticated
        }
        let apiRequest = APIRequest(
            method: request.method.rawValue, path: request.uri.path,
            query: request.uri.query.map { APIRequest.parseQuery($0) } ?? [],
            headers: headers, body: body, user: user)
        if let monitoring, let answer = await monitoring.handle(apiRequest) {
            return Self.response(answer, request: hummingbirdRequest)
        }
        if let ecp, ECPCompatHandler.serves(path: apiRequest.path) {
            return Self.response(await ecp.handle(apiRequest), request: hummingbirdRequest)
        }
        let response = await api.handle(apiRequest)
        return Self.response(response, request: hummingbirdRequest)
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
