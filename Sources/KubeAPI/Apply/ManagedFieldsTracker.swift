import KubeJSON

/// Who wrote a set of fields, identified as upstream's `BuildManagerIdentifier` does: the manager name, the
/// operation, the subresource, and for updaters the API version (an applier is one manager whatever version it
/// applies in).
struct ManagerKey: Hashable, Sendable {
    var manager: String
    var operation: String
    var apiVersion: String
    var subresource: String

    static func apply(_ manager: String, subresource: String?) -> ManagerKey {
        ManagerKey(manager: manager, operation: "Apply", apiVersion: "", subresource: subresource ?? "")
    }

    static func update(_ manager: String, apiVersion: String, subresource: String?) -> ManagerKey {
        ManagerKey(manager: manager, operation: "Update", apiVersion: apiVersion, subresource: subresource ?? "")
    }

    /// The identifier's JSON (ManagedFieldsEntry member order, empty members left out); conflict messages are
    /// grouped in the order of these strings.
    var identifier: String {
        var object = JSONObject()
        if !manager.isEmpty { object["manager"] = .string(manager) }
        if !operation.isEmpty { object["operation"] = .string(operation) }
        if !apiVersion.isEmpty { object["apiVersion"] = .string(apiVersion) }
        if !subresource.isEmpty { object["subresource"] = .string(subresource) }
        return JSON.object(object).jsonString
    }

    /// How conflict messages name the manager: `"kubectl"`, `"x" using v1`, `"x" with subresource "status" using v1`.
    var description: String {
        var text = goQuote(manager)
        if !subresource.isEmpty { text += " with subresource \(goQuote(subresource))" }
        if operation == "Update" { text += " using \(apiVersion)" }
        return text
    }
}

/// Go's `%q` for the strings that name managers.
func goQuote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// The fields one manager owns, in the API version it last wrote them in.
struct ManagedSet: Sendable {
    var set: FieldSet
    var apiVersion: String
    var applied: Bool
}

/// `metadata.managedFields`, decoded: each manager's field set and the time of its last change.
struct ManagedFieldsState: Sendable {
    var fields: [ManagerKey: ManagedSet] = [:]
    var times: [ManagerKey: String] = [:]

    /// Decodes the entries; nil when they are not a list of valid FieldsV1 entries (upstream fails the whole
    /// list then). A missing or null list decodes to no managers.
    static func decode(_ entries: JSON?) -> ManagedFieldsState? {
        var state = ManagedFieldsState()
        guard let entries, !entries.isNull else { return state }
        guard case .array(let list) = entries else { return nil }
        for entry in list {
            guard case .object(let object) = entry else { return nil }
            if let type = object["fieldsType"]?.stringValue, type != "FieldsV1" { return nil }
            let operation = object["operation"]?.stringValue ?? ""
            let apiVersion = object["apiVersion"]?.stringValue ?? ""
            let key = ManagerKey(manager: object["manager"]?.stringValue ?? "", operation: operation,
                                 apiVersion: operation == "Apply" ? "" : apiVersion,
                                 subresource: object["subresource"]?.stringValue ?? "")
            var set = FieldSet()
            if let fields = object["fieldsV1"], !fields.isNull {
                guard let decoded = FieldSet(fieldsV1: fields) else { return nil }
                set = decoded
            }
            state.fields[key] = ManagedSet(set: set, apiVersion: apiVersion, applied: operation == "Apply")
            state.times[key] = object["time"]?.stringValue
        }
        return state
    }

    /// `[]` or `[{}]` in a request means "clear managedFields" (upstream `isResetManagedFields`).
    static func isReset(_ entries: JSON?) -> Bool {
        guard case .array(let list)? = entries else { return false }
        if list.isEmpty { return true }
        return list.count == 1 && list[0].objectValue?.isEmpty == true
    }

    /// The entries, ordered as upstream sorts them: Apply before Update, then by time (to the second), manager,
    /// API version and subresource.
    func encoded() -> [JSON] {
        struct Row {
            var key: ManagerKey
            var set: ManagedSet
            var time: String?
        }
        let rows = fields.map { Row(key: $0.key, set: $0.value, time: times[$0.key]) }.sorted { p, q in
            if p.key.operation != q.key.operation { return goLess(p.key.operation, q.key.operation) }
            let (pt, qt) = (Self.seconds(p.time), Self.seconds(q.time))
            if pt != qt { return goLess(pt, qt) }
            if p.key.manager != q.key.manager { return goLess(p.key.manager, q.key.manager) }
            if p.set.apiVersion != q.set.apiVersion { return goLess(p.set.apiVersion, q.set.apiVersion) }
            return goLess(p.key.subresource, q.key.subresource)
        }
        return rows.map { row in
            var entry = JSONObject()
            if !row.key.manager.isEmpty { entry["manager"] = .string(row.key.manager) }
            if !row.key.operation.isEmpty { entry["operation"] = .string(row.key.operation) }
            if !row.set.apiVersion.isEmpty { entry["apiVersion"] = .string(row.set.apiVersion) }
            if let time = row.time { entry["time"] = .string(time) }
            entry["fieldsType"] = "FieldsV1"
            entry["fieldsV1"] = row.set.set.fieldsV1()
            if !row.key.subresource.isEmpty { entry["subresource"] = .string(row.key.subresource) }
            return .object(entry)
        }
    }

    /// RFC 3339 times to the second compare as strings once any fraction is dropped; no time sorts first.
    private static func seconds(_ time: String?) -> String {
        guard let time else { return "" }
        if let dot = time.firstIndex(of: ".") { return String(time[..<dot]) }
        if time.hasSuffix("Z") { return String(time.dropLast()) }
        return time
    }

    /// Merges the oldest update entries into `ancient-changes` buckets (one per API version) while there are
    /// more than `max` of them, as upstream's capManagersManager does after each update.
    mutating func capUpdateManagers(max: Int) {
        var updaters = fields.filter { !$0.value.applied }.map(\.key)
        guard updaters.count > max else { return }
        updaters.sort { a, b in
            let (at, bt) = (Self.seconds(times[a]), Self.seconds(times[b]))
            if at != bt { return goLess(at, bt) }
            return goLess(a.identifier, b.identifier)
        }
        var firstOfVersion: [String: ManagerKey] = [:]
        var count = updaters.count
        for manager in updaters where count > max {
            guard let entry = fields[manager] else { continue }
            let version = entry.apiVersion
            let bucket = ManagerKey.update("ancient-changes", apiVersion: version, subresource: nil)
            guard let first = firstOfVersion[version] else {
                firstOfVersion[version] = manager
                continue
            }
            if fields[bucket] == nil, let firstEntry = fields[first] {
                fields[first] = nil
                fields[bucket] = firstEntry
            }
            fields[bucket] = ManagedSet(set: entry.set.union(fields[bucket]?.set ?? FieldSet()),
                                        apiVersion: entry.apiVersion, applied: entry.applied)
            fields[manager] = nil
            count -= 1
            times[bucket] = times[manager]
        }
    }
}

/// The managedFields bookkeeping of kube-apiserver's field manager for writes that are not applies, and the
/// pieces applies share with it.
enum ManagedFieldsTracker {
    static let maxUpdateManagers = 10

    /// Paths no manager ever owns (upstream stripMetaManager).
    static let strippedFields = FieldSet(paths: [
        ["apiVersion"], ["kind"], ["metadata"], ["metadata", "name"], ["metadata", "namespace"],
        ["metadata", "creationTimestamp"], ["metadata", "selfLink"], ["metadata", "uid"], ["metadata", "clusterName"],
        ["metadata", "generation"], ["metadata", "managedFields"], ["metadata", "resourceVersion"],
    ].map { $0.map(PathElement.field) })

    static func fieldSet(_ paths: [[String]]) -> FieldSet {
        FieldSet(paths: paths.map { $0.map(PathElement.field) })
    }

    /// Records the change from `live` to `new` as made by `key` (upstream Updater.Update behind the
    /// "current-operation" trick): every manager loses the fields that changed or went away, and `key` gains
    /// what changed, merged into what it owned before. Its time moves only when it gained something.
    static func recordChanges(from live: JSON, to new: JSON, state: ManagedFieldsState, key: ManagerKey,
                              apiVersion: String, resetFields: FieldSet, schema: ApplySchema, now: String)
        -> ManagedFieldsState
    {
        var state = state
        let comparison = ApplyMerge.compare(live, new, schema: schema)
        let visible = comparison.excluding(resetFields)
        let changed = visible.modified.union(visible.added)
        for manager in Array(state.fields.keys) {
            var entry = state.fields[manager]!
            entry.set = entry.set.difference(changed).difference(visible.removed)
            state.fields[manager] = entry.set.isEmpty ? nil : entry
        }
        var gained = comparison.modified.union(comparison.added).difference(comparison.removed)
            .recursiveDifference(resetFields).difference(strippedFields)
        if !gained.isEmpty {
            if let previous = state.fields[key] { gained = gained.union(previous.set) }
            state.fields[key] = ManagedSet(set: gained, apiVersion: apiVersion, applied: false)
            state.times[key] = now
        }
        return state
    }

    /// `object` with `metadata.managedFields` set from `state` (removed when no manager is left).
    static func encode(_ state: ManagedFieldsState, into object: JSON) -> JSON {
        var object = object
        let entries = state.encoded()
        if entries.isEmpty {
            object = withoutManagedFields(object)
        } else {
            object[path: "metadata", "managedFields"] = .array(entries)
        }
        return object
    }

    static func withoutManagedFields(_ object: JSON) -> JSON {
        guard object[path: "metadata", "managedFields"] != nil else { return object }
        var object = object
        object[path: "metadata", "managedFields"] = nil
        return object
    }
}
