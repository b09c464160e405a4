// The field numbers below are those of the upstream `generated.proto` files (k8s.io/api, k8s.io/apimachinery);
// JSON names and the `!` marks (pointer or non-omitempty fields) follow the json tags in types.go. Messages are
// in alphabetical order; fields are in Go struct order, which is the order kube-apiserver writes JSON in.

/// Protobuf message tables, one message a line; see `ProtoSchemaSet` for the notation.
enum KubeProtoTables {
    /// k8s.io/apimachinery pkg/apis/meta/v1.
    static let meta = """
        Condition: 1 type s!; 2 status s!; 3 observedGeneration i64; 4 lastTransitionTime T; 5 reason s!; 6 message s!
        DeleteOptions: 1 gracePeriodSeconds i64!; 2 preconditions Preconditions; 3 orphanDependents bool!;
            4 propagationPolicy s!; 5 dryRun [s]; 6 ignoreStoreReadErrorWithClusterBreakingPotential bool!
        LabelSelector: 1 matchLabels {s}; 2 matchExpressions [LabelSelectorRequirement]
        LabelSelectorRequirement: 1 key s!; 2 operator s!; 3 values [s]
        ManagedFieldsEntry: 1 manager s; 2 operation s; 3 apiVersion s; 4 time T; 6 fieldsType s; 7 fieldsV1 FV1;
            8 subresource s
        ObjectMeta: 1 name s; 2 generateName s; 3 namespace s; 4 selfLink s; 5 uid s; 6 resourceVersion s;
            7 generation i64; 8 creationTimestamp T; 9 deletionTimestamp T; 10 deletionGracePeriodSeconds i64!;
            11 labels {s}; 12 annotations {s}; 13 ownerReferences [OwnerReference]; 14 finalizers [s];
            17 managedFields [ManagedFieldsEntry]
        OwnerReference: 5 apiVersion s!; 1 kind s!; 3 name s!; 4 uid s!; 6 controller bool!; 7 blockOwnerDeletion bool!
        Preconditions: 1 uid s!; 2 resourceVersion s!
        """

    /// k8s.io/api core/v1, without the volume types.
    static let core = """
        Affinity: 1 nodeAffinity NodeAffinity; 2 podAffinity PodAffinity; 3 podAntiAffinity PodAntiAffinity
        AppArmorProfile: 1 type s!; 2 localhostProfile s!
        Capabilities: 1 add [s]; 2 drop [s]
        ClientIPConfig: 1 timeoutSeconds i32!
        ConfigMap: 1 metadata ObjectMeta; 4 immutable bool!; 2 data {s}; 3 binaryData {b}
        ConfigMapEnvSource: 1 ^LocalObjectReference; 2 optional bool!
        ConfigMapKeySelector: 1 ^LocalObjectReference; 2 key s!; 3 optional bool!
        Container: 1 name s!; 2 image s; 3 command [s]; 4 args [s]; 5 workingDir s; 6 ports [ContainerPort];
            19 envFrom [EnvFromSource]; 7 env [EnvVar]; 8 resources ResourceRequirements;
            23 resizePolicy [ContainerResizePolicy]; 24 restartPolicy s!; 25 restartPolicyRules [ContainerRestartRule];
            9 volumeMounts [VolumeMount]; 21 volumeDevices [VolumeDevice]; 10 livenessProbe Probe;
            11 readinessProbe Probe; 22 startupProbe Probe; 12 lifecycle Lifecycle; 13 terminationMessagePath s;
            20 terminationMessagePolicy s; 14 imagePullPolicy s; 15 securityContext SecurityContext; 16 stdin bool;
            17 stdinOnce bool; 18 tty bool
        ContainerPort: 1 name s; 2 hostPort i32; 3 containerPort i32!; 4 protocol s; 5 hostIP s
        ContainerResizePolicy: 1 resourceName s!; 2 restartPolicy s!
        ContainerRestartRule: 1 action s!; 2 exitCodes ContainerRestartRuleOnExitCodes
        ContainerRestartRuleOnExitCodes: 1 operator s!; 2 values [i32]
        EnvFromSource: 1 prefix s; 2 configMapRef ConfigMapEnvSource; 3 secretRef SecretEnvSource
        EnvVar: 1 name s!; 2 value s; 3 valueFrom EnvVarSource
        EnvVarSource: 1 fieldRef ObjectFieldSelector; 2 resourceFieldRef ResourceFieldSelector;
            3 configMapKeyRef ConfigMapKeySelector; 4 secretKeyRef SecretKeySelector; 5 fileKeyRef FileKeySelector
        EphemeralContainer: 1 ^Container; 2 targetContainerName s
        ExecAction: 1 command [s]
        FileKeySelector: 1 volumeName s!; 2 path s!; 3 key s!; 4 optional bool!
        GRPCAction: 1 port i32!; 2 service s!
        HTTPGetAction: 1 path s; 2 port IOS; 3 host s; 4 scheme s; 5 httpHeaders [HTTPHeader]
        HTTPHeader: 1 name s!; 2 value s!
        HostAlias: 1 ip s!; 2 hostnames [s]
        HostIP: 1 ip s!
        Lifecycle: 1 postStart LifecycleHandler; 2 preStop LifecycleHandler; 3 stopSignal s!
        LifecycleHandler: 1 exec ExecAction; 2 httpGet HTTPGetAction; 3 tcpSocket TCPSocketAction; 4 sleep SleepAction
        LimitRange: 1 metadata ObjectMeta; 2 spec LimitRangeSpec
        LimitRangeItem: 1 type s!; 2 max {Q}; 3 min {Q}; 4 default {Q}; 5 defaultRequest {Q}; 6 maxLimitRequestRatio {Q}
        LimitRangeSpec: 1 limits [LimitRangeItem]
        LoadBalancerIngress: 1 ip s; 2 hostname s; 3 ipMode s!; 4 ports [PortStatus]
        LoadBalancerStatus: 1 ingress [LoadBalancerIngress]
        LocalObjectReference: 1 name s
        Namespace: 1 metadata ObjectMeta; 2 spec NamespaceSpec; 3 status NamespaceStatus
        NamespaceCondition: 1 type s!; 2 status s!; 4 lastTransitionTime T; 5 reason s; 6 message s
        NamespaceSpec: 1 finalizers [s]
        NamespaceStatus: 1 phase s; 2 conditions [NamespaceCondition]
        NodeAffinity: 1 requiredDuringSchedulingIgnoredDuringExecution NodeSelector;
            2 preferredDuringSchedulingIgnoredDuringExecution [PreferredSchedulingTerm]
        NodeSelector: 1 nodeSelectorTerms [NodeSelectorTerm]
        NodeSelectorRequirement: 1 key s!; 2 operator s!; 3 values [s]
        NodeSelectorTerm: 1 matchExpressions [NodeSelectorRequirement]; 2 matchFields [NodeSelectorRequirement]
        ObjectFieldSelector: 1 apiVersion s; 2 fieldPath s!
        ObjectReference: 1 kind s; 2 namespace s; 3 name s; 4 uid s; 5 apiVersion s; 6 resourceVersion s; 7 fieldPath s
        Pod: 1 metadata ObjectMeta; 2 spec PodSpec; 3 status PodStatus
        PodAffinity: 1 requiredDuringSchedulingIgnoredDuringExecution [PodAffinityTerm];
            2 preferredDuringSchedulingIgnoredDuringExecution [WeightedPodAffinityTerm]
        PodAffinityTerm: 1 labelSelector LabelSelector; 2 namespaces [s]; 3 topologyKey s!;
            4 namespaceSelector LabelSelector; 5 matchLabelKeys [s]; 6 mismatchLabelKeys [s]
        PodAntiAffinity: 1 requiredDuringSchedulingIgnoredDuringExecution [PodAffinityTerm];
            2 preferredDuringSchedulingIgnoredDuringExecution [WeightedPodAffinityTerm]
        PodCondition: 1 type s!; 7 observedGeneration i64; 2 status s!; 3 lastProbeTime T; 4 lastTransitionTime T;
            5 reason s; 6 message s
        PodDNSConfig: 1 nameservers [s]; 2 searches [s]; 3 options [PodDNSConfigOption]
        PodDNSConfigOption: 1 name s; 2 value s!
        PodIP: 1 ip s!
        PodOS: 1 name s!
        PodReadinessGate: 1 conditionType s!
        PodResourceClaim: 1 name s!; 3 resourceClaimName s!; 4 resourceClaimTemplateName s!
        PodSchedulingGate: 1 name s!
        PodSecurityContext: 1 seLinuxOptions SELinuxOptions; 8 windowsOptions WindowsSecurityContextOptions;
            2 runAsUser i64!; 6 runAsGroup i64!; 3 runAsNonRoot bool!; 4 supplementalGroups [i64];
            12 supplementalGroupsPolicy s!; 5 fsGroup i64!; 7 sysctls [Sysctl]; 9 fsGroupChangePolicy s!;
            10 seccompProfile SeccompProfile; 11 appArmorProfile AppArmorProfile; 13 seLinuxChangePolicy s!
        PodSpec: 1 volumes [Volume]; 20 initContainers [Container]; 2 containers [Container];
            34 ephemeralContainers [EphemeralContainer]; 3 restartPolicy s; 4 terminationGracePeriodSeconds i64!;
            5 activeDeadlineSeconds i64!; 6 dnsPolicy s; 7 nodeSelector {s}; 8 serviceAccountName s; 9 serviceAccount s;
            21 automountServiceAccountToken bool!; 10 nodeName s; 11 hostNetwork bool; 12 hostPID bool; 13 hostIPC bool;
            27 shareProcessNamespace bool!; 14 securityContext PodSecurityContext;
            15 imagePullSecrets [LocalObjectReference]; 16 hostname s; 17 subdomain s; 18 affinity Affinity;
            19 schedulerName s; 22 tolerations [Toleration]; 23 hostAliases [HostAlias]; 24 priorityClassName s;
            25 priority i32!; 26 dnsConfig PodDNSConfig; 28 readinessGates [PodReadinessGate]; 29 runtimeClassName s!;
            30 enableServiceLinks bool!; 31 preemptionPolicy s!; 32 overhead {Q};
            33 topologySpreadConstraints [TopologySpreadConstraint]; 35 setHostnameAsFQDN bool!; 36 os PodOS;
            37 hostUsers bool!; 38 schedulingGates [PodSchedulingGate]; 39 resourceClaims [PodResourceClaim];
            40 resources ResourceRequirements; 41 hostnameOverride s!; 42 workloadRef WorkloadReference
        PodStatus: 17 observedGeneration i64; 1 phase s; 2 conditions [PodCondition]; 3 message s; 4 reason s;
            11 nominatedNodeName s; 5 hostIP s; 16 hostIPs [HostIP]; 6 podIP s; 12 podIPs [PodIP]; 7 startTime T;
            9 qosClass s
        PodTemplate: 1 metadata ObjectMeta; 2 template PodTemplateSpec
        PodTemplateSpec: 1 metadata ObjectMeta; 2 spec PodSpec
        PortStatus: 1 port i32!; 2 protocol s!; 3 error s!
        PreferredSchedulingTerm: 1 weight i32!; 2 preference NodeSelectorTerm
        Probe: 1 ^ProbeHandler; 2 initialDelaySeconds i32; 3 timeoutSeconds i32; 4 periodSeconds i32;
            5 successThreshold i32; 6 failureThreshold i32; 7 terminationGracePeriodSeconds i64!
        ProbeHandler: 1 exec ExecAction; 2 httpGet HTTPGetAction; 3 tcpSocket TCPSocketAction; 4 grpc GRPCAction
        ReplicationController: 1 metadata ObjectMeta; 2 spec ReplicationControllerSpec;
            3 status ReplicationControllerStatus
        ReplicationControllerSpec: 1 replicas i32!; 4 minReadySeconds i32; 2 selector {s}; 3 template PodTemplateSpec
        ReplicationControllerStatus: 1 replicas i32!; 2 fullyLabeledReplicas i32; 4 readyReplicas i32;
            5 availableReplicas i32; 3 observedGeneration i64
        ResourceClaim: 1 name s!; 2 request s
        ResourceFieldSelector: 1 containerName s; 2 resource s!; 3 divisor Q
        ResourceQuota: 1 metadata ObjectMeta; 2 spec ResourceQuotaSpec; 3 status ResourceQuotaStatus
        ResourceQuotaSpec: 1 hard {Q}; 2 scopes [s]; 3 scopeSelector ScopeSelector
        ResourceQuotaStatus: 1 hard {Q}; 2 used {Q}
        ResourceRequirements: 1 limits {Q}; 2 requests {Q}; 3 claims [ResourceClaim]
        SELinuxOptions: 1 user s; 2 role s; 3 type s; 4 level s
        ScopeSelector: 1 matchExpressions [ScopedResourceSelectorRequirement]
        ScopedResourceSelectorRequirement: 1 scopeName s!; 2 operator s!; 3 values [s]
        SeccompProfile: 1 type s!; 2 localhostProfile s!
        Secret: 1 metadata ObjectMeta; 5 immutable bool!; 2 data {b}; 4 stringData {s}; 3 type s
        SecretEnvSource: 1 ^LocalObjectReference; 2 optional bool!
        SecretKeySelector: 1 ^LocalObjectReference; 2 key s!; 3 optional bool!
        SecretReference: 1 name s; 2 namespace s
        SecurityContext: 1 capabilities Capabilities; 2 privileged bool!; 3 seLinuxOptions SELinuxOptions;
            10 windowsOptions WindowsSecurityContextOptions; 4 runAsUser i64!; 8 runAsGroup i64!; 5 runAsNonRoot bool!;
            6 readOnlyRootFilesystem bool!; 7 allowPrivilegeEscalation bool!; 9 procMount s!;
            11 seccompProfile SeccompProfile; 12 appArmorProfile AppArmorProfile; 13 ulimits [Ulimit]
        Service: 1 metadata ObjectMeta; 2 spec ServiceSpec; 3 status ServiceStatus
        ServiceAccount: 1 metadata ObjectMeta; 2 secrets [ObjectReference]; 3 imagePullSecrets [LocalObjectReference];
            4 automountServiceAccountToken bool!
        ServicePort: 1 name s; 2 protocol s; 6 appProtocol s!; 3 port i32!; 4 targetPort IOS; 5 nodePort i32
        ServiceSpec: 1 ports [ServicePort]; 2 selector {s}; 3 clusterIP s; 18 clusterIPs [s]; 4 type s;
            5 externalIPs [s]; 7 sessionAffinity s; 8 loadBalancerIP s; 9 loadBalancerSourceRanges [s];
            10 externalName s; 11 externalTrafficPolicy s; 12 healthCheckNodePort i32; 13 publishNotReadyAddresses bool;
            14 sessionAffinityConfig SessionAffinityConfig; 19 ipFamilies [s]; 17 ipFamilyPolicy s!;
            20 allocateLoadBalancerNodePorts bool!; 21 loadBalancerClass s!; 22 internalTrafficPolicy s!;
            23 trafficDistribution s!
        ServiceStatus: 1 loadBalancer LoadBalancerStatus; 2 conditions [Condition]
        SessionAffinityConfig: 1 clientIP ClientIPConfig
        SleepAction: 1 seconds i64!
        Sysctl: 1 name s!; 2 value s!
        TCPSocketAction: 1 port IOS; 2 host s
        Toleration: 1 key s; 2 operator s; 3 value s; 4 effect s; 5 tolerationSeconds i64!
        TopologySpreadConstraint: 1 maxSkew i32!; 2 topologyKey s!; 3 whenUnsatisfiable s!;
            4 labelSelector LabelSelector; 5 minDomains i32!; 6 nodeAffinityPolicy s!; 7 nodeTaintsPolicy s!;
            8 matchLabelKeys [s]
        TypedLocalObjectReference: 1 apiGroup s!; 2 kind s!; 3 name s!
        Ulimit: 1 name s!; 2 hard i64!; 3 soft i64!
        VolumeDevice: 1 name s!; 2 devicePath s!
        VolumeMount: 1 name s!; 2 readOnly bool; 7 recursiveReadOnly s!; 3 mountPath s!; 4 subPath s;
            5 mountPropagation s!; 6 subPathExpr s
        WeightedPodAffinityTerm: 1 weight i32!; 2 podAffinityTerm PodAffinityTerm
        WindowsSecurityContextOptions: 1 gmsaCredentialSpecName s!; 2 gmsaCredentialSpec s!; 3 runAsUserName s!;
            4 hostProcess bool!
        WorkloadReference: 1 name s!; 2 podGroup s!; 3 podGroupReplicaKey s
        """
}
