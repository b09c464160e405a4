import KubeAPI
import KubeJSON

/// An ECP-AI error: a non-2xx status with `{"status":"error","message":…,"detail":…}`. The guide's client calls
/// `raise_for_status()` and its debugging code reads `status` and `message`, so every failure has this shape,
/// including the Kubernetes errors it wraps.
public struct ECPError: Error, Sendable {
    public var code: Int
    public var message: String
    public var detail: String
    /// Extra members (parse errors carry `errors`).
    public var extra: JSONObject

    public init(code: Int, message: String, detail: String = "", extra: JSONObject = JSONObject()) {
        self.code = code
        self.message = message
        self.detail = detail
        self.extra = extra
    }

    public static func badRequest(_ message: String, detail: String = "") -> ECPError {
        ECPError(code: 400, message: message, detail: detail)
    }

    public static func notFound(_ message: String, detail: String = "") -> ECPError {
        ECPError(code: 404, message: message, detail: detail)
    }

    /// A Kubernetes `Status` error as ECP-AI sees it: same code, the reason as the short message, the API's
    /// message as the detail (that is the text kubectl would print).
    public static func from(_ error: APIError) -> ECPError {
        ECPError(code: error.code, message: error.reason.isEmpty ? "Kubernetes API error" : error.reason, detail: error.message)
    }

    public var json: JSON {
        var object: JSONObject = ["status": "error", "message": .string(message), "detail": .string(detail)]
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }

    public var response: APIResponse { .json(code, json.serialized()) }
}

extension APIResponse {
    /// A JSON document with the given status.
    static func ecp(_ status: Int, _ body: JSON) -> APIResponse {
        .json(status, body.serialized())
    }
}
