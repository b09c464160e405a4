import KubeJSON
import KubeStore

/// A subresource as discovery advertises it.
public struct SubresourceType: Sendable {
    public var name: String
    public var group: String
    public var version: String
    public var kind: String
    public var verbs: [String]

    public init(_ name: String, group: String, version: String, kind: String, verbs: [String]) {
        self.name = name
        self.group = group
        self.version = version
        self.kind = kind
        self.verbs = verbs
    }
}

/// One served resource at one version: what discovery says about it and what the handlers need to serve it.
public struct ResourceType: Sendable {
    public var group: String
    public var version: String
    public var kind: String
    public var plural: String
    public var singular: String
    public var shortNames: [String] = []
    public var categories: [String] = []
    public var namespaced: Bool
    public var verbs: [String] = ResourceType.allVerbs
    public var subresources: [SubresourceType] = []
    /// The rule `metadata.name` must follow.
    public var nameRule: NameKind = .dns1123Subdomain
    /// Field selector labels beyond metadata.name/namespace, and the JSON path each reads.
    public var selectableFields: [String: [String]] = [:]
    /// Whether spec changes bump `metadata.generation`.
    public var tracksGeneration = false
    /// Where objects live in the store; versions of one resource share it.
    public var storageResource: String
    /// Set for resources served from a CustomResourceDefinition.
    public var custom: CustomResourceVersion?
    /// The version objects are stored in, when another version of the same resource is the storage version.
    public var storageVersion: String?

    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    public init(group: String, version: String, kind: String, plural: String, singular: String? = nil,
                namespaced: Bool, storageResource: String? = nil)
    {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular ?? kind.lowercased()
        self.namespaced = namespaced
        self.storageResource = storageResource ?? "\(group)/\(plural)"
    }

    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var groupResource: GroupResource { GroupResource(group: group, resource: plural) }
    public var listKind: String { custom?.listKind ?? kind + "List" }
    public var isCustomResourceDefinition: Bool { group == "apiextensions.k8s.io" && kind == "CustomResourceDefinition" }
    public var hasStatus: Bool { subresources.contains { $0.name == "status" } }
    public func subresource(_ name: String) -> SubresourceType? { subresources.first { $0.name == name } }

    /// Extracts what selectors need from an object about to be stored.
    public func attributes(of object: JSON) -> ObjectAttributes {
        var labels: [String: String] = [:]
        for (key, value) in object[path: "metadata", "labels"]?.objectValue ?? JSONObject() {
            labels[key] = value.stringValue ?? ""
        }
        var fields: [String: String] = [
            "metadata.name": object[path: "metadata", "name"]?.stringValue ?? "",
        ]
        if namespaced { fields["metadata.namespace"] = object[path: "metadata", "namespace"]?.stringValue ?? "" }
        for (label, path) in selectableFields {
            switch object.lookup(path) {
            case .string(let s)?: fields[label] = s
            case .bool(let b)?: fields[label] = b ? "true" : "false"
            case .int(let i)?: fields[label] = String(i)
            default: fields[label] = ""
            }
        }
        return ObjectAttributes(labels: labels, fields: fields)
    }
}
