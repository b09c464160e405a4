import KubeJSON

/// RFC 7386 JSON Merge Patch (`application/merge-patch+json`) as kube-apiserver applies it through
/// gopkg.in/evanphx/json-patch.v4: null deletes a member, objects merge recursively, anything else
/// replaces. Two details of that library are kept because clients can observe them:
/// - values copied in from the patch lose their null members, and null elements of arrays inside
///   them are dropped too;
/// - a top-level array patch is returned as the result (the caller's decode step rejects it).
/// Member order is kept: existing members stay where they were, new ones follow in patch order.
public enum MergePatch {
    public static func apply(_ patch: JSON, to document: JSON) throws(PatchError) -> JSON {
        switch patch {
        case .object(let patchObject):
            switch document {
            case .object(var target):
                merge(&target, patchObject)
                return .object(target)
            case .null:
                throw .unknown("Invalid JSON Document")
            default:
                // Not an object to merge into: the patch becomes the document.
                return .object(pruned(patchObject))
            }
        case .array(let items):
            if document == .null { throw .unknown("Invalid JSON Document") }
            return .array(pruned(items))
        default:
            // null, strings, numbers and booleans are not merge patches.
            throw .badRequest("Invalid JSON Patch")
        }
    }

    /// Parses the request body first; a body that is not JSON is the client's fault (400).
    public static func apply(patchBytes: [UInt8], to document: JSON) throws(PatchError) -> JSON {
        let patch: JSON
        do throws(JSONParseError) {
            patch = try JSONParser.parse(patchBytes)
        } catch {
            throw .badRequest("Invalid JSON Patch")
        }
        return try apply(patch, to: document)
    }

    static func merge(_ target: inout JSONObject, _ patch: JSONObject) {
        for (key, value) in patch {
            if value == .null {
                target.removeValue(forKey: key)
                continue
            }
            guard let index = target.index(of: key), target.entries[index].value != .null else {
                target[key] = pruned(value)
                continue
            }
            guard case .object(var current) = target.entries[index].value else {
                target.entries[index].value = pruned(value)
                continue
            }
            guard case .object(let nested) = value else {
                // The library hands back a non-object patch value untouched when it replaces an object.
                target.entries[index].value = value
                continue
            }
            target.entries[index].value = .null  // release the reference so `current` is uniquely owned
            merge(&current, nested)
            target.entries[index].value = .object(current)
        }
    }

    static func pruned(_ value: JSON) -> JSON {
        switch value {
        case .object(let object): return .object(pruned(object))
        case .array(let items): return .array(pruned(items))
        default: return value
        }
    }

    static func pruned(_ object: JSONObject) -> JSONObject {
        var out = JSONObject()
        out.entries.reserveCapacity(object.count)
        for (key, value) in object where value != .null {
            out.entries.append((key, pruned(value)))
        }
        return out
    }

    static func pruned(_ items: [JSON]) -> [JSON] {
        // Spelled out: `nil` alone would become JSON.null, which is ExpressibleByNilLiteral.
        items.compactMap { item -> JSON? in item == .null ? JSON?.none : pruned(item) }
    }
}
