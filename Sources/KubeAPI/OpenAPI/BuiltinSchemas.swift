import KubeJSON
import Synchronization

/// The OpenAPI schemas of the built-in kinds (openapi/schemas, embedded), parsed on first use. They give
/// strategic-merge keys and the known fields of each kind.
final class BuiltinSchemas: Sendable {
    static let shared = BuiltinSchemas()

    /// Schema name to schema, across all files.
    let schemas: [String: JSON]
    /// `group/version/kind` to schema name.
    let kinds: [String: String]
    private let patchCache = Mutex<[String: PatchSchema]>([:])

    private init() {
        var schemas: [String: JSON] = [:]
        var kinds: [String: String] = [:]
        for (_, text) in EmbeddedSchemas.files {
            guard let document = try? JSONParser.parse(text),
                  let members = document[path: "components", "schemas"]?.objectValue else { continue }
            for (name, schema) in members {
                schemas[name] = schema
                for gvk in schema["x-kubernetes-group-version-kind"]?.arrayValue ?? [] {
                    let key = "\(gvk["group"]?.stringValue ?? "")/\(gvk["version"]?.stringValue ?? "")/\(gvk["kind"]?.stringValue ?? "")"
                    kinds[key] = name
                }
            }
        }
        self.schemas = schemas
        self.kinds = kinds
    }

    func schemaName(group: String, version: String, kind: String) -> String? {
        kinds["\(group)/\(version)/\(kind)"]
    }

    /// The patch schema of a kind, or `.unknown` (merge like JSON merge patch) when we have none.
    func patchSchema(group: String, version: String, kind: String) -> PatchSchema {
        guard let name = schemaName(group: group, version: version, kind: kind) else { return .unknown }
        return patchSchema(named: name)
    }

    func patchSchema(named name: String) -> PatchSchema {
        if let cached = patchCache.withLock({ $0[name] }) { return cached }
        let built = build(schemas[name] ?? .null)
        patchCache.withLock { $0[name] = built }
        return built
    }

    private static func reference(_ schema: JSON) -> String? {
        let ref = schema["$ref"]?.stringValue ?? schema["allOf"]?.arrayValue?.first?["$ref"]?.stringValue
        return ref.map { String($0.split(separator: "/").last ?? "") }
    }

    private func build(_ schema: JSON) -> PatchSchema {
        if let ref = Self.reference(schema) {
            // Deferred, so recursive types (JSONSchemaProps) resolve lazily.
            return .deferred { [self] in self.patchSchema(named: ref) }
        }
        if let items = schema["items"] {
            return .list(build(items), patchStrategy: schema["x-kubernetes-patch-strategy"]?.stringValue,
                         patchMergeKey: schema["x-kubernetes-patch-merge-key"]?.stringValue,
                         listType: schema["x-kubernetes-list-type"]?.stringValue,
                         listMapKeys: (schema["x-kubernetes-list-map-keys"]?.arrayValue ?? []).compactMap(\.stringValue))
        }
        if let properties = schema["properties"]?.objectValue {
            var fields: [String: PatchSchema] = [:]
            for (name, child) in properties {
                var node = build(child)
                if let strategy = child["x-kubernetes-patch-strategy"]?.stringValue, child["items"] == nil {
                    node = node.withPatchMetadata(strategy: PatchStrategy(openAPI: strategy),
                                                  mergeKey: child["x-kubernetes-patch-merge-key"]?.stringValue)
                }
                fields[name] = node
            }
            return .object(fields)
        }
        if let additional = schema["additionalProperties"], additional.isObject {
            return .map(build(additional))
        }
        return .unknown
    }
}

extension KubeAPIServer {
    func patchSchema(for type: ResourceType) -> PatchSchema {
        BuiltinSchemas.shared.patchSchema(group: type.group, version: type.version, kind: type.kind)
    }
}
