import KubeJSON

/// Unknown-field handling for built-in kinds: kube-apiserver decodes into Go structs, which silently drops
/// fields the type does not have; `fieldValidation` decides whether that is reported.
extension BuiltinSchemas {
    /// Removes fields the kind's schema does not know and returns their paths (`spec.containers[0].imagee`).
    func prune(_ object: inout JSON, group: String, version: String, kind: String) -> [String] {
        guard let name = schemaName(group: group, version: version, kind: kind), let schema = schemas[name] else { return [] }
        var unknown: [String] = []
        prune(&object, schema: schema, path: "", unknown: &unknown, depth: 0)
        return unknown
    }

    private func resolve(_ schema: JSON) -> JSON {
        var current = schema
        for _ in 0..<8 {
            let ref = current["$ref"]?.stringValue ?? current["allOf"]?.arrayValue?.first?["$ref"]?.stringValue
            guard let ref, let target = schemas[String(ref.split(separator: "/").last ?? "")] else { return current }
            current = target
        }
        return current
    }

    private func prune(_ value: inout JSON, schema rawSchema: JSON, path: String, unknown: inout [String], depth: Int) {
        guard depth < 64 else { return }
        let schema = resolve(rawSchema)
        if schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true { return }
        switch value {
        case .object(var members):
            if let properties = schema["properties"]?.objectValue {
                var kept = JSONObject()
                for (key, child) in members.entries {
                    guard let childSchema = properties[key] else {
                        unknown.append(path.isEmpty ? key : "\(path).\(key)")
                        continue
                    }
                    var child = child
                    prune(&child, schema: childSchema, path: path.isEmpty ? key : "\(path).\(key)", unknown: &unknown, depth: depth + 1)
                    kept.entries.append((key, child))
                }
                value = .object(kept)
            } else if let additional = schema["additionalProperties"], additional.isObject {
                value = .null
                for i in members.entries.indices {
                    prune(&members.entries[i].value, schema: additional, path: "\(path)[\(members.entries[i].key)]",
                          unknown: &unknown, depth: depth + 1)
                }
                value = .object(members)
            }
        case .array(var items):
            guard let itemSchema = schema["items"] else { return }
            value = .null
            for i in items.indices {
                prune(&items[i], schema: itemSchema, path: "\(path)[\(i)]", unknown: &unknown, depth: depth + 1)
            }
            value = .array(items)
        default:
            return
        }
    }
}
