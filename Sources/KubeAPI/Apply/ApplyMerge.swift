import KubeJSON

/// The typed operations of structured-merge-diff over `JSON`: the field set of a value, merging an applied
/// configuration into a live object, comparing two versions, and removing a set of fields.
enum ApplyMerge {
    /// A value that does not fit its schema (an item of a map list without its key, a duplicate key).
    struct TypeError: Error, Sendable {
        var path: FieldSetPath
        var message: String
        var description: String { path.isEmpty ? message : "\(pathString(path)): \(message)" }
    }

    /// What a value is, given its schema. A value of another kind than the schema says is treated as untyped,
    /// so stored objects that do not match the schema never stop a write.
    enum Resolved {
        case scalar
        case list(element: ApplySchema, type: ApplySchema.ListType)
        case map(ApplySchema.MapShape)

        func isSameKind(_ other: Resolved) -> Bool {
            switch (self, other) {
            case (.scalar, .scalar), (.list, .list), (.map, .map): return true
            default: return false
            }
        }
    }

    static func resolve(_ schema: ApplySchema, _ value: JSON?) -> Resolved {
        let shape = schema.shape
        switch value {
        case .object?:
            if case .map(let map) = shape { return .map(map) }
            return .map(ApplySchema.deducedMap)
        case .array?:
            if case .list(let element, let type) = shape { return .list(element: element, type: type) }
            return .list(element: .deduced, type: .atomic)
        case .null?, nil:
            switch shape {
            case .map(let map): return .map(map)
            case .list(let element, let type): return .list(element: element, type: type)
            default: return .scalar
            }
        default:
            return .scalar
        }
    }

    // MARK: List items

    /// The path element naming an item of an associative list.
    static func itemElement(_ item: JSON, element: ApplySchema, type: ApplySchema.ListType, index: Int)
        -> Result<PathElement, TypeError>
    {
        func failure(_ message: String) -> Result<PathElement, TypeError> {
            .failure(TypeError(path: [], message: "element \(index): \(message)"))
        }
        switch type {
        case .atomic:
            return .success(.index(index))
        case .set:
            switch item {
            case .object: return failure("associative list without keys has an element that's a map type")
            case .array: return failure("not supported: associative list with lists as elements")
            case .null: return failure("associative list without keys has an element that's an explicit null")
            default: return .success(.value(item))
            }
        case .map(let keys):
            guard case .object(let object) = item else {
                if item.isNull { return failure("associative list with keys may not have a null element") }
                return failure("associative list with keys may not have non-map elements")
            }
            var fields: [PathElement.KeyField] = []
            for key in keys {
                if let value = object[key] {
                    fields.append(.init(name: key, value: value))
                } else if case .map(let shape) = element.shape, let value = shape.fields[key]?.defaultValue {
                    fields.append(.init(name: key, value: value))
                } else {
                    return failure("associative list with keys has an element that omits key field \"\(key)\" (and doesn't have default value)")
                }
            }
            return .success(.key(fields))
        }
    }

    struct IndexedList {
        /// Each element once, in order of first appearance.
        var order: [PathElement] = []
        var items: [PathElement: [JSON]] = [:]

        /// The elements that name items; items without a usable key only ride along in merges.
        var keyed: [PathElement] { order.filter { !isOpaque($0) } }
    }

    /// The stand-in element of a live list item that has no usable key.
    static func opaque(_ index: Int) -> PathElement { .index(-1 - index) }

    static func isOpaque(_ element: PathElement) -> Bool { element.kind == .index && element.position < 0 }

    /// Indexes a list by its items' path elements. Strict indexing (for applied configurations) rejects items
    /// without keys and duplicates; lenient indexing (for live objects) keeps them: an item without a usable key
    /// gets an element of its own so it survives merges untouched, and duplicates are kept together.
    static func index(_ list: [JSON], element: ApplySchema, type: ApplySchema.ListType, strict: Bool,
                      path: FieldSetPath) throws(TypeError) -> IndexedList
    {
        var indexed = IndexedList()
        for (i, item) in list.enumerated() {
            let pe: PathElement
            switch itemElement(item, element: element, type: type, index: i) {
            case .success(let found): pe = found
            case .failure(let error):
                if strict { throw TypeError(path: path, message: error.message) }
                pe = opaque(i)
            }
            if indexed.items[pe] != nil {
                if strict { throw TypeError(path: path, message: "duplicate entries for key \(pe.description)") }
                indexed.items[pe]!.append(item)
            } else {
                indexed.order.append(pe)
                indexed.items[pe] = [item]
            }
        }
        return indexed
    }

    static func lenientIndex(_ list: [JSON], element: ApplySchema, type: ApplySchema.ListType) -> IndexedList {
        (try? index(list, element: element, type: type, strict: false, path: [])) ?? IndexedList()
    }

    // MARK: Field sets

    /// The fields a value sets (upstream `ToFieldSet`): leaves, atomic lists and maps, list items, map keys that
    /// are not declared fields, and declared fields whose value is null or an empty map.
    static func fieldSet(of value: JSON, schema: ApplySchema, strict: Bool) throws(TypeError) -> FieldSet {
        var set = FieldSet()
        try collect(value, schema, [], strict: strict, into: &set)
        return set
    }

    static func lenientFieldSet(of value: JSON, schema: ApplySchema) -> FieldSet {
        (try? fieldSet(of: value, schema: schema, strict: false)) ?? FieldSet()
    }

    private static func collect(_ value: JSON, _ schema: ApplySchema, _ path: FieldSetPath, strict: Bool,
                                into set: inout FieldSet) throws(TypeError)
    {
        switch resolve(schema, value) {
        case .scalar:
            set.insert(path)
        case .list(let element, let type):
            if type == .atomic {
                set.insert(path)
                return
            }
            guard case .array(let list) = value, !list.isEmpty else { return }
            let indexed = try index(list, element: element, type: type, strict: strict, path: path)
            for pe in indexed.keyed {
                let items = indexed.items[pe]!
                let itemPath = path + [pe]
                if items.count == 1 { try collect(items[0], element, itemPath, strict: strict, into: &set) }
                set.insert(itemPath)
            }
        case .map(let shape):
            if shape.atomic {
                set.insert(path)
                return
            }
            guard case .object(let object) = value else { return }
            for (key, child) in object {
                let childPath = path + [.field(key)]
                try collect(child, shape.child(key), childPath, strict: strict, into: &set)
                if child.isNull || child.objectValue?.isEmpty == true || !shape.isNamed(key) {
                    set.insert(childPath)
                }
            }
        }
    }

    /// Adds to `set` the paths of declared struct fields that have children in it (upstream
    /// `EnsureNamedFieldsAreMembers`), so pruning treats a struct the manager set as a whole.
    static func ensureNamedFieldsAreMembers(_ set: FieldSet, schema: ApplySchema) -> FieldSet {
        var out = set
        let shape = schema.shape
        for (element, child) in set.children {
            if element.kind == .field, case .map(let map) = shape, map.isNamed(element.fieldName) {
                out.insertMember(element)
            }
            out.setChild(element, ensureNamedFieldsAreMembers(child, schema: schema.child(element)))
        }
        return out
    }

    // MARK: Merge

    /// Merges `rhs` (an applied configuration) into `lhs` (the live object): scalars and atomic values are
    /// replaced, maps merged by key, associative lists merged by item key in upstream's order.
    static func merge(_ lhs: JSON?, _ rhs: JSON?, schema: ApplySchema) -> JSON? {
        guard let lhs else { return rhs }
        guard let rhs else { return lhs }
        let left = resolve(schema, lhs)
        let right = resolve(schema, rhs)
        guard left.isSameKind(right) else { return rhs }
        switch right {
        case .scalar:
            return rhs
        case .list(let element, let type):
            let (l, r) = (lhs.arrayValue ?? [], rhs.arrayValue ?? [])
            if type == .atomic || (l.isEmpty && r.isEmpty) { return rhs }
            let merged = mergeLists(l, r, element: element, type: type)
            return merged.isEmpty ? nil : .array(merged)
        case .map(let shape):
            let (l, r) = (lhs.objectValue ?? JSONObject(), rhs.objectValue ?? JSONObject())
            if shape.atomic || (l.isEmpty && r.isEmpty) { return rhs }
            var out = JSONObject()
            for (key, value) in l {
                if let merged = merge(value, r[key], schema: shape.child(key)) { out[key] = merged }
            }
            for (key, value) in r where l[key] == nil {
                out[key] = value
            }
            return out.isEmpty ? nil : .object(out)
        }
    }

    /// Upstream's list merge order: items only the live object has stay where they are; shared items and new
    /// items follow the applied order.
    private static func mergeLists(_ lhs: [JSON], _ rhs: [JSON], element: ApplySchema,
                                   type: ApplySchema.ListType) -> [JSON]
    {
        let left = lenientIndex(lhs, element: element, type: type)
        let right = lenientIndex(rhs, element: element, type: type)
        var shared = right.order.filter { left.items[$0] != nil }[...]
        var nextShared = shared.popFirst()
        var out: [JSON] = []

        func mergeItem(_ pe: PathElement) {
            let applied = right.items[pe]![0]
            if let live = left.items[pe], live.count == 1 {
                if let merged = merge(live[0], applied, schema: element) { out.append(merged) }
            } else {
                // Duplicates in the live list are replaced by the single applied item.
                out.append(applied)
            }
        }

        var (l, r) = (0, 0)
        while l < left.order.count || r < right.order.count {
            if l < left.order.count && r < right.order.count {
                let pe = left.order[l]
                if pe == right.order[r] {
                    mergeItem(pe)
                    l += 1
                    r += 1
                    nextShared = shared.popFirst()
                    continue
                }
                if right.items[pe] != nil, let next = nextShared, next != pe {
                    l += 1
                    continue
                }
            }
            if l < left.order.count, right.items[left.order[l]] == nil {
                out.append(contentsOf: left.items[left.order[l]]!)
                l += 1
                continue
            }
            if r < right.order.count {
                let pe = right.order[r]
                mergeItem(pe)
                r += 1
                if nextShared == pe { nextShared = shared.popFirst() }
                continue
            }
            // Only shared items already merged remain on the left.
            l += 1
        }
        return out
    }

    // MARK: Compare

    struct Comparison {
        var added = FieldSet()
        var modified = FieldSet()
        var removed = FieldSet()

        /// Drops `fields` and everything below them (upstream `ExcludeFields`).
        func excluding(_ fields: FieldSet) -> Comparison {
            Comparison(added: added.recursiveDifference(fields), modified: modified.recursiveDifference(fields),
                       removed: removed.recursiveDifference(fields))
        }
    }

    /// What changed from `lhs` to `rhs`: every node only `rhs` has is added, every node only `lhs` has removed,
    /// and leaves (scalars, atomic values, empty lists and maps) that differ are modified.
    static func compare(_ lhs: JSON, _ rhs: JSON, schema: ApplySchema) -> Comparison {
        var comparison = Comparison()
        compare(lhs, rhs, schema, [], into: &comparison)
        return comparison
    }

    private static func compare(_ lhs: JSON?, _ rhs: JSON?, _ schema: ApplySchema, _ path: FieldSetPath,
                                into c: inout Comparison)
    {
        guard let lhs else {
            if let rhs { allPaths(rhs, schema, path, into: &c.added) }
            return
        }
        guard let rhs else {
            allPaths(lhs, schema, path, into: &c.removed)
            return
        }
        let left = resolve(schema, lhs)
        let right = resolve(schema, rhs)
        guard left.isSameKind(right) else {
            if lhs != rhs { c.modified.insert(path) }
            return
        }
        switch right {
        case .scalar:
            if lhs != rhs { c.modified.insert(path) }
        case .list(let element, let type):
            let (l, r) = (lhs.arrayValue ?? [], rhs.arrayValue ?? [])
            if type == .atomic || (l.isEmpty && r.isEmpty) {
                if lhs != rhs { c.modified.insert(path) }
                return
            }
            let left = lenientIndex(l, element: element, type: type)
            let right = lenientIndex(r, element: element, type: type)
            for pe in left.keyed + right.keyed.filter({ left.items[$0] == nil }) {
                compare(left.items[pe]?.first, right.items[pe]?.first, element, path + [pe], into: &c)
            }
        case .map(let shape):
            let (l, r) = (lhs.objectValue ?? JSONObject(), rhs.objectValue ?? JSONObject())
            if shape.atomic || (l.isEmpty && r.isEmpty) {
                if lhs != rhs { c.modified.insert(path) }
                return
            }
            for (key, value) in l {
                compare(value, r[key], shape.child(key), path + [.field(key)], into: &c)
            }
            for (key, value) in r where l[key] == nil {
                compare(nil, value, shape.child(key), path + [.field(key)], into: &c)
            }
        }
    }

    /// Every node of a subtree, itself included.
    private static func allPaths(_ value: JSON, _ schema: ApplySchema, _ path: FieldSetPath, into set: inout FieldSet) {
        set.insert(path)
        switch resolve(schema, value) {
        case .scalar:
            return
        case .list(let element, let type):
            guard type != .atomic, case .array(let list) = value else { return }
            let indexed = lenientIndex(list, element: element, type: type)
            for pe in indexed.keyed {
                allPaths(indexed.items[pe]![0], element, path + [pe], into: &set)
            }
        case .map(let shape):
            guard !shape.atomic, case .object(let object) = value else { return }
            for (key, child) in object {
                allPaths(child, shape.child(key), path + [.field(key)], into: &set)
            }
        }
    }

    // MARK: Remove

    /// `value` without the fields, list items and map keys in `set` (upstream `RemoveItems`). A map or list
    /// emptied by the removal disappears rather than staying behind as null.
    static func removeItems(_ value: JSON, _ set: FieldSet, schema: ApplySchema) -> JSON {
        removing(value, set, schema) ?? .object(JSONObject())
    }

    private static func removing(_ value: JSON, _ set: FieldSet, _ schema: ApplySchema) -> JSON? {
        if set.isEmpty { return value }
        switch resolve(schema, value) {
        case .scalar:
            return value
        case .list(let element, let type):
            guard type != .atomic, case .array(let list) = value, !list.isEmpty else { return value }
            var out: [JSON] = []
            for (i, item) in list.enumerated() {
                guard case .success(let pe) = itemElement(item, element: element, type: type, index: i) else {
                    out.append(item)
                    continue
                }
                if set.members.contains(pe) { continue }
                if let below = set.children[pe] {
                    if let kept = removing(item, below, element) { out.append(kept) }
                } else {
                    out.append(item)
                }
            }
            return out.isEmpty ? nil : .array(out)
        case .map(let shape):
            guard !shape.atomic, case .object(let object) = value, !object.isEmpty else { return value }
            var out = JSONObject()
            for (key, child) in object {
                let pe = PathElement.field(key)
                if set.members.contains(pe) { continue }
                if let below = set.children[pe] {
                    if let kept = removing(child, below, shape.child(key)) { out[key] = kept }
                } else {
                    out[key] = child
                }
            }
            return out.isEmpty ? nil : .object(out)
        }
    }
}
