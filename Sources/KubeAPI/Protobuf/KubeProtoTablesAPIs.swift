// The field numbers below are those of the upstream `generated.proto` files (k8s.io/api, k8s.io/apimachinery);
// JSON names and the `!` marks (pointer or non-omitempty fields) follow the json tags in types.go. Messages are
// in alphabetical order; fields are in Go struct order, which is the order kube-apiserver writes JSON in.

extension KubeProtoTables {
    /// k8s.io/api apps/v1.
    static let apps = """
        ControllerRevision: 1 metadata ObjectMeta; 2 data RAW; 3 revision i64!
        DaemonSet: 1 metadata ObjectMeta; 2 spec DaemonSetSpec; 3 status DaemonSetStatus
        DaemonSetCondition: 1 type s!; 2 status s!; 3 lastTransitionTime T; 4 reason s; 5 message s
        DaemonSetSpec: 1 selector LabelSelector; 2 template PodTemplateSpec; 3 updateStrategy DaemonSetUpdateStrategy;
            4 minReadySeconds i32; 6 revisionHistoryLimit i32!
        DaemonSetStatus: 1 currentNumberScheduled i32!; 2 numberMisscheduled i32!; 3 desiredNumberScheduled i32!;
            4 numberReady i32!; 5 observedGeneration i64; 6 updatedNumberScheduled i32; 7 numberAvailable i32;
            8 numberUnavailable i32; 9 collisionCount i32!; 10 conditions [DaemonSetCondition]
        DaemonSetUpdateStrategy: 1 type s; 2 rollingUpdate RollingUpdateDaemonSet
        Deployment: 1 metadata ObjectMeta; 2 spec DeploymentSpec; 3 status DeploymentStatus
        DeploymentCondition: 1 type s!; 2 status s!; 6 lastUpdateTime T; 7 lastTransitionTime T; 4 reason s; 5 message s
        DeploymentSpec: 1 replicas i32!; 2 selector LabelSelector; 3 template PodTemplateSpec;
            4 strategy DeploymentStrategy; 5 minReadySeconds i32; 6 revisionHistoryLimit i32!; 7 paused bool;
            9 progressDeadlineSeconds i32!; 10 podReplacementPolicy s!
        DeploymentStatus: 1 observedGeneration i64; 2 replicas i32; 3 updatedReplicas i32; 7 readyReplicas i32;
            4 availableReplicas i32; 5 unavailableReplicas i32; 9 terminatingReplicas i32!;
            6 conditions [DeploymentCondition]; 8 collisionCount i32!
        DeploymentStrategy: 1 type s; 2 rollingUpdate RollingUpdateDeployment
        ReplicaSet: 1 metadata ObjectMeta; 2 spec ReplicaSetSpec; 3 status ReplicaSetStatus
        ReplicaSetCondition: 1 type s!; 2 status s!; 3 lastTransitionTime T; 4 reason s; 5 message s
        ReplicaSetSpec: 1 replicas i32!; 4 minReadySeconds i32; 2 selector LabelSelector; 3 template PodTemplateSpec
        ReplicaSetStatus: 1 replicas i32!; 2 fullyLabeledReplicas i32; 4 readyReplicas i32; 5 availableReplicas i32;
            7 terminatingReplicas i32!; 3 observedGeneration i64; 6 conditions [ReplicaSetCondition]
        RollingUpdateDaemonSet: 1 maxUnavailable IOS; 2 maxSurge IOS
        RollingUpdateDeployment: 1 maxUnavailable IOS; 2 maxSurge IOS
        RollingUpdateStatefulSetStrategy: 1 partition i32!; 2 maxUnavailable IOS
        StatefulSet: 1 metadata ObjectMeta; 2 spec StatefulSetSpec; 3 status StatefulSetStatus
        StatefulSetCondition: 1 type s!; 2 status s!; 3 lastTransitionTime T; 4 reason s; 5 message s
        StatefulSetOrdinals: 1 start i32!
        StatefulSetPersistentVolumeClaimRetentionPolicy: 1 whenDeleted s; 2 whenScaled s
        StatefulSetSpec: 1 replicas i32!; 2 selector LabelSelector; 3 template PodTemplateSpec;
            4 volumeClaimTemplates [PersistentVolumeClaim]; 5 serviceName s; 6 podManagementPolicy s;
            7 updateStrategy StatefulSetUpdateStrategy; 8 revisionHistoryLimit i32!; 9 minReadySeconds i32;
            10 persistentVolumeClaimRetentionPolicy StatefulSetPersistentVolumeClaimRetentionPolicy;
            11 ordinals StatefulSetOrdinals
        StatefulSetStatus: 1 observedGeneration i64; 2 replicas i32!; 3 readyReplicas i32; 4 currentReplicas i32;
            5 updatedReplicas i32; 6 currentRevision s; 7 updateRevision s; 9 collisionCount i32!;
            10 conditions [StatefulSetCondition]; 11 availableReplicas i32
        StatefulSetUpdateStrategy: 1 type s; 2 rollingUpdate RollingUpdateStatefulSetStrategy
        """

    /// k8s.io/api batch/v1.
    static let batch = """
        CronJob: 1 metadata ObjectMeta; 2 spec CronJobSpec; 3 status CronJobStatus
        CronJobSpec: 1 schedule s!; 8 timeZone s!; 2 startingDeadlineSeconds i64!; 3 concurrencyPolicy s;
            4 suspend bool!; 5 jobTemplate JobTemplateSpec; 6 successfulJobsHistoryLimit i32!;
            7 failedJobsHistoryLimit i32!
        CronJobStatus: 1 active [ObjectReference]; 4 lastScheduleTime T; 5 lastSuccessfulTime T
        Job: 1 metadata ObjectMeta; 2 spec JobSpec; 3 status JobStatus
        JobCondition: 1 type s!; 2 status s!; 3 lastProbeTime T; 4 lastTransitionTime T; 5 reason s; 6 message s
        JobSpec: 1 parallelism i32!; 2 completions i32!; 3 activeDeadlineSeconds i64!;
            11 podFailurePolicy PodFailurePolicy; 16 successPolicy SuccessPolicy; 7 backoffLimit i32!;
            12 backoffLimitPerIndex i32!; 13 maxFailedIndexes i32!; 4 selector LabelSelector; 5 manualSelector bool!;
            6 template PodTemplateSpec; 8 ttlSecondsAfterFinished i32!; 9 completionMode s!; 10 suspend bool!;
            14 podReplacementPolicy s!; 15 managedBy s!
        JobStatus: 1 conditions [JobCondition]; 2 startTime T; 3 completionTime T; 4 active i32; 5 succeeded i32;
            6 failed i32; 11 terminating i32!; 7 completedIndexes s; 10 failedIndexes s!;
            8 uncountedTerminatedPods UncountedTerminatedPods; 9 ready i32!
        JobTemplateSpec: 1 metadata ObjectMeta; 2 spec JobSpec
        PodFailurePolicy: 1 rules [PodFailurePolicyRule]
        PodFailurePolicyOnExitCodesRequirement: 1 containerName s!; 2 operator s!; 3 values [i32]
        PodFailurePolicyOnPodConditionsPattern: 1 type s!; 2 status s
        PodFailurePolicyRule: 1 action s!; 2 onExitCodes PodFailurePolicyOnExitCodesRequirement;
            3 onPodConditions [PodFailurePolicyOnPodConditionsPattern]
        SuccessPolicy: 1 rules [SuccessPolicyRule]
        SuccessPolicyRule: 1 succeededIndexes s!; 2 succeededCount i32!
        UncountedTerminatedPods: 1 succeeded [s]; 2 failed [s]
        """

    /// k8s.io/api rbac/v1.
    static let rbac = """
        AggregationRule: 1 clusterRoleSelectors [LabelSelector]
        ClusterRole: 1 metadata ObjectMeta; 2 rules [PolicyRule]; 3 aggregationRule AggregationRule
        ClusterRoleBinding: 1 metadata ObjectMeta; 2 subjects [Subject]; 3 roleRef RoleRef
        PolicyRule: 1 verbs [s]; 2 apiGroups [s]; 3 resources [s]; 4 resourceNames [s]; 5 nonResourceURLs [s]
        Role: 1 metadata ObjectMeta; 2 rules [PolicyRule]
        RoleBinding: 1 metadata ObjectMeta; 2 subjects [Subject]; 3 roleRef RoleRef
        RoleRef: 1 apiGroup s!; 2 kind s!; 3 name s!
        Subject: 1 kind s!; 2 apiGroup s; 3 name s!; 4 namespace s
        """

    /// k8s.io/api policy/v1 (Eviction wraps meta/v1 DeleteOptions).
    static let policy = """
        Eviction: 1 metadata ObjectMeta; 2 deleteOptions DeleteOptions
        PodDisruptionBudget: 1 metadata ObjectMeta; 2 spec PodDisruptionBudgetSpec; 3 status PodDisruptionBudgetStatus
        PodDisruptionBudgetSpec: 1 minAvailable IOS; 2 selector LabelSelector; 3 maxUnavailable IOS;
            4 unhealthyPodEvictionPolicy s!
        PodDisruptionBudgetStatus: 1 observedGeneration i64; 2 disruptedPods {T}; 3 disruptionsAllowed i32!;
            4 currentHealthy i32!; 5 desiredHealthy i32!; 6 expectedPods i32!; 7 conditions [Condition]
        """

    /// k8s.io/api networking/v1.
    static let networking = """
        HTTPIngressPath: 1 path s; 3 pathType s!; 2 backend IngressBackend
        HTTPIngressRuleValue: 1 paths [HTTPIngressPath]
        IPBlock: 1 cidr s!; 2 except [s]
        Ingress: 1 metadata ObjectMeta; 2 spec IngressSpec; 3 status IngressStatus
        IngressBackend: 4 service IngressServiceBackend; 3 resource TypedLocalObjectReference
        IngressClass: 1 metadata ObjectMeta; 2 spec IngressClassSpec
        IngressClassParametersReference: 1 apiGroup s!; 2 kind s!; 3 name s!; 4 scope s!; 5 namespace s!
        IngressClassSpec: 1 controller s; 2 parameters IngressClassParametersReference
        IngressLoadBalancerIngress: 1 ip s; 2 hostname s; 4 ports [IngressPortStatus]
        IngressLoadBalancerStatus: 1 ingress [IngressLoadBalancerIngress]
        IngressPortStatus: 1 port i32!; 2 protocol s!; 3 error s!
        IngressRule: 1 host s; 2 ^IngressRuleValue
        IngressRuleValue: 1 http HTTPIngressRuleValue
        IngressServiceBackend: 1 name s!; 2 port ServiceBackendPort
        IngressSpec: 4 ingressClassName s!; 1 defaultBackend IngressBackend; 2 tls [IngressTLS]; 3 rules [IngressRule]
        IngressStatus: 1 loadBalancer IngressLoadBalancerStatus
        IngressTLS: 1 hosts [s]; 2 secretName s
        NetworkPolicy: 1 metadata ObjectMeta; 2 spec NetworkPolicySpec
        NetworkPolicyEgressRule: 1 ports [NetworkPolicyPort]; 2 to [NetworkPolicyPeer]
        NetworkPolicyIngressRule: 1 ports [NetworkPolicyPort]; 2 from [NetworkPolicyPeer]
        NetworkPolicyPeer: 1 podSelector LabelSelector; 2 namespaceSelector LabelSelector; 3 ipBlock IPBlock
        NetworkPolicyPort: 1 protocol s!; 2 port IOS; 3 endPort i32!
        NetworkPolicySpec: 1 podSelector LabelSelector; 2 ingress [NetworkPolicyIngressRule];
            3 egress [NetworkPolicyEgressRule]; 4 policyTypes [s]
        ServiceBackendPort: 1 name s; 2 number i32
        """

    /// k8s.io/api scheduling/v1.
    static let scheduling = """
        PriorityClass: 1 metadata ObjectMeta; 2 value i32!; 3 globalDefault bool; 4 description s; 5 preemptionPolicy s!
        """

    /// k8s.io/api authentication/v1 and authorization/v1 (`XV` is their ExtraValue).
    static let auth = """
        BoundObjectReference: 1 kind s; 2 apiVersion s; 3 name s; 4 uid s
        FieldSelectorAttributes: 1 rawSelector s; 2 requirements [FieldSelectorRequirement]
        FieldSelectorRequirement: 1 key s!; 2 operator s!; 3 values [s]
        LabelSelectorAttributes: 1 rawSelector s; 2 requirements [LabelSelectorRequirement]
        LocalSubjectAccessReview: 1 metadata ObjectMeta; 2 spec SubjectAccessReviewSpec;
            3 status SubjectAccessReviewStatus
        NonResourceAttributes: 1 path s; 2 verb s
        NonResourceRule: 1 verbs [s]; 2 nonResourceURLs [s]
        ResourceAttributes: 1 namespace s; 2 verb s; 3 group s; 4 version s; 5 resource s; 6 subresource s; 7 name s;
            8 fieldSelector FieldSelectorAttributes; 9 labelSelector LabelSelectorAttributes
        ResourceRule: 1 verbs [s]; 2 apiGroups [s]; 3 resources [s]; 4 resourceNames [s]
        SelfSubjectAccessReview: 1 metadata ObjectMeta; 2 spec SelfSubjectAccessReviewSpec;
            3 status SubjectAccessReviewStatus
        SelfSubjectAccessReviewSpec: 1 resourceAttributes ResourceAttributes;
            2 nonResourceAttributes NonResourceAttributes
        SelfSubjectReview: 1 metadata ObjectMeta; 2 status SelfSubjectReviewStatus
        SelfSubjectReviewStatus: 1 userInfo UserInfo
        SelfSubjectRulesReview: 1 metadata ObjectMeta; 2 spec SelfSubjectRulesReviewSpec;
            3 status SubjectRulesReviewStatus
        SelfSubjectRulesReviewSpec: 1 namespace s
        SubjectAccessReview: 1 metadata ObjectMeta; 2 spec SubjectAccessReviewSpec; 3 status SubjectAccessReviewStatus
        SubjectAccessReviewSpec: 1 resourceAttributes ResourceAttributes; 2 nonResourceAttributes NonResourceAttributes;
            3 user s; 4 groups [s]; 5 extra {XV}; 6 uid s
        SubjectAccessReviewStatus: 1 allowed bool!; 4 denied bool; 2 reason s; 3 evaluationError s
        SubjectRulesReviewStatus: 1 resourceRules [ResourceRule]; 2 nonResourceRules [NonResourceRule];
            3 incomplete bool!; 4 evaluationError s
        TokenRequest: 1 metadata ObjectMeta; 2 spec TokenRequestSpec; 3 status TokenRequestStatus
        TokenRequestSpec: 1 audiences [s]; 4 expirationSeconds i64!; 3 boundObjectRef BoundObjectReference
        TokenRequestStatus: 1 token s!; 2 expirationTimestamp T
        TokenReview: 1 metadata ObjectMeta; 2 spec TokenReviewSpec; 3 status TokenReviewStatus
        TokenReviewSpec: 1 token s; 2 audiences [s]
        TokenReviewStatus: 1 authenticated bool; 2 user UserInfo; 3 audiences [s]; 4 error s
        UserInfo: 1 username s; 2 uid s; 3 groups [s]; 4 extra {XV}
        """

    /// k8s.io/api autoscaling/v1 (Scale, HorizontalPodAutoscaler) and autoscaling/v2 (the `V2` messages).
    static let autoscaling = """
        ContainerResourceMetricSource: 1 name s!; 2 target MetricTarget; 3 container s!
        ContainerResourceMetricStatus: 1 name s!; 2 current MetricValueStatus; 3 container s!
        CrossVersionObjectReference: 1 kind s!; 2 name s!; 3 apiVersion s
        ExternalMetricSource: 1 metric MetricIdentifier; 2 target MetricTarget
        ExternalMetricStatus: 1 metric MetricIdentifier; 2 current MetricValueStatus
        HPAScalingPolicy: 1 type s!; 2 value i32!; 3 periodSeconds i32!
        HPAScalingRules: 3 stabilizationWindowSeconds i32!; 1 selectPolicy s!; 2 policies [HPAScalingPolicy];
            4 tolerance Q
        HorizontalPodAutoscaler: 1 metadata ObjectMeta; 2 spec HorizontalPodAutoscalerSpec;
            3 status HorizontalPodAutoscalerStatus
        HorizontalPodAutoscalerBehavior: 1 scaleUp HPAScalingRules; 2 scaleDown HPAScalingRules
        HorizontalPodAutoscalerCondition: 1 type s!; 2 status s!; 3 lastTransitionTime T; 4 reason s; 5 message s;
            6 observedGeneration i64
        HorizontalPodAutoscalerSpec: 1 scaleTargetRef CrossVersionObjectReference; 2 minReplicas i32!;
            3 maxReplicas i32!; 4 targetCPUUtilizationPercentage i32!
        HorizontalPodAutoscalerSpecV2: 1 scaleTargetRef CrossVersionObjectReference; 2 minReplicas i32!;
            3 maxReplicas i32!; 4 metrics [MetricSpec]; 5 behavior HorizontalPodAutoscalerBehavior
        HorizontalPodAutoscalerStatus: 1 observedGeneration i64!; 2 lastScaleTime T; 3 currentReplicas i32!;
            4 desiredReplicas i32!; 5 currentCPUUtilizationPercentage i32!
        HorizontalPodAutoscalerStatusV2: 1 observedGeneration i64!; 2 lastScaleTime T; 3 currentReplicas i32;
            4 desiredReplicas i32!; 5 currentMetrics [MetricStatus]; 6 conditions [HorizontalPodAutoscalerCondition]
        HorizontalPodAutoscalerV2: 1 metadata ObjectMeta; 2 spec HorizontalPodAutoscalerSpecV2;
            3 status HorizontalPodAutoscalerStatusV2
        MetricIdentifier: 1 name s!; 2 selector LabelSelector
        MetricSpec: 1 type s!; 2 object ObjectMetricSource; 3 pods PodsMetricSource; 4 resource ResourceMetricSource;
            7 containerResource ContainerResourceMetricSource; 5 external ExternalMetricSource
        MetricStatus: 1 type s!; 2 object ObjectMetricStatus; 3 pods PodsMetricStatus; 4 resource ResourceMetricStatus;
            7 containerResource ContainerResourceMetricStatus; 5 external ExternalMetricStatus
        MetricTarget: 1 type s!; 2 value Q; 3 averageValue Q; 4 averageUtilization i32!
        MetricValueStatus: 1 value Q; 2 averageValue Q; 3 averageUtilization i32!
        ObjectMetricSource: 1 describedObject CrossVersionObjectReference; 2 target MetricTarget;
            3 metric MetricIdentifier
        ObjectMetricStatus: 1 metric MetricIdentifier; 2 current MetricValueStatus;
            3 describedObject CrossVersionObjectReference
        PodsMetricSource: 1 metric MetricIdentifier; 2 target MetricTarget
        PodsMetricStatus: 1 metric MetricIdentifier; 2 current MetricValueStatus
        ResourceMetricSource: 1 name s!; 2 target MetricTarget
        ResourceMetricStatus: 1 name s!; 2 current MetricValueStatus
        Scale: 1 metadata ObjectMeta; 2 spec ScaleSpec; 3 status ScaleStatus
        ScaleSpec: 1 replicas i32
        ScaleStatus: 1 replicas i32!; 2 selector s
        """

    /// k8s.io/api certificates/v1.
    static let certificates = """
        CertificateSigningRequest: 1 metadata ObjectMeta; 2 spec CertificateSigningRequestSpec;
            3 status CertificateSigningRequestStatus
        CertificateSigningRequestCondition: 1 type s!; 6 status s!; 2 reason s; 3 message s; 4 lastUpdateTime T;
            5 lastTransitionTime T
        CertificateSigningRequestSpec: 1 request b!; 7 signerName s!; 8 expirationSeconds i32!; 5 usages [s];
            2 username s; 3 uid s; 4 groups [s]; 6 extra {XV}
        CertificateSigningRequestStatus: 1 conditions [CertificateSigningRequestCondition]; 2 certificate b
        """
}
