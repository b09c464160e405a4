import KubeJSON
import KubeStore

/// A failed request, carried to the client as a `Status` object (kube-apiserver's StatusError).
public struct APIError: Error, Sendable {
    public var code: Int
    public var reason: String
    public var message: String
    public var details: JSON?

    public init(code: Int, reason: String, message: String, details: JSON? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    /// The `Status` body.
    public var status: JSON {
        var object: JSONObject = [
            "kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()),
            "status": "Failure", "message": .string(message), "reason": .string(reason),
        ]
        if let details { object["details"] = details }
        object["code"] = .int(Int64(code))
        return .object(object)
    }

    static func details(_ resource: GroupResource, name: String?, causes: [JSON] = []) -> JSON {
        var d = JSONObject()
        if let name, !name.isEmpty { d["name"] = .string(name) }
        if !resource.group.isEmpty { d["group"] = .string(resource.group) }
        d["kind"] = .string(resource.resource)
        if !causes.isEmpty { d["causes"] = .array(causes) }
        return .object(d)
    }

    public static func notFound(_ resource: GroupResource, _ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(resource) \"\(name)\" not found",
                 details: details(resource, name: name))
    }
    public static func alreadyExists(_ resource: GroupResource, _ name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(resource) \"\(name)\" already exists",
                 details: details(resource, name: name))
    }
    public static func conflict(_ resource: GroupResource, _ name: String, _ why: String) -> APIError {
        APIError(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on \(resource) \"\(name)\": \(why)",
                 details: details(resource, name: name))
    }
    public static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }
    public static func forbidden(_ resource: GroupResource, _ name: String, _ why: String) -> APIError {
        let target = name.isEmpty ? "\(resource)" : "\(resource) \"\(name)\""
        return APIError(code: 403, reason: "Forbidden", message: "\(target) is forbidden: \(why)",
                        details: details(resource, name: name))
    }
    public static func methodNotSupported(_ resource: GroupResource, _ verb: String) -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: "\(verb) is not supported on resources of kind \"\(resource)\"",
                 details: details(resource, name: nil))
    }
    public static func unsupportedMediaType(_ contentType: String, accepted: [String]) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType",
                 message: "the body of the request was in an unknown format - accepted media types include: "
                    + accepted.joined(separator: ", "))
    }
    public static func notFoundPath() -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
                 details: .object(["causes": [["reason": "UnexpectedServerResponse", "message": "404 page not found"]]]))
    }
    public static func tooLarge(limit: Int) -> APIError {
        APIError(code: 413, reason: "RequestEntityTooLarge", message: "Request entity too large: limit is \(limit)")
    }
    public static func internalError(_ message: String) -> APIError {
        APIError(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)",
                 details: .object(["causes": [["message": .string(message)]]]))
    }
    public static func expired(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }
    public static func timeout(_ message: String) -> APIError {
        APIError(code: 504, reason: "Timeout", message: message, details: .object(["retryAfterSeconds": 1]))
    }
    /// 422 with one cause per bad field, as kube-apiserver's NewInvalid.
    public static func invalid(kind: String, group: String, name: String, _ errors: [FieldError]) -> APIError {
        let qualified = group.isEmpty ? kind : "\(kind).\(group)"
        let messages = errors.map(\.message)
        let summary = messages.count == 1 ? messages[0] : "[" + messages.joined(separator: ", ") + "]"
        let causes: [JSON] = errors.map { error in
            var cause: JSONObject = ["reason": .string(error.kind.rawValue), "message": .string(
                error.message.hasPrefix(error.field + ": ") ? String(error.message.dropFirst(error.field.count + 2)) : error.message)]
            cause["field"] = .string(error.field)
            return .object(cause)
        }
        var d = JSONObject()
        if !name.isEmpty { d["name"] = .string(name) }
        if !group.isEmpty { d["group"] = .string(group) }
        d["kind"] = .string(kind)
        d["causes"] = .array(causes)
        return APIError(code: 422, reason: "Invalid", message: "\(qualified) \"\(name)\" is invalid: \(summary)",
                        details: .object(d))
    }

    /// Maps store failures to what kube-apiserver answers for them.
    static func from(_ error: StoreError, resource: GroupResource) -> APIError {
        switch error {
        case .notFound(let key): return .notFound(resource, key.name)
        case .alreadyExists(let key): return .alreadyExists(resource, key.name)
        case .conflict(let key, _):
            return .conflict(resource, key.name, "the object has been modified; please apply your changes to the latest version and try again")
        case .expired(let requested, _):
            return .expired("too old resource version: \(requested)")
        case .tooLargeRevision(let requested, let current):
            return .timeout("Too large resource version: \(requested), current: \(current)")
        case .unavailable(let why):
            return APIError(code: 503, reason: "ServiceUnavailable", message: "the store is unavailable: \(why)")
        }
    }
}

/// A resource with its group, printed as kube-apiserver prints it in messages: `pods`, `deployments.apps`.
public struct GroupResource: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var resource: String
    public init(group: String, resource: String) {
        self.group = group
        self.resource = resource
    }
    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }
}
