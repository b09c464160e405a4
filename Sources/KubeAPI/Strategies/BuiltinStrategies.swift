import KubeJSON

/// Defaulting of the built-in kinds, as kube-apiserver applies it when it decodes a request.
public enum BuiltinDefaults {
    /// Fills the defaults kube-apiserver sets on create and update (SetDefaults_* in
    /// k8s.io/kubernetes pkg/apis/*/v1/defaults.go), plus what the default admission plugins add to
    /// pods (service account, default tolerations, priority) and the empty statuses Go prints.
    /// Quantities in resource lists are rewritten in canonical form ("1000m" becomes "1").
    public static func apply(group: String, kind: String, to object: inout JSON) {
        guard object.isObject else { return }
        switch (group, kind) {
        case ("", "Namespace"): CoreDefaults.applyNamespace(&object)
        case ("", "Pod"): PodDefaults.applyPod(&object)
        case ("", "PodTemplate"): object.kEdit("template", create: true) { PodDefaults.applyTemplate(&$0) }
        case ("", "ReplicationController"):
            object.kEdit("spec", create: true) { spec in
                spec.kDefault("replicas", 1)
                spec.kEdit("template") { PodDefaults.applyTemplate(&$0) }
            }
        case ("", "Service"): ServiceStrategies.apply(&object)
        case ("", "Endpoints"): CoreDefaults.applyEndpoints(&object)
        case ("", "Secret"): CoreDefaults.applySecret(&object)
        case ("", "Node"): CoreDefaults.applyNode(&object)
        case ("", "PersistentVolumeClaim"): StorageDefaults.applyClaim(&object)
        case ("", "PersistentVolume"): StorageDefaults.applyVolume(&object)
        case ("", "LimitRange"): CoreDefaults.applyLimitRange(&object)
        case ("", "ResourceQuota"): CoreDefaults.applyResourceQuota(&object)
        case ("apps", "Deployment"): AppsDefaults.applyDeployment(&object)
        case ("apps", "ReplicaSet"): AppsDefaults.applyReplicaSet(&object)
        case ("apps", "StatefulSet"): AppsDefaults.applyStatefulSet(&object)
        case ("apps", "DaemonSet"): AppsDefaults.applyDaemonSet(&object)
        case ("batch", "Job"): BatchStrategies.applyJob(&object)
        case ("batch", "CronJob"): BatchStrategies.applyCronJob(&object)
        case ("autoscaling", "HorizontalPodAutoscaler"): AutoscalingStrategies.applyHPA(&object)
        case ("networking.k8s.io", "Ingress"): NetworkingStrategies.applyIngress(&object)
        case ("networking.k8s.io", "IngressClass"): NetworkingStrategies.applyIngressClass(&object)
        case ("networking.k8s.io", "NetworkPolicy"): NetworkingStrategies.applyNetworkPolicy(&object)
        case ("policy", "PodDisruptionBudget"): ClusterStrategies.applyPDB(&object)
        case ("rbac.authorization.k8s.io", "RoleBinding"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"):
            ClusterStrategies.applyBinding(&object)
        case ("discovery.k8s.io", "EndpointSlice"): ServiceStrategies.applyEndpointSlice(&object)
        case ("storage.k8s.io", "StorageClass"): StorageDefaults.applyStorageClass(&object)
        case ("scheduling.k8s.io", "PriorityClass"): ClusterStrategies.applyPriorityClass(&object)
        default: break
        }
    }

    /// The Job strategy's selector generation, which needs the uid assigned on create: unless
    /// `spec.manualSelector` is true, adds `batch.kubernetes.io/controller-uid`, `batch.kubernetes.io/job-name`
    /// and their legacy unprefixed forms to the pod template and selects on the uid.
    public static func jobSelectorAndLabels(_ job: inout JSON, uid: String) {
        BatchStrategies.generateSelector(&job, uid: uid)
    }

    /// What kube-apiserver's update path keeps from the stored object before validation: a
    /// Service's allocated clusterIP(s), node ports and health-check port when the new object
    /// leaves them out (so re-applying a manifest does not look like a change). Call it on update
    /// before `apply` and before any allocation.
    public static func carryOver(group: String, kind: String, _ new: inout JSON, old: JSON) {
        switch (group, kind) {
        case ("", "Service"): ServiceStrategies.carryOver(&new, old: old)
        default: break
        }
    }

    /// The QoS class kube-apiserver records in a new pod's status ("Guaranteed", "Burstable",
    /// "BestEffort"), from the cpu and memory requests and limits of its containers.
    public static func podQOSClass(_ podSpec: JSON) -> String {
        PodDefaults.qosClass(podSpec)
    }
}

/// Validation of the built-in kinds' bodies, as the registry strategies' Validate and
/// ValidateUpdate do it. Object metadata is validated elsewhere; only spec, data and the like here.
public enum BuiltinValidation {
    /// Validation on create (ValidateX in pkg/apis/*/validation).
    public static func validateCreate(group: String, kind: String, _ object: JSON) -> [FieldError] {
        switch (group, kind) {
        case ("", "Namespace"): return CoreValidation.validateNamespace(object)
        case ("", "Pod"): return PodValidation.validateCreate(object)
        case ("", "PodTemplate"): return PodValidation.validateTemplate(object["template"], FieldPath("template"))
        case ("", "Service"): return ServiceStrategies.validate(object)
        case ("", "Endpoints"): return CoreValidation.validateEndpoints(object)
        case ("", "ConfigMap"): return CoreValidation.validateConfigMap(object)
        case ("", "Secret"): return CoreValidation.validateSecret(object)
        case ("", "Event"): return CoreValidation.validateEvent(object, strict: false)
        case ("", "Node"): return CoreValidation.validateNode(object)
        case ("", "PersistentVolumeClaim"): return StorageValidation.validateClaim(object)
        case ("", "PersistentVolume"): return StorageValidation.validateVolume(object)
        case ("", "LimitRange"): return CoreValidation.validateLimitRange(object)
        case ("", "ResourceQuota"): return CoreValidation.validateResourceQuota(object)
        case ("apps", "Deployment"): return AppsValidation.validateDeployment(object)
        case ("apps", "ReplicaSet"): return AppsValidation.validateReplicaSet(object)
        case ("apps", "StatefulSet"): return AppsValidation.validateStatefulSet(object)
        case ("apps", "DaemonSet"): return AppsValidation.validateDaemonSet(object)
        case ("apps", "ControllerRevision"): return AppsValidation.validateControllerRevision(object)
        case ("batch", "Job"): return BatchStrategies.validateJob(object)
        case ("batch", "CronJob"): return BatchStrategies.validateCronJob(object, creating: true)
        case ("autoscaling", "HorizontalPodAutoscaler"): return AutoscalingStrategies.validateHPA(object)
        case ("networking.k8s.io", "Ingress"): return NetworkingStrategies.validateIngress(object)
        case ("networking.k8s.io", "IngressClass"): return NetworkingStrategies.validateIngressClass(object)
        case ("networking.k8s.io", "NetworkPolicy"): return NetworkingStrategies.validateNetworkPolicy(object)
        case ("policy", "PodDisruptionBudget"): return ClusterStrategies.validatePDB(object)
        case ("rbac.authorization.k8s.io", "Role"): return ClusterStrategies.validateRole(object, namespaced: true)
        case ("rbac.authorization.k8s.io", "ClusterRole"): return ClusterStrategies.validateRole(object, namespaced: false)
        case ("rbac.authorization.k8s.io", "RoleBinding"): return ClusterStrategies.validateBinding(object, namespaced: true)
        case ("rbac.authorization.k8s.io", "ClusterRoleBinding"): return ClusterStrategies.validateBinding(object, namespaced: false)
        case ("coordination.k8s.io", "Lease"): return ClusterStrategies.validateLease(object)
        case ("events.k8s.io", "Event"): return CoreValidation.validateEvent(object, strict: true)
        case ("discovery.k8s.io", "EndpointSlice"): return ServiceStrategies.validateEndpointSlice(object)
        case ("storage.k8s.io", "StorageClass"): return StorageValidation.validateStorageClass(object)
        case ("scheduling.k8s.io", "PriorityClass"): return ClusterStrategies.validatePriorityClass(object)
        default: return []
        }
    }

    /// Validation on update, including the fields that may not change (selectors, Job templates,
    /// a Service's cluster IPs, a PVC's spec, immutable ConfigMaps and Secrets, most of a
    /// StatefulSet's spec, a pod's spec beyond images and tolerations, ...).
    public static func validateUpdate(group: String, kind: String, _ new: JSON, old: JSON) -> [FieldError] {
        switch (group, kind) {
        case ("", "Pod"): return PodValidation.validateUpdate(new, old: old)
        case ("", "Service"): return ServiceStrategies.validateUpdate(new, old: old)
        case ("", "ConfigMap"): return CoreValidation.validateConfigMapUpdate(new, old: old)
        case ("", "Secret"): return CoreValidation.validateSecretUpdate(new, old: old)
        case ("", "Event"): return CoreValidation.validateEventUpdate(new, old: old, strict: false)
        case ("", "Node"): return CoreValidation.validateNodeUpdate(new, old: old)
        case ("", "PersistentVolumeClaim"): return StorageValidation.validateClaimUpdate(new, old: old)
        case ("", "PersistentVolume"): return StorageValidation.validateVolumeUpdate(new, old: old)
        case ("apps", "Deployment"): return AppsValidation.validateDeploymentUpdate(new, old: old)
        case ("apps", "ReplicaSet"): return AppsValidation.validateReplicaSetUpdate(new, old: old)
        case ("apps", "StatefulSet"): return AppsValidation.validateStatefulSetUpdate(new, old: old)
        case ("apps", "DaemonSet"): return AppsValidation.validateDaemonSetUpdate(new, old: old)
        case ("apps", "ControllerRevision"): return AppsValidation.validateControllerRevisionUpdate(new, old: old)
        case ("batch", "Job"): return BatchStrategies.validateJobUpdate(new, old: old)
        case ("batch", "CronJob"): return BatchStrategies.validateCronJob(new, creating: false)
        case ("networking.k8s.io", "IngressClass"): return NetworkingStrategies.validateIngressClassUpdate(new, old: old)
        case ("rbac.authorization.k8s.io", "RoleBinding"): return ClusterStrategies.validateBindingUpdate(new, old: old, namespaced: true)
        case ("rbac.authorization.k8s.io", "ClusterRoleBinding"): return ClusterStrategies.validateBindingUpdate(new, old: old, namespaced: false)
        case ("events.k8s.io", "Event"): return CoreValidation.validateEventUpdate(new, old: old, strict: true)
        case ("discovery.k8s.io", "EndpointSlice"):
            return ServiceStrategies.validateEndpointSlice(new) + StrategyCheck.immutable(new["addressType"], old["addressType"], FieldPath("addressType"))
        case ("storage.k8s.io", "StorageClass"): return StorageValidation.validateStorageClassUpdate(new, old: old)
        case ("scheduling.k8s.io", "PriorityClass"): return ClusterStrategies.validatePriorityClassUpdate(new, old: old)
        default: return validateCreate(group: group, kind: kind, new)
        }
    }
}
