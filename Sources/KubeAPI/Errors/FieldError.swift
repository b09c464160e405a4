import KubeJSON

/// One problem with one field, in the form kube-apiserver reports in `details.causes` of a 422 Invalid.
public struct FieldError: Error, Sendable, Equatable {
    public enum Kind: String, Sendable {
        case required = "FieldValueRequired"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case duplicate = "FieldValueDuplicate"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case typeInvalid = "FieldValueTypeInvalid"
        case notFound = "FieldValueNotFound"

        /// The words kube-apiserver puts after the field path.
        var phrase: String {
            switch self {
            case .required: return "Required value"
            case .invalid: return "Invalid value"
            case .notSupported: return "Unsupported value"
            case .duplicate: return "Duplicate value"
            case .forbidden: return "Forbidden"
            case .tooLong: return "Too long"
            case .tooMany: return "Too many"
            case .typeInvalid: return "Invalid value"
            case .notFound: return "Not found"
            }
        }
    }

    public var kind: Kind
    /// The path as Kubernetes prints it: `spec.containers[0].name`, `metadata.labels[app]`.
    public var field: String
    /// The offending value, already rendered (strings quoted), or nil where the message shows none.
    public var value: String?
    public var detail: String

    public init(_ kind: Kind, _ field: String, value: String? = nil, _ detail: String = "") {
        self.kind = kind
        self.field = field
        self.value = value
        self.detail = detail
    }

    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(.required, field, detail)
    }
    public static func invalid(_ field: String, _ value: JSON?, _ detail: String) -> FieldError {
        FieldError(.invalid, field, value: value.map(render), detail)
    }
    public static func invalid(_ field: String, _ value: String, _ detail: String) -> FieldError {
        FieldError(.invalid, field, value: render(.string(value)), detail)
    }
    public static func notSupported(_ field: String, _ value: JSON?, _ supported: [String]) -> FieldError {
        let list = supported.map { "\"\($0)\"" }.joined(separator: ", ")
        return FieldError(.notSupported, field, value: value.map(render), supported.isEmpty ? "" : "supported values: \(list)")
    }
    public static func duplicate(_ field: String, _ value: JSON?) -> FieldError {
        FieldError(.duplicate, field, value: value.map(render), "")
    }
    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(.forbidden, field, detail)
    }
    public static func tooLong(_ field: String, _ maxLength: Int) -> FieldError {
        FieldError(.tooLong, field, "may not be more than \(maxLength) bytes")
    }

    /// `spec.replicas: Invalid value: -1: must be greater than or equal to 0`
    public var message: String {
        var text = "\(field): \(kind.phrase)"
        if let value { text += ": \(value)" }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }

    /// Renders a value as Go's field errors do: strings quoted, numbers and booleans bare, objects as `{…}`.
    public static func render(_ value: JSON) -> String {
        switch value {
        case .string(let s): return "\"\(s)\""
        case .int(let i): return String(i)
        case .double(let d): return "\(d)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array: return "[]"
        case .object: return "{}"
        }
    }
}

/// Builds Kubernetes field paths: `FieldPath("spec").child("containers").index(0).child("name")`.
public struct FieldPath: Sendable, CustomStringConvertible, Equatable {
    public private(set) var description: String

    public init(_ root: String) { description = root }

    public func child(_ name: String) -> FieldPath {
        FieldPath(description.isEmpty ? name : description + "." + name)
    }
    public func index(_ i: Int) -> FieldPath {
        FieldPath(description + "[\(i)]")
    }
    public func key(_ k: String) -> FieldPath {
        FieldPath(description + "[\(k)]")
    }
}
