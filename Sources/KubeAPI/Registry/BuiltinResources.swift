/// The built-in resources, in kube-apiserver's discovery order: groups by priority, resources alphabetically.
/// `kubectl get all` expands the `all` category in this order.
enum BuiltinResources {
    static let readOnlyVerbs = ["get", "list", "watch"]
    static let subresourceVerbs = ["get", "patch", "update"]

    static func status(_ group: String, _ version: String, _ kind: String) -> SubresourceType {
        SubresourceType("status", group: group, version: version, kind: kind, verbs: subresourceVerbs)
    }
    static let scale = SubresourceType("scale", group: "autoscaling", version: "v1", kind: "Scale", verbs: subresourceVerbs)

    static func make(_ group: String, _ version: String, _ kind: String, _ plural: String, namespaced: Bool = true,
                     short: [String] = [], categories: [String] = [], status: Bool = false, scale: Bool = false,
                     generation: Bool = false, fields: [String: [String]] = [:], storage: String? = nil,
                     verbs: [String] = ResourceType.allVerbs, extra: [SubresourceType] = [],
                     nameRule: NameKind = .dns1123Subdomain) -> ResourceType
    {
        var type = ResourceType(group: group, version: version, kind: kind, plural: plural, namespaced: namespaced,
                                storageResource: storage)
        type.shortNames = short
        type.categories = categories
        type.tracksGeneration = generation
        type.selectableFields = fields
        type.verbs = verbs
        type.nameRule = nameRule
        var subresources = extra
        if status { subresources.append(self.status(group, version, kind)) }
        if scale { subresources.append(self.scale) }
        type.subresources = subresources.sorted { $0.name < $1.name }
        return type
    }

    static let podFields: [String: [String]] = [
        "spec.nodeName": ["spec", "nodeName"], "spec.restartPolicy": ["spec", "restartPolicy"],
        "spec.schedulerName": ["spec", "schedulerName"], "spec.serviceAccountName": ["spec", "serviceAccountName"],
        "spec.hostNetwork": ["spec", "hostNetwork"], "status.phase": ["status", "phase"],
        "status.podIP": ["status", "podIP"], "status.nominatedNodeName": ["status", "nominatedNodeName"],
    ]
    static let eventFields: [String: [String]] = [
        "involvedObject.kind": ["involvedObject", "kind"], "involvedObject.namespace": ["involvedObject", "namespace"],
        "involvedObject.name": ["involvedObject", "name"], "involvedObject.uid": ["involvedObject", "uid"],
        "involvedObject.apiVersion": ["involvedObject", "apiVersion"],
        "involvedObject.resourceVersion": ["involvedObject", "resourceVersion"],
        "involvedObject.fieldPath": ["involvedObject", "fieldPath"], "reason": ["reason"],
        "reportingComponent": ["reportingComponent"], "source": ["source", "component"], "type": ["type"],
    ]

    static let all: [ResourceType] = core + apps + events + authn + authz + autoscaling + batch + networking + policy
        + rbac + storage + apiextensions + scheduling + coordination + discovery + metrics

    static let core: [ResourceType] = [
        make("", "v1", "Binding", "bindings", verbs: ["create"]),
        make("", "v1", "ConfigMap", "configmaps", short: ["cm"]),
        make("", "v1", "Endpoints", "endpoints", short: ["ep"]),
        make("", "v1", "Event", "events", short: ["ev"], fields: eventFields),
        make("", "v1", "LimitRange", "limitranges", short: ["limits"]),
        make("", "v1", "Namespace", "namespaces", namespaced: false, short: ["ns"], status: true,
             fields: ["status.phase": ["status", "phase"]],
             extra: [SubresourceType("finalize", group: "", version: "v1", kind: "Namespace", verbs: ["update"])],
             nameRule: .dns1123Label),
        make("", "v1", "Node", "nodes", namespaced: false, short: ["no"], status: true,
             fields: ["spec.unschedulable": ["spec", "unschedulable"]]),
        make("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", short: ["pvc"], status: true),
        make("", "v1", "PersistentVolume", "persistentvolumes", namespaced: false, short: ["pv"], status: true),
        make("", "v1", "Pod", "pods", short: ["po"], categories: ["all"], status: true, fields: podFields, extra: [
            SubresourceType("binding", group: "", version: "v1", kind: "Binding", verbs: ["create"]),
            SubresourceType("eviction", group: "policy", version: "v1", kind: "Eviction", verbs: ["create"]),
            SubresourceType("log", group: "", version: "v1", kind: "Pod", verbs: ["get"]),
        ]),
        make("", "v1", "ResourceQuota", "resourcequotas", short: ["quota"], status: true),
        make("", "v1", "Secret", "secrets", fields: ["type": ["type"]]),
        make("", "v1", "ServiceAccount", "serviceaccounts", short: ["sa"], extra: [
            SubresourceType("token", group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", verbs: ["create"]),
        ]),
        make("", "v1", "Service", "services", short: ["svc"], categories: ["all"], status: true, nameRule: .dns1035Label),
    ]

    static let apps: [ResourceType] = [
        make("apps", "v1", "ControllerRevision", "controllerrevisions"),
        make("apps", "v1", "DaemonSet", "daemonsets", short: ["ds"], categories: ["all"], status: true, generation: true),
        make("apps", "v1", "Deployment", "deployments", short: ["deploy"], categories: ["all"], status: true,
             scale: true, generation: true),
        make("apps", "v1", "ReplicaSet", "replicasets", short: ["rs"], categories: ["all"], status: true, scale: true,
             generation: true, fields: ["status.replicas": ["status", "replicas"]]),
        make("apps", "v1", "StatefulSet", "statefulsets", short: ["sts"], categories: ["all"], status: true,
             scale: true, generation: true),
    ]

    static let events: [ResourceType] = [
        make("events.k8s.io", "v1", "Event", "events", short: ["ev"]),
    ]

    static let authn: [ResourceType] = [
        make("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", namespaced: false, verbs: ["create"]),
        make("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", namespaced: false, verbs: ["create"]),
    ]

    static let authz: [ResourceType] = [
        make("authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews", verbs: ["create"]),
        make("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", namespaced: false,
             verbs: ["create"]),
        make("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", namespaced: false,
             verbs: ["create"]),
        make("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", namespaced: false,
             verbs: ["create"]),
    ]

    static let autoscaling: [ResourceType] = [
        make("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", short: ["hpa"],
             categories: ["all"], status: true),
        {
            var v1 = make("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", short: ["hpa"],
                          categories: ["all"], status: true, storage: "autoscaling/horizontalpodautoscalers")
            v1.storageVersion = "v2"
            return v1
        }(),
    ]

    static let batch: [ResourceType] = [
        make("batch", "v1", "CronJob", "cronjobs", short: ["cj"], categories: ["all"], status: true, generation: true),
        make("batch", "v1", "Job", "jobs", categories: ["all"], status: true, generation: true,
             fields: ["status.successful": ["status", "succeeded"]]),
    ]

    static let networking: [ResourceType] = [
        make("networking.k8s.io", "v1", "IngressClass", "ingressclasses", namespaced: false),
        make("networking.k8s.io", "v1", "Ingress", "ingresses", short: ["ing"], status: true, generation: true),
        make("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", short: ["netpol"], generation: true),
    ]

    static let policy: [ResourceType] = [
        make("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", short: ["pdb"], status: true, generation: true),
    ]

    static let rbac: [ResourceType] = [
        make("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", namespaced: false,
             nameRule: .pathSegment),
        make("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", namespaced: false, nameRule: .pathSegment),
        make("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", nameRule: .pathSegment),
        make("rbac.authorization.k8s.io", "v1", "Role", "roles", nameRule: .pathSegment),
    ]

    static let storage: [ResourceType] = [
        make("storage.k8s.io", "v1", "StorageClass", "storageclasses", namespaced: false, short: ["sc"]),
    ]

    static let apiextensions: [ResourceType] = [
        make("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", namespaced: false,
             short: ["crd", "crds"], categories: ["api-extensions"], status: true, generation: true),
    ]

    static let scheduling: [ResourceType] = [
        make("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", namespaced: false, short: ["pc"]),
    ]

    static let coordination: [ResourceType] = [
        make("coordination.k8s.io", "v1", "Lease", "leases"),
    ]

    /// Served from the monitoring engine's model (`kubectl top`), not from the store.
    static let metrics: [ResourceType] = [
        make("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes", namespaced: false, verbs: ["get", "list"]),
        make("metrics.k8s.io", "v1beta1", "PodMetrics", "pods", verbs: ["get", "list"]),
    ]

    static let discovery: [ResourceType] = [
        make("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices"),
    ]
}
