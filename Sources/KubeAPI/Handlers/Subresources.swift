import Foundation
import KubeJSON
import KubeStore

/// status, scale, binding, eviction and finalize.
extension KubeAPIServer {
    func serveSubresource(_ request: APIRequest, info: RequestInfo, type: ResourceType,
                          subresource: SubresourceType) async throws(APIError) -> APIResponse
    {
        guard let name = info.name else { throw .notFoundPath() }
        let namespace = type.namespaced ? (info.namespace ?? "") : ""
        guard subresource.verbs.contains(info.verb) else {
            throw .methodNotSupported(GroupResource(group: type.group, resource: "\(type.plural)/\(subresource.name)"), info.verb)
        }
        switch (subresource.name, info.verb) {
        case ("status", "get"):
            return try getResponse(type: type, namespace: namespace, name: name, request: request)
        case ("status", "update"):
            let options = try WriteOptions(request)
            let object = try BodyDecoding.object(request)
            return respond(try await update(type: type, namespace: namespace, name: name, object: object,
                                            subresource: "status", options: options))
        case ("status", "patch"):
            return try await patchResponse(type: type, namespace: namespace, name: name, request: request, subresource: "status")
        case ("finalize", "update"):
            // Only spec.finalizers may change through finalize.
            let options = try WriteOptions(request)
            let body = try BodyDecoding.object(request)
            let current = try getObject(type: type, namespace: namespace, name: name)
            var object = current.json()
            object[path: "spec", "finalizers"] = body[path: "spec", "finalizers"]
            return respond(try await writeDirect(type: type, current: current, object: object, options: options))
        case ("scale", "get"):
            let current = try getObject(type: type, namespace: namespace, name: name)
            return .json(200, scale(of: current.json(), type: type).serialized())
        case ("scale", "update"), ("scale", "patch"):
            return try await updateScale(request, type: type, namespace: namespace, name: name, verb: info.verb)
        case ("log", "get"):
            return try podLogResponse(request, type: type, namespace: namespace, name: name)
        case ("token", "create"):
            let body = request.body.isEmpty ? JSON.object(JSONObject()) : try BodyDecoding.object(request)
            return try tokenRequest(namespace: namespace, serviceAccount: name, body: body, type: type)
        case ("binding", "create"):
            let body = try BodyDecoding.object(request)
            return try await bind(namespace: namespace, podName: name, binding: body, request: request)
        case ("eviction", "create"):
            var options = DeleteOptions()
            options.write = try WriteOptions(request)
            let body = try BodyDecoding.object(request)
            options.gracePeriodSeconds = body[path: "deleteOptions", "gracePeriodSeconds"]?.intValue
            _ = try await delete(type: type, namespace: namespace, name: name, options: options)
            let status: JSON = ["kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()),
                                "status": "Success", "code": 201]
            return .json(201, status.serialized())
        default:
            throw .methodNotSupported(GroupResource(group: type.group, resource: "\(type.plural)/\(subresource.name)"), info.verb)
        }
    }

    /// Writes an already-prepared object over `current` without the update strategy.
    func writeDirect(type: ResourceType, current: StoredObject, object: JSON, options: WriteOptions) async throws(APIError) -> WriteOutcome {
        var object = object
        if options.dryRun { return WriteOutcome(bytes: object.serialized(), status: 200, warnings: [], stored: nil) }
        object[path: "metadata", "resourceVersion"] = nil
        let finalizers = object[path: "metadata", "finalizers"]?.arrayValue ?? []
        let specFinalizers = object[path: "spec", "finalizers"]?.arrayValue ?? []
        let deleting = object[path: "metadata", "deletionTimestamp"] != nil
        let operation: WriteRequest.Operation = deleting && finalizers.isEmpty && specFinalizers.isEmpty
            ? .delete(expectedRevision: current.revision) : .update(expectedRevision: current.revision)
        do {
            let stored = try await store.commit(WriteRequest(key: current.key, operation: operation, object: object,
                                                             attributes: type.attributes(of: object)))
            return WriteOutcome(bytes: stored.bytes, status: 200, warnings: [], stored: stored)
        } catch {
            throw APIError.from(error, resource: type.groupResource)
        }
    }

    func scalePaths(_ type: ResourceType) -> (spec: [String], status: [String], selector: [String]?) {
        if let scale = type.custom?.scale {
            func path(_ p: String) -> [String] { p.split(separator: ".").map(String.init) }
            return (path(scale.specReplicasPath), path(scale.statusReplicasPath), scale.labelSelectorPath.map(path))
        }
        return (["spec", "replicas"], ["status", "replicas"], nil)
    }

    /// The autoscaling/v1 Scale view of an object.
    func scale(of object: JSON, type: ResourceType) -> JSON {
        let paths = scalePaths(type)
        var metadata = JSONObject()
        for field in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            if let value = object[path: "metadata", field] { metadata[field] = value }
        }
        var status: JSONObject = ["replicas": .int(object.lookup(paths.status)?.intValue ?? 0)]
        if let selectorPath = paths.selector {
            if let selector = object.lookup(selectorPath)?.stringValue { status["selector"] = .string(selector) }
        } else if let selector = object[path: "spec", "selector"], let text = LabelSelector.string(fromJSON: selector) {
            status["selector"] = .string(text)
        }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(metadata),
            "spec": ["replicas": .int(object.lookup(paths.spec)?.intValue ?? 0)], "status": .object(status),
        ]
    }

    func updateScale(_ request: APIRequest, type: ResourceType, namespace: String, name: String, verb: String) async throws(APIError) -> APIResponse {
        let options = try WriteOptions(request)
        for _ in 0..<8 {
            let current = try getObject(type: type, namespace: namespace, name: name)
            let object = current.json()
            let currentScale = scale(of: object, type: type)
            var newScale: JSON
            if verb == "update" {
                newScale = try BodyDecoding.object(request)
                if let rv = newScale[path: "metadata", "resourceVersion"]?.stringValue, !rv.isEmpty, rv != String(current.revision) {
                    throw .conflict(type.groupResource, name,
                                    "the object has been modified; please apply your changes to the latest version and try again")
                }
            } else {
                let patchType = BodyDecoding.mediaType(request)
                guard Self.patchTypes.contains(patchType) else { throw .unsupportedMediaType(patchType, accepted: Self.patchTypes) }
                let patch = try BodyDecoding.json(request.body)
                newScale = try applyPatch(patch, type: patchType, to: currentScale, resource: type)
            }
            guard let replicas = newScale[path: "spec", "replicas"]?.intValue else {
                throw APIError.invalid(kind: "Scale", group: "autoscaling", name: name,
                                       [.required("spec.replicas")])
            }
            if replicas < 0 {
                throw APIError.invalid(kind: "Scale", group: "autoscaling", name: name,
                                       [.invalid("spec.replicas", .int(replicas), "must be greater than or equal to 0")])
            }
            var updated = object
            updated.assign(scalePaths(type).spec[...], .int(replicas))
            do {
                let outcome = try await update(type: type, namespace: namespace, name: name, object: updated, subresource: nil,
                                               options: options, current: current)
                let stored = (try? JSONParser.parse(outcome.bytes)) ?? updated
                return .json(200, scale(of: stored, type: type).serialized())
            } catch where error.code == 409 && verb == "patch" {
                continue
            }
        }
        throw .conflict(type.groupResource, name, "the object kept changing while it was scaled")
    }

    /// Binds a pod to a node, as the scheduler does through pods/binding.
    func bind(namespace: String, podName: String, binding: JSON, request: APIRequest) async throws(APIError) -> APIResponse {
        guard let pods = registry.lookup(group: "", version: "v1", resource: "pods") else { throw .notFoundPath() }
        guard let node = binding[path: "target", "name"]?.stringValue, !node.isEmpty else {
            throw APIError.invalid(kind: "Binding", group: "", name: podName, [.required("target.name")])
        }
        let options = try WriteOptions(request)
        for _ in 0..<8 {
            let current = try getObject(type: pods, namespace: namespace, name: podName)
            var pod = current.json()
            if let assigned = pod[path: "spec", "nodeName"]?.stringValue, !assigned.isEmpty {
                throw .conflict(pods.groupResource, podName, "pod \(podName) is already assigned to node \"\(assigned)\"")
            }
            if pod[path: "metadata", "deletionTimestamp"] != nil {
                throw .conflict(pods.groupResource, podName, "pod \(podName) is being deleted, cannot be assigned to a host")
            }
            pod[path: "spec", "nodeName"] = .string(node)
            var conditions = pod[path: "status", "conditions"]?.arrayValue ?? []
            conditions.removeAll { $0["type"]?.stringValue == "PodScheduled" }
            conditions.append(["type": "PodScheduled", "status": "True", "lastProbeTime": .null,
                               "lastTransitionTime": .string(Timestamp.rfc3339(Timestamp.now()))])
            pod[path: "status", "conditions"] = .array(conditions)
            do {
                _ = try await writeDirect(type: pods, current: current, object: pod, options: options)
                let status: JSON = ["kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()),
                                    "status": "Success", "code": 201]
                return .json(201, status.serialized())
            } catch where error.code == 409 {
                continue
            }
        }
        throw .conflict(pods.groupResource, podName, "the pod kept changing while it was bound")
    }
}

extension KubeAPIServer {
    /// serviceaccounts/token (`kubectl create token`): a TokenRequest with a signed-looking, expiring token for the
    /// account. The simulator does not verify these tokens; RBAC and token review are on the roadmap.
    func tokenRequest(namespace: String, serviceAccount name: String, body: JSON, type: ResourceType) throws(APIError) -> APIResponse {
        let account = try getObject(type: type, namespace: namespace, name: name).json()
        let seconds = max(600, body[path: "spec", "expirationSeconds"]?.intValue ?? 3600)
        let audiences = body[path: "spec", "audiences"]?.arrayValue ?? ["https://kubernetes.default.svc.cluster.local"]
        let now = Timestamp.now()
        func base64URL(_ json: JSON) -> String {
            Data(json.serialized()).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let claims: JSON = [
            "aud": .array(audiences), "exp": .int(Int64(now) + seconds), "iat": .int(Int64(now)),
            "iss": "https://kubernetes.default.svc.cluster.local",
            "kubernetes.io": ["namespace": .string(namespace),
                              "serviceaccount": ["name": .string(name), "uid": account[path: "metadata", "uid"] ?? ""]],
            "sub": .string("system:serviceaccount:\(namespace):\(name)"),
        ]
        let token = base64URL(["alg": "RS256", "kid": "k8s-simulator"]) + "." + base64URL(claims) + "."
            + base64URL(.string(UUID().uuidString))
        var spec = body["spec"]?.objectValue ?? JSONObject()
        spec["audiences"] = .array(audiences)
        spec["expirationSeconds"] = .int(seconds)
        if spec["boundObjectRef"] == nil { spec["boundObjectRef"] = .null }
        let response: JSON = [
            "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "creationTimestamp": .string(Timestamp.rfc3339(now))],
            "spec": .object(spec),
            "status": ["token": .string(token), "expirationTimestamp": .string(Timestamp.rfc3339(now + Double(seconds)))],
        ]
        return .json(201, response.serialized())
    }
}
