import KubeAPI
import KubeJSON

/// What ECP-AI is told about one object: the contract's `status` word plus the flags the deploy wait and the
/// aggregated status need. Status words alone are not enough: a crash-looping pod's phase is `Running`.
public struct ResourceState: Sendable, Equatable {
    /// A Pod's phase; `Running`/`Progressing`/`Failed` for workloads; `Created` for other kinds.
    public var status: String
    public var ready: Bool
    public var failed: Bool
    /// Why it is not ready, when the cluster says (`CrashLoopBackOff`, `ProgressDeadlineExceeded`, …).
    public var reason: String?
    /// Wall-clock seconds at which the object's own conditions say it became ready, when they say.
    public var readySince: Double?

    public init(status: String, ready: Bool, failed: Bool = false, reason: String? = nil, readySince: Double? = nil) {
        self.status = status
        self.ready = ready
        self.failed = failed
        self.reason = reason
        self.readySince = readySince
    }

    /// Nothing more will happen without someone changing the object: stop waiting for it.
    public var settled: Bool { ready || failed }
}

public enum ResourceStatus {
    /// Kinds whose readiness depends on their pods (the wait lists the pods their selector matches).
    public static let replicatedKinds: Set<String> = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"]
    /// Kinds a deploy waits for.
    public static let waitedKinds: Set<String> = replicatedKinds.union(["Pod", "Job"])

    /// Container states kubelet keeps a pod in when it will not start by itself; the simulated kubelet reports the
    /// same reasons (README: failure modes).
    public static let failingReasons: Set<String> = [
        "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError",
        "CreateContainerError", "RunContainerError",
    ]

    public static func isBuiltinWorkload(_ type: ResourceType) -> Bool {
        (type.group == "apps" && replicatedKinds.contains(type.kind)) || (type.group == "" && type.kind == "Pod")
            || (type.group == "batch" && type.kind == "Job")
    }

    /// The state of `object` of a kind in `group`. `pods` are the pods a replicated workload's selector matches
    /// in its namespace (ignored for other kinds).
    public static func evaluate(_ object: JSON, kind: String, group: String, pods: [JSON] = []) -> ResourceState {
        if object[path: "metadata", "deletionTimestamp"]?.stringValue != nil {
            return ResourceState(status: "Terminating", ready: false)
        }
        switch (group, kind) {
        case ("", "Pod"): return pod(object)
        case ("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("apps", "ReplicaSet"):
            return replicated(object, kind: kind, pods: pods)
        case ("batch", "Job"): return job(object)
        default: return ResourceState(status: "Created", ready: true)
        }
    }

    static func pod(_ pod: JSON) -> ResourceState {
        let phase = pod[path: "status", "phase"]?.stringValue ?? "Pending"
        let readyCondition = condition(pod, "Ready")
        let isReady = readyCondition?["status"]?.stringValue == "True"
        switch phase {
        case "Succeeded":
            return ResourceState(status: phase, ready: true)
        case "Failed":
            return ResourceState(status: phase, ready: false, failed: true, reason: pod[path: "status", "reason"]?.stringValue ?? "Failed")
        default:
            if let reason = podFailureReason(pod) {
                return ResourceState(status: phase, ready: false, failed: true, reason: reason)
            }
            let ready = phase == "Running" && isReady
            let since = ready ? readyCondition?["lastTransitionTime"]?.stringValue.flatMap(Timestamp.parse) : nil
            let reason = ready ? nil : waitingReason(pod)
            return ResourceState(status: phase, ready: ready, reason: reason, readySince: since)
        }
    }

    /// The first container waiting for a reason that will not clear by itself.
    public static func podFailureReason(_ pod: JSON) -> String? {
        for reason in waitingReasons(pod) where failingReasons.contains(reason) { return reason }
        return nil
    }

    static func waitingReason(_ pod: JSON) -> String? { waitingReasons(pod).first }

    static func waitingReasons(_ pod: JSON) -> [String] {
        var reasons: [String] = []
        for list in ["initContainerStatuses", "containerStatuses"] {
            for status in pod[path: "status", list]?.arrayValue ?? [] {
                if let reason = status[path: "state", "waiting", "reason"]?.stringValue { reasons.append(reason) }
            }
        }
        return reasons
    }

    static func replicated(_ object: JSON, kind: String, pods: [JSON]) -> ResourceState {
        let generation = object[path: "metadata", "generation"]?.intValue ?? 0
        let observed = object[path: "status", "observedGeneration"]?.intValue ?? -1
        // Until the controller has seen this generation, the status describes an older spec.
        let current = observed >= generation
        func status(_ key: String) -> Int64 { object[path: "status", key]?.intValue ?? 0 }
        let ready: Bool
        switch kind {
        case "DaemonSet":
            let desired = status("desiredNumberScheduled")
            ready = current && status("numberAvailable") >= desired && status("updatedNumberScheduled") >= desired
        case "StatefulSet":
            let desired = object[path: "spec", "replicas"]?.intValue ?? 1
            let available = max(status("availableReplicas"), status("readyReplicas"))
            ready = current && available >= desired
        case "Deployment":
            let desired = object[path: "spec", "replicas"]?.intValue ?? 1
            ready = current && status("updatedReplicas") >= desired && status("availableReplicas") >= desired
                && status("replicas") <= desired
        default:
            let desired = object[path: "spec", "replicas"]?.intValue ?? 1
            ready = current && status("availableReplicas") >= desired
        }
        if ready {
            let since = condition(object, "Available")?["lastTransitionTime"]?.stringValue.flatMap(Timestamp.parse)
            return ResourceState(status: "Running", ready: true, readySince: since)
        }
        if let progressing = condition(object, "Progressing"), progressing["status"]?.stringValue == "False" {
            return ResourceState(status: "Failed", ready: false, failed: true,
                                 reason: progressing["reason"]?.stringValue ?? "ProgressDeadlineExceeded")
        }
        if let failure = condition(object, "ReplicaFailure"), failure["status"]?.stringValue == "True" {
            return ResourceState(status: "Failed", ready: false, failed: true, reason: failure["reason"]?.stringValue ?? "ReplicaFailure")
        }
        // A pod that cannot start (crash loop, bad image) will not become available without a change: the
        // workload has failed for ECP-AI's purposes, although Kubernetes only says so at the progress deadline.
        for pod in pods {
            if let reason = podFailureReason(pod) { return ResourceState(status: "Failed", ready: false, failed: true, reason: reason) }
            if pod[path: "status", "phase"]?.stringValue == "Failed" {
                return ResourceState(status: "Failed", ready: false, failed: true, reason: pod[path: "status", "reason"]?.stringValue ?? "PodFailed")
            }
        }
        return ResourceState(status: "Progressing", ready: false)
    }

    static func job(_ job: JSON) -> ResourceState {
        if let complete = condition(job, "Complete"), complete["status"]?.stringValue == "True" {
            return ResourceState(status: "Completed", ready: true,
                                 readySince: complete["lastTransitionTime"]?.stringValue.flatMap(Timestamp.parse))
        }
        if let failed = condition(job, "Failed"), failed["status"]?.stringValue == "True" {
            return ResourceState(status: "Failed", ready: false, failed: true, reason: failed["reason"]?.stringValue)
        }
        let active = job[path: "status", "active"]?.intValue ?? 0
        return ResourceState(status: active > 0 ? "Running" : "Progressing", ready: false)
    }

    static func condition(_ object: JSON, _ type: String) -> JSON? {
        object[path: "status", "conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    /// The status of a set of resources: `empty` with none, `failed` when any failed, `deploying` while any is
    /// not ready, else `completed` (the words the guide's sync service looks for).
    public static func aggregate(_ states: [ResourceState]) -> String {
        if states.isEmpty { return "empty" }
        if states.contains(where: \.failed) { return "failed" }
        if states.contains(where: { !$0.ready }) { return "deploying" }
        return "completed"
    }

    /// Seconds rounded to a tenth, as the guide's example reports `deployment_time`.
    public static func roundedSeconds(_ seconds: Double) -> Double {
        (max(0, seconds) * 10).rounded() / 10
    }

    /// One resource as the ECP endpoints report it.
    public static func item(object: JSON, type: ResourceType, state: ResourceState, deploymentTime: Double?) -> JSON {
        let name = object[path: "metadata", "name"]?.stringValue ?? ""
        let namespace = type.namespaced ? object[path: "metadata", "namespace"]?.stringValue : nil
        var item: JSONObject = [
            "id": .string(ResourceID.format(namespace: namespace, kind: type.kind, name: name)),
            "name": .string(name),
            "namespace": namespace.map(JSON.string) ?? .null,
            "kind": .string(type.kind),
            "apiVersion": .string(type.groupVersion),
            "status": .string(state.status),
            "ready": .bool(state.ready),
            "created_at": object[path: "metadata", "creationTimestamp"] ?? .null,
            "deployment_time": deploymentTime.map { .double(roundedSeconds($0)) } ?? .null,
            "tenant_id": object[path: "metadata", "labels", ECPLabels.tenant] ?? .null,
        ]
        if let reason = state.reason { item["reason"] = .string(reason) }
        return .object(item)
    }
}

/// The labels the ECP-AI layer writes.
public enum ECPLabels {
    public static let tenant = "ecp-ai.io/tenant-id"
    public static let deployment = "ecp-ai.io/deployment"
    public static let deploymentID = "ecp-ai.io/deployment-id"
    /// Where deployment records live.
    public static let recordNamespace = "ecp-ai-system"
    /// The field manager of every ECP-AI write.
    public static let fieldManager = "ecp-ai"
    /// Set by `demo` deploys on pod templates: the simulated kubelet starts the containers without pulling.
    public static let imagesPreloaded = "simulator.k8s.io/images-preloaded"
}
