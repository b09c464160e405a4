import KubeJSON
import KubeStore

/// HTTP-facing create, update and patch: parse the request, call the typed operation, shape the response.
extension KubeAPIServer {
    func respond(_ outcome: WriteOutcome) -> APIResponse {
        var response = APIResponse.json(outcome.status, outcome.bytes)
        for warning in outcome.warnings {
            response.headers.append(("Warning", "299 - \"\(warning.replacingOccurrences(of: "\"", with: "\\\""))\""))
        }
        return response
    }

    func createResponse(type: ResourceType, namespace: String, request: APIRequest) async throws(APIError) -> APIResponse {
        let options = try WriteOptions(request)
        let object = try BodyDecoding.object(request)
        if let virtual = try await virtualCreate(type: type, namespace: namespace, object: object, request: request) {
            return virtual
        }
        return respond(try await create(type: type, namespace: namespace, object: object, options: options))
    }

    func updateResponse(type: ResourceType, namespace: String, name: String, request: APIRequest) async throws(APIError) -> APIResponse {
        let options = try WriteOptions(request)
        let object = try BodyDecoding.object(request)
        return respond(try await update(type: type, namespace: namespace, name: name, object: object, subresource: nil,
                                        options: options))
    }

    func patchResponse(type: ResourceType, namespace: String, name: String, request: APIRequest,
                       subresource: String? = nil) async throws(APIError) -> APIResponse
    {
        let options = try WriteOptions(request)
        let patchType = BodyDecoding.mediaType(request)
        return respond(try await patch(type: type, namespace: namespace, name: name, patchType: patchType,
                                       body: request.body, subresource: subresource, options: options))
    }

    public static let patchTypes = ["application/json-patch+json", "application/merge-patch+json",
                                    "application/strategic-merge-patch+json", "application/apply-patch+yaml"]

    /// Applies a patch to the live object and writes it as an update, retrying when another writer got there
    /// first, as kube-apiserver does for patches without a resourceVersion precondition.
    public func patch(type: ResourceType, namespace: String, name: String, patchType: String, body: [UInt8],
                      subresource: String?, options: WriteOptions) async throws(APIError) -> WriteOutcome
    {
        guard Self.patchTypes.contains(patchType) else {
            throw .unsupportedMediaType(patchType, accepted: Self.patchTypes)
        }
        if patchType == "application/strategic-merge-patch+json", type.custom != nil {
            throw .unsupportedMediaType(patchType, accepted: ["application/json-patch+json", "application/merge-patch+json",
                                                              "application/apply-patch+yaml"])
        }
        if patchType == "application/apply-patch+yaml" {
            return try await apply(type: type, namespace: namespace, name: name, body: body, subresource: subresource,
                                   options: options)
        }
        let patchDocument = try BodyDecoding.json(body)
        for attempt in 0..<8 {
            guard let current = store.get(key(type, namespace, name)) else { throw .notFound(type.groupResource, name) }
            let patched = try applyPatch(patchDocument, type: patchType, to: current.json(), resource: type)
            var object = patched
            // A resourceVersion in the patch is a precondition; otherwise the patch applies to whatever is current.
            let requested = patchDocument[path: "metadata", "resourceVersion"]?.stringValue
            if let requested, requested != String(current.revision) {
                throw .conflict(type.groupResource, name,
                                "the object has been modified; please apply your changes to the latest version and try again")
            }
            object[path: "metadata", "resourceVersion"] = .string(String(current.revision))
            do {
                return try await update(type: type, namespace: namespace, name: name, object: object,
                                        subresource: subresource, options: options, current: current)
            } catch let error where error.code == 409 && error.reason == "Conflict" && requested == nil && attempt < 7 {
                continue
            }
        }
        throw .conflict(type.groupResource, name, "the object kept changing while the patch was applied")
    }

    /// Server-side apply: merges the applied configuration into the live object by field ownership, creating the
    /// object when it does not exist.
    func apply(type: ResourceType, namespace: String, name: String, body: [UInt8], subresource: String?,
               options: WriteOptions) async throws(APIError) -> WriteOutcome
    {
        guard let manager = options.fieldManager, !manager.isEmpty else {
            throw APIError.invalid(kind: "PatchOptions", group: "meta.k8s.io", name: "",
                                   [.required("fieldManager", "is required for apply patch")])
        }
        var applied = try BodyDecoding.yaml(body)
        guard applied.isObject else { throw .badRequest("the applied configuration must be an object") }
        if let bodyName = applied[path: "metadata", "name"]?.stringValue, !bodyName.isEmpty, bodyName != name {
            throw .badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if applied[path: "metadata", "name"] == nil { applied[path: "metadata", "name"] = .string(name) }
        var writeOptions = options
        writeOptions.managedFieldsDone = true
        for attempt in 0..<8 {
            let current = store.get(key(type, namespace, name))
            if let requested = applied[path: "metadata", "resourceVersion"]?.stringValue, !requested.isEmpty,
               requested != current.map({ String($0.revision) })
            {
                throw .conflict(type.groupResource, name,
                                "the object has been modified; please apply your changes to the latest version and try again")
            }
            let live = current?.json()
            var merged: JSON
            do {
                merged = try ServerSideApply.apply(
                    live: live, applied: applied, manager: manager, force: options.force, apiVersion: type.groupVersion,
                    kind: type.kind, subresource: subresource,
                    resetFields: ServerSideApply.resetFields(for: type, subresource: subresource),
                    schema: .forResource(type), now: Timestamp.rfc3339(Timestamp.now()))
            } catch {
                throw error.apiError
            }
            guard let current else {
                if subresource != nil { throw .notFound(type.groupResource, name) }
                return try await create(type: type, namespace: namespace, object: merged, options: writeOptions)
            }
            if merged == live { return WriteOutcome(bytes: current.bytes, status: 200, warnings: [], stored: nil) }
            merged[path: "metadata", "resourceVersion"] = .string(String(current.revision))
            do {
                return try await update(type: type, namespace: namespace, name: name, object: merged, subresource: subresource,
                                        options: writeOptions, current: current)
            } catch let error where error.code == 409 && error.reason == "Conflict" && attempt < 7 {
                continue
            }
        }
        throw .conflict(type.groupResource, name, "the object kept changing while the configuration was applied")
    }

    func applyPatch(_ patch: JSON, type patchType: String, to original: JSON, resource: ResourceType) throws(APIError) -> JSON {
        do {
            switch patchType {
            case "application/json-patch+json":
                return try JSONPatch.apply(patch, to: original)
            case "application/merge-patch+json":
                return try MergePatch.apply(patch, to: original)
            default:
                return try StrategicMergePatch.apply(patch, to: original, schema: patchSchema(for: resource))
            }
        } catch {
            throw APIError(code: error.code, reason: error.reason, message: error.message,
                           details: error.code == 422 ? .object(JSONObject()) : nil)
        }
    }
}
