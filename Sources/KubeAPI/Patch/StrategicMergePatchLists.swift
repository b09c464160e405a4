import KubeJSON

// List merging and ordering for strategic merge patch, following apimachinery's `mergeSlice`,
// `normalizeElementOrder` and `mergeSortedSlice`. The order rules matter to clients: kubectl diffs
// what it sent against what it reads back.
//
// After a merge, elements the patch mentions are ordered as in the patch (or in
// `$setElementOrder`), elements only the server had keep their original relative order, and the
// two runs are interleaved by walking both: a server-only element goes first only when the original
// list had it before the patch element being compared. A brand-new element is therefore placed
// before the server-only elements that follow it in the merge walk — which, with no
// `$setElementOrder`, means new elements come first.
extension StrategicMergePatch {
    /// How a list field takes a patch list: merged when its strategy says `merge` (or when the
    /// patch is a `$deleteFromPrimitiveList`), replaced otherwise.
    static func mergeListField(_ current: [JSON], _ patch: [JSON], schema: PatchSchema, isDeleteList: Bool) throws(PatchError) -> [JSON] {
        guard schema.strategy.base == .merge || isDeleteList else {
            return cleanedItems(patch)
        }
        return try mergeList(current, patch, elementSchema: schema.elementSchema, mergeKey: schema.mergeKey ?? "",
                             isDeleteList: isDeleteList)
    }

    static func mergeList(_ current: [JSON], _ patch: [JSON], elementSchema: PatchSchema, mergeKey: String,
                          isDeleteList: Bool) throws(PatchError) -> [JSON] {
        if current.isEmpty && patch.isEmpty { return current }
        let kind = try elementKind(current, patch)
        var original = current
        var patch = patch
        var merged: [JSON]
        if kind != .map {
            if isDeleteList {
                return original.filter { item in !patch.contains { PatchGoFormat.scalarEqual($0, item) } }
            }
            merged = deduplicated(original + patch)
        } else {
            if mergeKey.isEmpty {
                throw .unknown("cannot merge lists without merge key for struct")
            }
            (original, patch) = try applyListDirectives(original, patch, mergeKey: mergeKey)
            merged = original
            for element in patch {
                guard case .object(let patchElement) = element else { continue }
                guard let keyValue = patchElement[mergeKey] else { throw noMergeKey(patchElement, mergeKey) }
                if let (index, existing) = try findByMergeKey(merged, mergeKey: mergeKey, value: keyValue) {
                    merged[index] = .object(try mergeMap(existing, patchElement, schema: elementSchema))
                } else {
                    merged.append(cleaned(element) ?? element)
                }
            }
        }
        let (fromPatch, serverOnly) = mergeKey.isEmpty
            ? partitionPrimitives(merged, by: patch)
            : try partitionMaps(merged, by: patch, mergeKey: mergeKey)
        return try normalizeOrder(patchItems: fromPatch, serverOnly: serverOnly, patchOrder: patch, serverOrder: original,
                                  mergeKey: mergeKey, elementsAreMaps: kind == .map)
    }

    /// Handles `$patch` elements of a merging list: deletions remove matching elements from the
    /// original, a `replace` element makes the remaining patch elements the whole list.
    /// Returns the original to merge into and the patch elements left to merge.
    static func applyListDirectives(_ original: [JSON], _ patch: [JSON], mergeKey: String) throws(PatchError) -> ([JSON], [JSON]) {
        var original = original
        var rest: [JSON] = []
        var replace = false
        for element in patch {
            guard case .object(let object) = element, let directive = object[directiveMarker] else {
                rest.append(element)
                continue
            }
            switch directive {
            case .string("delete"):
                guard let keyValue = object[mergeKey] else { throw noMergeKey(object, mergeKey) }
                original.removeAll { item in
                    guard case .object(let candidate) = item, let value = candidate[mergeKey] else { return false }
                    return PatchGoFormat.scalarEqual(value, keyValue)
                }
            case .string("replace"):
                replace = true  // keep going: the other directive elements must still be dropped
            case .string("merge"):
                throw .unknown("merging lists cannot yet be specified in the patch")
            default:
                throw badPatchType(directive, object)
            }
        }
        if replace { return (cleanedItems(rest), []) }
        return (original, rest)
    }

    /// The first element whose merge key equals `value`; every element must be a map.
    static func findByMergeKey(_ items: [JSON], mergeKey: String, value: JSON) throws(PatchError) -> (Int, JSONObject)? {
        for (index, item) in items.enumerated() {
            guard case .object(let object) = item else { throw notAMap(at: index) }
            if let candidate = object[mergeKey], PatchGoFormat.scalarEqual(candidate, value) {
                return (index, object)
            }
        }
        return nil
    }

    /// Keeps the first occurrence of each value.
    static func deduplicated(_ items: [JSON]) -> [JSON] {
        var out: [JSON] = []
        for item in items where !out.contains(where: { PatchGoFormat.scalarEqual($0, item) }) {
            out.append(item)
        }
        return out
    }

    // MARK: - Ordering

    /// Splits merged primitives into those the patch (or order list) mentions and the rest.
    static func partitionPrimitives(_ merged: [JSON], by mentioned: [JSON]) -> (fromPatch: [JSON], serverOnly: [JSON]) {
        var fromPatch: [JSON] = []
        var serverOnly: [JSON] = []
        for item in merged {
            if mentioned.contains(where: { PatchGoFormat.scalarEqual($0, item) }) {
                fromPatch.append(item)
            } else {
                serverOnly.append(item)
            }
        }
        return (fromPatch, serverOnly)
    }

    /// Splits merged maps by whether the patch (or order list) mentions their merge key.
    static func partitionMaps(_ merged: [JSON], by mentioned: [JSON], mergeKey: String) throws(PatchError) -> (fromPatch: [JSON], serverOnly: [JSON]) {
        var fromPatch: [JSON] = []
        var serverOnly: [JSON] = []
        for item in merged {
            guard case .object(let object) = item else { throw badArgType(expected: "map[string]interface {}", item) }
            guard let keyValue = object[mergeKey] else { throw noMergeKey(object, mergeKey) }
            if try findByMergeKey(mentioned, mergeKey: mergeKey, value: keyValue) != nil {
                fromPatch.append(item)
            } else {
                serverOnly.append(item)
            }
        }
        return (fromPatch, serverOnly)
    }

    /// Orders patch elements by `patchOrder`, server-only elements by `serverOrder`, then
    /// interleaves the two runs.
    static func normalizeOrder(patchItems: [JSON], serverOnly: [JSON], patchOrder: [JSON], serverOrder: [JSON],
                               mergeKey: String, elementsAreMaps: Bool) throws(PatchError) -> [JSON] {
        let sortedPatch = try sortedByOrder(patchItems, order: patchOrder, mergeKey: mergeKey, elementsAreMaps: elementsAreMaps)
        let sortedServer = try sortedByOrder(serverOnly, order: serverOrder, mergeKey: mergeKey, elementsAreMaps: elementsAreMaps)
        return interleave(serverOnly: sortedServer, patchItems: sortedPatch, serverOrder: serverOrder,
                          mergeKey: mergeKey, elementsAreMaps: elementsAreMaps)
    }

    /// A stable sort by position in `order`. For maps every element must carry the merge key, and
    /// `$patch: delete` elements are moved to the end.
    static func sortedByOrder(_ items: [JSON], order: [JSON], mergeKey: String, elementsAreMaps: Bool) throws(PatchError) -> [JSON] {
        var toSort = items
        var deletions: [JSON] = []
        if elementsAreMaps {
            for item in items + order {
                guard case .object(let object) = item else { throw badArgType(expected: "map[string]interface {}", item) }
                guard object[mergeKey] != nil else { throw noMergeKey(object, mergeKey) }
            }
            (toSort, deletions) = try splitDeletions(items)
        }
        let positions = toSort.map { position(of: $0, in: order, mergeKey: mergeKey, elementsAreMaps: elementsAreMaps) }
        let sorted = toSort.indices.sorted { a, b in
            let (pa, pb) = (positions[a] ?? Int.max, positions[b] ?? Int.max)
            return pa != pb ? pa < pb : a < b
        }
        return sorted.map { toSort[$0] } + deletions
    }

    /// Interleaves two ordered runs; a server-only element goes first only when the original list
    /// had it before the patch element it is compared with.
    static func interleave(serverOnly: [JSON], patchItems: [JSON], serverOrder: [JSON], mergeKey: String,
                           elementsAreMaps: Bool) -> [JSON] {
        var out: [JSON] = []
        out.reserveCapacity(serverOnly.count + patchItems.count)
        var i = 0
        var j = 0
        while i < serverOnly.count && j < patchItems.count {
            let left = position(of: serverOnly[i], in: serverOrder, mergeKey: mergeKey, elementsAreMaps: elementsAreMaps)
            let right = position(of: patchItems[j], in: serverOrder, mergeKey: mergeKey, elementsAreMaps: elementsAreMaps)
            if let left, let right, left < right {
                out.append(serverOnly[i])
                i += 1
            } else {
                out.append(patchItems[j])
                j += 1
            }
        }
        out.append(contentsOf: serverOnly[i...])
        out.append(contentsOf: patchItems[j...])
        return out
    }

    /// Where `item` sits in `list`: by merge key value for maps (an absent key matching an absent
    /// key, as Go's nil interfaces do), by value for primitives.
    static func position(of item: JSON, in list: [JSON], mergeKey: String, elementsAreMaps: Bool) -> Int? {
        if elementsAreMaps {
            let wanted = item.objectValue?[mergeKey]
            return list.firstIndex { PatchGoFormat.scalarEqual($0.objectValue?[mergeKey], wanted) }
        }
        return list.firstIndex { PatchGoFormat.scalarEqual($0, item) }
    }

    /// Splits out the `$patch: delete` elements of a list of maps.
    static func splitDeletions(_ items: [JSON]) throws(PatchError) -> (kept: [JSON], deletions: [JSON]) {
        var kept: [JSON] = []
        var deletions: [JSON] = []
        for item in items {
            guard case .object(let object) = item else { throw badArgType(expected: "map[string]interface {}", item) }
            if object[directiveMarker] == .string("delete") {
                deletions.append(item)
            } else {
                kept.append(item)
            }
        }
        return (kept, deletions)
    }

    // MARK: - Element types

    enum ElementKind: Equatable {
        case map
        case scalar(String)
    }

    /// The one element type shared by the given lists (Go's `sliceElementType`): lists of lists are
    /// refused, and so are lists mixing types, integers and fractions included.
    static func elementKind(_ lists: [JSON]...) throws(PatchError) -> ElementKind {
        var kind: ElementKind?
        var sawNull = false
        for list in lists {
            for item in list {
                let current: ElementKind
                switch item {
                case .array:
                    if kind == nil && !sawNull { throw noListOfLists }
                    throw elementTypesDiffer(lists)
                case .object: current = .map
                case .null:
                    sawNull = true
                    continue
                default: current = .scalar(PatchGoFormat.typeName(item))
                }
                if sawNull { throw elementTypesDiffer(lists) }
                if let kind, kind != current { throw elementTypesDiffer(lists) }
                kind = current
            }
        }
        if sawNull { throw elementTypesDiffer(lists) }
        guard let kind else { throw .unknown("no elements in any of the given slices") }
        return kind
    }

    private static func elementTypesDiffer(_ lists: [[JSON]]) -> PatchError {
        .unknown("list element types are not identical: \(PatchGoFormat.value(.array(lists.map { .array($0) })))")
    }

    static func notAMap(at index: Int) -> PatchError {
        .unknown("value for key \(index) is not a map.")
    }
}
