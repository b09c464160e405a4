import KubeJSON
import KubeStore

/// Delete options from the body (`DeleteOptions`) and the query string.
public struct DeleteOptions: Sendable {
    public enum Propagation: String, Sendable { case background = "Background", foreground = "Foreground", orphan = "Orphan" }

    public var propagation: Propagation?
    public var gracePeriodSeconds: Int64?
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?
    public var write = WriteOptions()

    public init() {}

    init(_ request: APIRequest) throws(APIError) {
        write = try WriteOptions(request)
        var body = JSON.object(JSONObject())
        if !request.body.isEmpty {
            body = try BodyDecoding.object(request)
        }
        if let policy = request.queryValue("propagationPolicy") ?? body["propagationPolicy"]?.stringValue {
            guard let value = Propagation(rawValue: policy) else {
                throw .badRequest("propagationPolicy: Unsupported value: \"\(policy)\": supported values: \"Foreground\", \"Background\", \"Orphan\"")
            }
            propagation = value
        } else if let orphan = request.queryValue("orphanDependents").map({ $0 == "true" }) ?? body["orphanDependents"]?.boolValue {
            propagation = orphan ? .orphan : .background
        }
        if let grace = request.queryValue("gracePeriodSeconds") {
            guard let value = Int64(grace) else { throw .badRequest("gracePeriodSeconds must be an integer, not \"\(grace)\"") }
            gracePeriodSeconds = value
        } else if let grace = body["gracePeriodSeconds"]?.intValue {
            gracePeriodSeconds = grace
        }
        if body["dryRun"]?.arrayValue?.contains("All") == true { write.dryRun = true }
        preconditionUID = body[path: "preconditions", "uid"]?.stringValue
        preconditionResourceVersion = body[path: "preconditions", "resourceVersion"]?.stringValue
    }
}

extension KubeAPIServer {
    func deleteResponse(type: ResourceType, namespace: String, name: String, request: APIRequest) async throws(APIError) -> APIResponse {
        let options = try DeleteOptions(request)
        let outcome = try await delete(type: type, namespace: namespace, name: name, options: options)
        return .json(outcome.status, outcome.bytes)
    }

    /// Deletes an object, or marks it for deletion while finalizers or a grace period hold it.
    public func delete(type: ResourceType, namespace: String, name: String, options: DeleteOptions) async throws(APIError) -> WriteOutcome {
        for _ in 0..<8 {
            guard let current = store.get(key(type, namespace, name)) else { throw .notFound(type.groupResource, name) }
            var object = current.json()
            let uid = object[path: "metadata", "uid"]?.stringValue ?? ""
            if let expected = options.preconditionUID, expected != uid {
                throw .conflict(type.groupResource, name, "Precondition failed: UID in precondition: \(expected), UID in object meta: \(uid)")
            }
            if let expected = options.preconditionResourceVersion, expected != String(current.revision) {
                throw .conflict(type.groupResource, name,
                                "Precondition failed: ResourceVersion in precondition: \(expected), ResourceVersion in object meta: \(current.revision)")
            }
            var finalizers = (object[path: "metadata", "finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
            switch options.propagation {
            case .foreground?: if !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
            case .orphan?: if !finalizers.contains("orphan") { finalizers.append("orphan") }
            default: break
            }
            let grace = gracePeriod(type: type, object: object, requested: options.gracePeriodSeconds)
            let alreadyDeleting = object[path: "metadata", "deletionTimestamp"] != nil
            let isNamespace = type.group.isEmpty && type.kind == "Namespace"
            let holds = !finalizers.isEmpty || grace > 0 || isNamespace
            if holds {
                if alreadyDeleting && grace >= (object[path: "metadata", "deletionGracePeriodSeconds"]?.intValue ?? 0)
                    && finalizers == (object[path: "metadata", "finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
                {
                    return WriteOutcome(bytes: current.bytes, status: 200, warnings: [], stored: nil)
                }
                let now = Timestamp.now()
                if !alreadyDeleting || grace < (object[path: "metadata", "deletionGracePeriodSeconds"]?.intValue ?? 0) {
                    object[path: "metadata", "deletionTimestamp"] = .string(Timestamp.rfc3339(now + Double(grace)))
                }
                object[path: "metadata", "deletionGracePeriodSeconds"] = .int(grace)
                object[path: "metadata", "finalizers"] = finalizers.isEmpty ? nil : .array(finalizers.map(JSON.string))
                if isNamespace { object[path: "status", "phase"] = "Terminating" }
                if options.write.dryRun { return WriteOutcome(bytes: object.serialized(), status: 200, warnings: [], stored: nil) }
                let request = WriteRequest(key: current.key, operation: .update(expectedRevision: current.revision),
                                           object: object, attributes: type.attributes(of: object))
                do {
                    let stored = try await store.commit(request)
                    return WriteOutcome(bytes: stored.bytes, status: 200, warnings: [], stored: stored)
                } catch .conflict {
                    continue
                } catch {
                    throw APIError.from(error, resource: type.groupResource)
                }
            }
            if options.write.dryRun {
                return WriteOutcome(bytes: deletedResponse(type: type, object: object, uid: uid), status: 200, warnings: [], stored: nil)
            }
            let request = WriteRequest(key: current.key, operation: .delete(expectedRevision: current.revision),
                                       object: object, attributes: current.attributes)
            do {
                let stored = try await store.commit(request)
                await afterDelete(type: type, stored: stored)
                return WriteOutcome(bytes: deletedResponse(type: type, object: stored.json(), uid: uid), status: 200,
                                    warnings: [], stored: stored)
            } catch .conflict {
                continue
            } catch {
                throw APIError.from(error, resource: type.groupResource)
            }
        }
        throw .conflict(type.groupResource, name, "the object kept changing while it was deleted")
    }

    /// Pods on a node get their grace period; everything else goes at once.
    func gracePeriod(type: ResourceType, object: JSON, requested: Int64?) -> Int64 {
        guard type.group.isEmpty, type.kind == "Pod" else { return 0 }
        if (object[path: "spec", "nodeName"]?.stringValue ?? "").isEmpty { return 0 }
        let phase = object[path: "status", "phase"]?.stringValue
        if phase == "Succeeded" || phase == "Failed" { return 0 }
        let grace = requested ?? object[path: "spec", "terminationGracePeriodSeconds"]?.intValue ?? 30
        return max(0, grace)
    }

    /// kube-apiserver returns the object for kinds whose deletion is observable, a success Status otherwise.
    func deletedResponse(type: ResourceType, object: JSON, uid: String) -> [UInt8] {
        if type.group.isEmpty, ["Pod", "Namespace", "Service"].contains(type.kind) || type.custom != nil {
            return object.serialized()
        }
        var details: JSONObject = ["name": object[path: "metadata", "name"] ?? ""]
        if !type.group.isEmpty { details["group"] = .string(type.group) }
        details["kind"] = .string(type.plural)
        details["uid"] = .string(uid)
        let status: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()), "status": "Success",
            "details": .object(details),
        ]
        return status.serialized()
    }

    func afterDelete(type: ResourceType, stored: StoredObject) async {
        if type.isCustomResourceDefinition {
            await customResourceDefinitionDeleted(stored)
        }
        if type.group.isEmpty, type.kind == "Service" {
            allocator.release(stored.json())
        }
    }

    func deleteCollectionResponse(type: ResourceType, namespace: String?, request: APIRequest) async throws(APIError) -> APIResponse {
        let options = try DeleteOptions(request)
        let selection = try ListSelection(request, type: type)
        let snapshot: ListSnapshot
        do { snapshot = try store.list(resource: type.storageResource, namespace: namespace, atRevision: nil) } catch {
            throw APIError.from(error, resource: type.groupResource)
        }
        var deleted: [[UInt8]] = []
        for item in snapshot.items where selection.matches(item.attributes) {
            do {
                let outcome = try await delete(type: type, namespace: item.key.namespace, name: item.key.name, options: options)
                deleted.append(outcome.stored?.bytes ?? outcome.bytes)
            } catch where error.code == 404 {
                continue
            }
        }
        var writer = JSONWriter()
        writer.writeRaw("{\"kind\":")
        writer.writeString(type.listKind)
        writer.writeRaw(",\"apiVersion\":")
        writer.writeString(type.groupVersion)
        writer.writeRaw(",\"metadata\":{\"resourceVersion\":\"\(store.currentRevision)\"},\"items\":[")
        for (i, bytes) in deleted.enumerated() {
            if i > 0 { writer.writeRaw(",") }
            writer.writeRaw(bytes)
        }
        writer.writeRaw("]}")
        return .json(200, writer.bytes)
    }
}
