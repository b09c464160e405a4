import KubeJSON

// Small accessors the strategies share. They are prefixed with `k` so they cannot collide with
// helpers other parts of the module may add to `JSON`. Absent and `null` mean the same thing, as
// they do once Go decodes a request into its typed structs.

extension JSON {
    func kString(_ key: String) -> String? { self[key]?.stringValue }
    func kInt(_ key: String) -> Int64? { self[key]?.intValue }
    func kBool(_ key: String) -> Bool? { self[key]?.boolValue }
    /// Array members; an absent or mistyped member reads as empty, as a nil Go slice would.
    func kArray(_ key: String) -> [JSON] { self[key]?.arrayValue ?? [] }
    func kObject(_ key: String) -> JSONObject? { self[key]?.objectValue }
    /// The member when it is an object, else nil.
    func kChild(_ key: String) -> JSON? {
        guard let v = self[key], v.isObject else { return nil }
        return v
    }
    /// Present and not null.
    func kHas(_ key: String) -> Bool {
        guard let v = self[key] else { return false }
        return !v.isNull
    }
    /// A string map such as labels; non-string values are skipped.
    func kStringMap(_ key: String) -> [(String, String)] {
        guard let o = kObject(key) else { return [] }
        return o.entries.compactMap { e in e.value.stringValue.map { (e.key, $0) } }
    }
    /// A string-valued member or the empty string, like a Go string field.
    func kStr(_ key: String) -> String { kString(key) ?? "" }

    /// Sets `key` when it is absent or null.
    mutating func kDefault(_ key: String, _ value: JSON) {
        guard isObject, !kHas(key) else { return }
        self[key] = value
    }

    /// Edits the object member `key` in place, keeping its position. With `create`, an absent or
    /// null member becomes `{}` first; otherwise nothing happens when it is missing.
    mutating func kEdit(_ key: String, create: Bool = false, _ body: (inout JSON) -> Void) {
        guard case .object(var o) = self else { return }
        self = .null
        if let i = o.index(of: key), !o.entries[i].value.isNull {
            var child = o.entries[i].value
            o.entries[i].value = .null
            body(&child)
            o.entries[i].value = child
        } else if create {
            var child = JSON.object(JSONObject())
            body(&child)
            o[key] = child
        }
        self = .object(o)
    }

    /// Edits every element of the array member `key` in place.
    mutating func kEachElement(_ key: String, _ body: (inout JSON, Int) -> Void) {
        guard case .object(var o) = self, let i = o.index(of: key), case .array(var items) = o.entries[i].value
        else { return }
        self = .null
        o.entries[i].value = .null
        for j in items.indices { body(&items[j], j) }
        o.entries[i].value = .array(items)
        self = .object(o)
    }

    /// Edits the object at a nested path, creating nothing.
    mutating func kEditPath(_ path: [String], _ body: (inout JSON) -> Void) {
        guard let first = path.first else { body(&self); return }
        kEdit(first) { $0.kEditPath(Array(path.dropFirst()), body) }
    }
}

/// Renders values the way Go's `%#v` prints them inside field errors, for the few messages where
/// kube-apiserver shows a struct or map (`map[string]string{"app":"x"}`, `v1.LabelSelector{...}`).
enum GoRender {
    static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }

    /// `map[string]string{"a":"1", "b":"2"}` with keys sorted, or `map[string]string(nil)`.
    static func stringMap(_ json: JSON?) -> String {
        guard let o = json?.objectValue else { return "map[string]string(nil)" }
        let pairs = o.entries.map { ($0.key, $0.value.stringValue ?? "") }.sorted { $0.0 < $1.0 }
        return "map[string]string{" + pairs.map { "\(quoted($0.0)):\(quoted($0.1))" }.joined(separator: ", ") + "}"
    }

    static func stringSlice(_ json: JSON?) -> String {
        guard let a = json?.arrayValue else { return "[]string(nil)" }
        return "[]string{" + a.map { quoted($0.stringValue ?? "") }.joined(separator: ", ") + "}"
    }

    /// A metav1.LabelSelector value; nil renders as `null`, as a nil pointer does.
    static func labelSelector(_ json: JSON?) -> String {
        guard let sel = json, sel.isObject else { return "null" }
        let exprs: String
        if let list = sel["matchExpressions"]?.arrayValue {
            exprs = "[]v1.LabelSelectorRequirement{" + list.map { r in
                "v1.LabelSelectorRequirement{Key:\(quoted(r.kStr("key"))), Operator:\(quoted(r.kStr("operator"))), Values:\(stringSlice(r["values"]))}"
            }.joined(separator: ", ") + "}"
        } else {
            exprs = "[]v1.LabelSelectorRequirement(nil)"
        }
        return "v1.LabelSelector{MatchLabels:\(stringMap(sel["matchLabels"])), MatchExpressions:\(exprs)}"
    }

    /// An intstr.IntOrString value as `%#v` prints it: `intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}`.
    static func intOrString(_ json: JSON?) -> String {
        switch json {
        case .some(.string(let s)): return "intstr.IntOrString{Type:1, IntVal:0, StrVal:\(quoted(s))}"
        case .some(let v) where v.intValue != nil: return "intstr.IntOrString{Type:0, IntVal:\(v.intValue!), StrVal:\"\"}"
        default: return "null"
        }
    }
}

extension FieldError {
    /// An Invalid error whose value is already rendered in Go syntax.
    static func invalidRendered(_ field: String, _ rendered: String, _ detail: String) -> FieldError {
        FieldError(.invalid, field, value: rendered, detail)
    }
}

extension String {
    /// Without leading and trailing ASCII whitespace, as Go's strings.TrimSpace for these inputs.
    func kTrimmed() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
