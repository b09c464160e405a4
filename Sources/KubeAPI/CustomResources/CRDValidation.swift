import KubeJSON

/// Validates a `CustomResourceDefinition` (apiextensions.k8s.io/v1, already defaulted by `defaultCRD`) as
/// kube-apiserver does on create, with its messages and field paths.
///
/// Upstream validates the internal form of the CRD: when every version has the same schema (or subresources,
/// or printer columns) it is hoisted to `spec.validation` (`spec.subresources`, `spec.additionalPrinterColumns`),
/// so errors in a single-version CRD's schema read `spec.validation.openAPIV3Schema.properties[spec]...`.
/// The same paths are produced here.
///
/// Not covered: generic ObjectMeta rules other than the name (labels, annotations... are the generic metadata
/// validation's), CEL compilation of `x-kubernetes-validations`, and `selectableFields` paths.
public func validateCRD(_ crd: JSON) -> [FieldError] {
    CRDValidator(crd: crd, old: nil).validate()
}

/// Validation of an update: everything `validateCRD` checks, relaxed where the stored CRD already breaks a
/// rule, plus the immutable fields (`spec.group`, `spec.names.plural`; `spec.scope` and `spec.names.kind` once
/// the CRD is Established).
public func validateCRDUpdate(_ crd: JSON, old: JSON) -> [FieldError] {
    CRDValidator(crd: crd, old: old).validate()
}

struct CRDValidator {
    let crd: JSON
    let old: JSON?
    let spec: JSONObject
    let versions: [JSONObject]
    /// The internal form's per-version and top-level fields after hoisting identical ones.
    let topSchema: JSON?, topSubresources: JSON?, topColumns: [JSON]?
    let versionSchemas: [JSON?], versionSubresources: [JSON?], versionColumns: [[JSON]]

    init(crd: JSON, old: JSON?) {
        self.crd = crd
        self.old = old
        spec = crd["spec"]?.objectValue ?? JSONObject()
        versions = (spec["versions"]?.arrayValue ?? []).map { $0.objectValue ?? JSONObject() }
        func nonNull(_ v: JSON?) -> JSON? { v.flatMap { $0.isNull ? nil : $0 } }
        let schemas = versions.map { nonNull($0["schema"]) }
        let subresources = versions.map { nonNull($0["subresources"]) }
        let columns = versions.map { $0["additionalPrinterColumns"]?.arrayValue ?? [] }
        let hoistSchemas = !versions.isEmpty && schemas.allSatisfy { $0 == schemas[0] }
        let hoistSubresources = !versions.isEmpty && subresources.allSatisfy { $0 == subresources[0] }
        let hoistColumns = !versions.isEmpty && columns.allSatisfy { $0 == columns[0] }
        topSchema = hoistSchemas ? schemas[0] : nil
        topSubresources = hoistSubresources ? subresources[0] : nil
        topColumns = hoistColumns && !columns[0].isEmpty ? columns[0] : nil
        versionSchemas = hoistSchemas ? schemas.map { _ in nil } : schemas
        versionSubresources = hoistSubresources ? subresources.map { _ in nil } : subresources
        versionColumns = hoistColumns ? columns.map { _ in [] } : columns
    }

    var preserveUnknownFields: Bool { spec["preserveUnknownFields"]?.boolValue ?? false }

    func validate() -> [FieldError] {
        var errors = metadataNameErrors()
        errors += specErrors()
        errors += namesErrors(crd[path: "status", "acceptedNames"]?.objectValue ?? JSONObject(),
            path: FieldPath("status").child("acceptedNames"))
        errors += storedVersionsErrors()
        errors += apiApprovalErrors()
        errors += preserveUnknownFieldsErrors()
        if let old { errors += immutableFieldErrors(old) }
        return errors
    }

    // MARK: metadata

    /// The name rules of the CRD's ObjectMeta validation: a DNS subdomain equal to `<plural>.<group>`.
    func metadataNameErrors() -> [FieldError] {
        let path = FieldPath("metadata").child("name")
        let name = crd[path: "metadata", "name"]?.stringValue ?? ""
        if name.isEmpty {
            if let generateName = crd[path: "metadata", "generateName"]?.stringValue, !generateName.isEmpty { return [] }
            return [SchemaErrors.required(path, "name or generateName is required")]
        }
        var messages = CRDNameRules.nameIsDNSSubdomain(name, prefix: false)
        let plural = spec["names"]?["plural"]?.stringValue ?? ""
        let group = spec["group"]?.stringValue ?? ""
        if name != plural + "." + group { messages.append("must be spec.names.plural+\".\"+spec.group") }
        return messages.map { SchemaErrors.invalid(path, .string(name), $0) }
    }

    // MARK: spec

    var schemaOptions: CRDSchemaOptions {
        guard let old else { return CRDSchemaOptions() }
        let oldValidator = CRDValidator(crd: old, old: nil)
        var options = CRDSchemaOptions()
        let oldSchemas = ([oldValidator.topSchema] + oldValidator.versionSchemas).compactMap { $0?["openAPIV3Schema"] }
        let oldCompiled = oldSchemas.filter(\.isObject).map(StructuralSchema.compile)
        options.requireValidPropertyType = !oldCompiled.contains { hasInvalidType($0) }
        options.requireStructuralSchema = !oldCompiled.contains { !structuralSchemaErrors($0, path: FieldPath("")).isEmpty }
        return options
    }

    private func hasInvalidType(_ s: StructuralSchema) -> Bool {
        let valid: Set<String> = ["array", "boolean", "integer", "number", "object", "string"]
        if let t = s.type, !t.isEmpty, !valid.contains(t) { return true }
        let children = s.propertyNames.compactMap { s.properties[$0] } + [s.items, s.additionalProperties?.schema, s.not]
            .compactMap { $0 } + s.allOf + s.anyOf + s.oneOf
        return children.contains { hasInvalidType($0) }
    }

    /// Whether every version of the old CRD had a schema; if not, an update need not add them.
    var requireOpenAPISchema: Bool {
        guard let old else { return true }
        let v = CRDValidator(crd: old, old: nil)
        if v.topSchema?["openAPIV3Schema"] != nil { return true }
        return v.versionSchemas.allSatisfy { $0?["openAPIV3Schema"] != nil }
    }

    func specErrors() -> [FieldError] {
        let path = FieldPath("spec")
        var errors: [FieldError] = []
        let group = spec["group"]?.stringValue ?? ""
        if group.isEmpty {
            errors.append(SchemaErrors.required(path.child("group")))
        } else if case let problems = CRDNameRules.dns1123SubdomainErrors(group), !problems.isEmpty {
            errors.append(SchemaErrors.invalid(path.child("group"), .string(group), problems.joined(separator: ",")))
        } else if !group.contains(".") {
            errors.append(SchemaErrors.invalid(path.child("group"), .string(group), "should be a domain with at least one dot"))
        }
        errors += enumErrors(path.child("scope"), spec["scope"]?.stringValue ?? "", ["Cluster", "Namespaced"])

        var options = schemaOptions
        if requireOpenAPISchema {
            if topSchema?["openAPIV3Schema"] == nil {
                for (i, schema) in versionSchemas.enumerated() where schema?["openAPIV3Schema"] == nil {
                    errors.append(SchemaErrors.required(path.child("versions").index(i).child("schema").child("openAPIV3Schema"),
                        "schemas are required"))
                }
            }
        } else if !preserveUnknownFields && topSchema?["openAPIV3Schema"] == nil {
            for (i, schema) in versionSchemas.enumerated()
            where versions[i]["served"]?.boolValue == true && schema?["openAPIV3Schema"] == nil {
                errors.append(SchemaErrors.required(path.child("versions").index(i).child("schema").child("openAPIV3Schema"),
                    "because otherwise all fields are pruned"))
            }
        }
        let allSchemas = ([topSchema] + versionSchemas).compactMap { $0?["openAPIV3Schema"] }.filter(\.isObject)
        if allSchemas.contains(where: { schemaHasDefault(.compile($0)) }) && preserveUnknownFields {
            errors.append(SchemaErrors.invalid(path.child("preserveUnknownFields"), true,
                "must be false in order to use defaults in the schema"))
        }
        options.requireStructuralSchema = options.requireStructuralSchema || !preserveUnknownFields

        var storageCount = 0
        var seen: Set<String> = []
        var unique = true
        for (i, version) in versions.enumerated() {
            let vPath = path.child("versions").index(i)
            let name = version["name"]?.stringValue ?? ""
            if version["storage"]?.boolValue == true { storageCount += 1 }
            if !seen.insert(name).inserted { unique = false }
            let problems = CRDNameRules.dns1035LabelErrors(name)
            if !problems.isEmpty {
                errors.append(SchemaErrors.invalid(vPath.child("name"), .string(name), problems.joined(separator: ",")))
            }
            errors += versionErrors(i, path: vPath, options: options)
        }
        if !unique {
            errors.append(SchemaErrors.invalid(path.child("versions"), rendered: goVersions(), "must contain unique version names"))
        }
        if storageCount != 1 {
            errors.append(SchemaErrors.invalid(path.child("versions"), rendered: goVersions(),
                "must have exactly one version marked as storage version"))
        }
        if let first = versions.first?["name"]?.stringValue, !first.isEmpty {
            // the internal form repeats versions[0].name as spec.version, and checks it again
            let problems = CRDNameRules.dns1035LabelErrors(first)
            if !problems.isEmpty {
                errors.append(SchemaErrors.invalid(path.child("version"), .string(first), problems.joined(separator: ",")))
            }
        }

        let names = spec["names"]?.objectValue ?? JSONObject()
        for key in ["plural", "singular", "kind", "listKind"] where (names[key]?.stringValue ?? "").isEmpty {
            errors.append(SchemaErrors.required(path.child("names").child(key)))
        }
        errors += namesErrors(names, path: path.child("names"))
        errors += crdValidationErrors(topSchema, statusEnabled: anyStatusEnabled, options: options, path: path.child("validation"))
        errors += subresourceErrors(topSubresources, path: path.child("subresources"))
        for (i, column) in (topColumns ?? []).enumerated() {
            errors += columnErrors(column, path: path.child("additionalPrinterColumns").index(i))
        }
        errors += conversionErrors(path: path.child("conversion"))
        return errors
    }

    var anyStatusEnabled: Bool {
        isStatusEnabled(topSubresources) || versionSubresources.contains { isStatusEnabled($0) }
    }

    private func isStatusEnabled(_ subresources: JSON?) -> Bool {
        guard let status = subresources?["status"] else { return false }
        return !status.isNull
    }

    private func schemaHasDefault(_ s: StructuralSchema) -> Bool {
        if s.defaultValue != nil { return true }
        let children = s.propertyNames.compactMap { s.properties[$0] } + [s.items, s.additionalProperties?.schema, s.not]
            .compactMap { $0 } + s.allOf + s.anyOf + s.oneOf
        return children.contains { schemaHasDefault($0) }
    }

    func versionErrors(_ i: Int, path: FieldPath, options: CRDSchemaOptions) -> [FieldError] {
        let version = versions[i]
        var errors: [FieldError] = []
        let deprecated = version["deprecated"]?.boolValue ?? false
        if let warning = version["deprecationWarning"], !warning.isNull {
            let text = warning.stringValue ?? ""
            var problems: [String] = []
            if !deprecated { problems.append("can only be set for deprecated versions") } else {
                if text.utf8.count > 256 { problems.append("must be <= 256 characters long") }
                if text.isEmpty { problems.append("must not be an empty string") }
                var offset = 0
                for scalar in text.unicodeScalars {
                    if !isPrintable(scalar) {
                        problems.append("must only contain printable UTF-8 characters; non-printable character found at index \(offset)")
                        break
                    }
                    offset += String(scalar).utf8.count
                }
            }
            for problem in problems {
                errors.append(SchemaErrors.invalid(path.child("deprecationWarning"), .string(text), problem))
            }
        }
        let subresources = versionSubresources[i] ?? topSubresources
        errors += crdValidationErrors(versionSchemas[i], statusEnabled: isStatusEnabled(subresources), options: options,
            path: path.child("schema"))
        errors += subresourceErrors(versionSubresources[i], path: path.child("subresources"))
        for (j, column) in versionColumns[i].enumerated() {
            errors += columnErrors(column, path: path.child("additionalPrinterColumns").index(j))
        }
        return errors
    }

    /// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
    private func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    func enumErrors(_ path: FieldPath, _ value: String, _ accepted: [String]) -> [FieldError] {
        if value.isEmpty { return [SchemaErrors.required(path)] }
        return accepted.contains(value) ? [] : [SchemaErrors.notSupported(path, .string(value), accepted)]
    }

    func namesErrors(_ names: JSONObject, path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for key in ["plural", "singular"] {
            if let value = names[key]?.stringValue, !value.isEmpty {
                let problems = CRDNameRules.dns1035LabelErrors(value)
                if !problems.isEmpty {
                    errors.append(SchemaErrors.invalid(path.child(key), .string(value), problems.joined(separator: ",")))
                }
            }
        }
        for key in ["kind", "listKind"] {
            if let value = names[key]?.stringValue, !value.isEmpty {
                let problems = CRDNameRules.dns1035LabelErrors(value.lowercased())
                if !problems.isEmpty {
                    errors.append(SchemaErrors.invalid(path.child(key), .string(value),
                        "may have mixed case, but should otherwise match: " + problems.joined(separator: ",")))
                }
            }
        }
        for (i, short) in (names["shortNames"]?.arrayValue ?? []).enumerated() {
            let value = short.stringValue ?? ""
            let problems = CRDNameRules.dns1035LabelErrors(value)
            if !problems.isEmpty {
                errors.append(SchemaErrors.invalid(path.child("shortNames").index(i), .string(value), problems.joined(separator: ",")))
            }
        }
        if let kind = names["kind"]?.stringValue, !kind.isEmpty, kind == names["listKind"]?.stringValue {
            errors.append(SchemaErrors.invalid(path.child("listKind"), .string(kind), "kind and listKind may not be the same"))
        }
        for (i, category) in (names["categories"]?.arrayValue ?? []).enumerated() {
            let value = category.stringValue ?? ""
            let problems = CRDNameRules.dns1035LabelErrors(value)
            if !problems.isEmpty {
                errors.append(SchemaErrors.invalid(path.child("categories").index(i), .string(value), problems.joined(separator: ",")))
            }
        }
        return errors
    }

    // MARK: subresources and printer columns

    func subresourceErrors(_ subresources: JSON?, path: FieldPath) -> [FieldError] {
        guard let scale = subresources?["scale"], scale.isObject else { return [] }
        var errors: [FieldError] = []
        let specPath = path.child("scale.specReplicasPath")
        let spec = scale["specReplicasPath"]?.stringValue ?? ""
        if spec.isEmpty {
            errors.append(SchemaErrors.required(specPath))
        } else if case let e = simpleJSONPathErrors(spec, path: specPath), !e.isEmpty {
            errors += e
        } else if !spec.hasPrefix(".spec.") {
            errors.append(SchemaErrors.invalid(specPath, .string(spec), "should be a json path under .spec"))
        }
        let statusPath = path.child("scale.statusReplicasPath")
        let status = scale["statusReplicasPath"]?.stringValue ?? ""
        if status.isEmpty {
            errors.append(SchemaErrors.required(statusPath))
        } else if case let e = simpleJSONPathErrors(status, path: statusPath), !e.isEmpty {
            errors += e
        } else if !status.hasPrefix(".status.") {
            errors.append(SchemaErrors.invalid(statusPath, .string(status), "should be a json path under .status"))
        }
        if let selector = scale["labelSelectorPath"]?.stringValue, !selector.isEmpty {
            let selectorPath = path.child("scale.labelSelectorPath")
            if case let e = simpleJSONPathErrors(selector, path: selectorPath), !e.isEmpty {
                errors += e
            } else if !selector.hasPrefix(".spec.") && !selector.hasPrefix(".status.") {
                errors.append(SchemaErrors.invalid(selectorPath, .string(selector), "should be a json path under either .spec or .status"))
            }
        }
        return errors
    }

    func simpleJSONPathErrors(_ s: String, path: FieldPath) -> [FieldError] {
        if s.isEmpty { return [SchemaErrors.invalid(path, .string(s), "must not be empty")] }
        if !s.hasPrefix(".") { return [SchemaErrors.invalid(path, .string(s), "must be a simple json path starting with .")] }
        return []
    }

    func columnErrors(_ column: JSON, path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let types = ["boolean", "date", "integer", "number", "string"]
        let formats = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"]
        if (column["name"]?.stringValue ?? "").isEmpty { errors.append(SchemaErrors.required(path.child("name"))) }
        let type = column["type"]?.stringValue ?? ""
        if type.isEmpty {
            errors.append(SchemaErrors.required(path.child("type"), "must be one of \(types.joined(separator: ","))"))
        } else if !types.contains(type) {
            errors.append(SchemaErrors.invalid(path.child("type"), .string(type), "must be one of \(types.joined(separator: ","))"))
        }
        if let format = column["format"]?.stringValue, !format.isEmpty, !formats.contains(format) {
            errors.append(SchemaErrors.invalid(path.child("format"), .string(format), "must be one of \(formats.joined(separator: ","))"))
        }
        let jsonPath = column["jsonPath"]?.stringValue ?? ""
        if jsonPath.isEmpty {
            errors.append(SchemaErrors.required(path.child("JSONPath")))
        } else {
            errors += simpleJSONPathErrors(jsonPath, path: path.child("JSONPath"))
        }
        return errors
    }

    /// `[]apiextensions.CustomResourceDefinitionVersion{...}` as Go's `%#v` prints the internal versions
    /// (pointers print as a placeholder address, as they would differ run to run anyway).
    func goVersions() -> String {
        func pointer(_ type: String, _ present: Bool) -> String { "(*\(type))(\(present ? "0xc000100000" : "nil"))" }
        let items = versions.indices.map { i -> String in
            let v = versions[i]
            let warning = v["deprecationWarning"].flatMap { $0.isNull ? nil : $0 } != nil
            var columns = "[]apiextensions.CustomResourceColumnDefinition(nil)"
            if !versionColumns[i].isEmpty {
                columns = "[]apiextensions.CustomResourceColumnDefinition{" + versionColumns[i].map { c in
                    "apiextensions.CustomResourceColumnDefinition{Name:\(GoFormat.quote(c["name"]?.stringValue ?? "")), "
                        + "Type:\(GoFormat.quote(c["type"]?.stringValue ?? "")), Format:\(GoFormat.quote(c["format"]?.stringValue ?? "")), "
                        + "Description:\(GoFormat.quote(c["description"]?.stringValue ?? "")), Priority:\(c["priority"]?.intValue ?? 0), "
                        + "JSONPath:\(GoFormat.quote(c["jsonPath"]?.stringValue ?? ""))}"
                }.joined(separator: ", ") + "}"
            }
            return "apiextensions.CustomResourceDefinitionVersion{Name:\(GoFormat.quote(v["name"]?.stringValue ?? "")), "
                + "Served:\(v["served"]?.boolValue ?? false), Storage:\(v["storage"]?.boolValue ?? false), "
                + "Deprecated:\(v["deprecated"]?.boolValue ?? false), DeprecationWarning:\(pointer("string", warning)), "
                + "Schema:\(pointer("apiextensions.CustomResourceValidation", versionSchemas[i] != nil)), "
                + "Subresources:\(pointer("apiextensions.CustomResourceSubresources", versionSubresources[i] != nil)), "
                + "AdditionalPrinterColumns:\(columns), SelectableFields:[]apiextensions.SelectableField(nil)}"
        }
        return "[]apiextensions.CustomResourceDefinitionVersion{" + items.joined(separator: ", ") + "}"
    }
}
