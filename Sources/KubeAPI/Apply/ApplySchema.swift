import KubeJSON
import Synchronization

/// What server-side apply needs to know about a type: whether a value is a scalar, a list (atomic, a set, or a map
/// keyed by some fields of its items) or a map (with declared fields, an element type for other keys, granular or
/// atomic). It is structured-merge-diff's schema, built from the built-in OpenAPI data or from a CRD's structural
/// schema.
///
/// Nodes resolve lazily and are cached, because the built-in types are recursive (JSONSchemaProps) and most of a
/// schema is never visited by one object.
public final class ApplySchema: Sendable {
    public enum ListType: Sendable, Equatable {
        case atomic
        case set
        case map(keys: [String])
    }

    struct MapShape: Sendable {
        var fields: [String: ApplySchema]
        /// The type of keys that are not declared fields; nil leaves them untyped (deduced).
        var element: ApplySchema?
        var atomic: Bool
        /// The members Go's zero value of this struct carries: non-pointer structs (`nested`) and fields without
        /// `omitempty` (null). Update attribution compares a create against that zero value, as upstream.
        var zeroMembers: [(name: String, nested: Bool)] = []

        func child(_ name: String) -> ApplySchema {
            fields[name] ?? element ?? .deduced
        }

        func isNamed(_ name: String) -> Bool { fields[name] != nil }
    }

    enum Shape: Sendable {
        case scalar
        case list(element: ApplySchema, type: ListType)
        case map(MapShape)
        /// Type unknown: scalars are leaves, lists atomic, maps granular with deduced members.
        case deduced
    }

    /// The field's `default`, used when an item of a map list omits one of its key fields.
    let defaultValue: JSON?
    private let builder: @Sendable () -> Shape
    private let resolved = Mutex<Shape?>(nil)

    init(defaultValue: JSON? = nil, _ builder: @escaping @Sendable () -> Shape) {
        self.defaultValue = defaultValue
        self.builder = builder
    }

    convenience init(shape: Shape, defaultValue: JSON? = nil) {
        self.init(defaultValue: defaultValue) { shape }
    }

    var shape: Shape {
        if let shape = resolved.withLock({ $0 }) { return shape }
        // Built outside the lock: building may resolve other nodes, and a duplicate build is harmless.
        let shape = builder()
        resolved.withLock { $0 = shape }
        return shape
    }

    static let deduced = ApplySchema(shape: .deduced)
    static let scalar = ApplySchema(shape: .scalar)
    static let deducedMap = MapShape(fields: [:], element: .deduced, atomic: false)

    /// The schema of the child reached by `element`.
    func child(_ element: PathElement) -> ApplySchema {
        switch (shape, element.kind) {
        case (.map(let map), .field): return map.child(element.fieldName)
        case (.list(let item, _), .key), (.list(let item, _), .value), (.list(let item, _), .index): return item
        default: return .deduced
        }
    }

    /// Go's zero value of the type, as the apiserver's empty object converts to unstructured.
    func zeroValue() -> JSON {
        zeroValue(depth: 0)
    }

    private func zeroValue(depth: Int) -> JSON {
        guard case .map(let map) = shape, depth < 12 else { return .object(JSONObject()) }
        var object = JSONObject()
        for member in map.zeroMembers {
            object[member.name] = member.nested ? map.child(member.name).zeroValue(depth: depth + 1) : .null
        }
        return .object(object)
    }

    // MARK: Built-in kinds

    /// The schema of a built-in kind, or an untyped one (with ObjectMeta metadata) when we have no schema for it.
    public static func builtin(group: String, version: String, kind: String) -> ApplySchema {
        if let name = BuiltinSchemas.shared.schemaName(group: group, version: version, kind: kind) {
            return builtin(named: name)
        }
        return untypedObject
    }

    /// A named OpenAPI schema (`io.k8s.api.core.v1.Pod`), shared by every use.
    public static func builtin(named name: String) -> ApplySchema {
        BuiltinApplySchemas.shared.schema(named: name)
    }

    public static func forResource(_ type: ResourceType) -> ApplySchema {
        if let custom = type.custom { return custom.schema.map { ApplySchema.custom($0) } ?? untypedObject }
        return builtin(group: type.group, version: type.version, kind: type.kind)
    }

    static let objectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

    static var untypedObject: ApplySchema {
        ApplySchema(shape: .map(MapShape(fields: ["apiVersion": .scalar, "kind": .scalar, "metadata": builtin(named: objectMeta)],
                                         element: .deduced, atomic: false)))
    }

    private static func reference(_ schema: JSON) -> String? {
        let ref = schema["$ref"]?.stringValue ?? schema["allOf"]?.arrayValue?.first?["$ref"]?.stringValue
        return ref.map { String($0.split(separator: "/").last ?? "") }
    }

    private static func scalarDefault(_ schema: JSON) -> JSON? {
        switch schema["default"] {
        case .string?, .int?, .double?, .bool?: return schema["default"]
        default: return nil
        }
    }

    /// A property or item schema as written in the OpenAPI data. Map-type extensions at a `$ref` site override
    /// the referenced type's, as kube-openapi's conversion does.
    static func openAPI(_ schema: JSON) -> ApplySchema {
        let defaultValue = scalarDefault(schema)
        if let name = reference(schema) {
            let mapType = schema["x-kubernetes-map-type"]?.stringValue
            return ApplySchema(defaultValue: defaultValue) {
                var shape = builtin(named: name).shape
                if let mapType, case .map(var map) = shape {
                    map.atomic = mapType == "atomic"
                    shape = .map(map)
                }
                return shape
            }
        }
        return ApplySchema(defaultValue: defaultValue) { openAPIShape(schema) }
    }

    static func openAPIShape(_ schema: JSON) -> Shape {
        if schema["x-kubernetes-int-or-string"]?.boolValue == true { return .scalar }
        let type = schema["type"]?.stringValue
        if type == "array" || schema["items"] != nil {
            let item = schema["items"].map(openAPI) ?? .deduced
            return .list(element: item, type: openAPIListType(schema))
        }
        let atomic = schema["x-kubernetes-map-type"]?.stringValue == "atomic"
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        var element: ApplySchema?
        switch schema["additionalProperties"] {
        case .object?: element = openAPI(schema["additionalProperties"]!)
        case .bool(true)?: element = .deduced
        default: element = preserve ? .deduced : nil
        }
        if let properties = schema["properties"]?.objectValue {
            var fields: [String: ApplySchema] = [:]
            var zero: [(name: String, nested: Bool)] = []
            let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            for (name, property) in properties {
                fields[name] = openAPI(property)
                // kube-openapi marks non-pointer struct fields with `default: {}`.
                if property["default"]?.objectValue?.isEmpty == true, reference(property) != nil {
                    zero.append((name, true))
                } else if required.contains(name) {
                    zero.append((name, false))
                }
            }
            return .map(MapShape(fields: fields, element: element, atomic: atomic, zeroMembers: zero))
        }
        if let element {
            return .map(MapShape(fields: [:], element: element, atomic: atomic))
        }
        switch type {
        case "string", "integer", "number", "boolean": return .scalar
        default: return .deduced
        }
    }

    /// `x-kubernetes-list-type` when present, else what the strategic-merge metadata implies (structured-merge-diff's
    /// conversion): a merge key makes a map list, a merge strategy without one a set, anything else is atomic.
    static func openAPIListType(_ schema: JSON) -> ListType {
        switch schema["x-kubernetes-list-type"]?.stringValue {
        case "atomic"?: return .atomic
        case "set"?: return .set
        case "map"?:
            let keys = (schema["x-kubernetes-list-map-keys"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !keys.isEmpty { return .map(keys: keys) }
        default: break
        }
        let strategy = schema["x-kubernetes-patch-strategy"]?.stringValue ?? ""
        if strategy.split(separator: ",").contains("merge") {
            if let key = schema["x-kubernetes-patch-merge-key"]?.stringValue { return .map(keys: [key]) }
            return .set
        }
        return .atomic
    }

    // MARK: Custom resources

    /// The schema of a custom resource version: its structural schema, with ObjectMeta for `metadata` (and for the
    /// metadata of embedded resources), as apiextensions-apiserver builds the models it applies with.
    public static func custom(_ structural: StructuralSchema) -> ApplySchema {
        ApplySchema { structuralShape(structural, root: true) }
    }

    private static func structural(_ schema: StructuralSchema) -> ApplySchema {
        ApplySchema(defaultValue: schema.defaultValue) { structuralShape(schema, root: false) }
    }

    private static func structuralShape(_ schema: StructuralSchema, root: Bool) -> Shape {
        if schema.intOrString { return .scalar }
        if schema.type == "array" || schema.items != nil {
            let item = schema.items.map(structural) ?? .deduced
            let type: ListType
            switch schema.listType {
            case "set": type = .set
            case "map" where !schema.listMapKeys.isEmpty: type = .map(keys: schema.listMapKeys)
            default: type = .atomic
            }
            return .list(element: item, type: type)
        }
        let isObject = schema.type == "object" || !schema.propertyNames.isEmpty || schema.additionalProperties != nil
        if isObject || root || schema.embeddedResource {
            var fields: [String: ApplySchema] = [:]
            for name in schema.propertyNames { fields[name] = structural(schema.properties[name]!) }
            if root || schema.embeddedResource {
                fields["apiVersion"] = .scalar
                fields["kind"] = .scalar
                fields["metadata"] = builtin(named: objectMeta)
            }
            var element: ApplySchema?
            switch schema.additionalProperties {
            case .schema(let inner)?: element = structural(inner)
            case .allowed(true)?: element = .deduced
            default: element = schema.preserveUnknownFields ? .deduced : nil
            }
            if fields.isEmpty && element == nil { element = .deduced }
            return .map(MapShape(fields: fields, element: element, atomic: schema.mapType == "atomic"))
        }
        switch schema.type {
        case "string", "integer", "number", "boolean": return .scalar
        default: return .deduced
        }
    }
}

/// The shared, lazily built schemas of the built-in OpenAPI types.
final class BuiltinApplySchemas: Sendable {
    static let shared = BuiltinApplySchemas()
    private let cache = Mutex<[String: ApplySchema]>([:])

    func schema(named name: String) -> ApplySchema {
        cache.withLock { cache in
            if let existing = cache[name] { return existing }
            let created = ApplySchema {
                guard let json = BuiltinSchemas.shared.schemas[name] else { return .deduced }
                return ApplySchema.openAPIShape(json)
            }
            cache[name] = created
            return created
        }
    }
}
