import KubeJSON

/// One built-in printer: the columns of a kind and how one object fills them. Cells always include the
/// `priority: 1` columns, because kube-apiserver prints with `Wide: true` and leaves hiding to kubectl.
struct TablePrinter: Sendable {
    let columns: [JSON]
    let cells: @Sendable (_ object: JSON, _ now: Double) -> [JSON]
    /// Row conditions (`Completed` for finished pods); nil for none.
    var conditions: (@Sendable (_ object: JSON) -> [JSON]?)? = nil
}

/// A `metav1.TableColumnDefinition`, members in Go's field order; format and priority are always written.
func tableColumn(_ name: String, _ type: String, format: String = "", priority: Int = 0, _ description: String) -> JSON {
    ["name": .string(name), "type": .string(type), "format": .string(format), "description": .string(description),
     "priority": .int(Int64(priority))]
}

/// Descriptions the printers share (ObjectMeta's swagger docs).
enum ColumnDoc {
    static let name = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
    static let creationTimestamp = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
    static let containers = "Names of each container in the template."
    static let images = "Images referenced by each container in the template."

    static let nameColumn = tableColumn("Name", "string", format: "name", name)
    static let ageColumn = tableColumn("Age", "string", creationTimestamp)
}

// MARK: - reading objects

extension JSON {
    /// The string at a path, "" when absent or not a string (a Go zero value).
    func tpString(_ path: String...) -> String { lookup(path)?.stringValue ?? "" }
    /// The string at a path, nil when absent (a Go `*string`).
    func tpOptionalString(_ path: String...) -> String? { lookup(path)?.stringValue }
    func tpInt(_ path: String...) -> Int64 { lookup(path)?.intValue ?? 0 }
    func tpOptionalInt(_ path: String...) -> Int64? { lookup(path)?.intValue }
    func tpBool(_ path: String...) -> Bool { lookup(path)?.boolValue ?? false }
    func tpArray(_ path: String...) -> [JSON] { lookup(path)?.arrayValue ?? [] }
    func tpObject(_ path: String...) -> JSONObject { lookup(path)?.objectValue ?? JSONObject() }
    /// Present and not null, as a Go pointer field is non-nil.
    func tpHas(_ path: String...) -> Bool {
        guard let value = lookup(path) else { return false }
        return !value.isNull
    }
    var tpName: JSON { .string(tpString("metadata", "name")) }
    func tpAge(_ now: Double) -> JSON { .string(TableTime.since(self[path: "metadata", "creationTimestamp"], now: now)) }
}

// MARK: - formats shared by printers

enum PrintFormat {
    /// `labels.FormatLabels`: `k=v,k2=v2` sorted by key, `<none>` when empty.
    static func labels(_ map: JSONObject) -> String {
        let pairs = map.entries.map { ($0.key, $0.value.stringValue ?? "") }
            .sorted { GoFormat.bytewiseLess($0.0, $1.0) }
            .map { "\($0.0)=\($0.1)" }
        return pairs.isEmpty ? "<none>" : pairs.joined(separator: ",")
    }

    /// `metav1.FormatLabelSelector`: the selector string, `<none>` when it selects everything or nothing,
    /// `<error>` when it cannot be built.
    static func labelSelector(_ selector: JSON?) -> String {
        guard let built = try? LabelSelector(json: selector) else { return "<error>" }
        let text = built.description
        return text.isEmpty ? "<none>" : text
    }

    /// The Deployment printer's variant: `LabelSelectorAsSelector(...).String()`, `<invalid>` on error, "" for none.
    static func selectorString(_ selector: JSON?) -> String {
        guard let built = try? LabelSelector(json: selector) else { return "<invalid>" }
        return built.description
    }

    /// `layoutContainerCells`: container names and images, comma-joined.
    static func containers(_ containers: [JSON]) -> (names: String, images: String) {
        (containers.map { $0.tpString("name") }.joined(separator: ","),
         containers.map { $0.tpString("image") }.joined(separator: ","))
    }

    /// `resource.Quantity.String()` of a quantity field; "0" for an absent (zero) quantity.
    static func quantity(_ value: JSON?) -> String {
        guard let value, !value.isNull else { return "0" }
        if let q = Quantity.parse(json: value) { return q.description }
        return value.stringValue ?? "0"
    }

    /// `(*resource.Quantity).String()`: `<nil>` for a nil pointer.
    static func quantityPointer(_ value: JSON?) -> String {
        guard let value, !value.isNull else { return "<nil>" }
        return quantity(value)
    }

    /// `intstr.IntOrString.String()`.
    static func intOrString(_ value: JSON) -> String {
        if let i = value.intValue { return String(i) }
        return value.stringValue ?? ""
    }

    /// `printBoolPtr`: `True`, `False` or `<unset>`.
    static func boolPointer(_ value: JSON?) -> String {
        guard let b = value?.boolValue else { return "<unset>" }
        return b ? "True" : "False"
    }

    /// `listWithMoreString`: up to three entries, then `+ N more...`; `<unset>` when empty.
    static func listWithMore(_ list: [String], count: Int, max: Int = 3) -> String {
        let shown = list.prefix(max).joined(separator: ",")
        if count > max { return "\(shown) + \(count - max) more..." }
        return shown.isEmpty ? "<unset>" : shown
    }

    /// `strings.TrimSpace`.
    static func trimSpace(_ s: String) -> String {
        var slice = Substring(s)
        while let c = slice.first, c.isWhitespace { slice.removeFirst() }
        while let c = slice.last, c.isWhitespace { slice.removeLast() }
        return String(slice)
    }

    /// `net.JoinHostPort`: IPv6 literals get brackets.
    static func joinHostPort(_ host: String, _ port: Int64) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The IPs (or hostnames) of a load-balancer status, sorted and de-duplicated as a `sets.String`.
    static func loadBalancerIngress(_ ingress: [JSON]) -> String {
        var set = Set<String>()
        for entry in ingress {
            let ip = entry.tpString("ip")
            if !ip.isEmpty {
                set.insert(ip)
            } else if !entry.tpString("hostname").isEmpty {
                set.insert(entry.tpString("hostname"))
            }
        }
        return set.sorted(by: GoFormat.bytewiseLess).joined(separator: ",")
    }

    /// `helper.GetAccessModesAsString`: RWO, ROX, RWX, RWOP in that order, each once.
    static func accessModes(_ modes: [JSON]) -> String {
        let present = Set(modes.compactMap(\.stringValue))
        var out: [String] = []
        if present.contains("ReadWriteOnce") { out.append("RWO") }
        if present.contains("ReadOnlyMany") { out.append("ROX") }
        if present.contains("ReadWriteMany") { out.append("RWX") }
        if present.contains("ReadWriteOncePod") { out.append("RWOP") }
        return out.joined(separator: ",")
    }
}
