import KubeJSON

/// `metadata.managedFields`: which manager last set which fields, in the FieldsV1 form
/// (`{"f:spec":{"f:replicas":{}}}`, list items by key as `k:{"name":"app"}`).
enum ManagedFields {
    /// The field set of everything in `object` outside the fields the server owns.
    static func fieldSet(of object: JSON) -> JSON {
        guard case .object(let members) = object else { return .object(JSONObject()) }
        var set = JSONObject()
        for (key, value) in members {
            switch key {
            case "apiVersion", "kind": continue
            case "metadata":
                let meta = metadataFieldSet(value)
                if !meta.isEmpty { set["f:metadata"] = .object(meta) }
            default:
                set["f:" + key] = fields(of: value)
            }
        }
        return .object(set)
    }

    private static func metadataFieldSet(_ meta: JSON) -> JSONObject {
        var set = JSONObject()
        for (key, value) in meta.objectValue ?? JSONObject() {
            switch key {
            case "labels", "annotations", "finalizers", "ownerReferences":
                set["f:" + key] = fields(of: value)
            default:
                continue
            }
        }
        return set
    }

    private static func fields(of value: JSON) -> JSON {
        switch value {
        case .object(let members):
            var set: JSONObject = [".": .object(JSONObject())]
            for (key, child) in members { set["f:" + key] = fields(of: child) }
            return .object(set)
        case .array(let items):
            var set: JSONObject = [".": .object(JSONObject())]
            for item in items {
                if let key = itemKey(item) {
                    set[key] = fields(of: item)
                } else if case .string = item {
                    set["v:" + item.jsonString] = .object(JSONObject())
                } else {
                    // An atomic list: owned as a whole.
                    return .object(JSONObject())
                }
            }
            return .object(set)
        default:
            return .object(JSONObject())
        }
    }

    /// The associative key of a list item, for the common merge keys.
    private static func itemKey(_ item: JSON) -> String? {
        guard case .object(let o) = item else { return nil }
        for candidate in ["name", "containerPort", "port", "type", "mountPath", "uid", "ip", "devicePath", "topologyKey"] {
            if let value = o[candidate] {
                var key = JSONObject()
                key[candidate] = value
                if candidate == "containerPort" || candidate == "port", let proto = o["protocol"] { key["protocol"] = proto }
                return "k:" + JSON.object(key).jsonString
            }
        }
        return nil
    }

    /// Records that `manager` wrote `object` with `operation` (Update or Apply), replacing that manager's entry.
    static func record(in object: inout JSON, previous: JSON?, sent: JSON? = nil, manager: String, operation: String,
                       apiVersion: String, subresource: String?, time: String)
    {
        var entries = previous?[path: "metadata", "managedFields"]?.arrayValue ?? []
        let index = entries.firstIndex {
            $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == operation
                && ($0["subresource"]?.stringValue ?? "") == (subresource ?? "")
        }
        var fieldsV1: JSON
        if let previous, subresource == nil || subresource == "status" {
            fieldsV1 = changedFields(old: previous, new: object)
            if let index, let existing = entries[index]["fieldsV1"] { fieldsV1 = union(existing, fieldsV1) }
        } else {
            fieldsV1 = fieldSet(of: sent ?? object)
        }
        var entry: JSONObject = [
            "manager": .string(manager), "operation": .string(operation), "apiVersion": .string(apiVersion),
            "time": .string(time), "fieldsType": "FieldsV1", "fieldsV1": fieldsV1,
        ]
        if let subresource { entry["subresource"] = .string(subresource) }
        if let index { entries[index] = .object(entry) } else { entries.append(.object(entry)) }
        entries.removeAll { ($0["fieldsV1"]?.objectValue?.isEmpty ?? true) && $0["manager"]?.stringValue != manager }
        if case .object(let set) = fieldsV1, set.isEmpty, let i = entries.firstIndex(where: { $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == operation }) {
            entries.remove(at: i)
        }
        object[path: "metadata", "managedFields"] = entries.isEmpty ? nil : .array(entries)
    }

    /// The field set of what differs between two versions of an object.
    static func changedFields(old: JSON, new: JSON) -> JSON {
        let oldSet = fieldSet(of: old)
        let newSet = fieldSet(of: new)
        return diff(newSet, oldSet, newValue: new, oldValue: old)
    }

    private static func diff(_ newSet: JSON, _ oldSet: JSON, newValue: JSON?, oldValue: JSON?) -> JSON {
        guard case .object(let newMembers) = newSet else { return newSet }
        var result = JSONObject()
        for (key, child) in newMembers where key != "." {
            let oldChild = oldSet[key]
            let name = key.hasPrefix("f:") ? String(key.dropFirst(2)) : nil
            let newChildValue = name.flatMap { newValue?[$0] }
            let oldChildValue = name.flatMap { oldValue?[$0] }
            if oldChild == nil || (name != nil && newChildValue != oldChildValue && (child.objectValue?.isEmpty ?? true)) {
                result[key] = child
            } else if let oldChild, !(child.objectValue?.isEmpty ?? true) {
                let sub = diff(child, oldChild, newValue: newChildValue, oldValue: oldChildValue)
                if !(sub.objectValue?.isEmpty ?? true) { result[key] = sub }
            }
        }
        return .object(result)
    }

    private static func union(_ a: JSON, _ b: JSON) -> JSON {
        guard case .object(var left) = a, case .object(let right) = b else { return b }
        for (key, value) in right {
            left[key] = left[key].map { union($0, value) } ?? value
        }
        return .object(left)
    }
}
