import KubeJSON

// The checks of apimachinery's pkg/api/validation/objectmeta.go on `metadata`, read straight from the request's
// JSON. Paths and messages are upstream's, including its quirks: label, annotation, owner-reference and finalizer
// errors point at the map or list itself (`metadata.labels`), not at the entry.
//
// Upstream decodes into typed structs first, so a wrongly typed member never reaches validation there (it is a
// 400 decode error). Here such a member is reported as FieldValueTypeInvalid rather than silently skipped.

/// Annotations, keys and values together, may not exceed this many bytes (TotalAnnotationSizeLimitB).
public let totalAnnotationSizeLimitBytes = 256 * 1024

/// The detail of every immutability error.
public let fieldImmutableErrorMessage = "field is immutable"

/// Validates `metadata` of an object being created. A name is required unless `generateName` is set (upstream
/// generates the name before validating; this accepts either order). `namespaced` says whether the kind lives in
/// a namespace: then `metadata.namespace` is required, else forbidden.
public func validateObjectMeta(_ meta: JSON?, namespaced: Bool, nameKind: NameKind,
                               path: FieldPath = FieldPath("metadata")) -> [FieldError]
{
    let object = meta?.objectValue ?? JSONObject()
    var errors: [FieldError] = []

    let generateName = metaString(object, "generateName", path, &errors)
    if !generateName.isEmpty {
        for message in nameKind.validate(generateName, prefix: true) {
            errors.append(.invalidQuoted(path.child("generateName").description, generateName, message))
        }
    }
    let name = metaString(object, "name", path, &errors)
    if name.isEmpty {
        if generateName.isEmpty {
            errors.append(.required(path.child("name").description, "name or generateName is required"))
        }
    } else {
        for message in nameKind.validate(name, prefix: false) {
            errors.append(.invalidQuoted(path.child("name").description, name, message))
        }
    }

    let namespace = metaString(object, "namespace", path, &errors)
    if namespaced {
        if namespace.isEmpty {
            errors.append(.required(path.child("namespace").description))
        } else {
            for message in NameKind.dns1123Label.validate(namespace, prefix: false) {
                errors.append(.invalidQuoted(path.child("namespace").description, namespace, message))
            }
        }
    } else if !namespace.isEmpty {
        errors.append(.forbidden(path.child("namespace").description, "not allowed on this type"))
    }

    if let generation = object["generation"]?.intValue, generation < 0 {
        errors.append(.invalid(path.child("generation").description, .int(generation), "must be greater than or equal to 0"))
    }
    errors += validateLabels(object["labels"], path: path.child("labels"))
    errors += validateAnnotations(object["annotations"], path: path.child("annotations"))
    errors += validateOwnerReferences(object["ownerReferences"], path: path.child("ownerReferences"))
    errors += validateFinalizers(object["finalizers"], path: path.child("finalizers"))
    return errors
}

/// Validates `metadata` of an object replacing `old` (ValidateObjectMetaAccessorUpdate). Call it after the update
/// flow has carried over what kube-apiserver carries over (resourceVersion for unconditional updates, uid when
/// absent, creationTimestamp, generation): upstream validates after those steps, so an update that omits them
/// must not fail here.
public func validateObjectMetaUpdate(new newMeta: JSON?, old oldMeta: JSON?,
                                     path: FieldPath = FieldPath("metadata")) -> [FieldError]
{
    let new = newMeta?.objectValue ?? JSONObject()
    let old = oldMeta?.objectValue ?? JSONObject()
    var errors: [FieldError] = []

    if isSet(old["deletionTimestamp"]) {
        let oldFinalizers = Set(stringList(old["finalizers"]))
        let added = Set(stringList(new["finalizers"])).subtracting(oldFinalizers).sorted(by: GoFormat.bytewiseLess)
        if !added.isEmpty {
            errors.append(.forbidden(path.child("finalizers").description,
                                     "no new finalizers can be added if the object is being deleted, found new finalizers "
                                         + GoFormat.stringSliceLiteral(added)))
        }
    }

    let resourceVersion = metaString(new, "resourceVersion", path, &errors)
    if resourceVersion.isEmpty {
        errors.append(.invalidQuoted(path.child("resourceVersion").description, resourceVersion, "must be specified for an update"))
    }

    let newGeneration = new["generation"]?.intValue ?? 0
    if newGeneration < (old["generation"]?.intValue ?? 0) {
        errors.append(.invalid(path.child("generation").description, .int(newGeneration), "must not be decremented"))
    }

    // Strings compare with absent == "", as Go's zero values do; the pointer fields compare with absent == null.
    for key in ["name", "namespace", "uid"] {
        let newValue = new[key]?.stringValue ?? ""
        if newValue != (old[key]?.stringValue ?? "") {
            errors.append(.invalidQuoted(path.child(key).description, newValue, fieldImmutableErrorMessage))
        }
    }
    for key in ["creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"] {
        let newValue = setValue(new[key])
        if newValue != setValue(old[key]) {
            errors.append(.invalidJSON(path.child(key).description, newValue, fieldImmutableErrorMessage))
        }
    }

    errors += validateLabels(new["labels"], path: path.child("labels"))
    errors += validateAnnotations(new["annotations"], path: path.child("annotations"))
    errors += validateOwnerReferences(new["ownerReferences"], path: path.child("ownerReferences"))
    return errors
}

// MARK: - Parts

/// Label keys must be qualified names and values label values (metav1 validation's ValidateLabels).
public func validateLabels(_ labels: JSON?, path: FieldPath) -> [FieldError] {
    guard let entries = objectMembers(labels) else { return typeError(labels, path, "object") }
    var errors: [FieldError] = []
    for (key, value) in entries {
        guard let value = value.stringValue else {
            errors.append(typeInvalid(path.key(key), value, "string"))
            continue
        }
        for message in NameValidation.isQualifiedName(key) {
            errors.append(.invalidQuoted(path.description, key, message))
        }
        for message in NameValidation.isValidLabelValue(value) {
            errors.append(.invalidQuoted(path.description, value, message))
        }
    }
    return errors
}

/// Annotation keys are qualified names, compared case-insensitively; keys and values together stay within 256 KiB.
public func validateAnnotations(_ annotations: JSON?, path: FieldPath) -> [FieldError] {
    guard let entries = objectMembers(annotations) else { return typeError(annotations, path, "object") }
    var errors: [FieldError] = []
    var totalSize = 0
    for (key, value) in entries {
        for message in NameValidation.isQualifiedName(key.lowercased()) {
            errors.append(.invalidQuoted(path.description, key, message))
        }
        guard let value = value.stringValue else {
            errors.append(typeInvalid(path.key(key), value, "string"))
            continue
        }
        totalSize += key.utf8.count + value.utf8.count
    }
    if totalSize > totalAnnotationSizeLimitBytes {
        errors.append(.tooLong(path.description, totalAnnotationSizeLimitBytes))
    }
    return errors
}

/// apiVersion (with a version), kind, name and uid are required in each reference; at most one may be the
/// controller; an Event cannot own anything.
public func validateOwnerReferences(_ references: JSON?, path: FieldPath) -> [FieldError] {
    guard let list = arrayValue(references) else { return typeError(references, path, "array") }
    var errors: [FieldError] = []
    var firstController = ""
    for reference in list {
        guard let object = reference.objectValue else {
            errors.append(typeInvalid(path, reference, "object"))
            continue
        }
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        let kind = object["kind"]?.stringValue ?? ""
        let name = object["name"]?.stringValue ?? ""
        let uid = object["uid"]?.stringValue ?? ""
        let (group, version) = parseGroupVersion(apiVersion)
        if version.isEmpty {
            errors.append(.invalidQuoted(path.child("apiVersion").description, apiVersion, "version must not be empty"))
        }
        if kind.isEmpty { errors.append(.invalidQuoted(path.child("kind").description, kind, "must not be empty")) }
        if name.isEmpty { errors.append(.invalidQuoted(path.child("name").description, name, "must not be empty")) }
        if uid.isEmpty { errors.append(.invalidQuoted(path.child("uid").description, uid, "must not be empty")) }
        if group.isEmpty && version == "v1" && kind == "Event" {
            errors.append(.invalidJSON(path.description, goOwnerReference(object),
                                       "\(group)/\(version), Kind=\(kind) is disallowed from being an owner"))
        }
        if object["controller"]?.boolValue == true {
            let current = kind + "/" + name
            if firstController.isEmpty {
                firstController = current
            } else {
                errors.append(.invalidJSON(path.description, .array(list.map { goOwnerReference($0.objectValue ?? [:]) }),
                                           "Only one reference can have Controller set to true. Found \"true\" in references for \(firstController) and \(current)"))
            }
        }
    }
    return errors
}

/// Finalizers are qualified names, and `orphan` and `foregroundDeletion` exclude each other.
public func validateFinalizers(_ finalizers: JSON?, path: FieldPath) -> [FieldError] {
    guard let list = arrayValue(finalizers) else { return typeError(finalizers, path, "array") }
    var errors: [FieldError] = []
    var names: [String] = []
    for (i, item) in list.enumerated() {
        guard let name = item.stringValue else {
            errors.append(typeInvalid(path.index(i), item, "string"))
            continue
        }
        names.append(name)
        for message in NameValidation.isQualifiedName(name) {
            errors.append(.invalidQuoted(path.description, name, message))
        }
    }
    if names.contains("orphan") && names.contains("foregroundDeletion") {
        errors.append(.invalidJSON(path.description, .array(names.map { .string($0) }),
                                   "finalizer orphan and foregroundDeletion cannot be both set"))
    }
    return errors
}

/// The extra rule built-in (core) kinds add on create and update: a finalizer without a '/' must be one of the
/// standard names. Custom resources do not apply it.
public func validateKubeFinalizerNames(_ finalizers: JSON?, path: FieldPath) -> [FieldError] {
    let standard: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]
    var errors: [FieldError] = []
    for (i, item) in (arrayValue(finalizers) ?? []).enumerated() {
        guard let name = item.stringValue, !name.contains("/"), !standard.contains(name) else { continue }
        errors.append(.invalidQuoted(path.index(i).description, name,
                                     "name is neither a standard finalizer name nor is it fully qualified"))
    }
    return errors
}

// MARK: - Helpers

/// A string member; absent or null reads as "" (Go's zero value), another type is reported.
private func metaString(_ object: JSONObject, _ key: String, _ path: FieldPath, _ errors: inout [FieldError]) -> String {
    switch object[key] {
    case .string(let s)?: return s
    case nil, .null?: return ""
    case let other?:
        errors.append(typeInvalid(path.child(key), other, "string"))
        return ""
    }
}

/// The members of an object-valued field; nil when the field holds something other than an object or null.
private func objectMembers(_ value: JSON?) -> JSONObject? {
    switch value {
    case nil, .null?: return JSONObject()
    case .object(let object)?: return object
    default: return nil
    }
}

private func arrayValue(_ value: JSON?) -> [JSON]? {
    switch value {
    case nil, .null?: return []
    case .array(let list)?: return list
    default: return nil
    }
}

private func stringList(_ value: JSON?) -> [String] {
    (value?.arrayValue ?? []).compactMap(\.stringValue)
}

private func isSet(_ value: JSON?) -> Bool {
    setValue(value) != nil
}

/// nil for absent and null, which Go cannot tell apart in a pointer field.
private func setValue(_ value: JSON?) -> JSON? {
    guard let value, !value.isNull else { return nil }
    return value
}

private func typeInvalid(_ path: FieldPath, _ value: JSON, _ type: String) -> FieldError {
    FieldError(.typeInvalid, path.description, value: GoFormat.json(value), "must be of type \(type)")
}

private func typeError(_ value: JSON?, _ path: FieldPath, _ type: String) -> [FieldError] {
    [typeInvalid(path, value ?? .null, type)]
}

/// schema.ParseGroupVersion: "" and "/" are empty, "v1" is core, "g/v" splits, more slashes is no version at all.
private func parseGroupVersion(_ apiVersion: String) -> (group: String, version: String) {
    if apiVersion.isEmpty || apiVersion == "/" { return ("", "") }
    let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false)
    switch parts.count {
    case 1: return ("", apiVersion)
    case 2: return (String(parts[0]), String(parts[1]))
    default: return ("", "")
    }
}

/// An owner reference the way Go marshals the OwnerReference struct: its fields in declaration order, the
/// optional booleans only when set.
private func goOwnerReference(_ object: JSONObject) -> JSON {
    var out = JSONObject()
    for key in ["apiVersion", "kind", "name", "uid"] {
        out[key] = .string(object[key]?.stringValue ?? "")
    }
    for key in ["controller", "blockOwnerDeletion"] {
        if let flag = object[key]?.boolValue { out[key] = .bool(flag) }
    }
    return .object(out)
}
