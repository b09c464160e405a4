import KubeJSON

/// Which checks apply to a CRD's schemas. On create all do; on update a check that the stored CRD already
/// fails is relaxed, so an upgrade never rejects a CRD that was accepted before (as upstream).
struct CRDSchemaOptions {
    var allowDefaults = true
    var requireValidPropertyType = true
    var requireStructuralSchema = true
    var requirePrunedDefaults = true
    var requireAtomicSetType = true
    var requireMapListKeysMapSetValidation = true
}

/// apiextensions' `validateCustomResourceDefinitionValidation` for one `{openAPIV3Schema: ...}` wrapper at `path`
/// (`spec.validation` when every version has the same schema, else `spec.versions[i].schema`).
func crdValidationErrors(_ wrapper: JSON?, statusEnabled: Bool, options: CRDSchemaOptions,
                         path: FieldPath) -> [FieldError] {
    guard let wrapper, let raw = wrapper["openAPIV3Schema"], raw.isObject else { return [] }
    let schema = StructuralSchema.compile(raw)
    let schemaPath = path.child("openAPIV3Schema")
    var errors: [FieldError] = []

    if statusEnabled, let error = statusRootError(raw, path: path) { errors.append(error) }
    if schema.nullable {
        errors.append(SchemaErrors.forbidden(path.child("openAPIV3Schema.nullable"), "nullable cannot be true at the root"))
    }
    if options.requireStructuralSchema {
        let structural = structuralSchemaErrors(schema, path: schemaPath)
        if !structural.isEmpty {
            errors += structural
        } else {
            errors += DefaultsValidator(requirePruned: options.requirePrunedDefaults).validate(schema, path: schemaPath)
        }
    }
    errors += OpenAPISchemaRules(options: options).check(schema, path: schemaPath, isRoot: true, context: .init())
    return errors
}

/// With the status subresource, the root may only use keywords that survive extracting `properties.status`.
private func statusRootError(_ raw: JSON, path: FieldPath) -> FieldError? {
    // JSONSchemaProps field order, with the JSON key each field has
    let fields: [(go: String, json: String)] = [
        ("ID", "id"), ("Schema", "$schema"), ("Ref", "$ref"), ("Description", "description"), ("Type", "type"),
        ("Format", "format"), ("Title", "title"), ("Default", "default"), ("Maximum", "maximum"),
        ("ExclusiveMaximum", "exclusiveMaximum"), ("Minimum", "minimum"), ("ExclusiveMinimum", "exclusiveMinimum"),
        ("MaxLength", "maxLength"), ("MinLength", "minLength"), ("Pattern", "pattern"), ("MaxItems", "maxItems"),
        ("MinItems", "minItems"), ("UniqueItems", "uniqueItems"), ("MultipleOf", "multipleOf"), ("Enum", "enum"),
        ("MaxProperties", "maxProperties"), ("MinProperties", "minProperties"), ("Required", "required"),
        ("Items", "items"), ("AllOf", "allOf"), ("OneOf", "oneOf"), ("AnyOf", "anyOf"), ("Not", "not"),
        ("Properties", "properties"), ("AdditionalProperties", "additionalProperties"),
        ("PatternProperties", "patternProperties"), ("Dependencies", "dependencies"),
        ("AdditionalItems", "additionalItems"), ("Definitions", "definitions"), ("ExternalDocs", "externalDocs"),
        ("Example", "example"), ("Nullable", "nullable"), ("XPreserveUnknownFields", "x-kubernetes-preserve-unknown-fields"),
        ("XEmbeddedResource", "x-kubernetes-embedded-resource"), ("XIntOrString", "x-kubernetes-int-or-string"),
        ("XListMapKeys", "x-kubernetes-list-map-keys"), ("XListType", "x-kubernetes-list-type"),
        ("XMapType", "x-kubernetes-map-type"), ("XValidations", "x-kubernetes-validations"),
    ]
    let allowed = ["Description", "Type", "Format", "Title", "Maximum", "ExclusiveMaximum", "Minimum",
        "ExclusiveMinimum", "MaxLength", "MinLength", "Pattern", "MaxItems", "MinItems", "UniqueItems", "MultipleOf",
        "Required", "Items", "Properties", "ExternalDocs", "Example", "XPreserveUnknownFields", "XValidations"]
    for field in fields {
        guard let value = raw[field.json], !isZeroValue(value) else { continue }
        if field.go == "Type" {
            if value.stringValue != "object" {
                return SchemaErrors.invalid(path.child("openAPIV3Schema.type"), value,
                    "only \"object\" is allowed as the type at the root of the schema if the status subresource is enabled")
            }
            continue
        }
        if !allowed.contains(field.go) {
            return SchemaErrors.invalid(path.child("openAPIV3Schema"), rendered: raw.jsonString,
                "only [\(allowed.joined(separator: " "))] fields are allowed at the root of the schema if the status subresource is enabled")
        }
    }
    return nil
}

/// Go's zero value test on a JSONSchemaProps field: false, "", 0, empty lists and maps.
private func isZeroValue(_ v: JSON) -> Bool {
    switch v {
    case .null: return true
    case .bool(let b): return !b
    case .string(let s): return s.isEmpty
    case .int(let i): return i == 0
    case .double(let d): return d == 0
    case .array(let a): return a.isEmpty
    case .object(let o): return o.isEmpty
    }
}

// MARK: - structural schema invariants (apiserver/schema/validation.go, complete.go)

/// The structural-schema errors of `schema`, sorted by message as upstream sorts them.
func structuralSchemaErrors(_ schema: StructuralSchema, path: FieldPath) -> [FieldError] {
    var errors = StructuralRules.invariants(schema, level: .root, path: path)
    errors += StructuralRules.completeness(schema, sPath: path, vPath: path)
    return errors.sorted { $0.message.utf8.lexicographicallyPrecedes($1.message.utf8) }
}

private enum StructuralRules {
    enum Level { case root, item, field }

    static func invariants(_ s: StructuralSchema, level: Level, path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if s.type == "array" && s.items == nil {
            errors.append(SchemaErrors.required(path.child("items"), "must be specified"))
        }
        if let items = s.items { errors += invariants(items, level: .item, path: path.child("items")) }
        for name in s.propertyNames {
            errors += invariants(s.properties[name]!, level: .field, path: path.child("properties").key(name))
        }
        if let additional = s.additionalProperties {
            if level == .root {
                errors.append(SchemaErrors.forbidden(path.child("additionalProperties"), "must not be used at the root"))
            }
            if let sub = additional.schema {
                errors += invariants(sub, level: .field, path: path.child("additionalProperties"))
            }
        }
        if s.intOrString && s.preserveUnknownFields {
            errors.append(SchemaErrors.invalid(path.child("x-kubernetes-preserve-unknown-fields"), true,
                "must be false if x-kubernetes-int-or-string is true"))
        }
        if s.intOrString && s.embeddedResource {
            errors.append(SchemaErrors.invalid(path.child("x-kubernetes-embedded-resource"), true,
                "must be false if x-kubernetes-int-or-string is true"))
        }

        let skipAnyOf = isIntOrStringAnyOf(s.anyOf)
        let skipFirstAllOfAnyOf = s.allOf.first.map { isIntOrStringAnyOf($0.anyOf) } ?? false
        errors += valueValidation(s, skipAnyOf: skipAnyOf, skipFirstAllOfAnyOf: skipFirstAllOfAnyOf, path: path)

        let type = s.type ?? ""
        let checkMetadata = level == .root || s.embeddedResource
        if s.embeddedResource && type != "object" {
            errors.append(type.isEmpty
                ? SchemaErrors.required(path.child("type"), "must be object if x-kubernetes-embedded-resource is true")
                : SchemaErrors.invalid(path.child("type"), .string(type), "must be object if x-kubernetes-embedded-resource is true"))
        } else if type.isEmpty && !s.intOrString && !s.preserveUnknownFields {
            let detail: String
            switch level {
            case .root: detail = "must not be empty at the root"
            case .item: detail = "must not be empty for specified array items"
            case .field: detail = "must not be empty for specified object fields"
            }
            errors.append(SchemaErrors.required(path.child("type"), detail))
        }
        if s.embeddedResource && s.additionalProperties != nil {
            errors.append(SchemaErrors.forbidden(path.child("additionalProperties"),
                "must not be used if x-kubernetes-embedded-resource is set"))
        }
        if level == .root && !type.isEmpty && type != "object" {
            errors.append(SchemaErrors.invalid(path.child("type"), .string(type), "must be object at the root"))
        }
        for key in ["kind", "apiVersion"] where checkMetadata {
            if let p = s.properties[key], p.type != "string" {
                errors.append(SchemaErrors.invalid(path.child("properties").key(key).child("type"),
                    .string(p.type ?? ""), "must be string"))
            }
        }
        if let metadata = s.properties["metadata"] {
            let metaPath = path.child("properties").key("metadata")
            if checkMetadata && metadata.type != "object" {
                errors.append(SchemaErrors.invalid(metaPath.child("type"), .string(metadata.type ?? ""), "must be object"))
            }
            if level == .root && !isOnlyNameRestriction(metadata) {
                errors.append(SchemaErrors.forbidden(metaPath,
                    "must not specify anything other than name and generateName, but metadata is implicitly specified"))
            }
        }
        if s.embeddedResource && !s.preserveUnknownFields && s.properties.isEmpty {
            errors.append(SchemaErrors.required(path.child("properties"),
                "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"))
        }
        return errors
    }

    /// Root `metadata` may only say `type: object` and restrict `name` and `generateName`.
    static func isOnlyNameRestriction(_ m: StructuralSchema) -> Bool {
        let names = Set(m.propertyNames)
        let propertiesOK = names.isEmpty || names == ["name"] || names == ["generateName"] || names == ["name", "generateName"]
        // everything else a structural schema keeps (description, title, nullable, value validations,
        // extensions, items...) must be unset; type and default are ignored here
        let o = m.source.objectValue ?? JSONObject()
        let ignored: Set<String> = ["type", "default", "properties", "example", "externalDocs", "$schema", "id"]
        for (key, value) in o where !ignored.contains(key) && !isZeroValue(value) {
            return false
        }
        return propertiesOK
    }

    static func isIntOrStringAnyOf(_ anyOf: [StructuralSchema]) -> Bool {
        guard anyOf.count == 2 else { return false }
        func only(_ s: StructuralSchema, _ type: String) -> Bool {
            (s.source.objectValue?.count ?? 0) == 1 && s.type == type
        }
        return only(anyOf[0], "integer") && only(anyOf[1], "string")
    }

    static func valueValidation(_ s: StructuralSchema, skipAnyOf: Bool, skipFirstAllOfAnyOf: Bool,
                                path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if !skipAnyOf {
            for (i, sub) in s.anyOf.enumerated() { errors += nested(sub, skipAnyOf: false, path: path.child("anyOf").index(i)) }
        }
        for (i, sub) in s.allOf.enumerated() {
            errors += nested(sub, skipAnyOf: skipFirstAllOfAnyOf && i == 0, path: path.child("allOf").index(i))
        }
        for (i, sub) in s.oneOf.enumerated() { errors += nested(sub, skipAnyOf: false, path: path.child("oneOf").index(i)) }
        if let not = s.not { errors += nested(not, skipAnyOf: false, path: path.child("not")) }
        if let pattern = s.pattern, let error = pattern.error {
            errors.append(SchemaErrors.invalid(path.child("pattern"), .string(pattern.source),
                "must be a valid regular expression, but isn't: error parsing regexp: \(error): `\(pattern.source)`"))
        }
        return errors
    }

    /// A schema under allOf/anyOf/oneOf/not may only validate values; anything structural is forbidden.
    static func nested(_ v: StructuralSchema, skipAnyOf: Bool, path: FieldPath) -> [FieldError] {
        var errors = valueValidation(v, skipAnyOf: skipAnyOf, skipFirstAllOfAnyOf: false, path: path)
        if let items = v.items { errors += nested(items, skipAnyOf: false, path: path.child("items")) }
        for name in v.propertyNames {
            errors += nested(v.properties[name]!, skipAnyOf: false, path: path.child("properties").key(name))
        }
        let o = v.source.objectValue ?? JSONObject()
        if let type = v.type, !type.isEmpty { errors.append(SchemaErrors.forbidden(path.child("type"), "must be empty to be structural")) }
        if v.additionalProperties != nil {
            errors.append(SchemaErrors.forbidden(path.child("additionalProperties"), "must be undefined to be structural"))
        }
        if v.defaultValue != nil { errors.append(SchemaErrors.forbidden(path.child("default"), "must be undefined to be structural")) }
        if let t = v.title, !t.isEmpty { errors.append(SchemaErrors.forbidden(path.child("title"), "must be empty to be structural")) }
        if let d = v.description, !d.isEmpty {
            errors.append(SchemaErrors.forbidden(path.child("description"), "must be empty to be structural"))
        }
        if v.nullable { errors.append(SchemaErrors.forbidden(path.child("nullable"), "must be false to be structural")) }
        if o["externalDocs"] != nil {
            errors.append(SchemaErrors.forbidden(path.child("externalDocs"), "must be undefined to be structural"))
        }
        if v.preserveUnknownFields {
            errors.append(SchemaErrors.forbidden(path.child("x-kubernetes-preserve-unknown-fields"), "must be false to be structural"))
        }
        if v.embeddedResource {
            errors.append(SchemaErrors.forbidden(path.child("x-kubernetes-embedded-resource"), "must be false to be structural"))
        }
        if v.intOrString {
            errors.append(SchemaErrors.forbidden(path.child("x-kubernetes-int-or-string"), "must be false to be structural"))
        }
        if !v.listMapKeys.isEmpty {
            errors.append(SchemaErrors.forbidden(path.child("x-kubernetes-list-map-keys"), "must be empty to be structural"))
        }
        if v.listType != nil {
            errors.append(SchemaErrors.forbidden(path.child("x-kubernetes-list-type"), "must be undefined to be structural"))
        }
        if v.mapType != nil {
            errors.append(SchemaErrors.forbidden(path.child("x-kubernetes-map-type"), "must be undefined to be structural"))
        }
        if let rules = o["x-kubernetes-validations"]?.arrayValue, !rules.isEmpty {
            errors.append(SchemaErrors.forbidden(path.child("x-kubernetes-validations"), "must be empty to be structural"))
        }
        if v.properties["metadata"] != nil {
            errors.append(SchemaErrors.forbidden(path.child("properties").key("metadata"), "must not be specified in a nested context"))
        }
        return errors
    }

    /// Every field or array named inside a value validation must also exist in the structural part.
    static func completeness(_ s: StructuralSchema, sPath: FieldPath, vPath: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if let not = s.not { errors += nestedCompleteness(not, s, sPath: sPath, vPath: vPath.child("not")) }
        for (i, v) in s.allOf.enumerated() { errors += nestedCompleteness(v, s, sPath: sPath, vPath: vPath.child("allOf").index(i)) }
        for (i, v) in s.anyOf.enumerated() { errors += nestedCompleteness(v, s, sPath: sPath, vPath: vPath.child("anyOf").index(i)) }
        for (i, v) in s.oneOf.enumerated() { errors += nestedCompleteness(v, s, sPath: sPath, vPath: vPath.child("oneOf").index(i)) }
        return errors
    }

    private static func nestedCompleteness(_ v: StructuralSchema, _ s: StructuralSchema?, sPath: FieldPath,
                                           vPath: FieldPath) -> [FieldError] {
        guard let s else {
            return [SchemaErrors.required(sPath, "because it is defined in \(vPath.description)")]
        }
        var errors = completenessOfJunctors(v, s, sPath: sPath, vPath: vPath)
        if let items = v.items {
            errors += nestedCompleteness(items, s.items, sPath: sPath.child("items"), vPath: vPath.child("items"))
        }
        for name in v.propertyNames {
            let sub = v.properties[name]!
            if let structural = s.properties[name] {
                errors += nestedCompleteness(sub, structural, sPath: sPath.child("properties").key(name),
                    vPath: vPath.child("properties").key(name))
            } else {
                errors.append(SchemaErrors.required(sPath.child("properties").key(name),
                    "because it is defined in \(vPath.child("properties").key(name).description)"))
            }
        }
        return errors
    }

    private static func completenessOfJunctors(_ v: StructuralSchema, _ s: StructuralSchema, sPath: FieldPath,
                                               vPath: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if let not = v.not { errors += nestedCompleteness(not, s, sPath: sPath, vPath: vPath.child("not")) }
        for (i, x) in v.allOf.enumerated() { errors += nestedCompleteness(x, s, sPath: sPath, vPath: vPath.child("allOf").index(i)) }
        for (i, x) in v.anyOf.enumerated() { errors += nestedCompleteness(x, s, sPath: sPath, vPath: vPath.child("anyOf").index(i)) }
        for (i, x) in v.oneOf.enumerated() { errors += nestedCompleteness(x, s, sPath: sPath, vPath: vPath.child("oneOf").index(i)) }
        return errors
    }
}

// MARK: - defaults (apiserver/schema/defaulting/validation.go)

/// Each `default` must validate against its own schema and must not carry fields pruning would drop.
private struct DefaultsValidator {
    let requirePruned: Bool

    func validate(_ s: StructuralSchema, path: FieldPath) -> [FieldError] {
        walk(s, path: path, insideMeta: false, isResourceRoot: true)
    }

    private func walk(_ s: StructuralSchema, path: FieldPath, insideMeta: Bool, isResourceRoot: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        let embedded = s.embeddedResource || isResourceRoot
        let inMeta = s.embeddedResource ? false : insideMeta
        if let def = s.defaultValue, !inMeta {
            let defaultPath = path.child("default")
            if requirePruned {
                var pruned = def
                prune(&pruned, schema: s, isResourceRoot: s.embeddedResource)
                if pruned != def {
                    errors.append(SchemaErrors.invalid(defaultPath, def, "must not have unknown fields"))
                }
            }
            let metaErrors = s.embeddedResource
                ? embeddedResourceErrors(def, schema: s, path: defaultPath, includeRoot: true) : []
            if !metaErrors.isEmpty {
                errors += metaErrors
            } else {
                errors += schemaValidationErrors(def, schema: s, path: defaultPath)
            }
        }
        if let items = s.items {
            errors += walk(items, path: path.child("items"), insideMeta: inMeta, isResourceRoot: false)
        }
        for name in s.propertyNames {
            let sub = s.properties[name]!
            let subInMeta = inMeta || (embedded && ["metadata", "apiVersion", "kind"].contains(name))
            errors += walk(sub, path: path.child("properties").key(name), insideMeta: subInMeta, isResourceRoot: false)
        }
        return errors
    }
}
