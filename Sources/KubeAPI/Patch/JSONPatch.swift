import KubeJSON

/// RFC 6902 JSON Patch (`application/json-patch+json`) with the behaviour and messages of
/// gopkg.in/evanphx/json-patch.v4, the library kube-apiserver applies it with. Where that library
/// departs from the RFC, kube-apiserver does too, and so do we:
/// - `replace` of a missing object member adds it (only array indices are checked);
/// - `add`, `remove`, `move` and `copy` cannot target the whole document (path `""`);
/// - negative array indices count from the end (`-1` is the last element);
/// - a JSON null member is treated as absent: it cannot be traversed, and `test` against null passes;
/// - `copy` from a missing object member copies null.
/// Every failure while applying is a 422; a body that is not an array of operations is a 400.
public enum JSONPatch {
    /// kube-apiserver refuses larger patches with 413 before applying anything.
    public static let maxOperations = 10_000

    public static func apply(_ patch: JSON, to document: JSON) throws(PatchError) -> JSON {
        let operations = try decode(patch)
        if operations.count > maxOperations {
            throw .requestEntityTooLarge(
                "The allowed maximum operations in a JSON patch is \(maxOperations), got \(operations.count)")
        }
        var doc = document
        switch doc {
        case .object, .array: break
        default:
            throw .unprocessable("json: cannot unmarshal \(PatchGoFormat.jsonKind(doc)) into Go value of type jsonpatch.partialDoc")
        }
        for operation in operations {
            try apply(operation, to: &doc)
        }
        return doc
    }

    /// Parses the request body first; a body that is not JSON is the client's fault (400).
    public static func apply(patchBytes: [UInt8], to document: JSON) throws(PatchError) -> JSON {
        let patch: JSON
        do throws(JSONParseError) {
            patch = try JSONParser.parse(patchBytes)
        } catch {
            throw .badRequest(error.message)
        }
        return try apply(patch, to: document)
    }

    // MARK: - Decoding

    /// One operation, kept as the raw object so each op reads its members the way the library does.
    struct Operation {
        let members: JSONObject

        var kind: String {
            if case .string(let op)? = members["op"] { return op }
            return "unknown"
        }

        /// nil when absent; `.null` when the patch says `"value": null`.
        var value: JSON? { members["value"] }

        enum Member {
            case string(String)
            case failure(String)
        }

        func path() -> Member { read("path", missing: "operation missing path field: missing value") }
        func from() -> Member { read("from", missing: "operation, missing from field: missing value") }

        private func read(_ name: String, missing: String) -> Member {
            switch members[name] {
            case nil, .null?: return .failure(missing)
            case .string(let s)?: return .string(s)
            case let other?: return .failure("json: cannot unmarshal \(PatchGoFormat.jsonKind(other)) into Go value of type string")
            }
        }
    }

    static func decode(_ patch: JSON) throws(PatchError) -> [Operation] {
        switch patch {
        case .null:
            return []  // Go decodes null into an empty patch, which changes nothing.
        case .array(let items):
            var operations: [Operation] = []
            operations.reserveCapacity(items.count)
            for item in items {
                switch item {
                case .object(let members): operations.append(Operation(members: members))
                case .null: operations.append(Operation(members: JSONObject()))
                default:
                    throw .badRequest("json: cannot unmarshal \(PatchGoFormat.jsonKind(item)) into Go value of type jsonpatch.Operation")
                }
            }
            return operations
        default:
            throw .badRequest("json: cannot unmarshal \(PatchGoFormat.jsonKind(patch)) into Go value of type jsonpatch.Patch")
        }
    }

    // MARK: - Operations

    static func apply(_ op: Operation, to doc: inout JSON) throws(PatchError) {
        switch op.kind {
        case "add": try add(op, &doc)
        case "remove": try remove(op, &doc)
        case "replace": try replace(op, &doc)
        case "move": try move(op, &doc)
        case "test": try test(op, doc)
        case "copy": try copy(op, &doc)
        default: throw .unprocessable("Unexpected kind: \(op.kind)")
        }
    }

    private static func add(_ op: Operation, _ doc: inout JSON) throws(PatchError) {
        guard case .string(let path) = op.path() else {
            throw .unprocessable("add operation failed to decode path: missing value")
        }
        let value = op.value ?? .null
        let outcome = mutateParent(&doc, path) { (parent, key) in Container.add(&parent, key, value) }
        switch outcome {
        case nil: throw .unprocessable("add operation does not apply: doc is missing path: \"\(path)\": missing value")
        case let failure??: throw .unprocessable("error in add for path: '\(path)': \(failure)")
        case .some(nil): return
        }
    }

    private static func remove(_ op: Operation, _ doc: inout JSON) throws(PatchError) {
        guard case .string(let path) = op.path() else {
            throw .unprocessable("remove operation failed to decode path: missing value")
        }
        let outcome = mutateParent(&doc, path) { (parent, key) in Container.remove(&parent, key) }
        switch outcome {
        case nil: throw .unprocessable("remove operation does not apply: doc is missing path: \"\(path)\": missing value")
        case let failure??: throw .unprocessable("error in remove for path: '\(path)': \(failure)")
        case .some(nil): return
        }
    }

    private static func replace(_ op: Operation, _ doc: inout JSON) throws(PatchError) {
        let path: String
        switch op.path() {
        case .string(let p): path = p
        case .failure(let why): throw .unprocessable("replace operation failed to decode path: \(why)")
        }
        if path.isEmpty {
            // Only the whole-document replace is special-cased, and only objects or arrays may replace it.
            guard let value = op.value, value.isContainer else {
                throw .unprocessable("replace operation value must be object or array: %!w(<nil>)")
            }
            doc = value
            return
        }
        let value = op.value ?? .null
        let outcome = mutateParent(&doc, path) { (parent, key) -> String? in
            if case .failure = Container.get(parent, key) {
                return "replace operation does not apply: doc is missing key: \(path): missing value"
            }
            if let failure = Container.set(&parent, key, value) {
                return "error in remove for path: '\(path)': \(failure)"
            }
            return nil
        }
        switch outcome {
        case nil: throw .unprocessable("replace operation does not apply: doc is missing path: \(path): missing value")
        case let failure??: throw .unprocessable(failure)
        case .some(nil): return
        }
    }

    private static func move(_ op: Operation, _ doc: inout JSON) throws(PatchError) {
        let from: String
        switch op.from() {
        case .string(let f): from = f
        case .failure(let why): throw .unprocessable("move operation failed to decode from: \(why)")
        }
        var moved: JSON?
        let taken = mutateParent(&doc, from) { (parent, key) -> String? in
            switch Container.get(parent, key) {
            case .failure(let why):
                // The library reports the member name here, not the whole path.
                return "error in move for path: '\(key)': \(why)"
            case .success(let value):
                moved = value
            }
            if let failure = Container.remove(&parent, key) {
                return "error in move for path: '\(key)': \(failure)"
            }
            return nil
        }
        switch taken {
        case nil: throw .unprocessable("move operation does not apply: doc is missing from path: \(from): missing value")
        case let failure??: throw .unprocessable(failure)
        case .some(nil): break
        }
        let path: String
        switch op.path() {
        case .string(let p): path = p
        case .failure(let why): throw .unprocessable("move operation failed to decode path: \(why)")
        }
        let value = moved ?? .null
        let placed = mutateParent(&doc, path) { (parent, key) in Container.add(&parent, key, value) }
        switch placed {
        case nil: throw .unprocessable("move operation does not apply: doc is missing destination path: \(path): missing value")
        case let failure??: throw .unprocessable("error in move for path: '\(path)': \(failure)")
        case .some(nil): return
        }
    }

    private static func test(_ op: Operation, _ doc: JSON) throws(PatchError) {
        let path: String
        switch op.path() {
        case .string(let p): path = p
        case .failure(let why): throw .unprocessable("test operation failed to decode path: \(why)")
        }
        let failed = PatchError.unprocessable("testing value \(path) failed: test failed")
        if path.isEmpty {
            guard let expected = op.value, libraryEqual(doc, expected) else { throw failed }
            return
        }
        guard let pointer = Pointer(path), let parent = lookupParent(doc, pointer.parents[...]) else {
            throw .unprocessable("test operation does not apply: is missing path: \(path): missing value")
        }
        switch Container.get(parent, pointer.key) {
        case .failure(let why):
            throw .unprocessable("error in test for path: '\(path)': \(why)")
        case .success(nil):
            if op.value == nil || op.value == .null { return }
            throw failed
        case .success(let actual?):
            guard let expected = op.value, libraryEqual(actual, expected) else { throw failed }
        }
    }

    private static func copy(_ op: Operation, _ doc: inout JSON) throws(PatchError) {
        let from: String
        switch op.from() {
        case .string(let f): from = f
        case .failure(let why): throw .unprocessable("copy operation failed to decode from: \(why)")
        }
        guard let source = Pointer(from), let sourceParent = lookupParent(doc, source.parents[...]) else {
            throw .unprocessable("copy operation does not apply: doc is missing from path: \(from): missing value")
        }
        let value: JSON
        switch Container.get(sourceParent, source.key) {
        case .failure(let why): throw .unprocessable("error in copy for from: '\(from)': \(why)")
        case .success(let found): value = found ?? .null
        }
        guard case .string(let path) = op.path() else {
            throw .unprocessable("copy operation failed to decode path: missing value")
        }
        let placed = mutateParent(&doc, path) { (parent, key) in Container.add(&parent, key, value) }
        switch placed {
        case nil: throw .unprocessable("copy operation does not apply: doc is missing destination path: \(path): missing value")
        case let failure??: throw .unprocessable("error while adding value during copy: \(failure)")
        case .some(nil): return
        }
    }

    /// Structural equality as the library's `lazyNode.equal` sees it: scalars compare by their JSON
    /// text, so an integer never equals a number written with a fraction or exponent.
    static func libraryEqual(_ lhs: JSON, _ rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)):
            guard a.count == b.count else { return false }
            return zip(a, b).allSatisfy { libraryEqual($0, $1) }
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let other = b[key], libraryEqual(value, other) else { return false }
            }
            return true
        default: return false
        }
    }

    // MARK: - Pointers

    /// A JSON Pointer split the way the library splits it: every segment but the last names a
    /// container to walk through, the last names the member the operation acts on.
    struct Pointer {
        let parents: [String]
        let key: String

        /// nil for pointers with no `/` at all, such as the empty pointer.
        init?(_ path: String) {
            let segments = path.split(separator: "/", omittingEmptySubsequences: false)
            guard segments.count >= 2 else { return nil }
            // The first segment is dropped unread, so "a/b" acts like "/b", as in the library.
            parents = segments.dropFirst().dropLast().map { Pointer.unescape($0) }
            key = Pointer.unescape(segments.last!)
        }

        /// RFC 6901: `~1` is `/`, `~0` is `~`, decoded in one left-to-right pass so `~01` is `~1`.
        static func unescape(_ segment: Substring) -> String {
            guard segment.contains("~") else { return String(segment) }
            var out = ""
            var iterator = segment.makeIterator()
            var pending = iterator.next()
            while let c = pending {
                pending = iterator.next()
                if c == "~", let next = pending, next == "0" || next == "1" {
                    out.append(next == "1" ? "/" : "~")
                    pending = iterator.next()
                } else {
                    out.append(c)
                }
            }
            return out
        }
    }

    /// The container the parent segments lead to, or nil when any step is missing, null, a scalar,
    /// or an unusable array index.
    static func lookupParent(_ doc: JSON, _ parents: ArraySlice<String>) -> JSON? {
        var current = doc
        for segment in parents {
            guard case .success(let next?) = Container.get(current, segment), next.isContainer else { return nil }
            current = next
        }
        return current.isContainer ? current : nil
    }

    /// Runs `body` on the parent container of `path` in place. Returns nil when the path does not
    /// lead to a container, otherwise whatever `body` returned (an error text, or nil on success).
    static func mutateParent(
        _ doc: inout JSON, _ path: String, _ body: (inout JSON, String) -> String?
    ) -> String?? {
        guard let pointer = Pointer(path) else { return nil }
        return descend(&doc, pointer.parents[...]) { parent in body(&parent, pointer.key) }
    }

    private static func descend(_ node: inout JSON, _ parents: ArraySlice<String>, _ body: (inout JSON) -> String?) -> String?? {
        guard let segment = parents.first else {
            return node.isContainer ? .some(body(&node)) : nil
        }
        switch node {
        case .object(var object):
            guard let i = object.index(of: segment), object.entries[i].value.isContainer else { return nil }
            node = .null  // release the parent's reference so the child below is uniquely owned
            defer { node = .object(object) }
            return descend(&object.entries[i].value, parents.dropFirst(), body)
        case .array(var items):
            guard case .success(let i) = Container.existingIndex(segment, count: items.count),
                items[i].isContainer
            else { return nil }
            node = .null
            defer { node = .array(items) }
            return descend(&items[i], parents.dropFirst(), body)
        default:
            return nil
        }
    }
}

// MARK: - Containers

extension JSONPatch {
    /// The library's `partialDoc` and `partialArray` operations, with their exact error texts.
    enum Container {
        enum Lookup {
            case success(JSON?)
            case failure(String)
        }

        /// Objects answer nil for a missing or null member without complaint; arrays check the index.
        static func get(_ container: JSON, _ key: String) -> Lookup {
            switch container {
            case .object(let object):
                let value = object[key]
                return .success(value == .null ? JSON?.none : value)
            case .array(let items):
                switch existingIndex(key, count: items.count) {
                case .failure(let why): return .failure(why)
                case .success(let i): return .success(items[i] == .null ? JSON?.none : items[i])
                }
            default:
                return .failure("missing value")
            }
        }

        static func add(_ container: inout JSON, _ key: String, _ value: JSON) -> String? {
            switch container {
            case .object(var object):
                container = .null
                object[key] = value
                container = .object(object)
                return nil
            case .array(var items):
                let index: Int
                if key == "-" {
                    index = items.count
                } else {
                    switch atoi(key) {
                    case .failure(let why): return "value was not a proper array index: '\(key)': \(why)"
                    case .success(var i):
                        let size = items.count + 1
                        if i >= size || i < -size { return invalidIndex(i) }
                        if i < 0 { i += size }
                        index = i
                    }
                }
                container = .null
                items.insert(value, at: index)
                container = .array(items)
                return nil
            default:
                return "missing value"
            }
        }

        static func remove(_ container: inout JSON, _ key: String) -> String? {
            switch container {
            case .object(var object):
                guard object.index(of: key) != nil else { return "Unable to remove nonexistent key: \(key): missing value" }
                container = .null
                object.removeValue(forKey: key)
                container = .object(object)
                return nil
            case .array(var items):
                switch existingIndex(key, count: items.count) {
                case .failure(let why): return why
                case .success(let i):
                    container = .null
                    items.remove(at: i)
                    container = .array(items)
                    return nil
                }
            default:
                return "missing value"
            }
        }

        /// Only called after `get` succeeded, so array indices are known to be valid.
        static func set(_ container: inout JSON, _ key: String, _ value: JSON) -> String? {
            switch container {
            case .object(var object):
                container = .null
                object[key] = value
                container = .object(object)
                return nil
            case .array(var items):
                switch existingIndex(key, count: items.count) {
                case .failure(let why): return why
                case .success(let i):
                    container = .null
                    items[i] = value
                    container = .array(items)
                    return nil
                }
            default:
                return "missing value"
            }
        }

        enum Index {
            case success(Int)
            case failure(String)
        }

        /// An index naming an existing element; negative indices count back from the end.
        static func existingIndex(_ key: String, count: Int) -> Index {
            switch atoi(key) {
            case .failure(let why): return .failure(why)
            case .success(var i):
                if i < -count || i >= count { return .failure(invalidIndex(i)) }
                if i < 0 { i += count }
                return .success(i)
            }
        }

        private static func invalidIndex(_ i: Int) -> String {
            "Unable to access invalid index: \(i): invalid index referenced"
        }

        /// Go's `strconv.Atoi`: optional sign, decimal digits (leading zeros allowed), 64-bit range.
        static func atoi(_ text: String) -> Index {
            var digits = Substring(text)
            var negative = false
            if let first = digits.first, first == "+" || first == "-" {
                negative = first == "-"
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return .failure("strconv.Atoi: parsing \(quoted(text)): invalid syntax")
            }
            var value = 0
            for digit in digits.utf8 {
                let d = Int(digit - UInt8(ascii: "0"))
                let (scaled, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = negative ? scaled.subtractingReportingOverflow(d) : scaled.addingReportingOverflow(d)
                if o1 || o2 { return .failure("strconv.Atoi: parsing \(quoted(text)): value out of range") }
                value = next
            }
            return .success(value)
        }

        private static func quoted(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
    }
}

extension JSON {
    /// Objects and arrays are the only values a pointer can step into.
    fileprivate var isContainer: Bool {
        switch self {
        case .object, .array: return true
        default: return false
        }
    }
}
