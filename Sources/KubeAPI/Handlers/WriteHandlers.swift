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
        let patchDocument: JSON
        if patchType == "application/apply-patch+yaml" {
            patchDocument = try BodyDecoding.yaml(body)
        } else {
            patchDocument = try BodyDecoding.json(body)
        }
        for attempt in 0..<8 {
            guard let current = store.get(key(type, namespace, name)) else {
                if patchType == "application/apply-patch+yaml" {
                    return try await create(type: type, namespace: namespace, object: patchDocument, options: options)
                }
                throw .notFound(type.groupResource, name)
            }
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

    func applyPatch(_ patch: JSON, type patchType: String, to original: JSON, resource: ResourceType) throws(APIError) -> JSON {
        do {
            switch patchType {
            case "application/json-patch+json":
                return try JSONPatch.apply(patch, to: original)
            case "application/merge-patch+json", "application/apply-patch+yaml":
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
