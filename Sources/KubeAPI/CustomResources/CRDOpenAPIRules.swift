import KubeJSON

/// apiextensions' `ValidateCustomResourceDefinitionOpenAPISchema` with `specStandardValidatorV3`: the OpenAPI
/// keywords CRDs do not support, where defaults are allowed, and the `x-kubernetes-*` extension rules.
/// (CEL `x-kubernetes-validations` rules are checked for shape only; they are not compiled.)
struct OpenAPISchemaRules {
    struct Context {
        var insideResourceMeta = false
        var allowDefaults = true
        var disallowDefaultsReason = ""
    }

    let options: CRDSchemaOptions

    private static let validTypes = ["array", "boolean", "integer", "number", "object", "string"]
    private static let metaFields: Set<String> = ["metadata", "kind", "apiVersion"]

    func check(_ s: StructuralSchema, path: FieldPath, isRoot: Bool, context: Context) -> [FieldError] {
        var ctx = context
        ctx.allowDefaults = ctx.allowDefaults && options.allowDefaults
        var errors = keywordErrors(s, path: path, context: ctx)
        let raw = s.source.objectValue ?? JSONObject()

        if s.uniqueItems {
            errors.append(SchemaErrors.forbidden(path.child("uniqueItems"),
                "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"))
        }
        if let additional = s.additionalProperties {
            if !s.properties.isEmpty && (!additional.allows || additional.schema != nil) {
                errors.append(SchemaErrors.forbidden(path.child("additionalProperties"),
                    "additionalProperties and properties are mutual exclusive"))
            }
            if let sub = additional.schema {
                var subCtx = ctx
                if ctx.insideResourceMeta {
                    subCtx.allowDefaults = false
                    subCtx.disallowDefaultsReason = "inside additionalProperties applying to object metadata"
                }
                errors += check(sub, path: path.child("additionalProperties"), isRoot: false, context: subCtx)
            }
        }
        for name in s.propertyNames {
            var subCtx = ctx
            if (isRoot || s.embeddedResource) && Self.metaFields.contains(name) {
                subCtx.insideResourceMeta = true
                if isRoot {
                    subCtx.allowDefaults = false
                    subCtx.disallowDefaultsReason = "in top-level \(name)"
                }
            }
            errors += check(s.properties[name]!, path: path.child("properties").key(name), isRoot: false, context: subCtx)
        }
        if let not = s.not { errors += check(not, path: path.child("not"), isRoot: false, context: ctx) }
        for (i, sub) in s.allOf.enumerated() { errors += check(sub, path: path.child("allOf").index(i), isRoot: false, context: ctx) }
        for (i, sub) in s.oneOf.enumerated() { errors += check(sub, path: path.child("oneOf").index(i), isRoot: false, context: ctx) }
        for (i, sub) in s.anyOf.enumerated() { errors += check(sub, path: path.child("anyOf").index(i), isRoot: false, context: ctx) }
        if s.itemsIsArray, let list = raw["items"]?.arrayValue {
            for (i, item) in list.enumerated() {
                errors += check(.compile(item), path: path.child("items").index(i), isRoot: false, context: ctx)
            }
        } else if let items = s.items {
            errors += check(items, path: path.child("items"), isRoot: false, context: ctx)
        }
        errors += extensionErrors(s, path: path)
        errors += celRuleShapeErrors(raw["x-kubernetes-validations"]?.arrayValue ?? [], path: path)
        return errors
    }

    /// `specStandardValidatorV3.validate`: keywords a CRD schema may not use at all.
    private func keywordErrors(_ s: StructuralSchema, path: FieldPath, context: Context) -> [FieldError] {
        var errors: [FieldError] = []
        let raw = s.source.objectValue ?? JSONObject()
        if options.requireValidPropertyType, let type = s.type, !type.isEmpty, !Self.validTypes.contains(type) {
            errors.append(SchemaErrors.notSupported(path.child("type"), .string(type), Self.validTypes))
        }
        if s.defaultValue != nil && !context.allowDefaults {
            let reason = context.disallowDefaultsReason
            errors.append(SchemaErrors.forbidden(path.child("default"), "must not be set" + (reason.isEmpty ? "" : " " + reason)))
        }
        if let id = raw["id"]?.stringValue, !id.isEmpty {
            errors.append(SchemaErrors.forbidden(path.child("id"), "id is not supported"))
        }
        if let v = raw["additionalItems"], !v.isNull {
            errors.append(SchemaErrors.forbidden(path.child("additionalItems"), "additionalItems is not supported"))
        }
        if let v = raw["patternProperties"]?.objectValue, !v.isEmpty {
            errors.append(SchemaErrors.forbidden(path.child("patternProperties"), "patternProperties is not supported"))
        }
        if let v = raw["definitions"]?.objectValue, !v.isEmpty {
            errors.append(SchemaErrors.forbidden(path.child("definitions"), "definitions is not supported"))
        }
        if let v = raw["dependencies"], !v.isNull {
            errors.append(SchemaErrors.forbidden(path.child("dependencies"), "dependencies is not supported"))
        }
        if let v = raw["$ref"], !v.isNull {
            errors.append(SchemaErrors.forbidden(path.child("$ref"), "$ref is not supported"))
        }
        if s.type == "null" {
            errors.append(SchemaErrors.forbidden(path.child("type"), "type cannot be set to null, use nullable as an alternative"))
        }
        if s.itemsIsArray, let list = raw["items"]?.arrayValue, !list.isEmpty {
            errors.append(SchemaErrors.forbidden(path.child("items"), "items must be a schema object and not an array"))
        }
        if context.insideResourceMeta && s.embeddedResource {
            errors.append(SchemaErrors.forbidden(path.child("x-kubernetes-embedded-resource"), "must not be used inside of resource meta"))
        }
        return errors
    }

    /// `[]string{"a", "b"}`, as Go prints a string slice with `%#v`.
    private static func goStrings(_ list: [String]) -> String {
        "[]string{" + list.map { GoFormat.quote($0) }.joined(separator: ", ") + "}"
    }

    private func extensionErrors(_ s: StructuralSchema, path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let type = s.type ?? ""
        if s.preserveUnknownFieldsValue == false {
            errors.append(SchemaErrors.invalid(path.child("x-kubernetes-preserve-unknown-fields"), false, "must be true or undefined"))
        }
        if let mapType = s.mapType {
            if type != "object" {
                errors.append(type.isEmpty
                    ? SchemaErrors.required(path.child("type"), "must be object if x-kubernetes-map-type is specified")
                    : SchemaErrors.invalid(path.child("type"), .string(type), "must be object if x-kubernetes-map-type is specified"))
            }
            if mapType != "atomic" && mapType != "granular" {
                errors.append(SchemaErrors.notSupported(path.child("x-kubernetes-map-type"), .string(mapType), ["atomic", "granular"]))
            }
        }
        if s.listType != nil && type != "array" {
            errors.append(type.isEmpty
                ? SchemaErrors.required(path.child("type"), "must be array if x-kubernetes-list-type is specified")
                : SchemaErrors.invalid(path.child("type"), .string(type), "must be array if x-kubernetes-list-type is specified"))
        } else if options.requireAtomicSetType, s.listType == "set", let items = s.items {
            let itemsPath = path.child("items")
            switch items.type {
            case "array":
                if let lt = items.listType, lt != "atomic" {
                    errors.append(SchemaErrors.invalid(itemsPath.child("x-kubernetes-list-type"), .string(lt),
                        "must be atomic as item of a list with x-kubernetes-list-type=set"))
                }
            case "object":
                if items.mapType != "atomic" {
                    errors.append(SchemaErrors.invalid(itemsPath.child("x-kubernetes-map-type"),
                        items.listType.map { .string($0) } ?? .null,
                        "must be atomic as item of a list with x-kubernetes-list-type=set"))
                }
            default:
                break
            }
        }
        if let listType = s.listType, !["atomic", "set", "map"].contains(listType) {
            errors.append(SchemaErrors.notSupported(path.child("x-kubernetes-list-type"), .string(listType), ["atomic", "set", "map"]))
        }
        if !s.listMapKeys.isEmpty {
            if s.listType == nil {
                errors.append(SchemaErrors.required(path.child("x-kubernetes-list-type"), "must be map if x-kubernetes-list-map-keys is non-empty"))
            } else if s.listType != "map" {
                errors.append(SchemaErrors.invalid(path.child("x-kubernetes-list-type"), .string(s.listType!),
                    "must be map if x-kubernetes-list-map-keys is non-empty"))
            }
        }
        if s.listType == "map" {
            if s.listMapKeys.isEmpty {
                errors.append(SchemaErrors.required(path.child("x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map"))
            }
            if s.source["items"] == nil {
                errors.append(SchemaErrors.required(path.child("items"), "must have a schema if x-kubernetes-list-type is map"))
            } else if s.itemsIsArray {
                errors.append(SchemaErrors.invalid(path.child("items"), rendered: s.source["items"]!.jsonString,
                    "must only have a single schema if x-kubernetes-list-type is map"))
            } else if let items = s.items {
                let itemType = items.type ?? ""
                if itemType != "object" {
                    errors.append(SchemaErrors.invalid(path.child("items").child("type"), .string(itemType),
                        "must be object if parent array's x-kubernetes-list-type is map"))
                } else {
                    var seen: Set<String> = []
                    for key in s.listMapKeys {
                        if let keySchema = items.properties[key] {
                            if keySchema.type == "array" || keySchema.type == "object" {
                                errors.append(SchemaErrors.invalid(path.child("items").child("properties").key(key).child("type"),
                                    .string(itemType), "must be a scalar type if parent array's x-kubernetes-list-type is map"))
                            }
                        } else {
                            errors.append(SchemaErrors.invalid(path.child("x-kubernetes-list-map-keys"),
                                rendered: Self.goStrings(s.listMapKeys), "entries must all be names of item properties"))
                        }
                        if seen.contains(key) {
                            errors.append(SchemaErrors.invalid(path.child("x-kubernetes-list-map-keys"),
                                rendered: Self.goStrings(s.listMapKeys), "must not contain duplicate entries"))
                        }
                        seen.insert(key)
                    }
                }
            }
        }
        if options.requireMapListKeysMapSetValidation { errors += mapListKeyErrors(s, path: path) }
        return errors
    }

    /// Items of set and map lists may not be null, and map keys must always have a value.
    private func mapListKeyErrors(_ s: StructuralSchema, path: FieldPath) -> [FieldError] {
        guard let items = s.items, let listType = s.listType, listType == "set" || listType == "map" else { return [] }
        var errors: [FieldError] = []
        if items.nullable {
            errors.append(SchemaErrors.forbidden(path.child("items").child("nullable"), "cannot be nullable when x-kubernetes-list-type is \(listType)"))
        }
        guard listType == "map" else { return errors }
        for key in s.listMapKeys {
            guard let keySchema = items.properties[key] else { continue }
            let keyPath = path.child("items").child("properties").key(key)
            if !items.required.contains(key) && keySchema.defaultValue == nil {
                errors.append(SchemaErrors.required(keyPath.child("default"),
                    "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"))
            }
            if keySchema.nullable {
                errors.append(SchemaErrors.forbidden(keyPath.child("nullable"), "this property is in x-kubernetes-list-map-keys, so it cannot be nullable"))
            }
        }
        return errors
    }

    /// The parts of `x-kubernetes-validations` checkable without compiling CEL.
    private func celRuleShapeErrors(_ rules: [JSON], path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let reasons = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"]
        func hasNewlines(_ s: String) -> Bool { s.contains("\n") || s.contains("\r") }
        func trimmed(_ s: String) -> String {
            var t = Substring(s)
            while let f = t.first, f.isWhitespace { t = t.dropFirst() }
            while let l = t.last, l.isWhitespace { t = t.dropLast() }
            return String(t)
        }
        for (i, rule) in rules.enumerated() {
            let p = path.child("x-kubernetes-validations").index(i)
            let text = rule["rule"]?.stringValue ?? ""
            let message = rule["message"]?.stringValue ?? ""
            let messageExpression = rule["messageExpression"]?.stringValue ?? ""
            if trimmed(text).isEmpty {
                errors.append(SchemaErrors.required(p.child("rule"), "rule is not specified"))
            } else if !message.isEmpty && trimmed(message).isEmpty {
                errors.append(SchemaErrors.invalid(p.child("message"), .string(message), "message must be non-empty if specified"))
            } else if hasNewlines(trimmed(message)) {
                errors.append(SchemaErrors.invalid(p.child("message"), .string(message), "message must not contain line breaks"))
            } else if hasNewlines(trimmed(text)) && trimmed(message).isEmpty {
                errors.append(SchemaErrors.required(p.child("message"), "message must be specified if rule contains line breaks"))
            }
            if !messageExpression.isEmpty && trimmed(messageExpression).isEmpty {
                errors.append(SchemaErrors.required(p.child("messageExpression"), "messageExpression must be non-empty if specified"))
            }
            if let reason = rule["reason"]?.stringValue, !reasons.contains(reason) {
                errors.append(SchemaErrors.notSupported(p.child("reason"), .string(reason), reasons))
            }
            if let fieldPath = rule["fieldPath"]?.stringValue {
                if !fieldPath.isEmpty && trimmed(fieldPath).isEmpty {
                    errors.append(SchemaErrors.invalid(p.child("fieldPath"), .string(fieldPath), "fieldPath must be non-empty if specified"))
                }
                if hasNewlines(fieldPath) {
                    errors.append(SchemaErrors.invalid(p.child("fieldPath"), .string(fieldPath), "fieldPath must not contain line breaks"))
                }
            }
        }
        return errors
    }
}
