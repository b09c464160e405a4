import Foundation
import KubeJSON

/// Ways a pod can be told to misbehave (`simulator.k8s.io/fail`), plus images that cannot be pulled.
enum KubeletFailure: String, Sendable, Equatable, CaseIterable {
    case imagePullBackOff = "ImagePullBackOff"
    case crashLoopBackOff = "CrashLoopBackOff"
    case oomKilled = "OOMKilled"
    case notReady = "NotReady"
    case error = "Error"

    static func parse(_ text: String) -> KubeletFailure? {
        let wanted = text.trimmingCharacters(in: .whitespaces).lowercased()
        return allCases.first { $0.rawValue.lowercased() == wanted }
    }
}

/// The annotations the simulated kubelet reads from a pod.
enum KubeletAnnotations {
    static let fail = "simulator.k8s.io/fail"
    /// Comma-separated container names the failure applies to (default: every regular container).
    static let failContainer = "simulator.k8s.io/fail-container"
    static let runSeconds = "simulator.k8s.io/run-seconds"
    /// `"true"`: the node already holds every image of the pod (a demo's fast start-up), so nothing is pulled.
    static let imagesPreloaded = "simulator.k8s.io/images-preloaded"
}

/// What one container of a pod should do in the simulation: read from the pod spec and annotations.
struct KubeletContainerPlan: Sendable, Equatable {
    var name: String
    var image: String
    var pullPolicy: String
    var isInit: Bool
    /// An init container with `restartPolicy: Always` (a native sidecar): it keeps running.
    var isSidecar: Bool
    /// Seconds after start before the readiness probe first succeeds; nil without a readiness probe.
    var readinessDelay: Double?
    var readinessPeriod: Double
    /// The probe failure text for `Unhealthy` events; `{ip}` stands for the pod IP.
    var readinessFailure: String
    /// Seconds after start before the startup probe passes (the container counts as started); nil without one.
    var startupDelay: Double?
    var failure: KubeletFailure?
    var volumeMounts: [JSON]

    /// Containers that run to completion: regular init containers always, others when the pod does.
    func runsToCompletion(in pod: KubeletPodPlan) -> Bool {
        if isInit { return !isSidecar }
        return pod.runToCompletion
    }
}

/// A pod as the simulated kubelet runs it.
struct KubeletPodPlan: Sendable, Equatable {
    var namespace: String
    var name: String
    var uid: String
    var containers: [KubeletContainerPlan]
    var restartPolicy: String
    var runToCompletion: Bool
    var runSeconds: Double
    var hostNetwork: Bool
    var activeDeadlineSeconds: Double?
    var readinessGates: [String]
    var hasInitContainers: Bool

    var key: String { "\(namespace)/\(name)" }
    var podDescription: String { KubeletFormat.podDescription(namespace: namespace, name: name, uid: uid) }

    init(pod: JSON) {
        let metadata = pod["metadata"] ?? [:]
        let spec = pod["spec"] ?? [:]
        namespace = metadata["namespace"]?.stringValue ?? "default"
        name = metadata["name"]?.stringValue ?? ""
        uid = metadata["uid"]?.stringValue ?? ""
        let annotations = metadata["annotations"]?.objectValue ?? JSONObject()
        restartPolicy = spec["restartPolicy"]?.stringValue ?? "Always"
        hostNetwork = spec["hostNetwork"]?.boolValue ?? false
        activeDeadlineSeconds = spec["activeDeadlineSeconds"]?.doubleValue
        readinessGates = (spec["readinessGates"]?.arrayValue ?? []).compactMap { $0["conditionType"]?.stringValue }

        let ownedByJob = (metadata["ownerReferences"]?.arrayValue ?? []).contains {
            $0["kind"]?.stringValue == "Job" && ($0["apiVersion"]?.stringValue ?? "").hasPrefix("batch/")
        }
        let runSecondsText = annotations[KubeletAnnotations.runSeconds]?.stringValue
        runToCompletion = ownedByJob || (restartPolicy != "Always" && runSecondsText != nil)
        runSeconds = runSecondsText.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }.map { max(0, $0) } ?? 5

        let podFailure = annotations[KubeletAnnotations.fail]?.stringValue.flatMap(KubeletFailure.parse)
        let targets = annotations[KubeletAnnotations.failContainer]?.stringValue.map {
            Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }

        let preloaded = annotations[KubeletAnnotations.imagesPreloaded]?.stringValue == "true"
        let initContainers = spec["initContainers"]?.arrayValue ?? []
        hasInitContainers = !initContainers.isEmpty
        var plans: [KubeletContainerPlan] = []
        for (index, container) in (initContainers + (spec["containers"]?.arrayValue ?? [])).enumerated() {
            let isInit = index < initContainers.count
            let containerName = container["name"]?.stringValue ?? ""
            let applies = targets.map { $0.contains(containerName) } ?? !isInit
            var plan = Self.container(container, isInit: isInit)
            if applies, let podFailure { plan.failure = podFailure }
            // As kubelet treats `Never`: the image is taken to be on the node already.
            if preloaded { plan.pullPolicy = "Never" }
            if KubeletImages.cannotExist(plan.image) { plan.failure = .imagePullBackOff }
            plans.append(plan)
        }
        containers = plans
    }

    static func container(_ container: JSON, isInit: Bool) -> KubeletContainerPlan {
        let image = container["image"]?.stringValue ?? ""
        var policy = container["imagePullPolicy"]?.stringValue ?? ""
        if policy.isEmpty {
            let tag = KubeletImages.split(image)
            policy = tag.digest == nil && (tag.tag == nil || tag.tag == "latest") ? "Always" : "IfNotPresent"
        }
        let readiness = container["readinessProbe"]
        let startup = container["startupProbe"]
        return KubeletContainerPlan(
            name: container["name"]?.stringValue ?? "",
            image: image,
            pullPolicy: policy,
            isInit: isInit,
            isSidecar: isInit && container["restartPolicy"]?.stringValue == "Always",
            readinessDelay: readiness.map { $0["initialDelaySeconds"]?.doubleValue ?? 0 },
            readinessPeriod: readiness?["periodSeconds"]?.doubleValue ?? 10,
            readinessFailure: readiness.map(probeFailure) ?? "",
            startupDelay: startup.map { $0["initialDelaySeconds"]?.doubleValue ?? 0 },
            failure: nil,
            volumeMounts: container["volumeMounts"]?.arrayValue ?? [])
    }

    /// What the prober reports when a readiness probe of this kind fails.
    static func probeFailure(_ probe: JSON) -> String {
        if probe["httpGet"] != nil {
            return "Readiness probe failed: HTTP probe failed with statuscode: 503"
        }
        if let tcp = probe["tcpSocket"] {
            let port = tcp["port"].map { $0.stringValue ?? String($0.intValue ?? 0) } ?? ""
            return "Readiness probe failed: dial tcp {ip}:\(port): connect: connection refused"
        }
        if probe["grpc"] != nil {
            return "Readiness probe failed: service unhealthy (responded with \"NOT_SERVING\")"
        }
        if let command = probe[path: "exec", "command"]?.arrayValue?.compactMap(\.stringValue), !command.isEmpty {
            if command.first == "cat", let file = command.dropFirst().first {
                return "Readiness probe failed: cat: can't open '\(file)': No such file or directory"
            }
            return "Readiness probe failed: command \"\(command.joined(separator: " "))\" exited with status 1"
        }
        return "Readiness probe failed: "
    }

    /// How many seconds the `run`-th instance of a container runs before it exits, with what code and reason;
    /// nil when it runs until stopped.
    func exitPlan(for container: KubeletContainerPlan, run: Int, random: SeededRandom) -> (seconds: Double, code: Int, reason: String)? {
        let key = "pod/\(key)/\(container.name)/\(run)"
        if container.isInit && !container.isSidecar {
            switch container.failure {
            case .crashLoopBackOff?, .error?: return (random.uniform(key + "/crash", 1...4), 1, "Error")
            case .oomKilled?: return (random.uniform(key + "/oom", 2...6), 137, "OOMKilled")
            default: return (random.uniform(key + "/init", 0.5...3), 0, "Completed")
            }
        }
        switch container.failure {
        case .crashLoopBackOff?: return (random.uniform(key + "/crash", 2...6), 1, "Error")
        case .oomKilled?: return (random.uniform(key + "/oom", 3...10), 137, "OOMKilled")
        case .error?: return (runToCompletion ? runSeconds : random.uniform(key + "/error", 2...6), 1, "Error")
        default: return runToCompletion && !container.isSidecar ? (runSeconds, 0, "Completed") : nil
        }
    }
}
