import Foundation
import KubeJSON
import KubeStore
import Logging
import Synchronization

/// The Kubernetes API: turns requests into store operations with kube-apiserver's semantics. Every client
/// (HTTP listeners, controllers, the ECP-AI adapter) goes through `handle` or the typed operations below it.
public final class KubeAPIServer: Sendable {
    public let store: any Store
    public let registry: ResourceRegistry
    public let version: ServerVersion
    let logger: Logger
    let allocator: ServiceIPAllocator
    let openAPI = OpenAPIDocuments()
    let logSource = Mutex<(any PodLogSource)?>(nil)
    let metricsSource = Mutex<(any MetricsSource)?>(nil)
    /// Largest request body accepted, as kube-apiserver's 3 MiB limit.
    public static let maxBodySize = 3 * 1024 * 1024
    /// Events a watcher may fall behind before it is cut off.
    public let watchBufferLimit: Int
    /// What the listeners served: `/metrics` and the simulated kube-apiserver's monitoring figures.
    public let requestMetrics = RequestMetrics()

    public init(store: any Store, registry: ResourceRegistry = ResourceRegistry(), version: ServerVersion = .default,
                watchBufferLimit: Int = 10_000, logger: Logger = Logger(label: "kube-api"))
    {
        self.store = store
        self.registry = registry
        self.version = version
        self.logger = logger
        self.watchBufferLimit = watchBufferLimit
        self.allocator = ServiceIPAllocator()
    }

    public func handle(_ request: APIRequest) async -> APIResponse {
        do {
            return try await route(request)
        } catch {
            return .error(error)
        }
    }

    private func route(_ request: APIRequest) async throws(APIError) -> APIResponse {
        if request.body.count > Self.maxBodySize { throw .tooLarge(limit: Self.maxBodySize) }
        let path = request.path
        switch path {
        case "/healthz", "/livez", "/readyz":
            return .text(200, "ok")
        case "/metrics":
            return metricsResponse()
        case "/version", "/version/":
            return .json(200, version.json.serialized())
        case "/api", "/api/":
            return discoveryCore(request)
        case "/apis", "/apis/":
            return discoveryGroups(request)
        default:
            break
        }
        if path.hasPrefix("/healthz/") || path.hasPrefix("/livez/") || path.hasPrefix("/readyz/") {
            return .text(200, "ok")
        }
        if let response = try openAPIResponse(request) { return response }
        if let response = try discoveryGroupVersion(request) { return response }
        let watchParam = request.queryValue("watch").map { $0 == "true" || $0 == "1" } ?? false
        guard let info = RequestInfo.parse(method: request.method, path: path, watchParam: watchParam) else {
            throw .notFoundPath()
        }
        guard let type = registry.lookup(group: info.group, version: info.version, resource: info.resource) else {
            throw .notFoundPath()
        }
        var response = try await serve(request, info: info, type: type)
        response.requestInfo = info
        return response
    }

    func serve(_ request: APIRequest, info: RequestInfo, type: ResourceType) async throws(APIError) -> APIResponse {
        if let storageVersion = type.storageVersion,
           let storageType = registry.lookup(group: type.group, version: storageVersion, resource: type.plural)
        {
            return try await serveConverted(request, info: info, type: type, storageType: storageType)
        }
        if type.namespaced == false, info.namespace != nil, info.resource != "namespaces" { throw .notFoundPath() }
        if let sub = info.subresource {
            guard let subresource = type.subresource(sub) else { throw .notFoundPath() }
            return try await serveSubresource(request, info: info, type: type, subresource: subresource)
        }
        if type.group == "metrics.k8s.io" { return try metricsResponse(info: info, type: type, request: request) }
        let verbAllowed = type.verbs.contains(info.verb) || (info.verb == "watch" && type.verbs.contains("watch"))
        guard verbAllowed else { throw .methodNotSupported(type.groupResource, info.verb) }
        let namespace = type.namespaced ? info.namespace : nil
        // A namespaced resource addressed without a namespace can only be listed or watched, across namespaces.
        if type.namespaced, info.namespace == nil, !(info.verb == "list" || info.verb == "watch") || info.name != nil {
            throw .notFoundPath()
        }
        switch info.verb {
        case "get":
            guard let name = info.name else { throw .notFoundPath() }
            return try getResponse(type: type, namespace: namespace ?? "", name: name, request: request)
        case "list":
            return try listResponse(type: type, namespace: namespace, request: request)
        case "watch":
            return try watchResponse(type: type, namespace: namespace, name: info.name, request: request)
        case "create":
            if info.name != nil { throw .methodNotSupported(type.groupResource, "create") }
            return try await createResponse(type: type, namespace: namespace ?? "", request: request)
        case "update":
            guard let name = info.name else { throw .methodNotSupported(type.groupResource, "update") }
            return try await updateResponse(type: type, namespace: namespace ?? "", name: name, request: request)
        case "patch":
            guard let name = info.name else { throw .methodNotSupported(type.groupResource, "patch") }
            return try await patchResponse(type: type, namespace: namespace ?? "", name: name, request: request)
        case "delete":
            guard let name = info.name else { throw .notFoundPath() }
            return try await deleteResponse(type: type, namespace: namespace ?? "", name: name, request: request)
        case "deletecollection":
            return try await deleteCollectionResponse(type: type, namespace: namespace, request: request)
        default:
            throw .methodNotSupported(type.groupResource, info.verb)
        }
    }

    /// Prometheus text: the gauges kube-apiserver exposes that tell whether the store and watches are healthy.
    func metricsResponse() -> APIResponse {
        let stats = store.statistics()
        var text = "# HELP apiserver_storage_objects Number of stored objects per resource.\n"
        text += "# TYPE apiserver_storage_objects gauge\n"
        for (resource, count) in stats.objects.sorted(by: { $0.key < $1.key }) {
            text += "apiserver_storage_objects{resource=\"\(resource)\"} \(count)\n"
        }
        text += "# HELP apiserver_registered_watchers Number of open watches per resource.\n"
        text += "# TYPE apiserver_registered_watchers gauge\n"
        for (resource, count) in stats.watchers.sorted(by: { $0.key < $1.key }) {
            text += "apiserver_registered_watchers{resource=\"\(resource)\"} \(count)\n"
        }
        text += "# HELP k8s_simulator_store_revision The last committed revision.\n# TYPE k8s_simulator_store_revision gauge\n"
        text += "k8s_simulator_store_revision \(stats.revision)\n"
        text += "# HELP k8s_simulator_watch_log_events Events kept in the watch log.\n# TYPE k8s_simulator_watch_log_events gauge\n"
        text += "k8s_simulator_watch_log_events \(stats.logLength)\n"
        text += requestMetrics.prometheus()
        return APIResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: .bytes(Array(text.utf8)))
    }

    func key(_ type: ResourceType, _ namespace: String, _ name: String) -> ObjectKey {
        ObjectKey(resource: type.storageResource, namespace: type.namespaced ? namespace : "", name: name)
    }

    func getResponse(type: ResourceType, namespace: String, name: String, request: APIRequest) throws(APIError) -> APIResponse {
        let object = try getObject(type: type, namespace: namespace, name: name)
        switch TablePrinting.negotiateOutput(accept: request.header("accept")) {
        case .table(let apiVersion):
            if let error = TablePrinting.validateIncludeObject(request.queryValue("includeObject")) { throw error }
            let table = TablePrinting.table(type: type, objects: [object.json()], includeObject: request.queryValue("includeObject"),
                                            noHeaders: false, resourceVersion: String(object.revision), continueToken: nil,
                                            remainingItemCount: nil, now: Timestamp.now(), apiVersion: apiVersion)
            return .json(200, table.serialized())
        case .partialObjectMetadata(let apiVersion), .partialObjectMetadataList(let apiVersion):
            return .json(200, PartialObjectMetadata.object(object.json(), apiVersion: apiVersion).serialized())
        case .object, .notAcceptable:
            return .json(200, object.bytes)
        }
    }

    /// The stored object, or 404.
    public func getObject(type: ResourceType, namespace: String, name: String) throws(APIError) -> StoredObject {
        guard let object = store.get(key(type, namespace, name)) else { throw .notFound(type.groupResource, name) }
        return object
    }
}

/// What `/version` reports. The minor decides which kubectl the gcloud dispatcher runs (contract §0).
public struct ServerVersion: Sendable {
    public var major: String
    public var minor: String
    public var gitVersion: String

    public static let `default` = ServerVersion(major: "1", minor: "32", gitVersion: "v1.32.0")

    public var json: JSON {
        [
            "major": .string(major), "minor": .string(minor), "gitVersion": .string(gitVersion),
            "gitCommit": "k8s-simulator", "gitTreeState": "clean", "buildDate": "2026-11-01T00:00:00Z",
            "goVersion": "go1.23.4", "compiler": "gc", "platform": "linux/amd64",
        ]
    }
}
