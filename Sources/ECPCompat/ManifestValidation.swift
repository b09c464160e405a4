import KubeAPI
import KubeJSON

/// How a manifest is deployed (`deployment_mode`).
public enum DeploymentMode: String, Sendable, CaseIterable {
    /// Waits for readiness, but never longer than the guide's client waits for an answer.
    case demo
    /// Waits for readiness in wall-clock time, however long the simulated start-up takes.
    case realistic
    /// Validation only: every write is a server-side dry run (`dryRun=All`), nothing is stored.
    case dryRun = "dry-run"
}

/// The body of `/k8s/manifest/parse` and `/k8s/manifest/deploy`.
public struct ManifestRequest: Sendable, Equatable {
    public var manifest: String
    public var tenantID: String?
    public var mode: DeploymentMode
    /// Seconds to wait for readiness (deploy only).
    public var waitSeconds: Double

    public static let defaultWaitSeconds = 30.0
    /// Longest wait a caller may ask for: a deploy call holds a connection open for that long.
    public static let maxWaitSeconds = 600.0
    /// The request body limit, as kube-apiserver's (3 MiB): YAML is parsed into a tree, so size is memory.
    public static let maxBodySize = 3 * 1024 * 1024

    public init(manifest: String, tenantID: String?, mode: DeploymentMode = .demo,
                waitSeconds: Double = ManifestRequest.defaultWaitSeconds)
    {
        self.manifest = manifest
        self.tenantID = tenantID
        self.mode = mode
        self.waitSeconds = waitSeconds
    }

    /// Decodes and checks the JSON body. `requireTenant` is set for deploys: the tenant becomes a label.
    public static func decode(_ body: [UInt8], requireTenant: Bool) throws(ECPError) -> ManifestRequest {
        if body.count > maxBodySize {
            throw ECPError(code: 413, message: "request body too large",
                           detail: "the body is \(body.count) bytes; the limit is \(maxBodySize) bytes (3 MiB)")
        }
        guard !body.isEmpty else { throw .badRequest("request body is empty", detail: "a JSON object with `manifest` was expected") }
        let json: JSON
        do { json = try JSONParser.parse(body) } catch {
            throw .badRequest("request body is not valid JSON", detail: error.description)
        }
        guard json.isObject else { throw .badRequest("request body must be a JSON object", detail: "got \(json.typeName)") }
        guard let manifest = json["manifest"]?.stringValue else {
            throw .badRequest("manifest is required", detail: "`manifest` must be a string holding YAML or JSON documents")
        }
        var tenant: String?
        switch json["tenant_id"] {
        case nil, .null?: tenant = nil
        case .string(let s)?: tenant = s.isEmpty ? nil : s
        case .int(let i)?: tenant = String(i)  // ECP-AI's own tenant ids are integers in its database
        case let other?: throw .badRequest("tenant_id must be a string", detail: "got \(other.typeName)")
        }
        if let tenant {
            let problems = NameValidation.isValidLabelValue(tenant)
            if !problems.isEmpty {
                throw .badRequest("invalid tenant_id", detail: "tenant_id becomes the label ecp-ai.io/tenant-id: " + problems.joined(separator: "; "))
            }
        } else if requireTenant {
            throw .badRequest("tenant_id is required", detail: "every deployed object is labelled with its tenant")
        }
        var mode = DeploymentMode.demo
        if let raw = json["deployment_mode"], !raw.isNull {
            guard let text = raw.stringValue, let parsed = DeploymentMode(rawValue: text) else {
                throw .badRequest("invalid deployment_mode",
                                  detail: "deployment_mode must be one of demo, realistic, dry-run; got \(raw.jsonString)")
            }
            mode = parsed
        }
        var wait = defaultWaitSeconds
        if let raw = json["wait_seconds"], !raw.isNull {
            guard let value = raw.doubleValue, value >= 0, value <= maxWaitSeconds else {
                throw .badRequest("invalid wait_seconds", detail: "wait_seconds must be a number from 0 to \(Int(maxWaitSeconds))")
            }
            wait = value
        }
        return ManifestRequest(manifest: manifest, tenantID: tenant, mode: mode, waitSeconds: wait)
    }
}

/// One document of a manifest that is a Kubernetes object the cluster serves.
public struct ManifestDocument: Sendable {
    public var index: Int
    public var object: JSON
    public var type: ResourceType
    public var name: String
    /// The namespace as written in the document (nil when absent or cluster-scoped).
    public var namespace: String?

    public var kind: String { type.kind }
    public var apiVersion: String { type.groupVersion }
}

/// A document that is not a Kubernetes object the cluster can apply.
public struct ManifestProblem: Error, Sendable, Equatable {
    public var index: Int
    public var kind: String?
    public var name: String?
    public var message: String

    public init(index: Int, kind: String? = nil, name: String? = nil, message: String) {
        self.index = index
        self.kind = kind
        self.name = name
        self.message = message
    }

    public var json: JSON {
        var object: JSONObject = ["index": .int(Int64(index))]
        if let kind { object["kind"] = .string(kind) }
        if let name { object["name"] = .string(name) }
        object["message"] = .string(message)
        return .object(object)
    }
}

/// Reads a manifest and checks each document, without touching the cluster.
public enum ManifestValidation {
    /// Every document of the stream (YAML or JSON, `---` separated). Alias expansion and depth are bounded by
    /// `YAMLDecoding`; the body size by `ManifestRequest.maxBodySize`.
    public static func documents(_ manifest: String) throws(ECPError) -> [JSON] {
        let documents: [JSON]
        do { documents = try YAMLDecoding.decodeAll(manifest) } catch {
            throw .badRequest("manifest is not valid YAML or JSON", detail: error.message)
        }
        guard !documents.isEmpty else { throw .badRequest("manifest is empty", detail: "no documents were found") }
        return documents
    }

    /// Checks one document: an object with apiVersion, kind and metadata.name, of a kind the cluster serves and
    /// can apply, with a name (and namespace) the API would accept.
    public static func check(_ document: JSON, index: Int, registry: ResourceRegistry) -> Result<ManifestDocument, ManifestProblem> {
        guard document.isObject else {
            return .failure(ManifestProblem(index: index, message: "document is not an object (got \(document.typeName))"))
        }
        let kind = document["kind"]?.stringValue ?? ""
        let name = document[path: "metadata", "name"]?.stringValue ?? ""
        func problem(_ message: String) -> Result<ManifestDocument, ManifestProblem> {
            .failure(ManifestProblem(index: index, kind: kind.isEmpty ? nil : kind, name: name.isEmpty ? nil : name, message: message))
        }
        guard let apiVersion = document["apiVersion"]?.stringValue, !apiVersion.isEmpty else {
            return problem("apiVersion is required")
        }
        guard !kind.isEmpty else { return problem("kind is required") }
        guard document["metadata"]?.isObject == true else { return problem("metadata is required") }
        guard !name.isEmpty else { return problem("metadata.name is required") }
        let (group, version) = splitAPIVersion(apiVersion)
        guard let type = registry.type(group: group, version: version, kind: kind) else {
            return problem("no matches for kind \"\(kind)\" in version \"\(apiVersion)\"")
        }
        guard type.verbs.contains("patch"), type.verbs.contains("create") else {
            return problem("\(kind) objects cannot be created or applied")
        }
        let nameProblems = type.nameRule.validate(name, prefix: false)
        if !nameProblems.isEmpty {
            return problem("metadata.name: Invalid value: \"\(name)\": " + nameProblems.joined(separator: "; "))
        }
        var namespace: String?
        if type.namespaced, let raw = document[path: "metadata", "namespace"] {
            guard let text = raw.stringValue else { return problem("metadata.namespace must be a string") }
            if !text.isEmpty {
                let problems = NameValidation.isDNS1123Label(text)
                if !problems.isEmpty {
                    return problem("metadata.namespace: Invalid value: \"\(text)\": " + problems.joined(separator: "; "))
                }
                namespace = text
            }
        }
        return .success(ManifestDocument(index: index, object: document, type: type, name: name, namespace: namespace))
    }

    /// Checks every document; the documents that pass and the problems of those that do not.
    public static func checkAll(_ documents: [JSON], registry: ResourceRegistry) -> (valid: [ManifestDocument], problems: [ManifestProblem]) {
        var valid: [ManifestDocument] = []
        var problems: [ManifestProblem] = []
        for (index, document) in documents.enumerated() {
            switch check(document, index: index, registry: registry) {
            case .success(let checked): valid.append(checked)
            case .failure(let problem): problems.append(problem)
            }
        }
        return (valid, problems)
    }

    /// `apps/v1` → ("apps", "v1"); `v1` → ("", "v1").
    public static func splitAPIVersion(_ apiVersion: String) -> (group: String, version: String) {
        guard let slash = apiVersion.lastIndex(of: "/") else { return ("", apiVersion) }
        return (String(apiVersion[..<slash]), String(apiVersion[apiVersion.index(after: slash)...]))
    }

    /// The `/k8s/manifest/parse` answer: 200 with the documents as read, or 400 listing every bad document.
    public static func parseResponse(documents: [JSON], tenantID: String?, registry: ResourceRegistry) -> (status: Int, body: JSON) {
        let (_, problems) = checkAll(documents, registry: registry)
        let tenant: JSON = tenantID.map(JSON.string) ?? .null
        if !problems.isEmpty {
            let error = ECPError(
                code: 400, message: "manifest has \(problems.count) invalid document(s)",
                detail: problems.map { "document \($0.index): \($0.message)" }.joined(separator: "; "),
                extra: ["errors": .array(problems.map(\.json)), "count": .int(Int64(documents.count)), "tenant_id": tenant])
            return (400, error.json)
        }
        return (200, ["status": "success", "resources": .array(documents), "count": .int(Int64(documents.count)),
                      "tenant_id": tenant])
    }
}

/// Resource ids as the contract writes them: `namespace/Kind/name`, or `Kind/name` for cluster-scoped kinds.
public enum ResourceID {
    public static func format(namespace: String?, kind: String, name: String) -> String {
        guard let namespace, !namespace.isEmpty else { return "\(kind)/\(name)" }
        return "\(namespace)/\(kind)/\(name)"
    }
}
