import KubeJSON
import Synchronization

/// `/openapi/v3` and its per-group-version documents, built from the embedded schemas of the built-in kinds and
/// from CRD schemas (contract §5 and §10). kubectl checks each kind's `patch` operation for the `fieldValidation`
/// parameter before it relies on server-side validation, and `explain` walks `components.schemas`.
final class OpenAPIDocuments: Sendable {
    private struct Cache {
        var generation = -1
        var documents: [String: [UInt8]] = [:]
        var index: [UInt8] = []
    }
    private let cache = Mutex(Cache())

    /// `api/v1`, `apis/apps/v1`, ...
    static func key(for group: String, _ version: String) -> String {
        group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
    }

    func index(registry: ResourceRegistry) -> [UInt8] {
        refresh(registry)
        return cache.withLock { $0.index }
    }

    func document(_ key: String, registry: ResourceRegistry) -> [UInt8]? {
        refresh(registry)
        return cache.withLock { $0.documents[key] }
    }

    private func refresh(_ registry: ResourceRegistry) {
        let generation = registry.generation
        if cache.withLock({ $0.generation == generation }) { return }
        var documents: [String: [UInt8]] = [:]
        var paths = JSONObject()
        for group in registry.groups() {
            for version in group.versions {
                let key = Self.key(for: group.group, version.version)
                let bytes = Self.build(group: group.group, version: version.version, types: version.resources).serialized()
                documents[key] = bytes
                paths[key] = ["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(FNV.hash64Hex(bytes).uppercased())")]
            }
        }
        let index = JSON.object(["paths": .object(paths)]).serialized()
        cache.withLock { $0 = Cache(generation: generation, documents: documents, index: index) }
    }

    static func build(group: String, version: String, types: [ResourceType]) -> JSON {
        let schemas = BuiltinSchemas.shared
        var needed: [String] = []
        var components = JSONObject()
        var paths = JSONObject()
        for type in types {
            let gvk: JSON = ["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)]
            let schemaName: String
            if let custom = type.custom {
                schemaName = "\(reverseDomain(type.group)).\(type.version).\(type.kind)"
                components[schemaName] = customSchema(custom, gvk: gvk)
                needed.append("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
            } else if let name = schemas.schemaName(group: type.group, version: type.version, kind: type.kind) {
                schemaName = name
                needed.append(name)
            } else {
                continue
            }
            let base = type.group.isEmpty ? "/api/\(type.version)" : "/apis/\(type.group)/\(type.version)"
            let collection = type.namespaced ? "\(base)/namespaces/{namespace}/\(type.plural)" : "\(base)/\(type.plural)"
            paths[collection + "/{name}"] = operations(type, schemaName: schemaName, gvk: gvk)
            paths[collection] = ["get": [
                "description": .string("list or watch objects of kind \(type.kind)"),
                "operationId": .string("list\(type.kind)"),
                "x-kubernetes-action": "list", "x-kubernetes-group-version-kind": gvk,
                "responses": ["200": ["description": "OK"]],
            ]]
        }
        // Everything the kinds reach through $ref.
        var seen = Set<String>()
        while let name = needed.popLast() {
            guard !seen.contains(name), let schema = schemas.schemas[name] else { continue }
            seen.insert(name)
            components[name] = schema
            collectRefs(schema, into: &needed)
        }
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": "v1.32.0"],
            "paths": .object(paths),
            "components": ["schemas": .object(components)],
        ]
    }

    private static func operations(_ type: ResourceType, schemaName: String, gvk: JSON) -> JSON {
        let ref: JSON = ["$ref": .string("#/components/schemas/\(schemaName)")]
        let body: JSON = ["content": ["application/json": ["schema": ref]]]
        var patchContent: JSONObject = [
            "application/apply-patch+yaml": ["schema": ["type": "object"]],
            "application/json-patch+json": ["schema": ["type": "object"]],
            "application/merge-patch+json": ["schema": ["type": "object"]],
        ]
        if type.custom == nil { patchContent["application/strategic-merge-patch+json"] = ["schema": ["type": "object"]] }
        let query: [JSON] = ["dryRun", "fieldManager", "fieldValidation"].map {
            ["name": .string($0), "in": "query", "schema": ["type": "string", "uniqueItems": true]]
        }
        let ok: JSON = ["200": ["description": "OK", "content": ["application/json": ["schema": ref]]]]
        func operation(_ action: String, _ verb: String, _ extra: JSONObject = [:]) -> JSON {
            var op: JSONObject = [
                "description": .string("\(verb) the specified \(type.kind)"),
                "operationId": .string("\(verb)\(type.kind)"),
                "responses": ok,
                "x-kubernetes-action": .string(action),
                "x-kubernetes-group-version-kind": gvk,
            ]
            for (k, v) in extra { op[k] = v }
            return .object(op)
        }
        var ops: JSONObject = ["get": operation("get", "read")]
        if type.verbs.contains("update") { ops["put"] = operation("put", "replace", ["parameters": .array(query), "requestBody": body]) }
        if type.verbs.contains("patch") {
            ops["patch"] = operation("patch", "patch", ["parameters": .array(query + [
                ["name": "force", "in": "query", "schema": ["type": "boolean", "uniqueItems": true]],
            ]), "requestBody": ["content": .object(patchContent), "required": true]])
        }
        if type.verbs.contains("delete") { ops["delete"] = operation("delete", "delete") }
        return .object(ops)
    }

    private static func customSchema(_ custom: CustomResourceVersion, gvk: JSON) -> JSON {
        var schema = custom.schemaJSON?.objectValue ?? ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
        var properties = schema["properties"]?.objectValue ?? JSONObject()
        properties["apiVersion"] = ["type": "string", "description": "The versioned schema of this object."]
        properties["kind"] = ["type": "string", "description": "The REST resource this object represents."]
        properties["metadata"] = ["allOf": [["$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]],
                                  "description": "Standard object metadata."]
        schema["properties"] = .object(properties)
        schema["type"] = "object"
        schema["x-kubernetes-group-version-kind"] = [gvk]
        return .object(schema)
    }

    private static func collectRefs(_ value: JSON, into names: inout [String]) {
        switch value {
        case .object(let members):
            for (key, child) in members {
                if key == "$ref", let ref = child.stringValue { names.append(String(ref.split(separator: "/").last ?? "")) }
                else { collectRefs(child, into: &names) }
            }
        case .array(let items):
            for item in items { collectRefs(item, into: &names) }
        default:
            break
        }
    }

    /// `example.com` → `com.example`, as CRD schema names read upstream.
    private static func reverseDomain(_ group: String) -> String {
        group.split(separator: ".").reversed().joined(separator: ".")
    }
}

extension KubeAPIServer {
    /// `/openapi/v2` stays an empty protobuf document: kubectl 1.27/1.28 need it to exist and parse
    /// (contract §5); everything they render comes from v3.
    func openAPIResponse(_ request: APIRequest) throws(APIError) -> APIResponse? {
        let path = request.path
        if path == "/openapi/v2" || path == "/swagger-2.0.0.pb-v1" {
            return APIResponse(status: 200, contentType: "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
                               body: .bytes([]))
        }
        if path == "/openapi/v3" || path == "/openapi/v3/" {
            return .json(200, openAPI.index(registry: registry))
        }
        guard path.hasPrefix("/openapi/v3/") else { return nil }
        let key = String(path.dropFirst("/openapi/v3/".count))
        guard let document = openAPI.document(key, registry: registry) else { throw .notFoundPath() }
        return APIResponse(status: 200, headers: [("ETag", "\"\(FNV.hash64Hex(document))\"")], body: .bytes(document))
    }
}
