import KubeJSON

/// Removes the fields `schema` does not declare, as apiextensions-apiserver prunes a custom resource when it
/// decodes it, and returns the paths it removed, sorted (`spec.foo`, `spec.items[0].bar`). With
/// `fieldValidation=Strict` each path becomes `unknown field "spec.foo"`; with `Warn` a warning.
///
/// Kept: everything under `x-kubernetes-preserve-unknown-fields: true` that the schema does not describe more
/// precisely, and `apiVersion`, `kind` and `metadata` of the resource itself (`isResourceRoot`) and of every
/// `x-kubernetes-embedded-resource`. A nil schema prunes every field of an object.
@discardableResult
public func prune(_ value: inout JSON, schema: StructuralSchema?, isResourceRoot: Bool = true) -> [String] {
    var pruner = Pruner()
    // upstream treats a missing schema at the root as an empty embedded resource: only TypeMeta/ObjectMeta stay
    let effective = schema ?? (isResourceRoot ? StructuralSchema.compile(.object(JSONObject())) : nil)
    pruner.prune(&value, effective, path: "", embedded: isResourceRoot || schema?.embeddedResource == true)
    return pruner.paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}

/// Drops the members of `metadata` that `ObjectMeta` does not have, and a null `creationTimestamp`, in every
/// embedded resource (and at the root when `includeRoot`), as the decoder's ObjectMeta round trip does.
/// Returns the dropped paths (`spec.template.metadata.foo`), sorted.
@discardableResult
public func pruneUnknownMetadataFields(_ value: inout JSON, schema: StructuralSchema?, includeRoot: Bool = true) -> [String] {
    var paths: [String] = []
    MetadataCoercer.walk(&value, schema, path: "", embedded: includeRoot, paths: &paths)
    return paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}

private let resourceMetaFields: Set<String> = ["apiVersion", "kind", "metadata"]

private func childPath(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

private struct Pruner {
    var paths: [String] = []

    /// `embedded`: the object at this level is a resource, so its TypeMeta and ObjectMeta are left alone.
    mutating func prune(_ x: inout JSON, _ s: StructuralSchema?, path: String, embedded: Bool) {
        if let s, s.preserveUnknownFields {
            skipPrune(&x, s, path: path, embedded: embedded)
            return
        }
        switch x {
        case .object(var object):
            x = .null  // keep the object uniquely referenced while it is edited
            defer { x = .object(object) }
            guard let s else {
                for (key, _) in object { paths.append(childPath(path, key)) }
                object = JSONObject()
                return
            }
            // take the members out so each is uniquely referenced while it is pruned in place
            var entries = object.entries
            object = JSONObject()
            var kept: [(key: String, value: JSON)] = []
            kept.reserveCapacity(entries.count)
            for i in entries.indices {
                let key = entries[i].key
                var member = entries[i].value
                entries[i].value = .null
                if embedded && resourceMetaFields.contains(key) {
                    kept.append((key, member))
                    continue
                }
                if let property = s.properties[key] {
                    prune(&member, property, path: childPath(path, key), embedded: property.embeddedResource)
                    kept.append((key, member))
                } else if let additional = s.additionalProperties {
                    let sub = additional.schema
                    prune(&member, sub, path: childPath(path, key), embedded: sub?.embeddedResource == true)
                    kept.append((key, member))
                } else if !resourceMetaFields.contains(key) || !path.isEmpty {
                    paths.append(childPath(path, key))
                }
            }
            object.entries = kept
        case .array(var items):
            x = .null
            defer { x = .array(items) }
            let itemSchema = s?.items
            for i in items.indices {
                prune(&items[i], itemSchema, path: path + "[\(i)]", embedded: itemSchema?.embeddedResource == true)
            }
        default:
            break
        }
    }

    /// Below `x-kubernetes-preserve-unknown-fields`: unknown fields stay, but declared ones are still pruned.
    mutating func skipPrune(_ x: inout JSON, _ s: StructuralSchema, path: String, embedded: Bool) {
        switch x {
        case .object(var object):
            x = .null
            defer { x = .object(object) }
            for i in object.entries.indices {
                let key = object.entries[i].key
                if embedded && resourceMetaFields.contains(key) { continue }
                if let property = s.properties[key] {
                    prune(&object.entries[i].value, property, path: childPath(path, key),
                        embedded: property.embeddedResource)
                } else if let additional = s.additionalProperties {
                    let sub = additional.schema
                    prune(&object.entries[i].value, sub, path: childPath(path, key),
                        embedded: sub?.embeddedResource == true)
                }
            }
        case .array(var items):
            guard let itemSchema = s.items else { return }
            x = .null
            defer { x = .array(items) }
            for i in items.indices {
                skipPrune(&items[i], itemSchema, path: path + "[\(i)]", embedded: itemSchema.embeddedResource)
            }
        default:
            break
        }
    }
}

private enum MetadataCoercer {
    static func walk(_ x: inout JSON, _ s: StructuralSchema?, path: String, embedded: Bool, paths: inout [String]) {
        switch x {
        case .object(var object):
            x = .null
            defer { x = .object(object) }
            if embedded, case .object(var meta)? = object["metadata"] {
                let metaPath = childPath(path, "metadata")
                var kept: [(key: String, value: JSON)] = []
                for entry in meta.entries {
                    if ObjectMetaShape.fields[entry.key] == nil {
                        paths.append(childPath(metaPath, entry.key))
                    } else if entry.key == "creationTimestamp" && entry.value.isNull {
                        continue
                    } else {
                        kept.append(entry)
                    }
                }
                meta.entries = kept
                object["metadata"] = .object(meta)
            }
            guard let s else { return }
            for i in object.entries.indices {
                let key = object.entries[i].key
                if let property = s.properties[key] {
                    walk(&object.entries[i].value, property, path: childPath(path, key),
                        embedded: property.embeddedResource, paths: &paths)
                } else if let sub = s.additionalProperties?.schema {
                    walk(&object.entries[i].value, sub, path: childPath(path, key),
                        embedded: sub.embeddedResource, paths: &paths)
                }
            }
        case .array(var items):
            guard let itemSchema = s?.items else { return }
            x = .null
            defer { x = .array(items) }
            for i in items.indices {
                walk(&items[i], itemSchema, path: path + "[\(i)]", embedded: itemSchema.embeddedResource,
                    paths: &paths)
            }
        default:
            break
        }
    }
}
