import KubeJSON

/// One step of a field path, as structured-merge-diff names it: a field of a map or struct, an item of a map
/// list (by its key fields), an item of a set (by its value) or an item of an atomic list (by its index).
struct PathElement: Hashable, Sendable, CustomStringConvertible {
    enum Kind: Int, Sendable { case field, key, value, index }

    struct KeyField: Sendable {
        var name: String
        var value: JSON
    }

    let kind: Kind
    /// The FieldsV1 spelling (`f:name`, `k:{"name":"app"}`, `v:"x"`, `i:0`). Values are written canonically, so the
    /// spelling doubles as the identity of the element.
    let encoded: String
    let fieldName: String
    /// Sorted by name, as upstream sorts key fields.
    let keyFields: [KeyField]
    let itemValue: JSON
    let position: Int

    private init(kind: Kind, encoded: String, fieldName: String = "", keyFields: [KeyField] = [],
                 itemValue: JSON = .null, position: Int = 0)
    {
        self.kind = kind
        self.encoded = encoded
        self.fieldName = fieldName
        self.keyFields = keyFields
        self.itemValue = itemValue
        self.position = position
    }

    static func field(_ name: String) -> PathElement {
        PathElement(kind: .field, encoded: "f:" + name, fieldName: name)
    }

    static func key(_ fields: [KeyField]) -> PathElement {
        let sorted = fields.sorted { goLess($0.name, $1.name) }
        var object = JSONObject()
        for field in sorted { object[field.name] = field.value }
        return PathElement(kind: .key, encoded: "k:" + JSON.object(object).jsonString, keyFields: sorted)
    }

    static func value(_ value: JSON) -> PathElement {
        PathElement(kind: .value, encoded: "v:" + value.jsonString, itemValue: value)
    }

    static func index(_ index: Int) -> PathElement {
        PathElement(kind: .index, encoded: "i:" + String(index), position: index)
    }

    /// Parses a FieldsV1 key; nil for prefixes this version does not know (upstream skips those too).
    init?(encoded text: String) {
        guard text.count >= 2, text.dropFirst().first == ":" else { return nil }
        let body = String(text.dropFirst(2))
        switch text.first {
        case "f":
            self = .field(body)
        case "k":
            guard case .object(let object)? = try? JSONParser.parse(body) else { return nil }
            self = .key(object.map { KeyField(name: $0.key, value: $0.value) })
        case "v":
            guard let value = try? JSONParser.parse(body) else { return nil }
            self = .value(value)
        case "i":
            guard let index = Int(body) else { return nil }
            self = .index(index)
        default:
            return nil
        }
    }

    static func == (lhs: PathElement, rhs: PathElement) -> Bool { lhs.encoded == rhs.encoded }
    func hash(into hasher: inout Hasher) { hasher.combine(encoded) }

    /// The form conflict messages use: `.name`, `[name="app"]`, `[="x"]`, `[0]`.
    var description: String {
        switch kind {
        case .field: return "." + fieldName
        case .key: return "[" + keyFields.map { "\($0.name)=\($0.value.jsonString)" }.joined(separator: ",") + "]"
        case .value: return "[=" + itemValue.jsonString + "]"
        case .index: return "[\(position)]"
        }
    }

    /// Upstream's total order of path elements: fields, then keys, then values, then indices.
    static func < (lhs: PathElement, rhs: PathElement) -> Bool { compare(lhs, rhs) < 0 }

    static func compare(_ lhs: PathElement, _ rhs: PathElement) -> Int {
        if lhs.kind != rhs.kind { return lhs.kind.rawValue < rhs.kind.rawValue ? -1 : 1 }
        switch lhs.kind {
        case .field:
            return goCompare(lhs.fieldName, rhs.fieldName)
        case .key:
            for (l, r) in zip(lhs.keyFields, rhs.keyFields) {
                let byName = goCompare(l.name, r.name)
                if byName != 0 { return byName }
                let byValue = compareValues(l.value, r.value)
                if byValue != 0 { return byValue }
            }
            return lhs.keyFields.count == rhs.keyFields.count ? 0 : (lhs.keyFields.count < rhs.keyFields.count ? -1 : 1)
        case .value:
            return compareValues(lhs.itemValue, rhs.itemValue)
        case .index:
            return lhs.position == rhs.position ? 0 : (lhs.position < rhs.position ? -1 : 1)
        }
    }

    /// structured-merge-diff's value order: numbers, strings, booleans, lists, maps, null.
    static func compareValues(_ lhs: JSON, _ rhs: JSON) -> Int {
        func rank(_ value: JSON) -> Int {
            switch value {
            case .int, .double: return 0
            case .string: return 1
            case .bool: return 2
            case .array: return 3
            case .object: return 4
            case .null: return 5
            }
        }
        let (lr, rr) = (rank(lhs), rank(rhs))
        if lr != rr { return lr < rr ? -1 : 1 }
        switch (lhs, rhs) {
        case let (.int(a), .int(b)):
            return a == b ? 0 : (a < b ? -1 : 1)
        case (.int, .double), (.double, .int), (.double, .double):
            let (a, b) = (lhs.doubleValue ?? 0, rhs.doubleValue ?? 0)
            return a == b ? 0 : (a < b ? -1 : 1)
        case let (.string(a), .string(b)):
            return goCompare(a, b)
        case let (.bool(a), .bool(b)):
            return a == b ? 0 : (a ? 1 : -1)
        case let (.array(a), .array(b)):
            for (l, r) in zip(a, b) {
                let c = compareValues(l, r)
                if c != 0 { return c }
            }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        case let (.object(a), .object(b)):
            let (ak, bk) = (a.keys.sorted(by: goLess), b.keys.sorted(by: goLess))
            for (l, r) in zip(ak, bk) {
                let byName = goCompare(l, r)
                if byName != 0 { return byName }
                let byValue = compareValues(a[l] ?? .null, b[r] ?? .null)
                if byValue != 0 { return byValue }
            }
            return ak.count == bk.count ? 0 : (ak.count < bk.count ? -1 : 1)
        default:
            return 0
        }
    }
}

/// Go compares strings byte by byte; Swift's `<` on String does not.
func goLess(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

func goCompare(_ a: String, _ b: String) -> Int {
    a == b ? 0 : (goLess(a, b) ? -1 : 1)
}

typealias FieldSetPath = [PathElement]

func pathString(_ path: FieldSetPath) -> String {
    path.map(\.description).joined()
}

/// A set of field paths as a tree (structured-merge-diff's `fieldpath.Set`): `members` are paths that end at this
/// node, `children` hold the longer paths. Children are never empty, so `isEmpty` is cheap.
struct FieldSet: Sendable, Equatable {
    private(set) var members: Set<PathElement> = []
    private(set) var children: [PathElement: FieldSet] = [:]

    init() {}

    init(paths: [FieldSetPath]) {
        for path in paths { insert(path) }
    }

    var isEmpty: Bool { members.isEmpty && children.isEmpty }

    mutating func insert(_ path: FieldSetPath) {
        insert(path[...])
    }

    private mutating func insert(_ path: ArraySlice<PathElement>) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.insert(first)
        } else {
            children[first, default: FieldSet()].insert(path.dropFirst())
        }
    }

    mutating func insertMember(_ element: PathElement) {
        members.insert(element)
    }

    /// Replaces the subtree under `element` (dropping it when empty).
    mutating func setChild(_ element: PathElement, _ set: FieldSet) {
        children[element] = set.isEmpty ? nil : set
    }

    func has(_ path: FieldSetPath) -> Bool {
        var node = self
        for (i, element) in path.enumerated() {
            if i == path.count - 1 { return node.members.contains(element) }
            guard let next = node.children[element] else { return false }
            node = next
        }
        return false
    }

    /// The paths below `element`, without it (upstream `WithPrefix`).
    func child(_ element: PathElement) -> FieldSet {
        children[element] ?? FieldSet()
    }

    func union(_ other: FieldSet) -> FieldSet {
        var out = self
        out.members.formUnion(other.members)
        for (element, set) in other.children {
            out.children[element] = out.children[element].map { $0.union(set) } ?? set
        }
        return out
    }

    func intersection(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.intersection(other.members)
        for (element, set) in children {
            guard let theirs = other.children[element] else { continue }
            let common = set.intersection(theirs)
            if !common.isEmpty { out.children[element] = common }
        }
        return out
    }

    /// Removes exactly the paths in `other`: a member of `other` does not remove the children below it.
    func difference(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.subtracting(other.members)
        for (element, set) in children {
            if let theirs = other.children[element] {
                let rest = set.difference(theirs)
                if !rest.isEmpty { out.children[element] = rest }
            } else {
                out.children[element] = set
            }
        }
        return out
    }

    /// Removes the paths in `other` and everything below each of them.
    func recursiveDifference(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.subtracting(other.members)
        for (element, set) in children where !other.members.contains(element) {
            if let theirs = other.children[element] {
                let rest = set.recursiveDifference(theirs)
                if !rest.isEmpty { out.children[element] = rest }
            } else {
                out.children[element] = set
            }
        }
        return out
    }

    /// All paths in upstream's iteration order: at each node its members, then each child's paths, both sorted.
    func paths() -> [FieldSetPath] {
        var out: [FieldSetPath] = []
        collect(prefix: [], into: &out)
        return out
    }

    private func collect(prefix: FieldSetPath, into out: inout [FieldSetPath]) {
        for member in members.sorted(by: <) { out.append(prefix + [member]) }
        for element in children.keys.sorted(by: <) {
            children[element]!.collect(prefix: prefix + [element], into: &out)
        }
    }

    // MARK: FieldsV1

    /// The FieldsV1 form: `"."` first when the node is itself a member, then members and children in order.
    func fieldsV1() -> JSON {
        .object(encode(includeSelf: false))
    }

    private func encode(includeSelf: Bool) -> JSONObject {
        var out = JSONObject()
        if includeSelf && !isEmpty { out["."] = .object(JSONObject()) }
        let keys = Set(members).union(children.keys).sorted(by: <)
        for element in keys {
            if let child = children[element] {
                out[element.encoded] = .object(child.encode(includeSelf: members.contains(element)))
            } else {
                out[element.encoded] = .object(JSONObject())
            }
        }
        return out
    }

    /// Reads FieldsV1; nil when it is not an object of objects. Unknown key kinds are skipped, as upstream.
    init?(fieldsV1 json: JSON) {
        guard case .object(let object) = json else { return nil }
        guard let (set, _) = Self.decode(object) else { return nil }
        self = set
    }

    /// Returns the children of a node and whether the node is itself a member.
    private static func decode(_ object: JSONObject) -> (FieldSet, Bool)? {
        var set = FieldSet()
        var isMember = false
        for (key, value) in object {
            if key == "." {
                isMember = true
                continue
            }
            guard case .object(let inner) = value else { return nil }
            guard let element = PathElement(encoded: key) else { continue }
            guard let (grandchildren, childIsMember) = decode(inner) else { return nil }
            if childIsMember { set.members.insert(element) }
            if !grandchildren.isEmpty {
                set.children[element] = set.children[element].map { $0.union(grandchildren) } ?? grandchildren
            }
        }
        if set.isEmpty { isMember = true }
        return (set, isMember)
    }
}
