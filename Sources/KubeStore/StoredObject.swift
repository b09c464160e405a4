import KubeJSON

/// Where an object lives: its resource (`group/resource`, e.g. `apps/deployments`, `/pods` for the core group),
/// namespace ("" for cluster-scoped objects) and name.
public struct ObjectKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var resource: String
    public var namespace: String
    public var name: String

    public init(resource: String, namespace: String, name: String) {
        self.resource = resource
        self.namespace = namespace
        self.name = name
    }

    /// Lists come back in etcd key order: namespace, then name.
    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        if lhs.namespace != rhs.namespace { return lhs.namespace < rhs.namespace }
        return lhs.name < rhs.name
    }

    /// The position used by continue tokens.
    public var sortKey: String { namespace.isEmpty ? name : namespace + "/" + name }

    public var description: String { "\(resource) \(sortKey)" }
}

/// What selectors look at, extracted once when the object is written so lists and watches never re-parse it.
public struct ObjectAttributes: Sendable, Equatable {
    public var labels: [String: String]
    /// Selectable fields (`metadata.name`, `spec.nodeName`, `status.phase`, ...).
    public var fields: [String: String]

    public init(labels: [String: String] = [:], fields: [String: String] = [:]) {
        self.labels = labels
        self.fields = fields
    }

    public func encoded() -> [UInt8] {
        func object(_ d: [String: String]) -> JSON {
            .object(JSONObject(d.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSON.string($0.value)) }))
        }
        return JSON.object(["l": object(labels), "f": object(fields)]).serialized()
    }

    public static func decode(_ bytes: [UInt8]) -> ObjectAttributes {
        guard let json = try? JSONParser.parse(bytes) else { return ObjectAttributes() }
        func dict(_ v: JSON?) -> [String: String] {
            var d: [String: String] = [:]
            for (k, v) in v?.objectValue ?? JSONObject() { d[k] = v.stringValue ?? "" }
            return d
        }
        return ObjectAttributes(labels: dict(json["l"]), fields: dict(json["f"]))
    }
}

/// One committed version of an object: its serialized JSON (with `metadata.resourceVersion` already set to
/// `revision`) and the attributes selectors need. Immutable and shared between the cache, the watch log and
/// every response that sends it.
public final class StoredObject: Sendable {
    public let key: ObjectKey
    public let revision: Int64
    public let bytes: [UInt8]
    public let attributes: ObjectAttributes

    public init(key: ObjectKey, revision: Int64, bytes: [UInt8], attributes: ObjectAttributes) {
        self.key = key
        self.revision = revision
        self.bytes = bytes
        self.attributes = attributes
    }

    /// Parses the stored bytes; they were written by our serializer, so this cannot fail short of corruption.
    public func json() -> JSON {
        (try? JSONParser.parse(bytes)) ?? .object(JSONObject())
    }
}

public enum WatchEventType: String, Sendable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
}

/// A committed change. For a deletion `object` is the last state with the deleting revision; `previous` is the
/// state before the change where it is known, so watchers with selectors can see objects leave their selection.
public struct WatchEvent: Sendable {
    public var type: WatchEventType
    public var object: StoredObject
    public var previous: StoredObject?
    public var revision: Int64 { object.revision }
    /// Wall-clock seconds when committed, for age-based compaction of the log.
    public var committedAt: Double

    public init(type: WatchEventType, object: StoredObject, previous: StoredObject?, committedAt: Double) {
        self.type = type
        self.object = object
        self.previous = previous
        self.committedAt = committedAt
    }
}
