import KubeJSON

/// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), following the
/// server-side path of apimachinery's `strategicpatch.StrategicMergeMapPatch`: merge options
/// `MergeParallelList` and `IgnoreUnmatchedNulls` on.
///
/// On top of JSON merge patch semantics, the schema decides per field:
/// - lists with strategy `merge` merge element by element on their merge key (containers by `name`),
///   or as an ordered set when their elements are primitives (finalizers); other lists are replaced;
/// - maps with strategy `replace` are replaced instead of merged.
///
/// Directives in the patch:
/// - `$patch: replace` in a map replaces the map; `$patch: delete` empties it;
/// - `{"$patch": "replace"}` as a list element replaces the list with the other elements;
///   `{"$patch": "delete", <mergeKey>: v}` removes the element(s) with that key;
/// - `$retainKeys: [...]` drops every member of the original map that is not listed;
/// - `$setElementOrder/<list>: [...]` orders the merged list: listed elements in that order, the
///   others interleaved by their position in the original list;
/// - `$deleteFromPrimitiveList/<list>: [...]` removes those values from a list of primitives.
/// `$patch: merge` is refused, as apimachinery refuses it. No directive survives into the result.
///
/// Where apimachinery copies a value from the patch verbatim and relies on decoding into a Go
/// struct to drop what is left (null members, directives in new subtrees), we drop them here,
/// because the result is stored as JSON as it is.
public enum StrategicMergePatch {
    static let directiveMarker = "$patch"
    static let retainKeysDirective = "$retainKeys"
    static let setElementOrderPrefix = "$setElementOrder"
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList"

    /// Applies `patch` to `original`. A null patch changes nothing, as kube-apiserver decodes it
    /// into an empty map; any other non-object patch is a 400.
    public static func apply(_ patch: JSON, to original: JSON, schema: PatchSchema) throws(PatchError) -> JSON {
        let patchObject: JSONObject
        switch patch {
        case .null: return original
        case .object(let object): patchObject = object
        default:
            throw .badRequest("json: cannot unmarshal \(PatchGoFormat.jsonKind(patch)) into Go value of type map[string]interface {}")
        }
        let base = original.objectValue ?? JSONObject()
        return .object(try mergeMap(base, patchObject, schema: schema))
    }

    /// Parses the request body first; a body that is not JSON is the client's fault (400).
    public static func apply(patchBytes: [UInt8], to original: JSON, schema: PatchSchema) throws(PatchError) -> JSON {
        let patch: JSON
        do throws(JSONParseError) {
            patch = try JSONParser.parse(patchBytes)
        } catch {
            throw .badRequest(error.message)
        }
        return try apply(patch, to: original, schema: schema)
    }

    // MARK: - Maps

    static func mergeMap(_ original: JSONObject, _ patch: JSONObject, schema: PatchSchema) throws(PatchError) -> JSONObject {
        if let directive = patch[directiveMarker] {
            return try mapDirective(directive, patch)
        }
        var original = original
        var patch = patch
        try applyRetainKeys(&original, &patch)
        try applySetElementOrder(&original, &patch, schema: schema)

        for (patchKey, patchValue) in patch {
            var key = patchKey
            var isDeleteList = false
            if patchKey.hasPrefix(deleteFromPrimitiveListPrefix) {
                key = try extractKey(patchKey, prefix: deleteFromPrimitiveListPrefix)
                isDeleteList = true
            }
            if patchValue == .null {
                original.removeValue(forKey: key)
                continue
            }
            guard let current = original[key] else {
                if !isDeleteList { original[key] = cleaned(patchValue) }
                continue
            }
            switch (current, patchValue) {
            case let (.object(currentObject), .object(patchObject)):
                let field = schema.field(key)
                if field.strategy.base == .replace {
                    original[key] = .object(cleanedRoot(patchObject))
                } else {
                    original[key] = .object(try mergeMap(currentObject, patchObject, schema: field))
                }
            case let (.array(currentItems), .array(patchItems)):
                original[key] = .array(
                    try mergeListField(currentItems, patchItems, schema: schema.field(key), isDeleteList: isDeleteList))
            default:
                if sameGoType(current, patchValue) {
                    original[key] = patchValue
                } else if !isDeleteList {
                    original[key] = cleaned(patchValue)
                }
            }
        }
        return original
    }

    /// `$patch` in a map: `replace` keeps only the patch's own content, `delete` leaves an empty map.
    static func mapDirective(_ directive: JSON, _ patch: JSONObject) throws(PatchError) -> JSONObject {
        switch directive {
        case .string("replace"): return cleanedRoot(patch)
        case .string("delete"): return JSONObject()
        default: throw badPatchType(directive, patch)
        }
    }

    /// `$retainKeys`: every member of the patch must be listed; members of the original that are
    /// not listed are dropped before merging.
    static func applyRetainKeys(_ original: inout JSONObject, _ patch: inout JSONObject) throws(PatchError) {
        guard let directive = patch.removeValue(forKey: retainKeysDirective) else { return }
        guard case .array(let retained) = directive else { throw badRetainKeys }
        func isRetained(_ key: String) -> Bool {
            retained.contains { $0 == .string(key) }
        }
        for (key, value) in patch {
            if value == .null || key.hasPrefix(deleteFromPrimitiveListPrefix) || key.hasPrefix(setElementOrderPrefix) {
                continue
            }
            if !isRetained(key) { throw badRetainKeys }
        }
        original.entries.removeAll { !isRetained($0.key) }
    }

    /// `$setElementOrder/<list>`: merges the list it names right away and orders the result, then
    /// removes both from the patch so the main loop leaves them alone.
    static func applySetElementOrder(_ original: inout JSONObject, _ patch: inout JSONObject, schema: PatchSchema) throws(PatchError) {
        let directives = patch.entries.filter { $0.key.hasPrefix(setElementOrderPrefix) }
        for (directiveKey, directiveValue) in directives {
            patch.removeValue(forKey: directiveKey)
            guard case .array(let order) = directiveValue else {
                throw badArgType(expected: "[]interface {}", directiveValue)
            }
            let key = try extractKey(directiveKey, prefix: setElementOrderPrefix)
            let currentValue = original[key]
            let patchValue = patch[key]
            var currentItems: [JSON]?
            var patchItems: [JSON]?
            if let currentValue {
                guard case .array(let items) = currentValue else { throw badArgType(expected: "[]interface {}", currentValue) }
                currentItems = items
            }
            if let patchValue {
                guard case .array(let items) = patchValue else { throw badArgType(expected: "[]interface {}", patchValue) }
                patchItems = items
            }
            let field = schema.field(key)
            let mergeKey = field.mergeKey ?? ""
            try validatePatchAgainstOrder(patchItems ?? [], order: order, mergeKey: mergeKey)

            let merged: [JSON]
            switch (currentItems, patchItems) {
            case let (current?, nil): merged = current
            case let (nil, added?): merged = cleanedItems(added)
            case let (current?, added?): merged = try mergeListField(current, added, schema: field, isDeleteList: false)
            case (nil, nil): continue
            }

            let (fromPatch, serverOnly) = mergeKey.isEmpty
                ? partitionPrimitives(merged, by: order)
                : try partitionMaps(merged, by: order, mergeKey: mergeKey)
            let elementsAreMaps = try elementKind(currentItems ?? [], patchItems ?? []) == .map
            original[key] = .array(try normalizeOrder(
                patchItems: fromPatch, serverOnly: serverOnly, patchOrder: order, serverOrder: currentItems ?? [],
                mergeKey: mergeKey, elementsAreMaps: elementsAreMaps))
            patch.removeValue(forKey: key)
        }
    }

    /// Checks that the patch list names its elements in the order `$setElementOrder` gives, and
    /// names none that it leaves out; deletions and other directive elements do not count.
    static func validatePatchAgainstOrder(_ patchItems: [JSON], order: [JSON], mergeKey: String) throws(PatchError) {
        if order.isEmpty || patchItems.isEmpty { return }
        let candidates = mergeKey.isEmpty ? patchItems : try splitDeletions(patchItems).kept
        var patchIndex = 0
        var orderIndex = 0
        while patchIndex < candidates.count && orderIndex < order.count {
            if case .object(let object) = candidates[patchIndex], object[directiveMarker] != nil {
                patchIndex += 1
                continue
            }
            if try mergeKeyValueEqual(candidates[patchIndex], order[orderIndex], mergeKey: mergeKey) {
                patchIndex += 1
            }
            orderIndex += 1
        }
        if patchIndex < candidates.count && orderIndex >= order.count {
            throw .unknown(
                "The order in patch list:\n\(PatchGoFormat.value(.array(patchItems)))\n doesn't match \(setElementOrderPrefix) list:\n\(PatchGoFormat.value(.array(order)))\n")
        }
    }

    static func mergeKeyValueEqual(_ left: JSON, _ right: JSON, mergeKey: String) throws(PatchError) -> Bool {
        if mergeKey.isEmpty { return PatchGoFormat.scalarEqual(left, right) }
        guard case .object(let l) = left else { throw badArgType(expected: "map[string]interface {}", left) }
        guard case .object(let r) = right else { throw badArgType(expected: "map[string]interface {}", right) }
        guard let lv = l[mergeKey] else { throw noMergeKey(l, mergeKey) }
        guard let rv = r[mergeKey] else { throw noMergeKey(r, mergeKey) }
        return PatchGoFormat.scalarEqual(lv, rv)
    }

    /// `$deleteFromPrimitiveList/finalizers` → `finalizers`.
    static func extractKey(_ key: String, prefix: String) throws(PatchError) -> String {
        guard let slash = key.firstIndex(of: "/"), key[..<slash] == prefix else {
            throw .badRequest(prefix == deleteFromPrimitiveListPrefix
                ? "invalid patch format of primitive list"
                : "invalid patch format of setElementOrder list")
        }
        return String(key[key.index(after: slash)...])
    }

    /// Go's `reflect.TypeOf(a) == reflect.TypeOf(b)` for decoded JSON; int64 and float64 differ.
    static func sameGoType(_ a: JSON, _ b: JSON) -> Bool {
        PatchGoFormat.typeName(a) == PatchGoFormat.typeName(b)
    }

    // MARK: - Cleaning values taken from the patch

    /// A patch value stored where the original had nothing to merge with: null members and
    /// directives are dropped, and a map carrying `$patch` disappears altogether (nil), as
    /// apimachinery's `removeDirectives` makes it.
    static func cleaned(_ value: JSON) -> JSON? {
        switch value {
        case .object(let object):
            if object[directiveMarker] != nil { return nil }
            return .object(cleanedMembers(object))
        case .array(let items):
            return .array(cleanedItems(items))
        default:
            return value
        }
    }

    /// A map the patch replaces wholesale: its own `$patch` goes, its members are cleaned.
    static func cleanedRoot(_ object: JSONObject) -> JSONObject {
        var object = object
        object.removeValue(forKey: directiveMarker)
        return cleanedMembers(object)
    }

    private static func cleanedMembers(_ object: JSONObject) -> JSONObject {
        var out = JSONObject()
        out.entries.reserveCapacity(object.count)
        for (key, value) in object where value != .null && !isDirectiveKey(key) {
            if let kept = cleaned(value) { out.entries.append((key, kept)) }
        }
        return out
    }

    /// List elements: maps carrying `$patch` are dropped, nulls stay (they are elements).
    static func cleanedItems(_ items: [JSON]) -> [JSON] {
        items.compactMap { item -> JSON? in item == .null ? JSON.null : cleaned(item) }
    }

    static func isDirectiveKey(_ key: String) -> Bool {
        key == directiveMarker || key == retainKeysDirective || key.hasPrefix(setElementOrderPrefix)
            || key.hasPrefix(deleteFromPrimitiveListPrefix)
    }

    // MARK: - apimachinery's error texts

    static let badRetainKeys = PatchError.badRequest("invalid patch format of retainKeys")
    static let noListOfLists = PatchError.unprocessable("lists of lists are not supported")

    static func noMergeKey(_ object: JSONObject, _ mergeKey: String) -> PatchError {
        .unknown("map: \(PatchGoFormat.value(.object(object))) does not contain declared merge key: \(mergeKey)")
    }

    static func badArgType(expected: String, _ actual: JSON?) -> PatchError {
        .unknown("expected a \(expected), but received a \(PatchGoFormat.typeName(actual))")
    }

    static func badPatchType(_ directive: JSON, _ object: JSONObject) -> PatchError {
        .unknown("unknown patch type: \(PatchGoFormat.verbS(directive)) in map: \(PatchGoFormat.value(.object(object)))")
    }
}
