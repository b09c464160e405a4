import KubeJSON
import KubeStore

/// Serving a version that is not the storage version: requests are converted to the storage version on the way
/// in and responses back on the way out, so both versions read and write the same objects.
extension KubeAPIServer {
    func serveConverted(_ request: APIRequest, info: RequestInfo, type: ResourceType,
                        storageType: ResourceType) async throws(APIError) -> APIResponse
    {
        var request = request
        let name = info.name ?? ""
        let namespace = info.namespace ?? ""
        var storageInfo = info
        storageInfo.version = storageType.version
        switch info.verb {
        case "create", "update":
            guard info.subresource == nil || info.subresource == "status" else { break }
            var object = try BodyDecoding.object(request)
            let old = info.verb == "update" ? store.get(key(storageType, namespace, name))?.json() : nil
            object = VersionConversion.convert(object, from: type, to: storageType, previous: old)
            request.body = object.serialized()
            request.headers["content-type"] = "application/json"
        case "patch":
            guard info.subresource == nil || info.subresource == "status" else { break }
            // Patches apply to this version's view of the object.
            let options = try WriteOptions(request)
            let current = try getObject(type: storageType, namespace: namespace, name: name)
            let view = VersionConversion.convert(current.json(), from: storageType, to: type, previous: nil)
            let patchType = BodyDecoding.mediaType(request)
            guard Self.patchTypes.contains(patchType), patchType != "application/apply-patch+yaml" else {
                throw .unsupportedMediaType(patchType, accepted: Array(Self.patchTypes.dropLast()))
            }
            var patched = try applyPatch(try BodyDecoding.json(request.body), type: patchType, to: view, resource: type)
            patched = VersionConversion.convert(patched, from: type, to: storageType, previous: current.json())
            patched[path: "metadata", "resourceVersion"] = .string(String(current.revision))
            let outcome = try await update(type: storageType, namespace: namespace, name: name, object: patched,
                                           subresource: info.subresource, options: options, current: current)
            return convertResponse(respond(outcome), from: storageType, to: type)
        default:
            break
        }
        let response = try await serve(request, info: storageInfo, type: storageType)
        return convertResponse(response, from: storageType, to: type)
    }

    func convertResponse(_ response: APIResponse, from: ResourceType, to: ResourceType) -> APIResponse {
        var response = response
        switch response.body {
        case .bytes(let bytes):
            guard (200..<300).contains(response.status), var json = try? JSONParser.parse(bytes) else { return response }
            if json["kind"]?.stringValue == from.listKind {
                json["apiVersion"] = .string(to.groupVersion)
                json["items"] = .array((json["items"]?.arrayValue ?? []).map {
                    VersionConversion.convert($0, from: from, to: to, previous: nil)
                })
            } else if json["kind"]?.stringValue == from.kind {
                json = VersionConversion.convert(json, from: from, to: to, previous: nil)
            }
            response.body = .bytes(json.serialized())
        case .stream(let stream):
            response.body = .stream(ConvertingStream(inner: stream, from: from, to: to))
        }
        return response
    }
}

/// Converts each watch event's object.
struct ConvertingStream: StreamingBody {
    let inner: any StreamingBody
    let from: ResourceType
    let to: ResourceType

    func run(write: ([UInt8]) async throws -> Void) async throws {
        try await inner.run { bytes in
            guard var event = try? JSONParser.parse(bytes), let object = event["object"],
                  object["kind"]?.stringValue == from.kind else { return try await write(bytes) }
            event["object"] = VersionConversion.convert(object, from: from, to: to, previous: nil)
            try await write(event.serialized() + [0x0A])
        }
    }

    func cancel() { inner.cancel() }
}

/// Conversions between served versions of one resource.
enum VersionConversion {
    static func convert(_ object: JSON, from: ResourceType, to: ResourceType, previous: JSON?) -> JSON {
        var out = object
        out["apiVersion"] = .string(to.groupVersion)
        guard from.group == "autoscaling", from.kind == "HorizontalPodAutoscaler", from.version != to.version else { return out }
        if to.version == "v1" { return hpaV2toV1(out) }
        return hpaV1toV2(out, previous: previous)
    }

    static func isCPUUtilization(_ metric: JSON) -> Bool {
        metric["type"]?.stringValue == "Resource" && metric[path: "resource", "name"]?.stringValue == "cpu"
            && metric[path: "resource", "target", "type"]?.stringValue == "Utilization"
    }

    /// autoscaling/v1 knows only a CPU utilisation target.
    static func hpaV2toV1(_ hpa: JSON) -> JSON {
        var out = hpa
        var spec = JSONObject()
        for field in ["scaleTargetRef", "minReplicas", "maxReplicas"] { spec[field] = hpa[path: "spec", field] }
        if let cpu = (hpa[path: "spec", "metrics"]?.arrayValue ?? []).first(where: isCPUUtilization) {
            spec["targetCPUUtilizationPercentage"] = cpu[path: "resource", "target", "averageUtilization"]
        }
        out["spec"] = .object(spec)
        if let status = hpa["status"]?.objectValue {
            var v1 = JSONObject()
            for field in ["observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas"] { v1[field] = status[field] }
            if v1["currentReplicas"] == nil { v1["currentReplicas"] = 0 }
            if v1["desiredReplicas"] == nil { v1["desiredReplicas"] = 0 }
            let current = (status["currentMetrics"]?.arrayValue ?? []).first {
                $0["type"]?.stringValue == "Resource" && $0[path: "resource", "name"]?.stringValue == "cpu"
            }
            if let value = current?[path: "resource", "current", "averageUtilization"] {
                v1["currentCPUUtilizationPercentage"] = value
            }
            out["status"] = .object(v1)
        }
        return out
    }

    /// Keeps what v1 cannot express (other metrics, behavior) from the stored v2 object.
    static func hpaV1toV2(_ hpa: JSON, previous: JSON?) -> JSON {
        var out = hpa
        var spec = JSONObject()
        for field in ["scaleTargetRef", "minReplicas", "maxReplicas"] { spec[field] = hpa[path: "spec", field] }
        var metrics = (previous?[path: "spec", "metrics"]?.arrayValue ?? []).filter { !isCPUUtilization($0) }
        if let target = hpa[path: "spec", "targetCPUUtilizationPercentage"] {
            metrics.insert(["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": target]]], at: 0)
        }
        if !metrics.isEmpty { spec["metrics"] = .array(metrics) }
        if let behavior = previous?[path: "spec", "behavior"] { spec["behavior"] = behavior }
        out["spec"] = .object(spec)
        if let status = hpa["status"]?.objectValue {
            var v2 = previous?["status"]?.objectValue ?? JSONObject()
            for field in ["observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas"] { v2[field] = status[field] }
            out["status"] = .object(v2)
        }
        return out
    }
}
