import Foundation
import KubeJSON
import KubeStore

/// The outcome of a write: the object as stored (or as it would be, for a dry run) and any warnings.
public struct WriteOutcome: Sendable {
    public var bytes: [UInt8]
    public var status: Int
    public var warnings: [String]
    /// Nil for a dry run or an update that changed nothing.
    public var stored: StoredObject?
}

extension KubeAPIServer {
    // MARK: - Create

    public func create(type: ResourceType, namespace: String, object input: JSON, options: WriteOptions) async throws(APIError) -> WriteOutcome {
        var object = try checkIdentity(input, type: type, namespace: namespace, name: nil)
        let now = Timestamp.now()
        if object[path: "metadata", "resourceVersion"]?.stringValue.map({ !$0.isEmpty }) == true {
            throw .badRequest("resourceVersion should not be set on objects to be created")
        }
        if (object[path: "metadata", "name"]?.stringValue ?? "").isEmpty,
           let generateName = object[path: "metadata", "generateName"]?.stringValue, !generateName.isEmpty
        {
            object[path: "metadata", "name"] = .string(Self.generatedName(generateName))
        }
        let name = object[path: "metadata", "name"]?.stringValue ?? ""
        object[path: "metadata", "uid"] = .string(UUID().uuidString.lowercased())
        object[path: "metadata", "creationTimestamp"] = .string(Timestamp.rfc3339(now))
        object[path: "metadata", "deletionTimestamp"] = nil
        object[path: "metadata", "deletionGracePeriodSeconds"] = nil
        object[path: "metadata", "selfLink"] = nil
        object[path: "metadata", "generation"] = tracksGeneration(type) ? .int(1) : nil
        resetStatusOnCreate(&object, type: type)
        let warnings = try applySchema(&object, type: type, validation: options.fieldValidation)
        applyDefaults(&object, type: type)
        try await allocate(&object, type: type, dryRun: options.dryRun)
        try validateCreate(object, type: type)
        if type.namespaced { try checkNamespaceAcceptsCreate(namespace, type: type, name: name) }
        if !options.managedFieldsDone {
            object = ServerSideApply.recordUpdate(old: nil, new: object, manager: options.manager, apiVersion: type.groupVersion,
                                                  subresource: nil, resetFields: ServerSideApply.resetFields(for: type, subresource: nil),
                                                  schema: .forResource(type), now: Timestamp.rfc3339(now))
        }
        if options.dryRun {
            return WriteOutcome(bytes: object.serialized(), status: 201, warnings: warnings, stored: nil)
        }
        let request = WriteRequest(key: key(type, namespace, name), operation: .create, object: object,
                                   attributes: type.attributes(of: object))
        do {
            let stored = try await store.commit(request)
            await afterWrite(type: type, stored: stored, previous: nil)
            return WriteOutcome(bytes: stored.bytes, status: 201, warnings: warnings, stored: stored)
        } catch {
            throw APIError.from(error, resource: type.groupResource)
        }
    }

    // MARK: - Update

    /// Replaces an object (PUT), or its status with `subresource: "status"`. With `expectedRevision`, the write
    /// fails with 409 unless the object is still at that revision.
    public func update(type: ResourceType, namespace: String, name: String, object input: JSON, subresource: String?,
                       options: WriteOptions, current: StoredObject? = nil) async throws(APIError) -> WriteOutcome
    {
        var object = try checkIdentity(input, type: type, namespace: namespace, name: name)
        guard let current = current ?? store.get(key(type, namespace, name)) else {
            throw .notFound(type.groupResource, name)
        }
        let old = current.json()
        if let rv = object[path: "metadata", "resourceVersion"]?.stringValue, !rv.isEmpty, rv != String(current.revision) {
            throw .conflict(type.groupResource, name,
                            "the object has been modified; please apply your changes to the latest version and try again")
        }
        if let uid = object[path: "metadata", "uid"]?.stringValue, !uid.isEmpty,
           let oldUID = old[path: "metadata", "uid"]?.stringValue, uid != oldUID
        {
            throw .conflict(type.groupResource, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(oldUID)")
        }
        var warnings: [String] = []
        if subresource == "status" {
            // Status writes change status only; metadata and spec stay as they are.
            var merged = old
            merged["status"] = object["status"]
            object = merged
        } else {
            warnings = try applySchema(&object, type: type, validation: options.fieldValidation)
            // Server-owned metadata never changes through an update.
            for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace"] {
                object[path: "metadata", field] = old[path: "metadata", field]
            }
            object[path: "metadata", "selfLink"] = nil
            if type.hasStatus { object["status"] = old["status"] }
            // Allocated values (cluster IPs, node ports) stay when a re-applied manifest leaves them out.
            if type.custom == nil { BuiltinDefaults.carryOver(group: type.group, kind: type.kind, &object, old: old) }
            applyDefaults(&object, type: type)
            if type.kind == "Namespace", type.group.isEmpty { object["spec"] = old["spec"] }
            if type.kind == "Service", type.group.isEmpty { try await allocate(&object, type: type, dryRun: options.dryRun, old: old) }
            if tracksGeneration(type), specChanged(old: old, new: object) {
                object[path: "metadata", "generation"] = .int((old[path: "metadata", "generation"]?.intValue ?? 0) + 1)
            }
        }
        object[path: "metadata", "resourceVersion"] = .string(String(current.revision))
        try validateUpdate(object, old: old, type: type)
        object[path: "metadata", "resourceVersion"] = nil
        var comparable = object
        comparable[path: "metadata", "managedFields"] = old[path: "metadata", "managedFields"]
        var oldComparable = old
        oldComparable[path: "metadata", "resourceVersion"] = nil
        if comparable == oldComparable {
            // Nothing changed: no new revision, as kube-apiserver skips no-op writes.
            return WriteOutcome(bytes: current.bytes, status: 200, warnings: warnings, stored: nil)
        }
        if !options.managedFieldsDone {
            object = ServerSideApply.recordUpdate(old: old, new: object, manager: options.manager, apiVersion: type.groupVersion,
                                                  subresource: subresource,
                                                  resetFields: ServerSideApply.resetFields(for: type, subresource: subresource),
                                                  schema: .forResource(type), now: Timestamp.rfc3339(Timestamp.now()))
        }
        if options.dryRun {
            object[path: "metadata", "resourceVersion"] = .string(String(current.revision))
            return WriteOutcome(bytes: object.serialized(), status: 200, warnings: warnings, stored: nil)
        }
        // An object being deleted goes once its last finalizer is removed.
        let finalizers = object[path: "metadata", "finalizers"]?.arrayValue ?? []
        // A namespace also waits for its spec.finalizers (the namespace controller's `kubernetes`).
        let namespaceFinalizers = type.group.isEmpty && type.kind == "Namespace"
            ? object[path: "spec", "finalizers"]?.arrayValue ?? [] : []
        let operation: WriteRequest.Operation
        if object[path: "metadata", "deletionTimestamp"] != nil, finalizers.isEmpty, namespaceFinalizers.isEmpty,
           !isGracefullyTerminating(object, type: type)
        {
            operation = .delete(expectedRevision: current.revision)
        } else {
            operation = .update(expectedRevision: current.revision)
        }
        let request = WriteRequest(key: key(type, namespace, name), operation: operation, object: object,
                                   attributes: type.attributes(of: object))
        do {
            let stored = try await store.commit(request)
            await afterWrite(type: type, stored: stored, previous: old)
            return WriteOutcome(bytes: stored.bytes, status: 200, warnings: warnings, stored: stored)
        } catch {
            throw APIError.from(error, resource: type.groupResource)
        }
    }

    // MARK: - Shared steps

    /// Checks and fills kind, apiVersion, name and namespace against the URL the object was sent to.
    func checkIdentity(_ input: JSON, type: ResourceType, namespace: String, name: String?) throws(APIError) -> JSON {
        guard case .object = input else {
            throw .badRequest("the body of the request must be a JSON or YAML object, not \(input.typeName)")
        }
        var object = input
        if let kind = object["kind"], !(kind.stringValue ?? "").isEmpty, kind.stringValue != type.kind {
            throw .badRequest("the kind of the object (\(kind.stringValue ?? "")) does not match the resource it was sent to (\(type.groupResource), kind \(type.kind))")
        }
        if let apiVersion = object["apiVersion"]?.stringValue, !apiVersion.isEmpty, apiVersion != type.groupVersion {
            throw .badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(type.groupVersion))")
        }
        // kind and apiVersion lead, as in every object kube-apiserver writes.
        var ordered: JSONObject = ["kind": .string(type.kind), "apiVersion": .string(type.groupVersion)]
        for (key, value) in object.objectValue ?? JSONObject() where key != "kind" && key != "apiVersion" {
            ordered[key] = value
        }
        object = .object(ordered)
        if object["metadata"] == nil || object["metadata"]?.isNull == true { object["metadata"] = .object(JSONObject()) }
        guard object["metadata"]?.isObject == true else {
            throw .badRequest("metadata must be an object")
        }
        if type.namespaced {
            if let bodyNamespace = object[path: "metadata", "namespace"]?.stringValue, !bodyNamespace.isEmpty, bodyNamespace != namespace {
                throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            object[path: "metadata", "namespace"] = .string(namespace)
        } else {
            object[path: "metadata", "namespace"] = nil
        }
        if let name {
            let bodyName = object[path: "metadata", "name"]?.stringValue ?? ""
            if bodyName.isEmpty {
                object[path: "metadata", "name"] = .string(name)
            } else if bodyName != name {
                throw .badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
            }
        }
        return object
    }

    static func generatedName(_ base: String) -> String {
        // kube-apiserver's alphabet: no vowels, no confusable characters.
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        let prefix = base.count > 58 ? String(base.prefix(58)) : base
        return prefix + String((0..<5).map { _ in alphabet.randomElement()! })
    }

    func tracksGeneration(_ type: ResourceType) -> Bool { type.tracksGeneration || type.custom != nil }

    /// Whether anything outside metadata and status changed.
    func specChanged(old: JSON, new: JSON) -> Bool {
        var a = old, b = new
        for field in ["metadata", "status"] { a[field] = nil; b[field] = nil }
        return a != b
    }

    /// Status is the controllers' to write: most kinds start with an empty one, whatever the client sent.
    func resetStatusOnCreate(_ object: inout JSON, type: ResourceType) {
        guard type.hasStatus else { return }
        switch (type.group, type.kind) {
        case ("", "Node"):
            return
        case ("", "Pod"):
            object["status"] = ["phase": "Pending", "qosClass": .string(Self.qosClass(object))]
        case ("", "Namespace"):
            object["status"] = ["phase": "Active"]
        case ("", "PersistentVolume"), ("", "PersistentVolumeClaim"):
            object["status"] = ["phase": "Pending"]
        case ("", "Service"):
            object["status"] = ["loadBalancer": .object(JSONObject())]
        default:
            object["status"] = type.custom != nil ? nil : .object(JSONObject())
        }
    }

    static func qosClass(_ pod: JSON) -> String {
        let containers = (pod[path: "spec", "containers"]?.arrayValue ?? []) + (pod[path: "spec", "initContainers"]?.arrayValue ?? [])
        var anySet = false
        var guaranteed = !containers.isEmpty
        for container in containers {
            let requests = container[path: "resources", "requests"]?.objectValue ?? JSONObject()
            let limits = container[path: "resources", "limits"]?.objectValue ?? JSONObject()
            if !requests.isEmpty || !limits.isEmpty { anySet = true }
            for resource in ["cpu", "memory"] {
                guard let limit = limits[resource] else { guaranteed = false; continue }
                if let request = requests[resource], request != limit { guaranteed = false }
            }
        }
        if !anySet { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    /// A pod on a node with a grace period is deleted by its kubelet, not at once.
    func isGracefullyTerminating(_ object: JSON, type: ResourceType) -> Bool {
        guard type.group.isEmpty, type.kind == "Pod" else { return false }
        return (object[path: "metadata", "deletionGracePeriodSeconds"]?.intValue ?? 0) > 0
            && !(object[path: "spec", "nodeName"]?.stringValue ?? "").isEmpty
    }

    func checkNamespaceAcceptsCreate(_ namespace: String, type: ResourceType, name: String) throws(APIError) {
        let namespaces = GroupResource(group: "", resource: "namespaces")
        guard let ns = store.get(ObjectKey(resource: "/namespaces", namespace: "", name: namespace)) else {
            throw .notFound(namespaces, namespace)
        }
        let json = ns.json()
        if json[path: "metadata", "deletionTimestamp"] != nil || json[path: "status", "phase"]?.stringValue == "Terminating" {
            throw .forbidden(type.groupResource, name,
                             "unable to create new content in namespace \(namespace) because it is being terminated")
        }
    }

    /// Hook for work that follows a committed write of a kind with dependent resources (CRDs).
    func afterWrite(type: ResourceType, stored: StoredObject, previous: JSON?) async {
        if type.isCustomResourceDefinition {
            await customResourceDefinitionChanged(stored)
        }
    }
}
