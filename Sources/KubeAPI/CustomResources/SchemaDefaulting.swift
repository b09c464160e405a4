import KubeJSON

/// Applies the schema's `default`s as apiextensions-apiserver does (schema/defaulting):
/// - a property that is absent gets its default (a deep copy); defaults are applied top-down, so the members
///   of a defaulted object are defaulted in turn;
/// - a `null` where the schema is not `nullable` is replaced by the default, when there is one;
/// - array items and `additionalProperties` values that are `null` (and not nullable) get their schema's default;
/// - only the structural part of the schema counts: `allOf`/`anyOf`/`oneOf`/`not` never default.
/// Run `pruneNonNullableNullsWithoutDefaults` first, as the decoder does, so nulls without a default are gone.
public func applyDefaults(_ value: inout JSON, schema: StructuralSchema?) {
    guard let schema else { return }
    Defaulter.apply(&value, schema)
}

extension StructuralSchema {
    /// Returns `value` with the defaults of this schema applied.
    public func defaulted(_ value: JSON) -> JSON {
        var copy = value
        Defaulter.apply(&copy, self)
        return copy
    }
}

/// Removes `null` members whose schema is neither `nullable` nor has a default — the decoder does this before
/// validation, so `{"replicas": null}` means "unset" rather than "wrong type".
public func pruneNonNullableNullsWithoutDefaults(_ value: inout JSON, schema: StructuralSchema?) {
    Defaulter.pruneNulls(&value, schema)
}

/// What kube-apiserver does to a custom resource between reading the request body and validating it:
/// prune unknown fields, drop nulls that mean "unset", drop unknown ObjectMeta fields of embedded resources
/// (and of the object itself when `includeRootMetadata`), then apply defaults. Returns the pruned paths for
/// `fieldValidation` (Strict: 400 `unknown field "<path>"`; Warn: one warning each), sorted.
@discardableResult
public func prepareCustomResource(_ object: inout JSON, schema: StructuralSchema?,
                                  includeRootMetadata: Bool = true) -> [String] {
    var unknown = prune(&object, schema: schema, isResourceRoot: true)
    pruneNonNullableNullsWithoutDefaults(&object, schema: schema)
    unknown += pruneUnknownMetadataFields(&object, schema: schema, includeRoot: includeRootMetadata)
    applyDefaults(&object, schema: schema)
    return unknown.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}

private enum Defaulter {
    static func isNonNullableNull(_ x: JSON?, _ s: StructuralSchema?) -> Bool {
        guard let x, x.isNull, let s else { return false }
        return !s.nullable
    }

    static func apply(_ x: inout JSON, _ s: StructuralSchema) {
        switch x {
        case .object(var object):
            x = .null  // keep the object uniquely referenced while it is edited
            defer { x = .object(object) }
            for name in s.propertyNames {
                guard let property = s.properties[name], let def = property.defaultValue else { continue }
                let current = object[name]
                if current == nil || isNonNullableNull(current, property) {
                    object[name] = def
                }
            }
            for i in object.entries.indices {
                let key = object.entries[i].key
                if let property = s.properties[key] {
                    apply(&object.entries[i].value, property)
                } else if let additional = s.additionalProperties?.schema {
                    if isNonNullableNull(object.entries[i].value, additional), let def = additional.defaultValue {
                        object.entries[i].value = def
                    }
                    apply(&object.entries[i].value, additional)
                }
            }
        case .array(var items):
            guard let itemSchema = s.items else { return }
            x = .null
            defer { x = .array(items) }
            for i in items.indices {
                if isNonNullableNull(items[i], itemSchema), let def = itemSchema.defaultValue {
                    items[i] = def
                }
                apply(&items[i], itemSchema)
            }
        default:
            break
        }
    }

    static func pruneNulls(_ x: inout JSON, _ s: StructuralSchema?) {
        switch x {
        case .object(var object):
            x = .null
            defer { x = .object(object) }
            var kept: [(key: String, value: JSON)] = []
            var entries = object.entries
            object = JSONObject()
            kept.reserveCapacity(entries.count)
            for i in entries.indices {
                let sub = s?.schema(forField: entries[i].key)
                if entries[i].value.isNull, let sub, !sub.nullable, sub.defaultValue == nil { continue }
                var member = entries[i].value
                entries[i].value = .null
                pruneNulls(&member, sub)
                kept.append((entries[i].key, member))
            }
            object.entries = kept
        case .array(var items):
            x = .null
            defer { x = .array(items) }
            for i in items.indices { pruneNulls(&items[i], s?.items) }
        default:
            break
        }
    }
}
