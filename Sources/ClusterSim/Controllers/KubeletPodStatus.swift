import KubeAPI
import KubeJSON

/// The pod status as kubelet writes it (generateAPIPodStatus): phase from the container states, kubelet-owned
/// conditions after the ones others own, container statuses in the API's field order.
enum KubeletPodStatus {
    static let kubeletConditions: Set<String> = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]

    /// The status to write for `pod`, given the kubelet's record; `now` is wall time for transition stamps.
    static func render(pod: JSON, plan: KubeletPodPlan, record: KubeletPodRecord, hostIP: String, now: Double) -> JSON {
        let old = pod["status"] ?? [:]
        let oldConditions = old["conditions"]?.arrayValue ?? []
        let defaultReason = plan.hasInitContainers ? "PodInitializing" : "ContainerCreating"
        var initStatuses: [JSON] = []
        var statuses: [JSON] = []
        for (i, containerPlan) in plan.containers.enumerated() {
            let item = containerStatus(record.containers[i], plan: containerPlan, defaultReason: defaultReason)
            if containerPlan.isInit { initStatuses.append(item) } else { statuses.append(item) }
        }

        var phase = self.phase(plan: plan, record: record)
        let oldPhase = old["phase"]?.stringValue ?? "Pending"
        // Pods never leave a terminal phase.
        if oldPhase == "Succeeded" || oldPhase == "Failed" { phase = oldPhase }

        var conditions: [JSON] = oldConditions.filter { !kubeletConditions.contains($0["type"]?.stringValue ?? "") }
        func condition(_ type: String, _ ok: Bool, reason: String? = nil, message: String? = nil) {
            conditions.append(makeCondition(type, ok ? "True" : "False", reason: reason, message: message, old: oldConditions, now: now))
        }
        condition("PodReadyToStartContainers", record.sandboxShown && !record.terminal)
        let initialized = self.initialized(plan: plan, record: record, phase: phase)
        condition("Initialized", initialized.ok, reason: initialized.reason, message: initialized.message)
        let containersReady = self.containersReady(plan: plan, record: record, phase: phase)
        let ready = self.ready(plan: plan, containersReady: containersReady, conditions: conditions)
        condition("Ready", ready.ok, reason: ready.reason, message: ready.message)
        condition("ContainersReady", containersReady.ok, reason: containersReady.reason, message: containersReady.message)
        condition("PodScheduled", true)

        var status = JSONObject()
        status["phase"] = .string(phase)
        status["conditions"] = .array(conditions)
        if let message = record.failureMessage ?? (phase == oldPhase ? old["message"]?.stringValue : nil) {
            status["message"] = .string(message)
        }
        if let reason = record.failureReason ?? (phase == oldPhase ? old["reason"]?.stringValue : nil) {
            status["reason"] = .string(reason)
        }
        if let nominated = old["nominatedNodeName"] { status["nominatedNodeName"] = nominated }
        if !hostIP.isEmpty {
            status["hostIP"] = .string(hostIP)
            status["hostIPs"] = [["ip": .string(hostIP)]]
        }
        if let ip = record.podIP, record.sandboxShown {
            status["podIP"] = .string(ip)
            status["podIPs"] = [["ip": .string(ip)]]
        }
        if let start = record.startTimeWall { status["startTime"] = .string(Timestamp.rfc3339(start)) }
        if !initStatuses.isEmpty { status["initContainerStatuses"] = .array(initStatuses) }
        status["containerStatuses"] = .array(statuses)
        status["qosClass"] = old["qosClass"] ?? "BestEffort"
        // Fields other writers own (resource claims, resize) stay as they were.
        for (key, value) in old.objectValue ?? JSONObject() where status[key] == nil {
            if ["message", "reason", "podIP", "podIPs", "hostIP", "hostIPs", "initContainerStatuses"].contains(key) { continue }
            status[key] = value
        }
        return .object(status)
    }

    static func makeCondition(_ type: String, _ value: String, reason: String?, message: String?, old: [JSON], now: Double) -> JSON {
        let previous = old.first { $0["type"]?.stringValue == type }
        let transition = previous.flatMap { $0["status"]?.stringValue == value ? $0["lastTransitionTime"] : nil }
            ?? .string(Timestamp.rfc3339(now))
        var out: JSONObject = ["type": .string(type), "status": .string(value), "lastProbeTime": .null,
                               "lastTransitionTime": transition]
        if let reason { out["reason"] = .string(reason) }
        if let message { out["message"] = .string(message) }
        return .object(out)
    }

    // MARK: - Container statuses

    static func containerStatus(_ run: KubeletContainerRun, plan: KubeletContainerPlan, defaultReason: String) -> JSON {
        var item = JSONObject()
        item["name"] = .string(run.name)
        item["state"] = state(run, defaultReason: defaultReason)
        item["lastState"] = run.last.map { ["terminated": terminated($0)] } ?? .object(JSONObject())
        item["ready"] = .bool(run.ready || (plan.isInit && !plan.isSidecar && run.completedSuccessfully))
        item["restartCount"] = .int(Int64(run.restartCount))
        item["image"] = .string(run.imagePulled ? KubeletImages.reference(run.image) : run.image)
        item["imageID"] = .string(run.imagePulled ? run.imageID ?? "" : "")
        if let id = run.containerID { item["containerID"] = .string(id) }
        item["started"] = .bool(run.isRunning && run.started)
        let mounts = plan.volumeMounts.map(volumeMountStatus)
        if !mounts.isEmpty, run.instances > 0 { item["volumeMounts"] = .array(mounts) }
        return .object(item)
    }

    static func state(_ run: KubeletContainerRun, defaultReason: String) -> JSON {
        func waiting(_ reason: String, _ message: String? = nil) -> JSON {
            var body: JSONObject = ["reason": .string(reason)]
            if let message, !message.isEmpty { body["message"] = .string(message) }
            return ["waiting": .object(body)]
        }
        switch run.stage {
        case .notReached:
            return waiting(defaultReason)
        case .pulling, .creating, .starting:
            if let current = run.current { return ["terminated": terminated(current)] }
            if let display = run.display { return waiting(display.reason, display.message) }
            return waiting(defaultReason)
        case .pullBackOff:
            if let display = run.display { return waiting(display.reason, display.message) }
            return waiting("ErrImagePull")
        case .running:
            return ["running": ["startedAt": .string(Timestamp.rfc3339(run.startedAtWall ?? 0))]]
        case .exited:
            if let current = run.current { return ["terminated": terminated(current)] }
            if let display = run.display { return waiting(display.reason, display.message) }
            return waiting(defaultReason)
        case .crashBackOff:
            return waiting("CrashLoopBackOff", run.display?.message)
        }
    }

    static func terminated(_ t: KubeletTermination) -> JSON {
        var out: JSONObject = ["exitCode": .int(Int64(t.exitCode)), "reason": .string(t.reason),
                               "startedAt": .string(Timestamp.rfc3339(t.startedAtWall)),
                               "finishedAt": .string(Timestamp.rfc3339(t.finishedAtWall))]
        if !t.containerID.isEmpty { out["containerID"] = .string(t.containerID) }
        return .object(out)
    }

    static func volumeMountStatus(_ mount: JSON) -> JSON {
        var out: JSONObject = ["name": mount["name"] ?? "", "mountPath": mount["mountPath"] ?? ""]
        if mount["readOnly"]?.boolValue == true {
            out["readOnly"] = true
            out["recursiveReadOnly"] = "Disabled"
        }
        return .object(out)
    }

    // MARK: - Phase and conditions

    /// A container's state as its status shows it.
    enum Shown: Equatable {
        case waiting(hasLast: Bool, lastExitCode: Int?)
        case running(started: Bool)
        case terminated(exitCode: Int)
    }

    static func shown(_ run: KubeletContainerRun) -> Shown {
        let waiting = Shown.waiting(hasLast: run.last != nil, lastExitCode: run.last?.exitCode)
        switch run.stage {
        case .running: return .running(started: run.started)
        case .pulling, .creating, .starting, .exited: return run.current.map { .terminated(exitCode: $0.exitCode) } ?? waiting
        case .notReached, .pullBackOff, .crashBackOff: return waiting
        }
    }

    /// kubelet's getPhase over the shown container states; `podIsTerminal` once the pod was stopped for deletion.
    static func phase(plan: KubeletPodPlan, record: KubeletPodRecord) -> String {
        if record.failureReason == "DeadlineExceeded" { return "Failed" }
        let podIsTerminal = record.terminal && record.stopAt != nil
        var pendingInitialization = 0, failedInitialization = 0
        var running = 0, waiting = 0, stopped = 0, succeeded = 0
        var anyRegularStarted = false
        for (i, containerPlan) in plan.containers.enumerated() {
            let state = shown(record.containers[i])
            if containerPlan.isInit && !containerPlan.isSidecar {
                switch state {
                case .running: pendingInitialization += 1
                case .terminated(let code): if code != 0 { failedInitialization += 1 }
                case .waiting(let hasLast, let lastCode):
                    if hasLast { if (lastCode ?? 0) != 0 { failedInitialization += 1 } } else { pendingInitialization += 1 }
                }
            } else if containerPlan.isSidecar {
                switch state {
                case .running(let started):
                    if !started { pendingInitialization += 1 }
                    running += 1
                case .terminated: break
                case .waiting(let hasLast, _):
                    if !hasLast { pendingInitialization += 1; waiting += 1 }
                }
            } else {
                switch state {
                case .running:
                    running += 1
                    anyRegularStarted = true
                case .terminated(let code):
                    stopped += 1
                    if code == 0 { succeeded += 1 }
                    anyRegularStarted = true
                case .waiting(let hasLast, _):
                    if hasLast { stopped += 1 } else { waiting += 1 }
                }
            }
        }
        if failedInitialization > 0 && plan.restartPolicy == "Never" { return "Failed" }
        if (pendingInitialization > 0 && !anyRegularStarted) || waiting > 0 { return "Pending" }
        if running > 0 { return "Running" }
        guard stopped > 0 else { return "Pending" }
        if podIsTerminal { return stopped == succeeded ? "Succeeded" : "Failed" }
        if plan.restartPolicy == "Always" { return "Running" }
        if stopped == succeeded { return "Succeeded" }
        return plan.restartPolicy == "Never" ? "Failed" : "Running"
    }

    static func initialized(plan: KubeletPodPlan, record: KubeletPodRecord, phase: String) -> (ok: Bool, reason: String?, message: String?) {
        if phase == "Succeeded" { return (true, "PodCompleted", nil) }
        // Once a regular container has started, the pod stays initialized even if a sidecar restarts.
        if plan.containers.indices.contains(where: { !plan.containers[$0].isInit && record.containers[$0].instances > 0 }) {
            return (true, nil, nil)
        }
        var incomplete: [String] = []
        for (i, containerPlan) in plan.containers.enumerated() where containerPlan.isInit {
            let run = record.containers[i]
            let done = containerPlan.isSidecar ? run.isRunning && run.started : run.completedSuccessfully
            if !done { incomplete.append(run.name) }
        }
        if incomplete.isEmpty { return (true, nil, nil) }
        return (false, "ContainersNotInitialized", "containers with incomplete status: \(KubeletFormat.goList(incomplete))")
    }

    static func containersReady(plan: KubeletPodPlan, record: KubeletPodRecord, phase: String) -> (ok: Bool, reason: String?, message: String?) {
        if phase == "Succeeded" { return (false, "PodCompleted", nil) }
        var unready: [String] = []
        for (i, containerPlan) in plan.containers.enumerated() where !containerPlan.isInit || containerPlan.isSidecar {
            if !record.containers[i].ready { unready.append(containerPlan.name) }
        }
        if unready.isEmpty { return (true, nil, nil) }
        return (false, "ContainersNotReady", "containers with unready status: \(KubeletFormat.goList(unready))")
    }

    static func ready(plan: KubeletPodPlan, containersReady: (ok: Bool, reason: String?, message: String?),
                      conditions: [JSON]) -> (ok: Bool, reason: String?, message: String?)
    {
        guard containersReady.ok else { return containersReady }
        for gate in plan.readinessGates {
            guard let found = conditions.first(where: { $0["type"]?.stringValue == gate }) else {
                return (false, "ReadinessGatesNotReady", "corresponding condition of pod readiness gate \"\(gate)\" does not exist.")
            }
            let value = found["status"]?.stringValue ?? "Unknown"
            if value != "True" {
                return (false, "ReadinessGatesNotReady", "the status of pod readiness gate \"\(gate)\" is not \"True\", but \(value)")
            }
        }
        return (true, nil, nil)
    }
}

