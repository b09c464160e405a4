import KubeJSON

/// A compiled `openAPIV3Schema` of a CustomResourceDefinition version.
///
/// It is built once per CRD version (when the CRD is created or changed) and then shared by every request for
/// that resource, so everything that costs something per request — regexes, property lookups, number
/// conversions — is done here. Compiling never fails: a schema that is not structural still compiles, and
/// `CRDValidation` reports what is wrong with it, as apiextensions-apiserver does.
///
/// Nested `allOf`/`anyOf`/`oneOf`/`not` schemas are compiled into the same type; they only ever take part in
/// validation, never in pruning or defaulting (those follow the structural part alone, as upstream).
public final class StructuralSchema: Sendable {
    public enum AdditionalProperties: Sendable {
        /// `additionalProperties: true` or `false`.
        case allowed(Bool)
        case schema(StructuralSchema)

        public var schema: StructuralSchema? {
            if case .schema(let s) = self { return s }
            return nil
        }
        /// False only for `additionalProperties: false`.
        public var allows: Bool {
            if case .allowed(let b) = self { return b }
            return true
        }
    }

    /// The schema exactly as written in the CRD.
    public let source: JSON

    /// `type` as written (nil when absent). May hold an invalid type name; `CRDValidation` rejects those.
    public let type: String?
    public let format: String?
    public let title: String?
    public let description: String?
    public let nullable: Bool
    /// The `default`, or nil when there is none. `default: null` counts as none, as upstream.
    public let defaultValue: JSON?

    /// Properties in the order the CRD declares them.
    public let propertyNames: [String]
    public let properties: [String: StructuralSchema]
    public let additionalProperties: AdditionalProperties?
    public let items: StructuralSchema?
    /// `items` given as an array of schemas, which CRDs do not support.
    public let itemsIsArray: Bool

    public let required: [String]
    public let enumValues: [JSON]?
    public let pattern: SchemaPattern?
    public let maximum: Double?
    public let exclusiveMaximum: Bool
    public let minimum: Double?
    public let exclusiveMinimum: Bool
    public let multipleOf: Double?
    public let maxLength: Int64?
    public let minLength: Int64?
    public let maxItems: Int64?
    public let minItems: Int64?
    public let uniqueItems: Bool
    public let maxProperties: Int64?
    public let minProperties: Int64?

    public let allOf: [StructuralSchema]
    public let anyOf: [StructuralSchema]
    public let oneOf: [StructuralSchema]
    public let not: StructuralSchema?

    /// `x-kubernetes-preserve-unknown-fields` as written (false is invalid but is kept so it can be reported).
    public let preserveUnknownFieldsValue: Bool?
    public var preserveUnknownFields: Bool { preserveUnknownFieldsValue == true }
    public let intOrString: Bool
    public let embeddedResource: Bool
    public let listType: String?
    public let listMapKeys: [String]
    public let mapType: String?

    /// The format the validator checks: apiextensions drops formats it does not support, so an unknown one
    /// (or one on the wrong type) validates nothing.
    public let validatedFormat: String?

    public convenience init(json: JSON) {
        self.init(compiling: json)
    }

    /// Compiles `json` (an `openAPIV3Schema`). Anything that is not an object compiles to the empty schema.
    public static func compile(_ json: JSON) -> StructuralSchema {
        StructuralSchema(compiling: json)
    }

    private init(compiling json: JSON) {
        source = json
        let o = json.objectValue ?? JSONObject()

        type = o["type"]?.stringValue
        format = o["format"]?.stringValue
        title = o["title"]?.stringValue
        description = o["description"]?.stringValue
        nullable = o["nullable"]?.boolValue ?? false
        if let d = o["default"], !d.isNull { defaultValue = d } else { defaultValue = nil }

        var names: [String] = []
        var props: [String: StructuralSchema] = [:]
        if let p = o["properties"]?.objectValue {
            for (name, sub) in p where props[name] == nil {
                names.append(name)
                props[name] = StructuralSchema(compiling: sub)
            }
        }
        propertyNames = names
        properties = props

        switch o["additionalProperties"] {
        case .bool(let b)?: additionalProperties = .allowed(b)
        case .object?: additionalProperties = .schema(StructuralSchema(compiling: o["additionalProperties"]!))
        default: additionalProperties = nil
        }

        switch o["items"] {
        case .object?:
            items = StructuralSchema(compiling: o["items"]!)
            itemsIsArray = false
        case .array(let list)?:
            // go-openapi treats a one-element array like the schema itself; CRD validation still forbids it.
            items = list.count == 1 ? StructuralSchema(compiling: list[0]) : nil
            itemsIsArray = true
        default:
            items = nil
            itemsIsArray = false
        }

        required = (o["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        enumValues = o["enum"]?.arrayValue
        pattern = o["pattern"]?.stringValue.map(SchemaPattern.init)
        maximum = o["maximum"]?.doubleValue
        exclusiveMaximum = o["exclusiveMaximum"]?.boolValue ?? false
        minimum = o["minimum"]?.doubleValue
        exclusiveMinimum = o["exclusiveMinimum"]?.boolValue ?? false
        multipleOf = o["multipleOf"]?.doubleValue
        maxLength = o["maxLength"]?.intValue
        minLength = o["minLength"]?.intValue
        maxItems = o["maxItems"]?.intValue
        minItems = o["minItems"]?.intValue
        uniqueItems = o["uniqueItems"]?.boolValue ?? false
        maxProperties = o["maxProperties"]?.intValue
        minProperties = o["minProperties"]?.intValue

        allOf = (o["allOf"]?.arrayValue ?? []).map { StructuralSchema(compiling: $0) }
        anyOf = (o["anyOf"]?.arrayValue ?? []).map { StructuralSchema(compiling: $0) }
        oneOf = (o["oneOf"]?.arrayValue ?? []).map { StructuralSchema(compiling: $0) }
        not = o["not"].flatMap { $0.isObject ? StructuralSchema(compiling: $0) : nil }

        preserveUnknownFieldsValue = o["x-kubernetes-preserve-unknown-fields"]?.boolValue
        intOrString = o["x-kubernetes-int-or-string"]?.boolValue ?? false
        embeddedResource = o["x-kubernetes-embedded-resource"]?.boolValue ?? false
        listType = o["x-kubernetes-list-type"]?.stringValue
        listMapKeys = (o["x-kubernetes-list-map-keys"]?.arrayValue ?? []).compactMap(\.stringValue)
        mapType = o["x-kubernetes-map-type"]?.stringValue

        validatedFormat = Self.supportedFormat(format, type: intOrString ? nil : type)
    }

    /// The formats apiextensions keeps for validation (`StripUnsupportedFormatsPostProcess`); others are ignored.
    private static func supportedFormat(_ format: String?, type: String?) -> String? {
        guard let format, !format.isEmpty else { return nil }
        switch type ?? "" {
        case "", "string":
            let normalized = format.filter { $0 != "-" }
            return SchemaFormats.supported.contains(normalized) ? format : nil
        case "integer":
            return format == "int32" || format == "int64" ? format : nil
        case "number":
            return format == "float" || format == "double" ? format : nil
        default:
            return nil
        }
    }

    /// The types a value of this schema may have, as kube-openapi joins them in messages ("integer,string").
    var typeList: [String] {
        if intOrString { return ["integer", "string"] }
        if let type, !type.isEmpty { return [type] }
        return []
    }

    /// The schema that applies to member `key` of an object: its property, else `additionalProperties`.
    public func schema(forField key: String) -> StructuralSchema? {
        if let p = properties[key] { return p }
        return additionalProperties?.schema
    }

    /// True when `key` is declared or covered by `additionalProperties` (a schema or `true`).
    func knowsField(_ key: String) -> Bool {
        properties[key] != nil || additionalProperties != nil
    }
}

/// A `pattern`, compiled once. Kubernetes patterns are RE2 syntax; Swift's regex syntax accepts nearly all
/// of what CRDs use. An invalid pattern is kept with its error so validation can say so, as upstream does.
public struct SchemaPattern: Sendable {
    public let source: String
    public let error: String?
    private let box: RegexBox?

    public init(_ source: String) {
        self.source = source
        do {
            box = RegexBox(try Regex(source))
            error = nil
        } catch {
            box = nil
            self.error = "\(error)"
        }
    }

    public var isValid: Bool { box != nil }

    /// Unanchored search, like Go's `MatchString`.
    public func matches(_ string: String) -> Bool {
        guard let box else { return false }
        return string.contains(box.regex)
    }

    public func wholeMatches(_ string: String) -> Bool {
        guard let box else { return false }
        return string.wholeMatch(of: box.regex) != nil
    }
}

/// `Regex` is not declared `Sendable`, but matching only reads it: its compiled program is created once and
/// published atomically. Schemas are shared across requests, so the regex is boxed and vouched for here.
final class RegexBox: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>
    init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }
}
