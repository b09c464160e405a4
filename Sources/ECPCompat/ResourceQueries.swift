import ClusterSim
import KubeAPI
import KubeJSON

/// `GET /k8s/resources`, `DELETE /k8s/resources/{name}` and the deployment records, read and written through
/// the API, so objects made with kubectl show up and deletes cascade as usual.
struct ResourceQueries {
    let api: KubeAPIServer
    let clock: SimulatedClock

    /// Kinds listed when no `kind` is given: what an application consists of (kubectl's `all` plus its config).
    static let defaultKinds = ["Namespace", "Pod", "Service", "ConfigMap", "Secret", "PersistentVolumeClaim", "Deployment",
                               "StatefulSet", "DaemonSet", "Job", "CronJob", "Ingress", "HorizontalPodAutoscaler"]
    /// Namespaces the cluster and this layer run in: not the tenants' resources unless asked for by name.
    static let systemNamespaces: Set<String> = ["kube-system", "kube-public", "kube-node-lease", ECPLabels.recordNamespace]
    /// Kinds other objects derive: never the answer to "delete the thing called x".
    static let derivedKinds: Set<String> = ["Endpoints", "EndpointSlice", "Event", "ControllerRevision", "Lease"]

    // MARK: - Listing

    func list(namespace: String?, kind: String?, tenantID: String?) throws(ECPError) -> JSON {
        let types: [ResourceType]
        if let kind {
            guard let type = resolveKind(kind) else { throw .badRequest("unknown kind", detail: "the cluster serves no kind \"\(kind)\"") }
            types = [type]
        } else {
            types = Self.defaultKinds.compactMap(resolveKind)
        }
        var selector: String?
        if let tenantID {
            guard NameValidation.isValidLabelValue(tenantID).isEmpty else {
                throw .badRequest("invalid tenant_id", detail: "tenant_id must be a valid label value")
            }
            selector = "\(ECPLabels.tenant)=\(tenantID)"
        }
        let podsType = api.registry.lookup(group: "", version: "v1", resource: "pods")
        let recorded = recordedDeploymentTimes(tenantID: tenantID)
        var items: [JSON] = []
        var states: [ResourceState] = []
        for type in types {
            // A namespace filter narrows to objects in it; cluster-scoped kinds have none.
            if namespace != nil, !type.namespaced { continue }
            let snapshot: [JSON]
            do {
                snapshot = try api.list(type: type, namespace: type.namespaced ? namespace : nil, labelSelector: selector).items.map { $0.json() }
            } catch {
                throw ECPError.from(error)
            }
            for object in snapshot where Self.listed(object, type: type, explicitKind: kind != nil, explicitNamespace: namespace != nil) {
                var pods: [JSON] = []
                if ResourceStatus.replicatedKinds.contains(type.kind), let podsType,
                   let objectNamespace = object[path: "metadata", "namespace"]?.stringValue
                {
                    pods = ManifestDeployer.selectedPods(api: api, podsType: podsType, namespace: objectNamespace, workload: object)
                }
                let state = ResourceStatus.evaluate(object, kind: type.kind, group: type.group, pods: pods)
                let id = ResourceID.format(namespace: type.namespaced ? object[path: "metadata", "namespace"]?.stringValue : nil,
                                           kind: type.kind, name: object[path: "metadata", "name"]?.stringValue ?? "")
                // A record only speaks for the object it deployed, not for a later one of the same name.
                let fromRecord = recorded[id].flatMap { $0.createdAt == object[path: "metadata", "creationTimestamp"]?.stringValue ? $0.seconds : nil }
                let time = state.ready ? (fromRecord ?? deploymentTime(object, state)) : nil
                items.append(ResourceStatus.item(object: object, type: type, state: state, deploymentTime: time))
                states.append(state)
            }
        }
        return [
            "status": .string(ResourceStatus.aggregate(states)),
            "tenant_id": tenantID.map(JSON.string) ?? .null,
            "namespace": namespace.map(JSON.string) ?? .null,
            "kind": kind.map(JSON.string) ?? .null,
            "count": .int(Int64(items.count)),
            "resources": .array(items),
        ]
    }

    /// Whether a listed object is one of the tenants' resources. Asking for a kind shows every object of it
    /// (pods of a Deployment included); the default listing shows what was deployed, not what controllers made
    /// from it or what the cluster itself keeps.
    static func listed(_ object: JSON, type: ResourceType, explicitKind: Bool, explicitNamespace: Bool) -> Bool {
        let labels = object[path: "metadata", "labels"]
        if labels?[ECPLabels.deployment]?.stringValue == "true" { return false }  // deployment records
        let name = object[path: "metadata", "name"]?.stringValue ?? ""
        let namespace = object[path: "metadata", "namespace"]?.stringValue ?? ""
        if !explicitNamespace {
            if systemNamespaces.contains(namespace) { return false }
            if type.kind == "Namespace", systemNamespaces.contains(name) || name == "default" { return false }
        }
        if explicitKind { return true }
        let controlled = object[path: "metadata", "ownerReferences"]?.arrayValue?.contains { $0["controller"]?.boolValue == true } ?? false
        if controlled { return false }
        switch (type.kind, name) {
        case ("ConfigMap", "kube-root-ca.crt"): return false
        case ("Service", "kubernetes") where namespace == "default": return false
        default: break
        }
        if type.kind == "Secret", object["type"]?.stringValue == "kubernetes.io/service-account-token" { return false }
        return true
    }

    /// The `deployment_time` each resource had in the latest deployment record that made it ready: measured by
    /// the deploy as it happened, finer than the whole-second timestamps objects carry.
    func recordedDeploymentTimes(tenantID: String?) -> [String: (createdAt: String, seconds: Double)] {
        guard let type = api.registry.lookup(group: "", version: "v1", resource: "configmaps") else { return [:] }
        var selector = "\(ECPLabels.deployment)=true"
        if let tenantID { selector += ",\(ECPLabels.tenant)=\(tenantID)" }
        guard let records = try? api.list(type: type, namespace: ECPLabels.recordNamespace, labelSelector: selector) else { return [:] }
        let reports = records.items.compactMap { $0.json()[path: "data", "report"]?.stringValue.flatMap { try? JSONParser.parse($0) } }
        var times: [String: (createdAt: String, seconds: Double)] = [:]
        // Oldest first, so the latest deploy of a resource wins (RFC 3339 in UTC sorts as text).
        for report in reports.sorted(by: { ($0["started_at"]?.stringValue ?? "") < ($1["started_at"]?.stringValue ?? "") }) {
            for resource in report["resources"]?.arrayValue ?? [] {
                guard resource["ready"]?.boolValue == true, let id = resource["id"]?.stringValue,
                      let createdAt = resource["created_at"]?.stringValue, let time = resource["deployment_time"]?.doubleValue
                else { continue }
                times[id] = (createdAt, time)
            }
        }
        return times
    }

    /// Simulated seconds from creation to ready, from the object's own timestamps (wall clock, whole seconds).
    func deploymentTime(_ object: JSON, _ state: ResourceState) -> Double? {
        guard let created = object[path: "metadata", "creationTimestamp"]?.stringValue.flatMap(Timestamp.parse) else { return nil }
        if state.status == "Created" { return 0 }
        guard let since = state.readySince else { return nil }
        return (since - created) * clock.scale
    }

    /// The served type for `Pod`, `pods`, `po`, `deployment`…: kind, plural, singular or short name, any case.
    /// The first registered match wins, which puts the core group before others (Event) and preferred versions
    /// before older ones (HorizontalPodAutoscaler v2 before v1).
    func resolveKind(_ text: String) -> ResourceType? {
        let wanted = text.lowercased()
        return api.registry.allTypes().first { type in
            type.verbs.contains("list")
                && (type.kind.lowercased() == wanted || type.plural == wanted || type.singular == wanted || type.shortNames.contains(wanted))
        }
    }

    // MARK: - Deleting

    func delete(name: String, namespace requestedNamespace: String?, kind: String?) async throws(ECPError) -> JSON {
        let namespace = requestedNamespace ?? "default"
        var candidates: [(ResourceType, String)] = []
        if let kind {
            guard let type = resolveKind(kind) else { throw .badRequest("unknown kind", detail: "the cluster serves no kind \"\(kind)\"") }
            if (try? api.getObject(type: type, namespace: type.namespaced ? namespace : "", name: name)) != nil {
                candidates.append((type, type.namespaced ? namespace : ""))
            }
        } else {
            var seen: Set<String> = []
            for type in api.registry.allTypes() where type.verbs.contains("delete") && !Self.derivedKinds.contains(type.kind) {
                // Cluster-scoped objects are candidates only when no namespace narrows the search.
                if !type.namespaced, requestedNamespace != nil { continue }
                guard seen.insert(type.storageResource).inserted else { continue }
                let objectNamespace = type.namespaced ? namespace : ""
                guard let stored = try? api.getObject(type: type, namespace: objectNamespace, name: name) else { continue }
                let controlled = stored.json()[path: "metadata", "ownerReferences"]?.arrayValue?
                    .contains { $0["controller"]?.boolValue == true } ?? false
                if !controlled { candidates.append((type, objectNamespace)) }
            }
        }
        let ids = candidates.map { ResourceID.format(namespace: $0.1, kind: $0.0.kind, name: name) }
        guard let (type, objectNamespace) = candidates.first else {
            throw .notFound("resource not found",
                            detail: kind.map { "no \($0) named \"\(name)\" in namespace \(namespace)" } ?? "nothing named \"\(name)\" in namespace \(namespace)")
        }
        if candidates.count > 1 {
            throw ECPError(code: 400, message: "ambiguous resource name",
                           detail: "\"\(name)\" names \(ids.joined(separator: ", ")); add kind= to choose",
                           extra: ["candidates": .array(ids.map(JSON.string))])
        }
        var options = DeleteOptions()
        options.write.fieldManager = ECPLabels.fieldManager
        options.propagation = .background
        do {
            _ = try await api.delete(type: type, namespace: objectNamespace, name: name, options: options)
        } catch {
            throw ECPError.from(error)
        }
        return ["status": "deleted", "id": .string(ids[0]), "kind": .string(type.kind), "name": .string(name),
                "namespace": type.namespaced ? .string(objectNamespace) : .null]
    }

    // MARK: - Deployment records

    func deployments(tenantID: String?) throws(ECPError) -> JSON {
        guard let type = api.registry.lookup(group: "", version: "v1", resource: "configmaps") else { return ["count": 0, "deployments": []] }
        var selector = "\(ECPLabels.deployment)=true"
        if let tenantID {
            guard NameValidation.isValidLabelValue(tenantID).isEmpty else { throw .badRequest("invalid tenant_id") }
            selector += ",\(ECPLabels.tenant)=\(tenantID)"
        }
        let items: [JSON]
        do {
            items = try api.list(type: type, namespace: ECPLabels.recordNamespace, labelSelector: selector).items.map { Self.summary($0.json()) }
        } catch {
            throw ECPError.from(error)
        }
        return ["tenant_id": tenantID.map(JSON.string) ?? .null, "count": .int(Int64(items.count)), "deployments": .array(items)]
    }

    func deployment(id: String) throws(ECPError) -> JSON {
        guard let type = api.registry.lookup(group: "", version: "v1", resource: "configmaps"),
              let stored = try? api.getObject(type: type, namespace: ECPLabels.recordNamespace, name: id),
              let text = stored.json()[path: "data", "report"]?.stringValue,
              let report = try? JSONParser.parse(text)
        else {
            throw .notFound("deployment not found", detail: "no deployment \"\(id)\"")
        }
        return report
    }

    static func summary(_ record: JSON) -> JSON {
        [
            "deployment_id": record[path: "metadata", "name"] ?? .null,
            "tenant_id": record[path: "data", "tenant_id"] ?? .null,
            "status": record[path: "data", "status"] ?? .null,
            "started_at": record[path: "data", "started_at"] ?? .null,
        ]
    }
}
