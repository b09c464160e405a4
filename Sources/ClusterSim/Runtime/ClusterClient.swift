import KubeAPI
import KubeJSON
import KubeStore

/// A resource as controllers name it: `ResourceRef.pods`, `ResourceRef("apps", "v1", "deployments")`.
public struct ResourceRef: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var resource: String

    public init(_ group: String, _ version: String, _ resource: String) {
        self.group = group
        self.version = version
        self.resource = resource
    }

    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }

    public static let pods = ResourceRef("", "v1", "pods")
    public static let nodes = ResourceRef("", "v1", "nodes")
    public static let namespaces = ResourceRef("", "v1", "namespaces")
    public static let services = ResourceRef("", "v1", "services")
    public static let endpoints = ResourceRef("", "v1", "endpoints")
    public static let events = ResourceRef("", "v1", "events")
    public static let configMaps = ResourceRef("", "v1", "configmaps")
    public static let secrets = ResourceRef("", "v1", "secrets")
    public static let serviceAccounts = ResourceRef("", "v1", "serviceaccounts")
    public static let persistentVolumeClaims = ResourceRef("", "v1", "persistentvolumeclaims")
    public static let persistentVolumes = ResourceRef("", "v1", "persistentvolumes")
    public static let deployments = ResourceRef("apps", "v1", "deployments")
    public static let replicaSets = ResourceRef("apps", "v1", "replicasets")
    public static let statefulSets = ResourceRef("apps", "v1", "statefulsets")
    public static let daemonSets = ResourceRef("apps", "v1", "daemonsets")
    public static let controllerRevisions = ResourceRef("apps", "v1", "controllerrevisions")
    public static let jobs = ResourceRef("batch", "v1", "jobs")
    public static let cronJobs = ResourceRef("batch", "v1", "cronjobs")
    public static let leases = ResourceRef("coordination.k8s.io", "v1", "leases")
    public static let endpointSlices = ResourceRef("discovery.k8s.io", "v1", "endpointslices")
    public static let storageClasses = ResourceRef("storage.k8s.io", "v1", "storageclasses")
    public static let podDisruptionBudgets = ResourceRef("policy", "v1", "poddisruptionbudgets")
    public static let horizontalPodAutoscalers = ResourceRef("autoscaling", "v2", "horizontalpodautoscalers")
}

/// The controllers' way into the cluster: the same API layer kubectl uses (defaults, validation, optimistic
/// concurrency, watch events), called in-process. Reads come from the store's live objects, so a controller
/// never keeps a private copy of cluster state.
public final class ClusterClient: Sendable {
    public let api: KubeAPIServer
    let manager: String

    public init(api: KubeAPIServer, manager: String) {
        self.api = api
        self.manager = manager
    }

    /// A client writing under another field manager name (kube-controller-manager uses one per controller).
    public func named(_ manager: String) -> ClusterClient { ClusterClient(api: api, manager: manager) }

    public func type(_ ref: ResourceRef) throws(APIError) -> ResourceType {
        guard let type = api.registry.lookup(group: ref.group, version: ref.version, resource: ref.resource) else {
            throw APIError.notFoundPath()
        }
        return type
    }

    var writeOptions: WriteOptions {
        var options = WriteOptions()
        options.fieldManager = manager
        options.fieldValidation = .ignore
        return options
    }

    public func get(_ ref: ResourceRef, namespace: String = "", name: String) -> JSON? {
        guard let type = try? type(ref) else { return nil }
        return try? api.getObject(type: type, namespace: namespace, name: name).json()
    }

    /// Objects of a resource (in a namespace when given), optionally narrowed by selectors in query-string form.
    public func list(_ ref: ResourceRef, namespace: String? = nil, labelSelector: String? = nil,
                     fieldSelector: String? = nil) -> [JSON]
    {
        listStored(ref, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector).map { $0.json() }
    }

    /// The same objects unparsed: for readers that parse only what changed.
    public func listStored(_ ref: ResourceRef, namespace: String? = nil, labelSelector: String? = nil,
                           fieldSelector: String? = nil) -> [StoredObject]
    {
        guard let type = try? type(ref),
              let snapshot = try? api.list(type: type, namespace: namespace, labelSelector: labelSelector,
                                           fieldSelector: fieldSelector) else { return [] }
        return snapshot.items
    }

    @discardableResult
    public func create(_ ref: ResourceRef, namespace: String = "", _ object: JSON) async throws(APIError) -> JSON {
        let outcome = try await api.create(type: try type(ref), namespace: namespace, object: object, options: writeOptions)
        return (try? JSONParser.parse(outcome.bytes)) ?? object
    }

    /// Replaces the object; its `metadata.resourceVersion` makes this a compare-and-swap (409 when stale).
    @discardableResult
    public func update(_ ref: ResourceRef, _ object: JSON) async throws(APIError) -> JSON {
        try await write(ref, object, subresource: nil)
    }

    /// Replaces the status only, as controllers do through the status subresource.
    @discardableResult
    public func updateStatus(_ ref: ResourceRef, _ object: JSON) async throws(APIError) -> JSON {
        try await write(ref, object, subresource: "status")
    }

    private func write(_ ref: ResourceRef, _ object: JSON, subresource: String?) async throws(APIError) -> JSON {
        let namespace = object[path: "metadata", "namespace"]?.stringValue ?? ""
        let name = object[path: "metadata", "name"]?.stringValue ?? ""
        let outcome = try await api.update(type: try type(ref), namespace: namespace, name: name, object: object,
                                           subresource: subresource, options: writeOptions)
        return (try? JSONParser.parse(outcome.bytes)) ?? object
    }

    /// A JSON merge patch, retried by the API on conflicts.
    @discardableResult
    public func mergePatch(_ ref: ResourceRef, namespace: String = "", name: String, _ patch: JSON,
                           subresource: String? = nil) async throws(APIError) -> JSON
    {
        let outcome = try await api.patch(type: try type(ref), namespace: namespace, name: name,
                                          patchType: "application/merge-patch+json", body: patch.serialized(),
                                          subresource: subresource, options: writeOptions)
        return (try? JSONParser.parse(outcome.bytes)) ?? patch
    }

    public func delete(_ ref: ResourceRef, namespace: String = "", name: String,
                       propagation: DeleteOptions.Propagation? = nil, gracePeriodSeconds: Int64? = nil,
                       preconditionUID: String? = nil) async throws(APIError)
    {
        var options = DeleteOptions()
        options.write = writeOptions
        options.propagation = propagation
        options.gracePeriodSeconds = gracePeriodSeconds
        options.preconditionUID = preconditionUID
        _ = try await api.delete(type: try type(ref), namespace: namespace, name: name, options: options)
    }

    /// Every change of a resource from now on, starting with the current objects as ADDED, like an informer's
    /// list-then-watch done atomically. The stream ends when the task consuming it is cancelled.
    public func changes(_ ref: ResourceRef, namespace: String? = nil) -> AsyncStream<ObjectChange> {
        AsyncStream { continuation in
            guard let type = try? type(ref), let subscription = try? api.watch(type: type, namespace: namespace, fromRevision: nil)
            else { continuation.finish(); return }
            let task = Task {
                if case .snapshot(let snapshot) = subscription.start {
                    for item in snapshot.items {
                        continuation.yield(ObjectChange(type: .added, key: item.key, object: item, previous: nil))
                    }
                }
                for await event in subscription.events {
                    continuation.yield(ObjectChange(type: event.type, key: event.object.key, object: event.object,
                                                    previous: event.previous))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                task.cancel()
                subscription.cancel()
            }
        }
    }
}

/// One change seen by a controller. `object` is the stored version (parse it with `json()` when needed).
public struct ObjectChange: Sendable {
    public var type: WatchEventType
    public var key: ObjectKey
    public var object: StoredObject
    public var previous: StoredObject?

    public var namespace: String { key.namespace }
    public var name: String { key.name }
}
