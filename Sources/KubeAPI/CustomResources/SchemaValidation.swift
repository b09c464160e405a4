import KubeJSON

/// Validates a custom resource (or any value) against a compiled schema, as kube-apiserver's custom resource
/// strategy does: the OpenAPI schema checks (kube-openapi's validator), then embedded resources' TypeMeta and
/// ObjectMeta, then `x-kubernetes-list-type` set and map uniqueness.
///
/// `path` is the base field path the errors are reported under (upstream passes none for an object, so
/// `FieldPath("")` gives `spec.replicas: ...`). Names inside messages are relative to `value`, as kube-openapi
/// prints them: `spec.replicas in body must be of type integer: "string"`.
///
/// With `isResourceRoot` (the default) `value` is a whole custom resource: its `apiVersion`, `kind` and
/// `metadata` are left to the generic TypeMeta/ObjectMeta checks every kind gets, except that the schema's own
/// rules for `metadata.name` and `metadata.generateName` apply (the only ones a CRD may declare there).
public func validate(_ value: JSON, schema: StructuralSchema, path: FieldPath = FieldPath(""),
                     isResourceRoot: Bool = true) -> [FieldError] {
    var errors = OpenAPIValidator(base: path, resourceRoot: isResourceRoot).validate(value, schema, name: "")
    errors += embeddedResourceErrors(value, schema: schema, path: path)
    errors += listSetAndMapErrors(value, schema: schema, path: path)
    return errors
}

extension StructuralSchema {
    /// `validate(value, schema: self, path:, isResourceRoot:)`.
    public func validate(_ value: JSON, path: FieldPath = FieldPath(""), isResourceRoot: Bool = true) -> [FieldError] {
        KubeAPI.validate(value, schema: self, path: path, isResourceRoot: isResourceRoot)
    }
}

/// Only the OpenAPI checks of kube-openapi (no embedded-resource or list-type rules) of a plain value, as
/// `ValidateCustomResource` returns them.
public func schemaValidationErrors(_ value: JSON, schema: StructuralSchema, path: FieldPath = FieldPath("")) -> [FieldError] {
    OpenAPIValidator(base: path, resourceRoot: false).validate(value, schema, name: "")
}

/// kube-openapi's `SchemaValidator`, following its order of checks and its wording. Each check returns its
/// errors so `anyOf`/`oneOf` can compare alternatives.
struct OpenAPIValidator {
    let base: FieldPath
    /// The value validated under the empty name is a resource: its TypeMeta/ObjectMeta are skipped but for
    /// the name rules.
    var resourceRoot = false

    /// Where an error with kube-openapi name `name` is reported: the base path plus the name.
    func fieldPath(_ name: String) -> FieldPath {
        guard !name.isEmpty, name != "." else { return base }
        let trimmed = name.hasPrefix(".") ? String(name.dropFirst()) : name
        return base.child(trimmed)
    }

    /// `<name> in body <rest>`, with kube-openapi's spacing when the name is empty.
    private func say(_ name: String, _ rest: String) -> String { "\(name) in body \(rest)" }

    func validate(_ data: JSON, _ s: StructuralSchema, name: String) -> [FieldError] {
        var errors: [FieldError] = []
        if data.isNull {
            errors += typeErrors(data, s, name: name)
            errors += enumErrors(data, s, name: name)
            return errors
        }
        errors += typeErrors(data, s, name: name)
        errors += junctorErrors(data, s, name: name)
        if case .string(let str) = data {
            errors += stringErrors(str, s, name: name)
            errors += formatErrors(str, s, name: name)
        }
        switch data {
        case .int, .double: errors += numberErrors(data, s, name: name)
        default: break
        }
        if case .array(let items) = data { errors += sliceErrors(items, s, name: name) }
        errors += enumErrors(data, s, name: name)
        if case .object(let object) = data { errors += objectErrors(object, s, name: name) }
        return errors
    }

    // MARK: type

    /// The JSON type kube-openapi infers for a decoded value, with the format it implies for numbers.
    private static func schemaType(of data: JSON) -> (type: String, format: String) {
        switch data {
        case .null: return ("null", "")
        case .bool: return ("boolean", "")
        case .int: return ("integer", "int64")
        case .double: return ("number", "float64")
        case .string: return ("string", "")
        case .array: return ("array", "")
        case .object: return ("object", "")
        }
    }

    private func typeErrors(_ data: JSON, _ s: StructuralSchema, name: String) -> [FieldError] {
        let types = s.typeList
        let format = s.validatedFormat ?? ""
        guard !types.isEmpty || !format.isEmpty else { return [] }
        let joined = types.joined(separator: ",")
        if data.isNull {
            if !types.isEmpty && !types.contains("null") && !s.nullable {
                return [typeError(name, joined, .string("null"))]
            }
            return []
        }
        let (schType, dataFormat) = Self.schemaType(of: data)
        let isFloatInt: Bool = {
            if case .double(let d) = data { return types.contains("integer") && isJSONInteger(d) }
            return false
        }()
        let isIntFloat = schType == "integer" && types.contains("number")
        let isLowerInt = format == "int64" && dataFormat == "int32"
        let isLowerFloat = format == "float64" && dataFormat == "float32"
        let isStringOrSlice = schType == "string" || schType == "array"
        if !isStringOrSlice && !format.isEmpty
            && !(types.contains(schType) || dataFormat == format || isFloatInt || isIntFloat || isLowerInt || isLowerFloat)
        {
            return [typeError(name, format, .string(dataFormat))]
        }
        if !(types.contains("number") || types.contains("integer")) && !format.isEmpty && isStringOrSlice {
            return []
        }
        if !(types.contains(schType) || isFloatInt || isIntFloat) {
            return [typeError(name, joined, .string(schType))]
        }
        return []
    }

    /// kube-openapi's `InvalidType`: the message quotes string values; the field error carries the same value.
    private func typeError(_ name: String, _ typeName: String, _ value: JSON) -> FieldError {
        let detail: String
        if case .string(let v) = value {
            detail = say(name, "must be of type \(typeName): \(GoFormat.quote(v))")
        } else {
            detail = say(name, "must be of type \(typeName)")
        }
        return SchemaErrors.typeInvalid(fieldPath(name), value, detail)
    }

    // MARK: allOf / anyOf / oneOf / not

    /// Errors that are not about one field: upstream reports them against the base path with an empty value.
    private func compositeError(_ message: String) -> FieldError {
        SchemaErrors.invalid(base, .string(""), message)
    }

    private func junctorErrors(_ data: JSON, _ s: StructuralSchema, name: String) -> [FieldError] {
        var errors: [FieldError] = []
        if !s.anyOf.isEmpty {
            var best: [FieldError]?
            var succeeded = false
            for alternative in s.anyOf {
                let result = validate(data, alternative, name: name)
                if result.isEmpty {
                    succeeded = true
                    best = nil
                    break
                }
                // upstream keeps the alternative that matched most checks; fewest errors is our measure
                if best == nil || result.count < best!.count { best = result }
            }
            if !succeeded {
                errors.append(compositeError("\(GoFormat.quote(name)) must validate at least one schema (anyOf)"))
            }
            errors += best ?? []
        }
        if !s.oneOf.isEmpty {
            var best: [FieldError]?
            var validated = 0
            for alternative in s.oneOf {
                let result = validate(data, alternative, name: name)
                if result.isEmpty {
                    validated += 1
                    best = nil
                    continue
                }
                if validated == 0 && (best == nil || result.count < best!.count) { best = result }
            }
            if validated != 1 {
                let more = validated == 0 ? "Found none valid" : "Found \(validated) valid alternatives"
                errors.append(compositeError("\(GoFormat.quote(name)) must validate one and only one schema (oneOf). \(more)"))
                errors += best ?? []
            }
        }
        if !s.allOf.isEmpty {
            var validated = 0
            for part in s.allOf {
                let result = validate(data, part, name: name)
                if result.isEmpty { validated += 1 }
                errors += result
            }
            if validated != s.allOf.count {
                let more = validated == 0 ? ". None validated" : ""
                errors.append(compositeError("\(GoFormat.quote(name)) must validate all the schemas (allOf)\(more)"))
            }
        }
        if let not = s.not, validate(data, not, name: name).isEmpty {
            errors.append(compositeError("\(GoFormat.quote(name)) must not validate the schema (not)"))
        }
        return errors
    }

    // MARK: strings

    private func stringErrors(_ str: String, _ s: StructuralSchema, name: String) -> [FieldError] {
        let path = fieldPath(name)
        if let max = s.maxLength, Int64(str.unicodeScalars.count) > max {
            return [SchemaErrors.tooLong(path, max)]
        }
        if let min = s.minLength, Int64(str.unicodeScalars.count) < min {
            return [SchemaErrors.invalid(path, .string(str), say(name, "should be at least \(min) chars long"))]
        }
        if let pattern = s.pattern, !pattern.source.isEmpty {
            if let error = pattern.error {
                return [SchemaErrors.invalid(path, .string(str),
                    say(name, "should match '\(pattern.source), but pattern is invalid: \(error)'"))]
            }
            if !pattern.matches(str) {
                return [SchemaErrors.invalid(path, .string(str), say(name, "should match '\(pattern.source)'"))]
            }
        }
        return []
    }

    private func formatErrors(_ str: String, _ s: StructuralSchema, name: String) -> [FieldError] {
        guard let format = s.validatedFormat, SchemaFormats.supported.contains(format.filter({ $0 != "-" }).lowercased())
        else { return [] }
        if SchemaFormats.validates(format, str) { return [] }
        return [SchemaErrors.typeInvalid(fieldPath(name), .string(str),
            say(name, "must be of type \(format): \(GoFormat.quote(str))"))]
    }

    // MARK: numbers

    private func numberErrors(_ data: JSON, _ s: StructuralSchema, name: String) -> [FieldError] {
        let path = fieldPath(name)
        var errors: [FieldError] = []
        if let factor = s.multipleOf {
            if case .int(let i) = data, let f = Int64(exactly: factor.rounded(.towardZero)), f != 0 {
                if f < 0 {
                    errors.append(SchemaErrors.invalid(path, .int(f),
                        "factor MultipleOf declared for \(name) must be positive: \(f)"))
                } else if (i / f) * f != i {
                    errors.append(SchemaErrors.invalid(path, data, say(name, "should be a multiple of \(f)")))
                }
            } else if let d = data.doubleValue {
                if factor < 0 {
                    errors.append(SchemaErrors.invalid(path, .double(factor),
                        "factor MultipleOf declared for \(name) must be positive: \(GoFormat.float(factor))"))
                } else {
                    let mult = factor < 1 ? 1 / factor * d : d / factor
                    if !isJSONInteger(mult) {
                        errors.append(SchemaErrors.invalid(path, data,
                            say(name, "should be a multiple of \(GoFormat.float(factor))")))
                    }
                }
            }
        }
        if let min = s.minimum {
            let exclusive = s.exclusiveMinimum
            let word = exclusive ? "greater than" : "greater than or equal to"
            if case .int(let i) = data {
                let m = Self.truncated(min)
                if (!exclusive && i < m) || (exclusive && i <= m) {
                    errors.append(SchemaErrors.invalid(path, data, say(name, "should be \(word) \(m)")))
                }
            } else if let d = data.doubleValue, (!exclusive && d < min) || (exclusive && d <= min) {
                errors.append(SchemaErrors.invalid(path, data, say(name, "should be \(word) \(GoFormat.float(min))")))
            }
        }
        if let max = s.maximum {
            let exclusive = s.exclusiveMaximum
            let word = exclusive ? "less than" : "less than or equal to"
            if case .int(let i) = data {
                let m = Self.truncated(max)
                if (!exclusive && i > m) || (exclusive && i >= m) {
                    errors.append(SchemaErrors.invalid(path, data, say(name, "should be \(word) \(m)")))
                }
            } else if let d = data.doubleValue, (!exclusive && d > max) || (exclusive && d >= max) {
                errors.append(SchemaErrors.invalid(path, data, say(name, "should be \(word) \(GoFormat.float(max))")))
            }
        }
        return errors
    }

    /// Go's `int64(f)` for a bound compared against an integer value.
    private static func truncated(_ d: Double) -> Int64 {
        if d >= 9.2e18 { return .max }
        if d <= -9.2e18 { return .min }
        return Int64(d.rounded(.towardZero))
    }

    // MARK: arrays

    private func sliceErrors(_ items: [JSON], _ s: StructuralSchema, name: String) -> [FieldError] {
        var errors: [FieldError] = []
        if let itemSchema = s.items {
            for (i, item) in items.enumerated() {
                errors += validate(item, itemSchema, name: "\(name)[\(i)]")
            }
        }
        let size = Int64(items.count)
        let path = fieldPath(name)
        if let min = s.minItems, size < min {
            errors.append(SchemaErrors.invalid(path, .int(size), say(name, "should have at least \(min) items")))
        }
        if let max = s.maxItems, size > max {
            errors.append(SchemaErrors.tooMany(path, actual: size, max: max))
        }
        if s.uniqueItems {
            outer: for i in items.indices {
                for j in items.indices where j < i && items[j] == items[i] {
                    errors.append(SchemaErrors.invalid(path, .string(""), say(name, "shouldn't contain duplicates")))
                    break outer
                }
            }
        }
        return errors
    }

    // MARK: enum

    private func enumErrors(_ data: JSON, _ s: StructuralSchema, name: String) -> [FieldError] {
        guard let values = s.enumValues, !values.isEmpty else { return [] }
        if values.contains(where: { $0 == data }) { return [] }
        let supported = values.map { value -> String in
            if case .string(let str) = value { return str }
            return value.jsonString
        }
        return [SchemaErrors.notSupported(fieldPath(name), data, supported)]
    }

    // MARK: objects

    private func objectErrors(_ object: JSONObject, _ s: StructuralSchema, name: String) -> [FieldError] {
        let path = fieldPath(name)
        let count = Int64(object.count)
        if let min = s.minProperties, count < min {
            return [SchemaErrors.invalid(path, .int(count), say(name, "should have at least \(min) properties"))]
        }
        if let max = s.maxProperties, count > max {
            return [SchemaErrors.tooMany(path, actual: count, max: max)]
        }
        var errors: [FieldError] = []
        if let additional = s.additionalProperties, !additional.allows {
            for (key, _) in object where s.properties[key] == nil {
                errors.append(SchemaErrors.invalid(path, .string(key), "\(name).\(key) in body is a forbidden property"))
            }
        } else if let additionalSchema = s.additionalProperties?.schema {
            for (key, value) in object where s.properties[key] == nil {
                errors += validate(value, additionalSchema, name: "\(name).\(key)")
            }
        }
        let atResourceRoot = resourceRoot && name.isEmpty
        for propertyName in s.propertyNames {
            guard let value = object[propertyName], let propertySchema = s.properties[propertyName] else { continue }
            let childName = name.isEmpty ? propertyName : "\(name).\(propertyName)"
            if atResourceRoot && Self.resourceMetaFields.contains(propertyName) {
                errors += nameRuleErrors(value, propertySchema, name: childName, isMetadata: propertyName == "metadata")
                continue
            }
            errors += validate(value, propertySchema, name: childName)
        }
        for key in s.required where object[key] == nil && !(atResourceRoot && Self.resourceMetaFields.contains(key)) {
            errors.append(SchemaErrors.required(fieldPath("\(name).\(key)")))
        }
        return errors
    }
}

extension OpenAPIValidator {
    static let resourceMetaFields: Set<String> = ["apiVersion", "kind", "metadata"]

    /// At a resource's root only `metadata.name` and `metadata.generateName` are checked against the schema.
    fileprivate func nameRuleErrors(_ value: JSON, _ s: StructuralSchema, name: String, isMetadata: Bool) -> [FieldError] {
        guard isMetadata, case .object(let meta) = value else { return [] }
        var errors: [FieldError] = []
        for key in ["name", "generateName"] {
            if let member = meta[key], let sub = s.properties[key] {
                errors += validate(member, sub, name: "\(name).\(key)")
            }
        }
        return errors
    }
}

/// go-openapi's `IsFloat64AJSONInteger`: an integer within ±2^53, allowing a relative error of 1e-9.
func isJSONInteger(_ f: Double) -> Bool {
    guard f.isFinite, f >= -9_007_199_254_740_992, f <= 9_007_199_254_740_992 else { return false }
    if f == f.rounded(.towardZero) { return true }
    let g = f.rounded(.towardZero)
    let diff = abs(f - g)
    if g == 0 { return diff < 1e-9 * Double.leastNonzeroMagnitude }
    return diff / min(abs(f) + abs(g), Double.greatestFiniteMagnitude) < 1e-9
}
