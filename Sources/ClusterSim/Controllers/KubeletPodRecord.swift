import KubeAPI
import KubeJSON

/// What the simulated kubelet remembers about one pod between reconciles: the sandbox, each container's walk
/// and the simulated instants at which something happens next. It can be rebuilt from the pod's status
/// (`adopt`), so a restart of the simulation continues where the pods were.
struct KubeletPodRecord: Sendable {
    var uid: String
    var node: String
    var sandboxAt: Double
    var sandboxReadyAt: Double?
    var sandboxReady = false
    /// Whether the status shows the sandbox (pod IP, PodReadyToStartContainers). kubelet's pod worker is busy
    /// pulling and starting the first time through, so the sandbox shows together with that outcome.
    var sandboxShown = false
    var sandboxFailures = 0
    var podIP: String?
    var startTimeWall: Double?
    var startSim: Double?
    var containers: [KubeletContainerRun]
    /// Graceful deletion: the containers stop at this simulated instant.
    var stopAt: Double?
    /// The pod is done on this node (finished, failed, past its deadline or stopped for deletion).
    var terminal = false
    /// A pod-level phase reason (DeadlineExceeded) and its message.
    var failureReason: String?
    var failureMessage: String?
    /// The simulated instant a wake-up is already queued for.
    var wakeAt: Double?

    init(plan: KubeletPodPlan, node: String, now: Double, wallNow: Double, random: SeededRandom) {
        uid = plan.uid
        self.node = node
        startTimeWall = wallNow
        startSim = now
        sandboxAt = now + random.uniform("pod/\(plan.key)/sandbox", 0.3...1.2)
        containers = plan.containers.map { KubeletContainerRun(name: $0.name, image: $0.image) }
    }

    var anyContainerEverStarted: Bool { containers.contains { $0.instances > 0 } }

    /// The earliest simulated instant at which the pod changes by itself.
    var nextDue: Double? {
        if let stopAt, !terminal { return stopAt }
        if terminal { return nil }
        var due: [Double] = []
        if !sandboxReady { due.append(sandboxAt) }
        due += containers.compactMap(\.nextDue)
        return due.min()
    }

    // MARK: - Walking the pod

    /// Applies every transition due by `now`, in order; returns the events to record.
    /// `allocate` hands out the pod IP when the sandbox comes up (nil: the range is exhausted).
    mutating func advance(now: Double, plan: KubeletPodPlan, env: KubeletEnvironment, hostIP: String,
                          allocate: () -> (address: String?, range: String)) -> [KubeletEvent]
    {
        var events: [KubeletEvent] = []
        if containers.map(\.name) != plan.containers.map(\.name) {
            containers = plan.containers.map { KubeletContainerRun(name: $0.name, image: $0.image) }
        }
        if terminal || stopAt != nil { return events }
        for i in containers.indices where containers[i].image != plan.containers[i].image {
            events += containers[i].imageChanged(to: plan.containers[i].image, now: now, plan: plan.containers[i], pod: plan, env: env)
        }
        for _ in 0..<64 {
            var progressed = false
            if !sandboxReady {
                guard sandboxAt <= now else { break }
                if plan.hostNetwork {
                    podIP = hostIP
                } else {
                    let outcome = allocate()
                    guard let address = outcome.address else {
                        sandboxFailures += 1
                        sandboxAt = now + 10
                        let sandbox = KubeletImages.hex(env.random, "pod/\(plan.key)/\(plan.uid)/sandbox/\(sandboxFailures)")
                        events.append(.warning("FailedCreatePodSandBox",
                            "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"\(sandbox)\": plugin type=\"ptp\" failed (add): failed to allocate for range 0: no IP addresses available in range set: \(outcome.range)"))
                        break
                    }
                    podIP = address
                }
                sandboxReady = true
                sandboxReadyAt = sandboxAt
                progressed = true
            }
            for i in containers.indices {
                let before = containers[i]
                if containers[i].stage == .notReached {
                    guard let at = beginTime(i, plan: plan, now: now) else { continue }
                    events += containers[i].beginWalk(at: at, plan: plan.containers[i], pod: plan, env: env)
                }
                events += containers[i].advance(now: now, plan: plan.containers[i], pod: plan, env: env)
                if containers[i] != before { progressed = true }
            }
            if !progressed { break }
        }
        events += checkDeadline(now: now, plan: plan, env: env)
        events += checkCompletion(now: now, plan: plan, env: env)
        if sandboxReady && !sandboxShown && !firstWalkInProgress { sandboxShown = true }
        return events
    }

    /// A container is being pulled, created or started for the first time.
    var firstWalkInProgress: Bool {
        containers.contains { run in
            switch run.stage {
            case .pulling, .creating, .starting: return run.instances == 0 && run.pullFailures == 0
            default: return false
            }
        }
    }

    /// When container `i` may begin its walk (nil: not yet): init containers one after another, each after
    /// the previous completed (or, for a sidecar, started); regular containers after all init containers,
    /// in order, as kubelet's SyncPod starts them.
    func beginTime(_ i: Int, plan: KubeletPodPlan, now: Double) -> Double? {
        guard sandboxReady else { return nil }
        var at = sandboxReadyAt ?? now
        let initCount = plan.containers.prefix { $0.isInit }.count
        for j in 0..<min(i, initCount) {
            let run = containers[j]
            if plan.containers[j].isSidecar {
                guard run.isRunning, run.started else { return nil }
                at = max(at, run.startedAtSim ?? at)
            } else {
                guard run.completedSuccessfully else { return nil }
                at = max(at, run.startedAtSim.map { $0 + (run.current?.ranFor ?? 0) } ?? at)
            }
        }
        if !plan.containers[i].isInit, i > initCount {
            let previous = containers[i - 1]
            guard previous.attempted else { return nil }
            at = max(at, previous.startedAtSim ?? at)
        }
        return min(at, now)
    }

    private mutating func checkDeadline(now: Double, plan: KubeletPodPlan, env: KubeletEnvironment) -> [KubeletEvent] {
        guard !terminal, let deadline = plan.activeDeadlineSeconds, let startSim, now >= startSim + deadline else { return [] }
        let at = startSim + deadline
        var events: [KubeletEvent] = [.normal("DeadlineExceeded", "Pod was active on the node longer than the specified deadline")]
        for i in containers.indices where containers[i].isRunning {
            events.append(.normal("Killing", KubeletFormat.stopping(containers[i].name)))
            containers[i].exit(at: at, code: 137, reason: "Error", plan: plan.containers[i], pod: plan, env: env, restart: false)
        }
        failureReason = "DeadlineExceeded"
        failureMessage = "Pod was active on the node longer than the specified deadline"
        terminal = true
        return events
    }

    /// A pod whose regular containers are all done for good (or whose init container failed under
    /// `restartPolicy: Never`) is finished: its sidecars stop and the sandbox goes.
    private mutating func checkCompletion(now: Double, plan: KubeletPodPlan, env: KubeletEnvironment) -> [KubeletEvent] {
        guard !terminal else { return [] }
        let regular = plan.containers.indices.filter { !plan.containers[$0].isInit }
        let initFailed = plan.containers.indices.contains {
            plan.containers[$0].isInit && !plan.containers[$0].isSidecar && containers[$0].isFinished
                && (containers[$0].current?.exitCode ?? 0) != 0
        }
        let allDone = !regular.isEmpty && regular.allSatisfy { containers[$0].isFinished }
        guard initFailed || allDone else { return [] }
        var events: [KubeletEvent] = []
        let finishedAt = regular.compactMap { i in containers[i].startedAtSim.map { $0 + (containers[i].current?.ranFor ?? 0) } }.max() ?? now
        for i in containers.indices.reversed() where plan.containers[i].isSidecar && containers[i].isRunning {
            events.append(.normal("Killing", KubeletFormat.stopping(containers[i].name)))
            containers[i].exit(at: min(finishedAt, now), code: 0, reason: "Completed", plan: plan.containers[i], pod: plan, env: env, restart: false)
        }
        terminal = true
        return events
    }

    // MARK: - Deletion

    /// A deletion timestamp appeared: the running containers get their stop signal.
    mutating func beginTermination(now: Double, grace: Double, plan: KubeletPodPlan, random: SeededRandom) -> [KubeletEvent] {
        guard stopAt == nil else { return [] }
        let stopDelay = random.uniform("pod/\(plan.key)/\(plan.uid)/stop", 0.3...3)
        stopAt = now + max(0, min(grace, stopDelay))
        // Regular containers stop before sidecars, as kubelet orders the shutdown.
        let order = containers.indices.filter { !plan.containers[$0].isInit } + containers.indices.filter { plan.containers[$0].isInit }.reversed()
        return order.filter { containers[$0].isRunning }.map { .normal("Killing", KubeletFormat.stopping(containers[$0].name)) }
    }

    /// The stop is due: every running container exits, and the pod is done on this node.
    mutating func finishTermination(plan: KubeletPodPlan, env: KubeletEnvironment) {
        let at = stopAt ?? 0
        for i in containers.indices where containers[i].isRunning {
            containers[i].exit(at: at, code: 0, reason: "Completed", plan: plan.containers[i], pod: plan, env: env, restart: false)
        }
        for i in containers.indices {
            switch containers[i].stage {
            case .exited, .crashBackOff: containers[i].stage = .exited(restartAt: nil, backOffAt: nil)
            default: break
            }
        }
        terminal = true
    }
}

// MARK: - Adoption after a restart

extension KubeletPodRecord {
    /// Rebuilds the record from what the pod's status shows: running containers keep running, a pod half-way
    /// through its start continues with the container it had reached.
    static func adopt(pod: JSON, plan: KubeletPodPlan, node: String, now: Double, simFromWall: (Double) -> Double,
                      env: KubeletEnvironment) -> KubeletPodRecord
    {
        var record = KubeletPodRecord(plan: plan, node: node, now: now, wallNow: env.wall(now), random: env.random)
        let status = pod["status"] ?? [:]
        let phase = status["phase"]?.stringValue ?? "Pending"
        if let ip = status["podIP"]?.stringValue, !ip.isEmpty {
            record.podIP = ip
            record.sandboxReady = true
            record.sandboxShown = true
            record.sandboxReadyAt = now
        }
        if let start = status["startTime"]?.stringValue.flatMap(Timestamp.parse) {
            record.startTimeWall = start
            record.startSim = simFromWall(start)
        }
        record.terminal = phase == "Succeeded" || phase == "Failed"
        if record.terminal {
            record.failureReason = status["reason"]?.stringValue
            record.failureMessage = status["message"]?.stringValue
        }
        var statuses: [String: JSON] = [:]
        for item in (status["initContainerStatuses"]?.arrayValue ?? []) + (status["containerStatuses"]?.arrayValue ?? []) {
            if let name = item["name"]?.stringValue { statuses[name] = item }
        }
        for (i, containerPlan) in plan.containers.enumerated() {
            guard let item = statuses[containerPlan.name] else { continue }
            record.containers[i] = adoptContainer(item, plan: containerPlan, pod: plan, node: node, now: now,
                                                  terminal: record.terminal, simFromWall: simFromWall, env: env)
        }
        return record
    }

    private static func termination(_ json: JSON?, simFromWall: (Double) -> Double) -> KubeletTermination? {
        guard let json, json["exitCode"] != nil || json["finishedAt"] != nil else { return nil }
        let started = json["startedAt"]?.stringValue.flatMap(Timestamp.parse) ?? 0
        let finished = json["finishedAt"]?.stringValue.flatMap(Timestamp.parse) ?? started
        return KubeletTermination(exitCode: Int(json["exitCode"]?.intValue ?? 0), reason: json["reason"]?.stringValue ?? "Completed",
                                  startedAtWall: started, finishedAtWall: finished, containerID: json["containerID"]?.stringValue ?? "",
                                  ranFor: max(0, simFromWall(finished) - simFromWall(started)))
    }

    private static func adoptContainer(_ item: JSON, plan: KubeletContainerPlan, pod: KubeletPodPlan, node: String, now: Double,
                                       terminal: Bool, simFromWall: (Double) -> Double, env: KubeletEnvironment) -> KubeletContainerRun
    {
        var run = KubeletContainerRun(name: plan.name, image: plan.image)
        let containerID = item["containerID"]?.stringValue ?? ""
        let restarts = Int(item["restartCount"]?.intValue ?? 0)
        run.containerID = containerID.isEmpty ? nil : containerID
        run.instances = restarts + (containerID.isEmpty ? 0 : 1)
        run.consecutiveExits = restarts
        if let imageID = item["imageID"]?.stringValue, !imageID.isEmpty {
            run.imagePulled = true
            run.imageID = imageID
            env.images.markPresent(node: node, image: plan.image)
        }
        run.last = termination(item[path: "lastState", "terminated"], simFromWall: simFromWall)
        let state = item["state"] ?? [:]
        if let running = state["running"] {
            let wall = running["startedAt"]?.stringValue.flatMap(Timestamp.parse) ?? env.wall(now)
            let startedSim = simFromWall(wall)
            run.stage = .running
            run.startedAtWall = wall
            run.startedAtSim = startedSim
            run.started = item["started"]?.boolValue ?? true
            run.ready = item["ready"]?.boolValue ?? false
            if !run.started { run.startedProbeAt = now + (plan.startupDelay ?? 0) }
            if plan.failure == .notReady {
                run.nextUnhealthyAt = plan.readinessDelay == nil ? nil : now + plan.readinessPeriod
            } else if !run.ready {
                run.readyAt = max(now, startedSim + (plan.readinessDelay ?? 0))
            }
            if let exit = pod.exitPlan(for: plan, run: run.instances, random: env.random) {
                run.exitAt = max(now, startedSim + exit.seconds)
                run.exitCode = exit.code
                run.exitReason = exit.reason
            }
        } else if let terminated = state["terminated"] {
            run.current = termination(terminated, simFromWall: simFromWall)
            let code = run.current?.exitCode ?? 0
            let restarts = !terminal && (plan.isSidecar || (plan.isInit ? code != 0 && pod.restartPolicy != "Never"
                : pod.restartPolicy == "Always" || (pod.restartPolicy == "OnFailure" && code != 0)))
            run.stage = .exited(restartAt: restarts ? now + 1 : nil, backOffAt: nil)
        } else if let waiting = state["waiting"] {
            let reason = waiting["reason"]?.stringValue ?? ""
            let message = waiting["message"]?.stringValue ?? ""
            switch reason {
            case "CrashLoopBackOff":
                let backOff = KubeletBackOff.restartDelay(consecutiveExits: max(2, restarts + 1))
                run.consecutiveExits = max(2, restarts + 1)
                run.stage = terminal ? .exited(restartAt: nil, backOffAt: nil) : .crashBackOff(until: now + backOff, backOff: backOff)
                run.display = (reason, message)
            case "ErrImagePull", "ImagePullBackOff":
                let error = message.range(of: "ErrImagePull: ").map { String(message[$0.upperBound...]) } ?? message
                run.pullFailures = 1
                run.stage = .pullBackOff(retryAt: now + KubeletBackOff.initial, shownAt: now, shown: reason == "ImagePullBackOff", error: error)
                run.display = (reason, message)
            default:
                run.stage = .notReached
            }
        }
        return run
    }
}
