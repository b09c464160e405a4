import ClusterSim
import KubeAPI
import KubeJSON
import Synchronization

/// What the ECP-AI layer says about itself and how long a demo deploy may hold a connection.
public struct ECPConfiguration: Sendable {
    public var serviceName = "K8S Simulator"
    public var version = "1.0.0"
    /// Published in `GET /` so ECP-AI finds the other listeners (contract: Ports).
    public var ports: [(name: String, port: Int)] = [("api", 6360), ("monitoring", 6381), ("secure", 6443)]
    /// Longest wall-clock wait of a `demo` deploy: the guide's client gives up after 30 s, so a demo deploy
    /// answers before that even when the cluster is slow, and reports what is still not ready.
    public var demoWallClockLimit = 25.0

    public init() {}
}

/// The ECP-AI endpoints of the contract (`/`, `/docs`, `/openapi.json`, `/k8s/...`), transport-free like
/// `KubeAPIServer.handle`: the HTTP layer hands over the requests for which `serves(path:)` is true. Every read
/// and write goes through the same `KubeAPIServer` kubectl talks to, so what ECP-AI deploys is what kubectl sees;
/// the only state kept here is a counter that keeps deployment ids apart.
public final class ECPCompatHandler: Sendable {
    public let api: KubeAPIServer
    public let clock: SimulatedClock
    public let random: SeededRandom
    public let configuration: ECPConfiguration
    let deployCounter = Atomic<Int>(0)

    public init(api: KubeAPIServer, clock: SimulatedClock, random: SeededRandom, configuration: ECPConfiguration = ECPConfiguration()) {
        self.api = api
        self.clock = clock
        self.random = random
        self.configuration = configuration
    }

    /// The paths this handler answers; everything else belongs to the Kubernetes API or the monitoring engine.
    public static func serves(path: String) -> Bool {
        path == "/" || path == "/docs" || path == "/docs/" || path == "/openapi.json" || path == "/k8s" || path.hasPrefix("/k8s/")
    }

    public func handle(_ request: APIRequest) async -> APIResponse {
        do {
            return try await route(request)
        } catch {
            return error.response
        }
    }

    private func route(_ request: APIRequest) async throws(ECPError) -> APIResponse {
        let path = request.path.count > 1 && request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        let method = request.method.uppercased()
        func only(_ allowed: String) throws(ECPError) {
            // HEAD is GET without a body; the HTTP layer drops the body.
            guard method == allowed || (allowed == "GET" && method == "HEAD") else {
                throw ECPError(code: 405, message: "method not allowed", detail: "\(path) accepts \(allowed), not \(method)")
            }
        }
        switch path {
        case "/":
            try only("GET")
            return .ecp(200, rootDocument())
        case "/openapi.json":
            try only("GET")
            return APIResponse(status: 200, body: .bytes(Array(ECPOpenAPIDocument.json.utf8)))
        case "/docs":
            try only("GET")
            return APIResponse(status: 200, contentType: "text/html; charset=utf-8", body: .bytes(Array(DocsPage.html.utf8)))
        case "/k8s/manifest/parse":
            try only("POST")
            let body = try ManifestRequest.decode(request.body, requireTenant: false)
            let documents = try ManifestValidation.documents(body.manifest)
            let (status, json) = ManifestValidation.parseResponse(documents: documents, tenantID: body.tenantID, registry: api.registry)
            return .ecp(status, json)
        case "/k8s/manifest/deploy":
            try only("POST")
            let body = try ManifestRequest.decode(request.body, requireTenant: true)
            let report = try await ManifestDeployer(handler: self).deploy(body)
            return .ecp(200, report.json)
        case "/k8s/resources":
            try only("GET")
            let queries = ResourceQueries(api: api, clock: clock)
            return .ecp(200, try queries.list(namespace: nonEmpty(request.queryValue("namespace")),
                                              kind: nonEmpty(request.queryValue("kind")),
                                              tenantID: nonEmpty(request.queryValue("tenant_id"))))
        case "/k8s/deployments":
            try only("GET")
            return .ecp(200, try ResourceQueries(api: api, clock: clock).deployments(tenantID: nonEmpty(request.queryValue("tenant_id"))))
        default:
            break
        }
        if let name = pathParameter(path, prefix: "/k8s/resources/") {
            try only("DELETE")
            let queries = ResourceQueries(api: api, clock: clock)
            return .ecp(200, try await queries.delete(name: name, namespace: nonEmpty(request.queryValue("namespace")),
                                                      kind: nonEmpty(request.queryValue("kind"))))
        }
        if let id = pathParameter(path, prefix: "/k8s/deployments/") {
            try only("GET")
            return .ecp(200, try ResourceQueries(api: api, clock: clock).deployment(id: id))
        }
        throw ECPError.notFound("not found", detail: "no ECP-AI endpoint at \(method) \(path); see /openapi.json")
    }

    private func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// The single segment after `prefix`, or nil when the path is not `prefix` + one segment.
    private func pathParameter(_ path: String, prefix: String) -> String? {
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        guard !rest.isEmpty, !rest.contains("/") else { return nil }
        return String(rest)
    }

    func rootDocument() -> JSON {
        var ports = JSONObject()
        for (name, port) in configuration.ports { ports[name] = .int(Int64(port)) }
        return [
            "name": .string(configuration.serviceName),
            "version": .string(configuration.version),
            "status": "running",
            "kubernetes_version": .string(api.version.gitVersion),
            "ports": .object(ports),
            "time_scale": .double(clock.scale),
            "docs": "/docs",
            "openapi": "/openapi.json",
            "endpoints": [
                "POST /k8s/manifest/parse", "POST /k8s/manifest/deploy", "GET /k8s/resources",
                "DELETE /k8s/resources/{name}", "GET /k8s/deployments", "GET /k8s/deployments/{deployment_id}",
                "GET /monitoring/health", "GET /monitoring/tenant/{tenant_id}", "GET /sla/status", "WS /ws/monitoring",
            ],
        ]
    }

    /// A fresh deployment id. The key combines the tenant, the store's revision and a per-process counter:
    /// seeded (the same run replays the same ids) and distinct for concurrent deploys.
    func nextDeploymentID(tenant: String) -> String {
        let count = deployCounter.add(1, ordering: .relaxed).newValue
        return DeployReport.deploymentID(random: random, key: "\(tenant)/\(api.store.currentRevision)/\(count)")
    }
}
