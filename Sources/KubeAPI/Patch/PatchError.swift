import KubeJSON

/// Why a patch could not be applied, shaped the way kube-apiserver answers it.
///
/// kube-apiserver does not give every patch failure the same treatment, so neither do we:
/// - 400 `BadRequest`: the patch document itself is malformed (not decodable, bad directive format).
///   The engine's text becomes the Status message.
/// - 422 `Invalid`: the patch is well formed but cannot be applied (failed `test`, missing path,
///   lists of lists). kube-apiserver builds these with `NewGenericServerResponse`, which replaces the
///   engine's text with a fixed sentence and keeps no cause, so clients only ever see `message`.
/// - 413 `RequestEntityTooLarge`: a JSON patch with more operations than kube-apiserver accepts.
/// - 500 with an empty reason: strategic-merge failures apimachinery returns as plain Go errors
///   (a list element without its merge key, an unknown `$patch` value). kube-apiserver's
///   `ErrorToAPIStatus` turns those into an InternalServerError whose message is the Go error text,
///   which kubectl prints as `Error from server: <message>`.
public struct PatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status code, also the Status `code`.
    public var code: Int
    /// The Status `reason` (`BadRequest`, `Invalid`, `RequestEntityTooLarge`, or empty for Unknown).
    public var reason: String
    /// The Status `message` exactly as kube-apiserver sends it.
    public var message: String
    /// What the patch engine itself reported; equal to `message` except for 413 and 422, where
    /// kube-apiserver hides it. Meant for logs and tests, not for the wire.
    public var detail: String

    public init(code: Int, reason: String, message: String, detail: String) {
        self.code = code
        self.reason = reason
        self.message = message
        self.detail = detail
    }

    public var description: String { "\(code) \(reason.isEmpty ? "Unknown" : reason): \(detail)" }

    /// The text `NewGenericServerResponse` puts in place of the real cause for a 422.
    public static let unprocessableMessage = "the server rejected our request due to an error in our request"

    public static func badRequest(_ text: String) -> PatchError {
        PatchError(code: 400, reason: "BadRequest", message: text, detail: text)
    }

    public static func unprocessable(_ detail: String) -> PatchError {
        PatchError(code: 422, reason: "Invalid", message: unprocessableMessage, detail: detail)
    }

    public static func requestEntityTooLarge(_ text: String) -> PatchError {
        PatchError(code: 413, reason: "RequestEntityTooLarge", message: "Request entity too large: \(text)", detail: text)
    }

    /// A plain Go error surfacing through `ErrorToAPIStatus`: 500 with reason Unknown (empty).
    public static func unknown(_ text: String) -> PatchError {
        PatchError(code: 500, reason: "", message: text, detail: text)
    }
}

// MARK: - Go formatting

/// apimachinery's error texts embed values printed with Go's `%v` and type names from `reflect`;
/// kubectl users search for those exact strings, so we render values the same way.
enum PatchGoFormat {
    /// `%v` of a value decoded into `interface{}`: maps as `map[k:v]` with sorted keys, slices as `[a b]`.
    static func value(_ value: JSON?) -> String {
        guard let value else { return "<nil>" }
        switch value {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return float(d)
        case .string(let s): return s
        case .array(let items): return "[" + items.map { Self.value($0) }.joined(separator: " ") + "]"
        case .object(let object):
            let sorted = object.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            return "map[" + sorted.map { "\($0.key):\(Self.value($0.value))" }.joined(separator: " ") + "]"
        }
    }

    /// `%s` of an interface value: strings bare, anything else flagged the way fmt does.
    static func verbS(_ value: JSON?) -> String {
        guard let value else { return "%!s(<nil>)" }
        switch value {
        case .string(let s): return s
        case .null: return "%!s(<nil>)"
        case .bool(let b): return "%!s(bool=\(b))"
        case .int(let i): return "%!s(int64=\(i))"
        case .double(let d): return "%!s(float64=\(float(d)))"
        case .array, .object: return Self.value(value)
        }
    }

    /// The `reflect.Type` name of a decoded JSON value, as `ErrBadArgType` prints it.
    static func typeName(_ value: JSON?) -> String {
        guard let value else { return "%!s(<nil>)" }
        switch value {
        case .null: return "%!s(<nil>)"
        case .bool: return "bool"
        case .int: return "int64"
        case .double: return "float64"
        case .string: return "string"
        case .array: return "[]interface {}"
        case .object: return "map[string]interface {}"
        }
    }

    /// The JSON kind `encoding/json` names in an `UnmarshalTypeError`.
    static func jsonKind(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// `strconv.FormatFloat(d, 'g', -1, 64)`, which is what `%v` prints for a float64.
    static func float(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        // Swift's description is also the shortest round-tripping form; only the layout differs.
        var text = "\(abs(d))"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let integer = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = integer + fraction
        var pointPosition = integer.count + exponent  // decimal point after this many digits
        while digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        if digits.isEmpty { return "0" }
        let sign = d < 0 ? "-" : ""
        let scientificExponent = pointPosition - 1
        // Shortest formatting switches to %e outside [1e-4, 1e6), as Go decides with precision 6.
        if scientificExponent < -4 || scientificExponent >= 6 {
            var mantissa = String(digits.first!)
            if digits.count > 1 { mantissa += "." + digits.dropFirst() }
            let magnitude = abs(scientificExponent)
            let expText = magnitude < 10 ? "0\(magnitude)" : "\(magnitude)"
            return sign + mantissa + "e" + (scientificExponent < 0 ? "-" : "+") + expText
        }
        if pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
        }
        if pointPosition >= digits.count {
            return sign + digits + String(repeating: "0", count: pointPosition - digits.count)
        }
        let split = digits.index(digits.startIndex, offsetBy: pointPosition)
        return sign + digits[..<split] + "." + digits[split...]
    }

    /// Go's `==` on two `interface{}` values holding decoded JSON: same dynamic type and value.
    /// int64 and float64 never compare equal; composite values (which would panic in Go) never match.
    static func scalarEqual(_ lhs: JSON?, _ rhs: JSON?) -> Bool {
        switch (normalized(lhs), normalized(rhs)) {
        case (nil, nil): return true
        case let (.bool(a)?, .bool(b)?): return a == b
        case let (.int(a)?, .int(b)?): return a == b
        case let (.double(a)?, .double(b)?): return a == b
        case let (.string(a)?, .string(b)?): return a == b
        default: return false
        }
    }

    /// A JSON null and an absent map entry are both a nil `interface{}` in Go.
    private static func normalized(_ value: JSON?) -> JSON? {
        if case .null? = value { return nil }
        return value
    }
}
