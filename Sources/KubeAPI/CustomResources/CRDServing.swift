import KubeJSON

/// `status.scale` paths of a version's scale subresource, as written in the CRD (`.spec.replicas`).
public struct CRDScale: Sendable, Equatable {
    public var specReplicasPath: String
    public var statusReplicasPath: String
    public var labelSelectorPath: String?
}

public struct CRDSubresources: Sendable, Equatable {
    public var status: Bool
    public var scale: CRDScale?
}

/// One `additionalPrinterColumns` entry (the `Name` column kubectl shows first is not among them).
public struct CRDPrinterColumn: Sendable, Equatable {
    public var name: String
    public var type: String
    public var format: String
    public var description: String
    public var priority: Int
    public var jsonPath: String
}

/// What serving one version of a custom resource needs.
public struct CRDVersion: Sendable {
    public var name: String
    public var served: Bool
    public var storage: Bool
    public var deprecated: Bool
    public var deprecationWarning: String?
    /// Nil when the version has no schema (everything but TypeMeta/ObjectMeta is then pruned).
    public var schema: StructuralSchema?
    public var subresources: CRDSubresources
    /// The printer columns, or the default `Age` column when the CRD declares none, as upstream serves them.
    public var printerColumns: [CRDPrinterColumn]
    public var selectableFields: [String]
}

public struct CRDServingInfo: Sendable {
    public var group: String
    public var plural: String
    public var singular: String
    public var kind: String
    public var listKind: String
    public var shortNames: [String]
    public var categories: [String]
    public var namespaced: Bool
    /// The served versions, in the CRD's order.
    public var versions: [CRDVersion]
    public var storageVersion: String?
    public var preserveUnknownFields: Bool

    public func version(_ name: String) -> CRDVersion? { versions.first { $0.name == name } }
}

/// Reads a (defaulted, valid) CRD into what its REST endpoints need, compiling each served version's schema
/// once. Names come from `status.acceptedNames` when the names controller has accepted them, as kube-apiserver
/// serves accepted names only; otherwise from `spec.names`.
public func crdServingInfo(_ crd: JSON) -> CRDServingInfo {
    let spec = crd["spec"] ?? .object(JSONObject())
    let accepted = crd[path: "status", "acceptedNames"]
    let useAccepted = !(accepted?["plural"]?.stringValue ?? "").isEmpty && !(accepted?["kind"]?.stringValue ?? "").isEmpty
    let names = (useAccepted ? accepted : spec["names"]) ?? .object(JSONObject())
    func string(_ v: JSON?) -> String { v?.stringValue ?? "" }
    func strings(_ v: JSON?) -> [String] { (v?.arrayValue ?? []).compactMap(\.stringValue) }

    var versions: [CRDVersion] = []
    var storage: String?
    for v in spec["versions"]?.arrayValue ?? [] {
        let name = string(v["name"])
        if v["storage"]?.boolValue == true { storage = name }
        guard v["served"]?.boolValue == true else { continue }
        let schemaJSON = v[path: "schema", "openAPIV3Schema"]
        let sub = v["subresources"]
        var scale: CRDScale?
        if let s = sub?["scale"], s.isObject {
            scale = CRDScale(specReplicasPath: string(s["specReplicasPath"]), statusReplicasPath: string(s["statusReplicasPath"]),
                labelSelectorPath: s["labelSelectorPath"]?.stringValue)
        }
        let status = sub?["status"].map { !$0.isNull } ?? false
        let columns = (v["additionalPrinterColumns"]?.arrayValue ?? []).map { c in
            CRDPrinterColumn(name: string(c["name"]), type: string(c["type"]), format: string(c["format"]),
                description: string(c["description"]), priority: Int(c["priority"]?.intValue ?? 0), jsonPath: string(c["jsonPath"]))
        }
        versions.append(CRDVersion(
            name: name, served: true, storage: v["storage"]?.boolValue ?? false,
            deprecated: v["deprecated"]?.boolValue ?? false, deprecationWarning: v["deprecationWarning"]?.stringValue,
            schema: schemaJSON.flatMap { $0.isObject ? StructuralSchema.compile($0) : nil },
            subresources: CRDSubresources(status: status, scale: scale),
            printerColumns: columns.isEmpty ? [defaultAgeColumn] : columns,
            selectableFields: (v["selectableFields"]?.arrayValue ?? []).compactMap { $0["jsonPath"]?.stringValue }))
    }
    return CRDServingInfo(
        group: string(spec["group"]), plural: string(names["plural"]), singular: string(names["singular"]),
        kind: string(names["kind"]), listKind: string(names["listKind"]), shortNames: strings(names["shortNames"]),
        categories: strings(names["categories"]), namespaced: string(spec["scope"]) != "Cluster",
        versions: versions, storageVersion: storage,
        preserveUnknownFields: spec["preserveUnknownFields"]?.boolValue ?? false)
}

/// The column served when a version declares none (upstream `serveDefaultColumnsIfEmpty`).
public let defaultAgeColumn = CRDPrinterColumn(
    name: "Age", type: "date", format: "",
    description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    priority: 0, jsonPath: ".metadata.creationTimestamp")

// MARK: - defaulting and strategy

/// apiextensions.k8s.io/v1 defaulting: `names.singular` (lowercased kind), `names.listKind` (kind + "List"),
/// `conversion: {strategy: None}`, webhook service port 443, and `status.storedVersions` (the storage version).
public func defaultCRD(_ crd: JSON) -> JSON {
    var out = crd
    guard out.isObject else { return out }
    let kind = out[path: "spec", "names", "kind"]?.stringValue ?? ""
    if (out[path: "spec", "names", "singular"]?.stringValue ?? "").isEmpty {
        out[path: "spec", "names", "singular"] = .string(kind.lowercased())
    }
    if (out[path: "spec", "names", "listKind"]?.stringValue ?? "").isEmpty && !kind.isEmpty {
        out[path: "spec", "names", "listKind"] = .string(kind + "List")
    }
    if out[path: "spec", "conversion"] == nil || out[path: "spec", "conversion"]?.isNull == true {
        out[path: "spec", "conversion"] = ["strategy": "None"]
    }
    if let service = out[path: "spec", "conversion", "webhook", "clientConfig", "service"], service.isObject,
        service["port"] == nil || service["port"]?.isNull == true
    {
        out[path: "spec", "conversion", "webhook", "clientConfig", "service", "port"] = 443
    }
    if (out[path: "status", "storedVersions"]?.arrayValue ?? []).isEmpty,
        let storage = (out[path: "spec", "versions"]?.arrayValue ?? []).first(where: { $0["storage"]?.boolValue == true }),
        let name = storage["name"]?.stringValue
    {
        if out["status"]?.isObject != true { out["status"] = .object(JSONObject()) }
        out[path: "status", "storedVersions"] = [.string(name)]
    }
    return out
}

/// The CRD strategy's create step: clients cannot set status, so it starts as just the stored version.
public func crdPrepareForCreate(_ crd: inout JSON) {
    guard crd.isObject else { return }
    var status = JSONObject()
    if let storage = (crd[path: "spec", "versions"]?.arrayValue ?? []).first(where: { $0["storage"]?.boolValue == true }),
        let name = storage["name"]?.stringValue
    {
        status["storedVersions"] = [.string(name)]
    }
    crd["status"] = .object(status)
}

/// The CRD strategy's update step: status is kept from the stored object, and a new storage version is
/// appended to `status.storedVersions`.
public func crdPrepareForUpdate(_ crd: inout JSON, old: JSON) {
    guard crd.isObject else { return }
    var status = old["status"]?.objectValue ?? JSONObject()
    var stored = status["storedVersions"]?.arrayValue ?? []
    if let storage = (crd[path: "spec", "versions"]?.arrayValue ?? []).first(where: { $0["storage"]?.boolValue == true }),
        let name = storage["name"]?.stringValue, !stored.contains(.string(name))
    {
        stored.append(.string(name))
        status["storedVersions"] = .array(stored)
    }
    crd["status"] = .object(status)
}

/// The status the names and establishing controllers give a CRD whose names do not conflict: accepted names,
/// `NamesAccepted` and `Established` (plus the API approval condition for protected groups).
public func crdEstablishedStatus(_ crd: JSON, now: String) -> JSON {
    var status = crd["status"]?.objectValue ?? JSONObject()
    var accepted = JSONObject()
    let names = crd[path: "spec", "names"]?.objectValue ?? JSONObject()
    for key in ["plural", "singular", "shortNames", "kind", "listKind", "categories"] {
        if let v = names[key], !v.isNull { accepted[key] = v }
    }
    status["acceptedNames"] = .object(accepted)
    func condition(_ type: String, _ reason: String, _ message: String) -> JSON {
        ["lastTransitionTime": .string(now), "message": .string(message), "reason": .string(reason),
         "status": "True", "type": .string(type)]
    }
    var conditions = [condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                      condition("Established", "InitialNamesAccepted", "the initial names have been accepted")]
    let group = crd[path: "spec", "group"]?.stringValue ?? ""
    if group == "k8s.io" || group.hasSuffix(".k8s.io") || group == "kubernetes.io" || group.hasSuffix(".kubernetes.io") {
        let annotation = crd[path: "metadata", "annotations", "api-approved.kubernetes.io"]?.stringValue ?? ""
        if CRDValidator.approvalState(annotation) == .approved {
            conditions.append(condition("KubernetesAPIApprovalPolicyConformant", "ApprovedAnnotation",
                "approved in \(annotation)"))
        } else if CRDValidator.approvalState(annotation) == .bypassed {
            var c = condition("KubernetesAPIApprovalPolicyConformant", "UnapprovedAnnotation", "not approved: \(GoFormat.quote(annotation))")
            c["status"] = "False"
            conditions.append(c)
        }
    }
    status["conditions"] = .array(conditions)
    if status["storedVersions"] == nil {
        status["storedVersions"] = defaultCRD(crd)[path: "status", "storedVersions"] ?? .array([])
    }
    return .object(status)
}

// MARK: - scale subresource checks on custom resources

/// The custom resource strategy's scale checks: the replicas paths must hold non-negative int32 values and
/// the selector path a string. Field paths are the CRD's JSON paths (`.spec.replicas`), as upstream prints them.
public func validateScale(_ object: JSON, scale: CRDScale) -> [FieldError] {
    var errors: [FieldError] = []
    for path in [scale.specReplicasPath, scale.statusReplicasPath] where !path.isEmpty {
        let fields = path.hasPrefix(".") ? String(path.dropFirst()) : path
        switch nestedValue(object, fields.split(separator: ".", omittingEmptySubsequences: false).map(String.init)) {
        case .failure(let message):
            errors.append(SchemaErrors.invalid(FieldPath(path), .int(0), message))
        case .success(nil):
            break
        case .success(let value?):
            guard case .int(let replicas) = value else {
                errors.append(SchemaErrors.invalid(FieldPath(path), .int(0),
                    "\(path) accessor error: \(goPlain(value)) is of the type \(goTypeName(value)), expected int64"))
                continue
            }
            if replicas < 0 {
                errors.append(SchemaErrors.invalid(FieldPath(path), value, "should be a non-negative integer"))
            } else if replicas > Int64(Int32.max) {
                errors.append(SchemaErrors.invalid(FieldPath(path), value, "should be less than or equal to 2147483647"))
            }
        }
    }
    if let selectorPath = scale.labelSelectorPath, !selectorPath.isEmpty {
        let fields = selectorPath.hasPrefix(".") ? String(selectorPath.dropFirst()) : selectorPath
        switch nestedValue(object, fields.split(separator: ".", omittingEmptySubsequences: false).map(String.init)) {
        case .failure(let message):
            errors.append(SchemaErrors.invalid(FieldPath(selectorPath), .string(""), message))
        case .success(let value?) where value.stringValue == nil:
            errors.append(SchemaErrors.invalid(FieldPath(selectorPath), .string(""),
                "\(selectorPath) accessor error: \(goPlain(value)) is of the type \(goTypeName(value)), expected string"))
        default:
            break
        }
    }
    return errors
}

private enum NestedResult {
    case success(JSON?)
    case failure(String)
}

/// `unstructured.NestedFieldNoCopy`: walks maps only; a non-map on the way is an accessor error.
private func nestedValue(_ object: JSON, _ fields: [String]) -> NestedResult {
    var current = object
    for (i, field) in fields.enumerated() {
        guard case .object(let o) = current else {
            let path = "." + fields[..<i].joined(separator: ".")
            return .failure("\(path) accessor error: \(goPlain(current)) is of the type \(goTypeName(current)), expected map[string]interface{}")
        }
        guard let next = o[field] else { return .success(nil) }
        current = next
    }
    return .success(current)
}

private func goTypeName(_ v: JSON) -> String {
    switch v {
    case .null: return "<nil>"
    case .bool: return "bool"
    case .int: return "int64"
    case .double: return "float64"
    case .string: return "string"
    case .array: return "[]interface {}"
    case .object: return "map[string]interface {}"
    }
}

/// `%v` of an unstructured value.
private func goPlain(_ v: JSON) -> String {
    switch v {
    case .null: return "<nil>"
    case .string(let s): return s
    case .double(let d): return GoFormat.float(d)
    case .array(let a): return "[" + a.map { goPlain($0) }.joined(separator: " ") + "]"
    case .object(let o):
        return "map[" + o.entries.sorted { $0.key < $1.key }.map { "\($0.key):\(goPlain($0.value))" }.joined(separator: " ") + "]"
    default: return GoFormat.fieldValue(v)
    }
}
