/// How a field wants to be patched, from its `x-kubernetes-patch-strategy` (Go struct tag
/// `patchStrategy`). apimachinery reads at most two comma-separated words, one of which may be
/// `retainKeys`.
public struct PatchStrategy: Sendable, Hashable, CustomStringConvertible {
    public enum Base: String, Sendable, Hashable {
        /// Lists merge element by element (by merge key, or as a set of primitives).
        case merge
        /// The patch value replaces the field wholesale, for maps as well as lists.
        case replace
    }

    /// nil is the default: maps merge, lists are replaced.
    public var base: Base?
    /// Marks fields whose clients send `$retainKeys`. Applying a patch honours `$retainKeys` wherever
    /// it appears, so this only matters to code that generates patches.
    public var retainKeys: Bool

    public init(base: Base? = nil, retainKeys: Bool = false) {
        self.base = base
        self.retainKeys = retainKeys
    }

    /// Parses an `x-kubernetes-patch-strategy` value such as `merge`, `retainKeys` or
    /// `merge,retainKeys`. Unknown words are ignored.
    public init(openAPI value: String?) {
        self.init()
        guard let value else { return }
        for word in value.split(separator: ",") {
            switch word.trimmingSpaces {
            case "merge": base = .merge
            case "replace": base = .replace
            case "retainKeys": retainKeys = true
            default: continue
            }
        }
    }

    public static let `default` = PatchStrategy()
    public static let merge = PatchStrategy(base: .merge)
    public static let replace = PatchStrategy(base: .replace)
    public static let retainKeys = PatchStrategy(retainKeys: true)
    public static let mergeRetainKeys = PatchStrategy(base: .merge, retainKeys: true)

    public var description: String {
        [base?.rawValue, retainKeys ? "retainKeys" : nil].compactMap { $0 }.joined(separator: ",")
    }
}

/// What a strategic merge patch needs to know about the shape of a document: for objects the schema
/// of each known field, for lists the patch strategy and merge key, for maps with arbitrary keys
/// (labels, annotations, resource lists) the schema shared by their values. Anything not described
/// is `unknown`: objects then merge member by member like a JSON merge patch, lists are replaced.
///
/// The strategy and merge key sit on the node for the field's value, the way the OpenAPI extensions
/// sit on the property, so one element schema can be shared by fields patched differently
/// (`withPatchMetadata`). Recursive types (JSONSchemaProps) are built with `deferred`, which is
/// resolved only when a patch actually reaches that depth.
///
/// ```swift
/// let container = PatchSchema.object([
///     "ports": .mergeList(key: "containerPort"),
///     "env": .mergeList(key: "name"),
/// ])
/// let podSpec = PatchSchema.object([
///     "containers": .mergeList(key: "name", container),
///     "volumes": .list(.unknown, strategy: .mergeRetainKeys, mergeKey: "name"),
///     "nodeSelector": .map(),
/// ])
/// ```
public final class PatchSchema: Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case unknown
        /// A struct: only the listed fields are known.
        case object
        /// A map with arbitrary keys whose values all share `elementSchema`.
        case map
        /// A list of `elementSchema`.
        case list
        /// Resolved on first use; see `deferred`.
        case deferred
    }

    public let kind: Kind
    public let strategy: PatchStrategy
    /// `x-kubernetes-patch-merge-key`: the member that identifies an element of a merging list.
    public let mergeKey: String?
    /// `x-kubernetes-list-type` and `x-kubernetes-list-map-keys`, kept for server-side apply.
    /// Strategic merge ignores them, as apimachinery does.
    public let listType: String?
    public let listMapKeys: [String]

    private let fields: [String: PatchSchema]
    private let element: PatchSchema?
    private let resolver: (@Sendable () -> PatchSchema)?

    private init(
        kind: Kind, strategy: PatchStrategy = .default, mergeKey: String? = nil, listType: String? = nil,
        listMapKeys: [String] = [], fields: [String: PatchSchema] = [:], element: PatchSchema? = nil,
        resolver: (@Sendable () -> PatchSchema)? = nil
    ) {
        self.kind = kind
        self.strategy = strategy
        self.mergeKey = mergeKey?.isEmpty == false ? mergeKey : nil
        self.listType = listType
        self.listMapKeys = listMapKeys
        self.fields = fields
        self.element = element
        self.resolver = resolver
    }

    // MARK: Construction

    /// Nothing known.
    public static let unknown = PatchSchema(kind: .unknown)

    /// A struct with the given fields. `strategy: .replace` makes a patch replace it wholesale.
    public static func object(_ fields: [String: PatchSchema] = [:], strategy: PatchStrategy = .default) -> PatchSchema {
        PatchSchema(kind: .object, strategy: strategy, fields: fields)
    }

    /// A map with arbitrary keys (labels, annotations, `resources.limits`): merged key by key.
    public static func map(_ values: PatchSchema = .unknown, strategy: PatchStrategy = .default) -> PatchSchema {
        PatchSchema(kind: .map, strategy: strategy, element: values)
    }

    /// A list. Without `strategy: .merge` it is replaced by the patch; with it, elements are merged
    /// by `mergeKey`, or kept as an ordered set when the elements are primitives.
    public static func list(
        _ element: PatchSchema = .unknown, strategy: PatchStrategy = .default, mergeKey: String? = nil,
        listType: String? = nil, listMapKeys: [String] = []
    ) -> PatchSchema {
        PatchSchema(kind: .list, strategy: strategy, mergeKey: mergeKey, listType: listType,
                    listMapKeys: listMapKeys, element: element)
    }

    /// A list of objects merged by one key: containers by `name`, ports by `containerPort`.
    public static func mergeList(key: String, _ element: PatchSchema = .unknown, retainKeys: Bool = false) -> PatchSchema {
        list(element, strategy: PatchStrategy(base: .merge, retainKeys: retainKeys), mergeKey: key)
    }

    /// A list of primitives merged as a set that keeps order (finalizers).
    public static func primitiveSet() -> PatchSchema {
        list(.unknown, strategy: .merge)
    }

    /// A list node straight from the OpenAPI extensions of a property.
    public static func list(
        _ element: PatchSchema, patchStrategy: String?, patchMergeKey: String?,
        listType: String? = nil, listMapKeys: [String] = []
    ) -> PatchSchema {
        list(element, strategy: PatchStrategy(openAPI: patchStrategy), mergeKey: patchMergeKey,
             listType: listType, listMapKeys: listMapKeys)
    }

    /// A schema computed when first needed, for recursive or lazily loaded definitions. The closure
    /// may run more than once, so it should be cheap or cache its result.
    public static func deferred(_ resolve: @escaping @Sendable () -> PatchSchema) -> PatchSchema {
        PatchSchema(kind: .deferred, resolver: resolve)
    }

    /// The same shape with the patch metadata of a particular field, for `$ref`'d definitions
    /// that are patched differently depending on where they are used.
    public func withPatchMetadata(strategy: PatchStrategy, mergeKey: String? = nil) -> PatchSchema {
        if kind == .deferred {
            return .deferred { [self] in self.resolved.withPatchMetadata(strategy: strategy, mergeKey: mergeKey) }
        }
        return PatchSchema(kind: kind, strategy: strategy, mergeKey: mergeKey, listType: listType,
                           listMapKeys: listMapKeys, fields: fields, element: element)
    }

    // MARK: Lookup

    /// This node with every `deferred` layer resolved.
    public var resolved: PatchSchema {
        var node = self
        var hops = 0
        while node.kind == .deferred, let resolver = node.resolver, hops < 64 {
            node = resolver()
            hops += 1
        }
        return node.kind == .deferred ? .unknown : node
    }

    /// The schema of a member of this object or map; `unknown` for anything not described.
    public func field(_ name: String) -> PatchSchema {
        let node = resolved
        switch node.kind {
        case .object: return node.fields[name]?.resolved ?? .unknown
        case .map: return node.element?.resolved ?? .unknown
        default: return .unknown
        }
    }

    /// The schema of this list's elements; `unknown` for anything else.
    public var elementSchema: PatchSchema {
        let node = resolved
        guard node.kind == .list else { return .unknown }
        return node.element?.resolved ?? .unknown
    }

    /// The known field names of an object node.
    public var fieldNames: [String] { resolved.fields.keys.sorted() }

    public var description: String {
        switch kind {
        case .unknown: return "unknown"
        case .deferred: return "deferred"
        case .object: return "object(\(fields.keys.sorted().joined(separator: ",")))"
        case .map: return "map(\(element?.description ?? "unknown"))"
        case .list:
            var text = "list(\(element?.description ?? "unknown")"
            if strategy != .default { text += ", strategy: \(strategy)" }
            if let mergeKey { text += ", mergeKey: \(mergeKey)" }
            return text + ")"
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
