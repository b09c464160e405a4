import Synchronization

/// Every resource the server serves: the built-in ones and those of established CustomResourceDefinitions.
/// Read on every request, changed only when a CRD changes.
public final class ResourceRegistry: Sendable {
    struct Contents: Sendable {
        var types: [ResourceType]
        var byPath: [String: ResourceType]
        /// Bumps on every change, so discovery documents know when to rebuild.
        var generation: Int
    }

    private let contents: Mutex<Contents>
    /// Group order for discovery: built-in groups in kube-apiserver's priority order, then custom groups.
    static let builtinGroupOrder: [String] = {
        var seen: [String] = []
        for type in BuiltinResources.all where !seen.contains(type.group) { seen.append(type.group) }
        return seen
    }()

    public init() {
        contents = Mutex(Self.index(BuiltinResources.all, generation: 0))
    }

    private static func index(_ types: [ResourceType], generation: Int) -> Contents {
        var byPath: [String: ResourceType] = [:]
        for type in types { byPath["\(type.group)/\(type.version)/\(type.plural)"] = type }
        return Contents(types: types, byPath: byPath, generation: generation)
    }

    public var generation: Int { contents.withLock { $0.generation } }

    public func lookup(group: String, version: String, resource: String) -> ResourceType? {
        contents.withLock { $0.byPath["\(group)/\(version)/\(resource)"] }
    }

    public func allTypes() -> [ResourceType] {
        contents.withLock { $0.types }
    }

    /// Served group-versions with their resources, groups in discovery order, preferred version first.
    public func groups() -> [(group: String, versions: [(version: String, resources: [ResourceType])])] {
        let types = allTypes()
        var order: [String] = []
        var byGroup: [String: [(version: String, resources: [ResourceType])]] = [:]
        for type in types {
            if byGroup[type.group] == nil { order.append(type.group) }
            var versions = byGroup[type.group] ?? []
            if let i = versions.firstIndex(where: { $0.version == type.version }) {
                versions[i].resources.append(type)
            } else {
                versions.append((type.version, [type]))
            }
            byGroup[type.group] = versions
        }
        return order.map { ($0, byGroup[$0] ?? []) }
    }

    /// The resource serving `kind` in `group`, preferring `version` when given.
    public func type(group: String, version: String?, kind: String) -> ResourceType? {
        let types = allTypes()
        if let version, let exact = types.first(where: { $0.group == group && $0.version == version && $0.kind == kind }) {
            return exact
        }
        return version == nil ? types.first { $0.group == group && $0.kind == kind } : nil
    }

    /// Replaces the custom resources; called when CRDs are established or removed.
    public func setCustomTypes(_ custom: [ResourceType]) {
        contents.withLock { contents in
            let builtins = contents.types.filter { $0.custom == nil }
            let sorted = custom.sorted {
                ($0.group, Self.versionPriority($0.version), $0.plural) < ($1.group, Self.versionPriority($1.version), $1.plural)
            }
            contents = Self.index(builtins + sorted, generation: contents.generation + 1)
        }
    }

    /// Kubernetes' version ordering (GA > beta > alpha, higher numbers first), as a sort key.
    static func versionPriority(_ version: String) -> String {
        // v2 < v1 < v1beta2 < v1beta1 < v1alpha1 < other, in ascending sort order.
        let scanner = version.dropFirst()
        let major = Int(scanner.prefix { $0.isNumber }) ?? 0
        let rest = scanner.drop { $0.isNumber }
        let stage: Int
        if rest.isEmpty { stage = 0 } else if rest.hasPrefix("beta") { stage = 1 } else if rest.hasPrefix("alpha") { stage = 2 } else { stage = 3 }
        let minor = Int(rest.drop { !$0.isNumber }) ?? 0
        guard version.hasPrefix("v"), major > 0 else { return "9" + version }
        return "\(stage)" + String(format9(999 - major)) + String(format9(999 - minor))
    }

    private static func format9(_ n: Int) -> String {
        let s = String(max(0, n))
        return String(repeating: "0", count: max(0, 3 - s.count)) + s
    }
}
