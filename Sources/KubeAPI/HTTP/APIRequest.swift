/// A request as the API layer sees it, independent of the HTTP server that received it, so in-process
/// clients (controllers, the ECP-AI adapter) go through exactly the same code as kubectl.
public struct APIRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [(name: String, value: String)]
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]
    public var user: UserInfo

    public init(method: String, path: String, query: [(name: String, value: String)] = [], headers: [String: String] = [:],
                body: [UInt8] = [], user: UserInfo = .anonymousAdmin)
    {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.user = user
    }

    /// Splits `path?query` and decodes the query string.
    public init(method: String, target: String, headers: [String: String] = [:], body: [UInt8] = [],
                user: UserInfo = .anonymousAdmin)
    {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.init(method: method, path: String(parts[0]), query: parts.count > 1 ? Self.parseQuery(String(parts[1])) : [],
                  headers: headers, body: body, user: user)
    }

    public func queryValue(_ name: String) -> String? {
        query.last { $0.name == name }?.value
    }

    public func header(_ name: String) -> String? { headers[name] }

    public static func parseQuery(_ string: String) -> [(name: String, value: String)] {
        string.split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (percentDecode(kv[0]), kv.count > 1 ? percentDecode(kv[1]) : "")
        }
    }

    static func percentDecode<S: StringProtocol>(_ s: S) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(s.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                      let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Who is asking. The plain port serves everyone as an administrator, as a demo cluster should.
public struct UserInfo: Sendable, Equatable {
    public var name: String
    public var groups: [String]
    public init(name: String, groups: [String]) {
        self.name = name
        self.groups = groups
    }
    public static let anonymousAdmin = UserInfo(name: "system:admin", groups: ["system:masters", "system:authenticated"])
}

/// A streamed response body (watch, follow logs): written chunk by chunk until it ends or the client leaves.
public protocol StreamingBody: Sendable {
    /// Produces the body; each call of `write` is flushed to the client.
    func run(write: (_ bytes: [UInt8]) async throws -> Void) async throws
    /// The client went away: stop at once.
    func cancel()
}

public struct APIResponse: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        case stream(any StreamingBody)
    }

    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Body
    /// The resource request this answers, when the API routed it to a served resource (for request metrics,
    /// so the listener need not parse the path again).
    public var requestInfo: RequestInfo?

    public init(status: Int, contentType: String = "application/json", headers: [(name: String, value: String)] = [],
                body: Body)
    {
        self.status = status
        self.headers = [("Content-Type", contentType)] + headers
        self.body = body
    }

    public var bodyBytes: [UInt8] {
        if case .bytes(let b) = body { return b }
        return []
    }

    public static func json(_ status: Int, _ bytes: [UInt8]) -> APIResponse {
        APIResponse(status: status, body: .bytes(bytes))
    }

    public static func error(_ error: APIError) -> APIResponse {
        APIResponse(status: error.code, body: .bytes(error.status.serialized()))
    }

    public static func text(_ status: Int, _ text: String) -> APIResponse {
        APIResponse(status: status, contentType: "text/plain; charset=utf-8", body: .bytes(Array(text.utf8)))
    }
}
