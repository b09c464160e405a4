import KubeJSON

// The checks apiextensions-apiserver runs beside the OpenAPI validator: `x-kubernetes-list-type` uniqueness
// (schema/listtype) and the TypeMeta/ObjectMeta of embedded resources (schema/objectmeta).

/// Duplicate elements of `x-kubernetes-list-type: set` lists and duplicate keys of `map` lists.
public func listSetAndMapErrors(_ value: JSON, schema: StructuralSchema, path: FieldPath = FieldPath("")) -> [FieldError] {
    guard case .object(let object) = value else { return [] }
    return ListTypeValidator.object(object, schema, path)
}

private enum ListTypeValidator {
    static func object(_ object: JSONObject, _ s: StructuralSchema, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if let additional = s.additionalProperties?.schema {
            for (key, value) in object {
                errors += any(value, additional, path.key(key))
            }
        }
        for (key, value) in object {
            if let property = s.properties[key] {
                errors += any(value, property, path.child(key))
            }
        }
        return errors
    }

    static func any(_ value: JSON, _ s: StructuralSchema, _ path: FieldPath) -> [FieldError] {
        switch value {
        case .array(let items): return array(items, s, path)
        case .object(let object): return self.object(object, s, path)
        default: return []
        }
    }

    static func array(_ items: [JSON], _ s: StructuralSchema, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        switch s.listType {
        case "set":
            for i in firstRepeats(items) {
                errors.append(SchemaErrors.duplicate(path.index(i), items[i]))
            }
        case "map":
            errors += mapList(items, s, path)
        default:
            break
        }
        if let itemSchema = s.items {
            for (i, item) in items.enumerated() {
                errors += any(item, itemSchema, path.index(i))
            }
        }
        return errors
    }

    /// The index of the second occurrence of every value that occurs more than once.
    static func firstRepeats(_ items: [JSON]) -> [Int] {
        guard items.count > 1 else { return [] }
        var seen: [String: Int] = [:]
        var repeats: [Int] = []
        for (i, item) in items.enumerated() {
            // serialized form distinguishes 1 from 1.0 and "1", as Go's map keys do
            let key = item.typeName + ":" + item.jsonString
            let times = seen[key, default: 0]
            if times == 1 { repeats.append(i) }
            seen[key] = times + 1
        }
        return repeats
    }

    static func mapList(_ items: [JSON], _ s: StructuralSchema, _ path: FieldPath) -> [FieldError] {
        for (i, item) in items.enumerated() where !item.isNull && !item.isObject {
            return [SchemaErrors.invalid(path.index(i), item, "must be an object for an array of list-type map")]
        }
        guard items.count > 1 else { return [] }
        let keyFields = s.listMapKeys
        // a missing key (or a null element) is its own value, distinct from any JSON value
        let missing = JSON.object(["\u{0}unspecified": true])
        var keys: [JSON] = []
        for item in items {
            guard case .object(let o) = item else {
                keys.append(keyFields.count == 1 ? missing : .object(JSONObject()))
                continue
            }
            if keyFields.count == 1 {
                keys.append(o[keyFields[0]] ?? missing)
            } else {
                var key = JSONObject()
                for field in keyFields { if let v = o[field] { key[field] = v } }
                keys.append(.object(key))
            }
        }
        return firstRepeats(keys).map { i in
            if keyFields.count == 1 {
                let shown: JSON = keys[i] == missing ? .object(JSONObject()) : .object([keyFields[0]: keys[i]])
                return SchemaErrors.duplicate(path.index(i), shown)
            }
            return SchemaErrors.duplicate(path.index(i), keys[i])
        }
    }
}

/// TypeMeta and ObjectMeta checks of `x-kubernetes-embedded-resource` values below the root.
public func embeddedResourceErrors(_ value: JSON, schema: StructuralSchema, path: FieldPath = FieldPath("")) -> [FieldError] {
    EmbeddedResourceValidator.walk(value, schema, path, isRoot: true)
}

/// With `includeRoot`, `value` itself is checked as a resource too (defaults of embedded-resource schemas).
func embeddedResourceErrors(_ value: JSON, schema: StructuralSchema, path: FieldPath, includeRoot: Bool) -> [FieldError] {
    EmbeddedResourceValidator.walk(value, schema, path, isRoot: !includeRoot)
}

private enum EmbeddedResourceValidator {
    static func walk(_ value: JSON, _ s: StructuralSchema, _ path: FieldPath, isRoot: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        switch value {
        case .object(let object):
            if s.embeddedResource && !isRoot {
                errors += resource(object, path)
            }
            for (key, member) in object {
                if let property = s.properties[key] {
                    errors += walk(member, property, path.child(key), isRoot: false)
                } else if let additional = s.additionalProperties?.schema {
                    errors += walk(member, additional, path.key(key), isRoot: false)
                }
            }
        case .array(let items):
            if let itemSchema = s.items {
                for (i, item) in items.enumerated() {
                    errors += walk(item, itemSchema, path.index(i), isRoot: false)
                }
            }
        default:
            break
        }
        return errors
    }

    static func resource(_ object: JSONObject, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if object["apiVersion"] == nil { errors.append(SchemaErrors.required(path.child("apiVersion"))) }
        if object["kind"] == nil { errors.append(SchemaErrors.required(path.child("kind"))) }
        for (key, value) in object {
            switch key {
            case "apiVersion":
                guard case .string(let apiVersion) = value else {
                    errors.append(SchemaErrors.invalid(path.child(key), value, "must be a string"))
                    continue
                }
                if apiVersion.isEmpty {
                    errors.append(SchemaErrors.required(path.child(key)))
                } else if apiVersion.split(separator: "/", omittingEmptySubsequences: false).count > 2 {
                    errors.append(SchemaErrors.invalid(path.child(key), value,
                        "unexpected GroupVersion string: \(apiVersion)"))
                }
            case "kind":
                guard case .string(let kind) = value else {
                    errors.append(SchemaErrors.invalid(path.child(key), value, "must be a string"))
                    continue
                }
                if kind.isEmpty {
                    errors.append(SchemaErrors.required(path.child(key)))
                } else {
                    let problems = CRDNameRules.dns1035LabelErrors(kind.lowercased())
                    if !problems.isEmpty {
                        errors.append(SchemaErrors.invalid(path.child(key), value,
                            "may have mixed case, but should otherwise match: " + problems.joined(separator: ",")))
                    }
                }
            case "metadata":
                errors += metadata(value, path.child(key))
            default:
                break
            }
        }
        return errors
    }

    /// The part of ObjectMeta validation that matters for embedded objects: that it decodes, and the name and
    /// namespace rules (names of embedded objects are path segments, as upstream checks them).
    static func metadata(_ value: JSON, _ path: FieldPath) -> [FieldError] {
        guard case .object(let meta) = value else {
            if value.isNull { return [] }
            return [SchemaErrors.invalid(path, value,
                "json: cannot unmarshal \(goJSONKind(value)) into Go value of type v1.ObjectMeta")]
        }
        if let problem = ObjectMetaShape.decodeError(meta) {
            return [SchemaErrors.invalid(path, value, problem)]
        }
        var errors: [FieldError] = []
        if let name = meta["name"]?.stringValue, !name.isEmpty {
            for message in CRDNameRules.pathSegmentNameErrors(name) {
                errors.append(SchemaErrors.invalid(path.child("name"), .string(name), message))
            }
        }
        if let generateName = meta["generateName"]?.stringValue, !generateName.isEmpty {
            for message in CRDNameRules.pathSegmentNameErrors(generateName, prefix: true) {
                errors.append(SchemaErrors.invalid(path.child("generateName"), .string(generateName), message))
            }
        }
        if let namespace = meta["namespace"]?.stringValue, !namespace.isEmpty {
            for message in CRDNameRules.dns1123LabelErrors(namespace) {
                errors.append(SchemaErrors.invalid(path.child("namespace"), .string(namespace), message))
            }
        }
        return errors
    }

    /// How encoding/json names a JSON value's kind in its unmarshal errors.
    static func goJSONKind(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// The fields of `metav1.ObjectMeta` and the JSON kind each must have, to decode metadata as Go would.
enum ObjectMetaShape {
    enum Kind { case string, integer, stringMap, stringList, objectList, time }

    static let fields: [String: Kind] = [
        "name": .string, "generateName": .string, "namespace": .string, "selfLink": .string, "uid": .string,
        "resourceVersion": .string, "generation": .integer, "creationTimestamp": .time,
        "deletionTimestamp": .time, "deletionGracePeriodSeconds": .integer, "labels": .stringMap,
        "annotations": .stringMap, "ownerReferences": .objectList, "finalizers": .stringList,
        "managedFields": .objectList,
    ]

    /// The first field whose value Go could not decode, as encoding/json words it; nil when all decode.
    static func decodeError(_ meta: JSONObject) -> String? {
        for (key, value) in meta {
            guard let kind = fields[key], !value.isNull else { continue }
            let goType: String
            let ok: Bool
            switch kind {
            case .string: (ok, goType) = (value.stringValue != nil, "string")
            case .integer: (ok, goType) = (value.intValue != nil, "int64")
            case .time: (ok, goType) = (value.stringValue != nil, "v1.Time")
            case .stringMap:
                ok = value.objectValue.map { $0.allSatisfy { $0.value.stringValue != nil || $0.value.isNull } } ?? false
                goType = "map[string]string"
            case .stringList:
                ok = value.arrayValue.map { $0.allSatisfy { $0.stringValue != nil } } ?? false
                goType = "[]string"
            case .objectList:
                ok = value.arrayValue.map { $0.allSatisfy { $0.isObject || $0.isNull } } ?? false
                goType = key == "ownerReferences" ? "[]v1.OwnerReference" : "[]v1.ManagedFieldsEntry"
            }
            if !ok {
                return "json: cannot unmarshal \(EmbeddedResourceValidator.goJSONKind(value)) into Go struct field ObjectMeta.\(key) of type \(goType)"
            }
        }
        return nil
    }
}
