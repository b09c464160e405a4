import KubeJSON

/// Apply conflicts, reported as kube-apiserver does: 409 Conflict with one `FieldManagerConflict` cause per field.
public struct ApplyConflict: Error, Sendable {
    public struct Conflict: Sendable, Equatable {
        /// The manager's name (`kubectl-client-side-apply`).
        public var manager: String
        /// How messages name it (`"kubectl-client-side-apply" using v1`).
        public var managerDescription: String
        /// The field path (`.data.key1`, `.spec.containers[name="app"].image`).
        public var field: String
    }

    public var conflicts: [Conflict]

    /// Conflicts grouped by manager in identifier order, each manager's fields in field-set order.
    init(_ byManager: [ManagerKey: FieldSet]) {
        conflicts = byManager.keys.sorted { goLess($0.identifier, $1.identifier) }.flatMap { key in
            byManager[key]!.paths().map {
                Conflict(manager: key.manager, managerDescription: key.description, field: pathString($0))
            }
        }
    }

    public var message: String {
        if conflicts.count == 1 {
            return "Apply failed with 1 conflict: conflict with \(conflicts[0].managerDescription): \(conflicts[0].field)"
        }
        var lines: [String] = []
        var previous: String?
        for conflict in conflicts {
            if conflict.managerDescription != previous {
                lines.append("conflicts with \(conflict.managerDescription):")
                previous = conflict.managerDescription
            }
            lines.append("- \(conflict.field)")
        }
        return "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
    }

    public var apiError: APIError {
        let causes: [JSON] = conflicts.map {
            ["reason": "FieldManagerConflict", "message": .string("conflict with \($0.managerDescription)"),
             "field": .string($0.field)]
        }
        return APIError(code: 409, reason: "Conflict", message: message, details: .object(["causes": .array(causes)]))
    }
}

public enum ApplyError: Error, Sendable {
    case conflict(ApplyConflict)
    case badRequest(String)
    /// Errors upstream returns without a status (a 500 whose message is the error text), such as an applied list
    /// item without its key.
    case internalError(String)

    public var apiError: APIError {
        switch self {
        case .conflict(let conflict): return conflict.apiError
        case .badRequest(let message): return .badRequest(message)
        case .internalError(let message): return APIError(code: 500, reason: "", message: message)
        }
    }
}

/// Server-side apply (`PATCH` with `application/apply-patch+yaml`) and the managedFields bookkeeping of every
/// other write, as kube-apiserver's field manager does them, as pure functions over JSON.
public enum ServerSideApply {
    public static let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

    /// Metadata the server owns, never taken from an applied configuration.
    static let serverOwnedMetadata = ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields",
                                      "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"]

    /// The fields the resource's strategy resets for a write through `subresource` (upstream GetResetFields):
    /// status through the main resource when there is a status subresource, spec through `/status`.
    public static func resetFields(for type: ResourceType, subresource: String?) -> [[String]] {
        switch subresource {
        case nil: return type.hasStatus ? [["status"]] : []
        case "status"?: return [["spec"]]
        default: return []
        }
    }

    static func defaultResetFields(subresource: String?) -> [[String]] {
        switch subresource {
        case nil: return [["status"]]
        case "status"?: return [["spec"]]
        default: return []
        }
    }

    /// Applies `applied` (the configuration `manager` sent, already parsed) to `live` (nil when the object does
    /// not exist yet) and returns the merged object with updated `metadata.managedFields`.
    ///
    /// - `apiVersion`: the group/version of the request (`v1`, `apps/v1`); the applied object must say the same,
    ///   and so must its `kind` when `kind` is given.
    /// - `resetFields`: paths the write does not take from `applied` (default: `status` for the main resource,
    ///   `spec` for `/status`; see `resetFields(for:subresource:)`).
    /// - `now`: the RFC 3339 time recorded for the manager when the object changes.
    ///
    /// The result equals `live` apart from managedFields when the apply changed nothing; the caller can then skip
    /// the write if managedFields did not change either.
    public static func apply(live: JSON?, applied: JSON, manager: String, force: Bool, apiVersion: String,
                             kind: String? = nil, subresource: String? = nil, resetFields: [[String]]? = nil,
                             schema: ApplySchema, now: String) throws(ApplyError) -> JSON
    {
        guard case .object = applied else { throw .badRequest("the applied configuration must be an object") }
        let appliedVersion = applied["apiVersion"]?.stringValue ?? ""
        let appliedKind = applied["kind"]?.stringValue ?? ""
        if appliedVersion != apiVersion || (kind != nil && kind != appliedKind) {
            throw .badRequest("invalid object type: \(gvkDescription(appliedVersion, appliedKind))")
        }
        if let entries = applied[path: "metadata", "managedFields"], !entries.isNull {
            throw .badRequest("metadata.managedFields must be nil")
        }

        let reset = ManagedFieldsTracker.fieldSet(resetFields ?? defaultResetFields(subresource: subresource))
        let decoded = ManagedFieldsState.decode(live?[path: "metadata", "managedFields"]) ?? ManagedFieldsState()
        let liveObject = ManagedFieldsTracker.withoutManagedFields(live ?? .object(JSONObject()))
        let config = configuration(applied, reset: reset)
        let configSet: FieldSet
        do {
            configSet = try ApplyMerge.fieldSet(of: config, schema: schema, strict: true)
        } catch {
            throw .internalError("failed to create typed patch object (\(objectDescription(applied))): \(error.description)")
        }

        func attempt(force: Bool) throws(ApplyError) -> (object: JSON, state: ManagedFieldsState) {
            var state = decoded
            // An object nobody manages yet: its current fields become those of "before-first-apply", so
            // changing them conflicts (upstream skipNonAppliedManager).
            if state.fields.isEmpty, live != nil {
                state = ManagedFieldsTracker.recordChanges(
                    from: schema.zeroValue(), to: liveObject, state: state,
                    key: .update("before-first-apply", apiVersion: apiVersion, subresource: subresource),
                    apiVersion: apiVersion, resetFields: reset, schema: schema, now: now)
                state.capUpdateManagers(max: ManagedFieldsTracker.maxUpdateManagers)
            }
            return try merge(live: liveObject, config: config, configSet: configSet, state: state,
                             key: .apply(manager, subresource: subresource), force: force, apiVersion: apiVersion,
                             reset: reset, schema: schema, now: now)
        }

        var result: (object: JSON, state: ManagedFieldsState)
        do {
            result = try attempt(force: force)
        } catch {
            // kubectl taking over from client-side apply: conflicts on fields its last-applied annotation set, to
            // the values the object still has, are not conflicts (upstream lastAppliedManager).
            guard case .conflict(let conflict) = error, manager == "kubectl", let live,
                  let allowed = allowedConflicts(live: live, apiVersion: apiVersion, schema: schema)
            else { throw error }
            let remaining = conflict.conflicts.filter { c in !allowed.contains(c.field) }
            if !remaining.isEmpty {
                var filtered = conflict
                filtered.conflicts = remaining
                throw .conflict(filtered)
            }
            result = try attempt(force: true)
        }

        var object = result.object
        if manager == "kubectl",
           let existing = object[path: "metadata", "annotations", lastAppliedAnnotation]?.stringValue, !existing.isEmpty
        {
            object = withLastApplied(object, value: lastAppliedValue(applied))
        }
        return ManagedFieldsTracker.encode(result.state, into: object)
    }

    /// Upstream Updater.Apply with the applier's metadata stripped and its time recorded.
    private static func merge(live: JSON, config: JSON, configSet: FieldSet, state: ManagedFieldsState,
                              key: ManagerKey, force: Bool, apiVersion: String, reset: FieldSet, schema: ApplySchema,
                              now: String) throws(ApplyError) -> (object: JSON, state: ManagedFieldsState)
    {
        var state = state
        var fields = state.fields
        let lastSet = fields[key]?.set
        var merged = ApplyMerge.merge(live, config, schema: schema) ?? .object(JSONObject())
        fields[key] = ManagedSet(set: configSet, apiVersion: apiVersion, applied: true)
        if let lastSet, !lastSet.isEmpty {
            merged = prune(merged, fields: fields, lastSet: lastSet, schema: schema)
        }

        let comparison = ApplyMerge.compare(live, merged, schema: schema).excluding(reset)
        let changed = comparison.modified.union(comparison.added)
        var conflicts: [ManagerKey: FieldSet] = [:]
        for (other, entry) in fields where other != key {
            let overlap = entry.set.intersection(changed)
            if !overlap.isEmpty { conflicts[other] = overlap }
        }
        if !force && !conflicts.isEmpty { throw .conflict(ApplyConflict(conflicts)) }
        for other in Array(fields.keys) where other != key {
            var entry = fields[other]!
            if let lost = conflicts[other] { entry.set = entry.set.difference(lost) }
            entry.set = entry.set.difference(comparison.removed)
            fields[other] = entry
        }
        fields = fields.filter { !$0.value.set.isEmpty }
        if var mine = fields[key] {
            mine.set = mine.set.difference(ManagedFieldsTracker.strippedFields)
            fields[key] = mine.set.isEmpty ? nil : mine
        }
        state.fields = fields

        // A no-op apply keeps the object as it was and does not move the applier's time.
        if merged == live { return (live, state) }
        state.times[key] = now
        return (merged, state)
    }

    /// Removes what the applier set last time and omits now, unless another manager (or the applier's new
    /// configuration) owns it (upstream prune, addBackOwnedItems, addBackDanglingItems).
    private static func prune(_ merged: JSON, fields: [ManagerKey: ManagedSet], lastSet: FieldSet,
                              schema: ApplySchema) -> JSON
    {
        func ensured(_ set: FieldSet) -> FieldSet { ApplyMerge.ensureNamedFieldsAreMembers(set, schema: schema) }
        func fieldsOf(_ value: JSON) -> FieldSet { ensured(ApplyMerge.lenientFieldSet(of: value, schema: schema)) }

        let last = ensured(lastSet)
        var pruned = ApplyMerge.removeItems(merged, last, schema: schema)
        let managed = ensured(fields.values.reduce(FieldSet()) { $0.union($1.set) })
        let mergedSet = fieldsOf(merged)
        pruned = ApplyMerge.removeItems(merged, mergedSet.difference(fieldsOf(pruned).union(managed)), schema: schema)
        return ApplyMerge.removeItems(merged, mergedSet.difference(fieldsOf(pruned)).intersection(last), schema: schema)
    }

    /// The applied object without what the write never takes from it: server-owned metadata and reset fields.
    private static func configuration(_ applied: JSON, reset: FieldSet) -> JSON {
        var config = applied
        if case .object(var metadata)? = config["metadata"] {
            for field in serverOwnedMetadata { metadata.removeValue(forKey: field) }
            config["metadata"] = .object(metadata)
        }
        for path in reset.paths() where path.allSatisfy({ $0.kind == .field }) {
            let names = path.map(\.fieldName)
            if config.lookup(names) != nil { config.assign(names[...], nil) }
        }
        return config
    }

    /// The fields of the last-applied annotation whose values the live object still has.
    private static func allowedConflicts(live: JSON, apiVersion: String, schema: ApplySchema) -> Set<String>? {
        guard let text = live[path: "metadata", "annotations", lastAppliedAnnotation]?.stringValue, !text.isEmpty,
              let lastApplied = try? JSONParser.parse(text), lastApplied["apiVersion"]?.stringValue == apiVersion,
              let lastSet = try? ApplyMerge.fieldSet(of: lastApplied, schema: schema, strict: true)
        else { return nil }
        let comparison = ApplyMerge.compare(lastApplied, live, schema: schema)
        let allowed = lastSet.difference(comparison.modified).difference(comparison.added).difference(comparison.removed)
        return Set(allowed.paths().map(pathString))
    }

    /// The applied configuration as upstream writes it into the last-applied annotation: without that
    /// annotation, keys sorted, compact, and ended by the newline Go's JSON encoder writes.
    private static func lastAppliedValue(_ applied: JSON) -> String {
        var copy = applied
        if case .object(var annotations)? = copy[path: "metadata", "annotations"] {
            annotations.removeValue(forKey: lastAppliedAnnotation)
            copy[path: "metadata", "annotations"] = .object(annotations)
        }
        return sortedKeys(copy).jsonString + "\n"
    }

    /// Sets the annotation, or drops it when annotations would exceed their 256 KiB limit, as upstream does.
    private static func withLastApplied(_ object: JSON, value: String) -> JSON {
        var object = object
        object[path: "metadata", "annotations", lastAppliedAnnotation] = .string(value)
        let annotations = object[path: "metadata", "annotations"]?.objectValue ?? JSONObject()
        let size = annotations.reduce(0) { $0 + $1.key.utf8.count + ($1.value.stringValue?.utf8.count ?? 0) }
        if size > 256 * 1024 {
            object[path: "metadata", "annotations", lastAppliedAnnotation] = nil
        }
        return object
    }

    static func sortedKeys(_ value: JSON) -> JSON {
        switch value {
        case .object(let object):
            let entries = object.entries.sorted { goLess($0.key, $1.key) }.map { (key: $0.key, value: sortedKeys($0.value)) }
            return .object(JSONObject(entries))
        case .array(let items):
            return .array(items.map(sortedKeys))
        default:
            return value
        }
    }

    /// Go's GroupVersionKind String(): `apps/v1, Kind=Deployment`, `/v1, Kind=ConfigMap`.
    static func gvkDescription(_ apiVersion: String, _ kind: String) -> String {
        let parts = apiVersion.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let (group, version) = parts.count == 2 ? (String(parts[0]), String(parts[1])) : ("", apiVersion)
        return "\(group)/\(version), Kind=\(kind)"
    }

    /// How upstream names an object in field-manager errors: `default/app; apps/v1, Kind=Deployment`.
    static func objectDescription(_ object: JSON) -> String {
        let namespace = object[path: "metadata", "namespace"]?.stringValue ?? ""
        let name = object[path: "metadata", "name"]?.stringValue ?? ""
        return "\(namespace)/\(name); " + gvkDescription(object["apiVersion"]?.stringValue ?? "",
                                                       object["kind"]?.stringValue ?? "")
    }

    /// For writes other than apply (create, update, patch, through the main resource or a subresource): records,
    /// for `manager` with operation Update, the fields that changed from `old` to `new` (everything `new` sets
    /// beyond Go's zero value of the type for a create), taking them from the managers that owned them. Returns
    /// `new` with its managedFields updated.
    ///
    /// As upstream, managedFields sent in `new` replace the live ones (kubectl's client-side-apply migration
    /// sends them in a JSON patch), `[]` or `[{}]` clears them, and they are never taken from a subresource write.
    /// An existing object that nobody manages stays unmanaged.
    public static func recordUpdate(old: JSON?, new: JSON, manager: String, apiVersion: String, subresource: String?,
                                    resetFields: [[String]]? = nil, schema: ApplySchema, now: String) -> JSON
    {
        let reset = ManagedFieldsTracker.fieldSet(resetFields ?? defaultResetFields(subresource: subresource))
        let oldEntries = old?[path: "metadata", "managedFields"]
        let newEntries = new[path: "metadata", "managedFields"]
        var state: ManagedFieldsState
        if subresource != nil {
            state = ManagedFieldsState.decode(oldEntries) ?? ManagedFieldsState()
        } else if ManagedFieldsState.isReset(newEntries) {
            state = ManagedFieldsState()
        } else if let sent = ManagedFieldsState.decode(newEntries), !sent.fields.isEmpty {
            state = sent
        } else {
            state = ManagedFieldsState.decode(oldEntries) ?? ManagedFieldsState()
        }
        let newObject = ManagedFieldsTracker.withoutManagedFields(new)
        if state.fields.isEmpty, let old, !(old[path: "metadata", "uid"]?.stringValue ?? "").isEmpty {
            return newObject
        }
        let liveObject = old.map(ManagedFieldsTracker.withoutManagedFields) ?? schema.zeroValue()
        state = ManagedFieldsTracker.recordChanges(
            from: liveObject, to: newObject, state: state,
            key: .update(manager, apiVersion: apiVersion, subresource: subresource), apiVersion: apiVersion,
            resetFields: reset, schema: schema, now: now)
        state.capUpdateManagers(max: ManagedFieldsTracker.maxUpdateManagers)
        return ManagedFieldsTracker.encode(state, into: newObject)
    }
}
