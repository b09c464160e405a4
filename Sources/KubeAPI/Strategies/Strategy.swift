import KubeJSON

/// The per-kind steps of a write, in kube-apiserver's order: decode (pruning unknown fields), default,
/// validate. Built-in kinds use their strategies; custom resources their CRD schema.
extension KubeAPIServer {
    /// Drops fields the kind does not have and reports them per `fieldValidation`: Strict rejects, Warn warns.
    func applySchema(_ object: inout JSON, type: ResourceType, validation: FieldValidation) throws(APIError) -> [String] {
        var unknown: [String] = []
        if let custom = type.custom {
            unknown = customResourcePrune(&object, custom: custom)
        } else {
            unknown = BuiltinSchemas.shared.prune(&object, group: type.group, version: type.version, kind: type.kind)
        }
        guard !unknown.isEmpty else { return [] }
        let messages = unknown.map { "unknown field \"\($0)\"" }
        switch validation {
        case .strict: throw .badRequest("strict decoding error: " + messages.joined(separator: ", "))
        case .warn: return messages
        case .ignore: return []
        }
    }

    func applyDefaults(_ object: inout JSON, type: ResourceType) {
        if let custom = type.custom {
            customResourceDefault(&object, custom: custom)
        } else if type.isCustomResourceDefinition {
            object = defaultCRD(object)
        } else {
            BuiltinDefaults.apply(group: type.group, kind: type.kind, to: &object)
        }
    }

    func validateCreate(_ object: JSON, type: ResourceType) throws(APIError) {
        var errors = validateObjectMeta(object["metadata"], namespaced: type.namespaced, nameKind: type.nameRule,
                                        path: FieldPath("metadata"))
        if let custom = type.custom {
            errors += customResourceValidate(object, custom: custom)
        } else if type.isCustomResourceDefinition {
            errors += validateCRD(object)
        } else {
            errors += BuiltinValidation.validateCreate(group: type.group, kind: type.kind, object)
        }
        if !errors.isEmpty { throw invalid(type, object, errors) }
    }

    func validateUpdate(_ object: JSON, old: JSON, type: ResourceType) throws(APIError) {
        var errors = validateObjectMeta(object["metadata"], namespaced: type.namespaced, nameKind: type.nameRule,
                                        path: FieldPath("metadata"))
        errors += validateObjectMetaUpdate(new: object["metadata"], old: old["metadata"])
        if let custom = type.custom {
            errors += customResourceValidate(object, custom: custom)
        } else if type.isCustomResourceDefinition {
            errors += validateCRDUpdate(object, old: old)
        } else {
            errors += BuiltinValidation.validateUpdate(group: type.group, kind: type.kind, object, old: old)
        }
        if !errors.isEmpty { throw invalid(type, object, errors) }
    }

    private func invalid(_ type: ResourceType, _ object: JSON, _ errors: [FieldError]) -> APIError {
        APIError.invalid(kind: type.kind, group: type.group, name: object[path: "metadata", "name"]?.stringValue ?? "", errors)
    }

    /// Allocations that need cluster state: Service cluster IPs and node ports, Job selectors.
    func allocate(_ object: inout JSON, type: ResourceType, dryRun: Bool, old: JSON? = nil) async throws(APIError) {
        switch (type.group, type.kind) {
        case ("", "Service"):
            try allocator.allocate(&object, old: old, existing: { [store] in
                (try? store.list(resource: "/services", namespace: nil, atRevision: nil).items.map { $0.json() }) ?? []
            })
        case ("batch", "Job"):
            if let uid = object[path: "metadata", "uid"]?.stringValue, old == nil {
                BuiltinDefaults.jobSelectorAndLabels(&object, uid: uid)
            }
        default:
            break
        }
    }
}

extension LabelSelector {
    /// The string form of a `metav1.LabelSelector` object, as Scale's `status.selector` carries it.
    static func string(fromJSON json: JSON) -> String? {
        guard let selector = try? LabelSelector(json: json, whenAbsent: .everything) else { return nil }
        return selector.description
    }
}
