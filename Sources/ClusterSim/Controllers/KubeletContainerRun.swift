/// One event the simulated kubelet records about a pod.
struct KubeletEvent: Sendable, Equatable {
    var type: String
    var reason: String
    var message: String

    static func normal(_ reason: String, _ message: String) -> KubeletEvent { .init(type: "Normal", reason: reason, message: message) }
    static func warning(_ reason: String, _ message: String) -> KubeletEvent { .init(type: "Warning", reason: reason, message: message) }
}

/// A finished container instance, as `state.terminated` / `lastState.terminated` show it.
struct KubeletTermination: Sendable, Equatable {
    var exitCode: Int
    var reason: String
    var startedAtWall: Double
    var finishedAtWall: Double
    var containerID: String
    /// Simulated seconds the instance ran (for the back-off reset).
    var ranFor: Double
}

/// Where a container is in its walk: pull, create, start, run, exit, back off, restart.
enum KubeletStage: Sendable, Equatable {
    /// Not yet its turn (init containers before it, or the sandbox, are not done).
    case notReached
    /// The puller is working; at `until` the image is there (Pulled) or the pull fails with `failure`.
    case pulling(until: Double, pulledMessage: String?, failure: String?)
    /// The last pull failed: ErrImagePull until `shownAt`, then ImagePullBackOff; the next pull at `retryAt`.
    case pullBackOff(retryAt: Double, shownAt: Double, shown: Bool, error: String)
    case creating(until: Double)
    case starting(until: Double)
    case running
    /// Terminated. `backOffAt`: when the CrashLoopBackOff wait shows; `restartAt`: when the next instance's walk
    /// begins; both nil when the container stays terminated.
    case exited(restartAt: Double?, backOffAt: Double?)
    case crashBackOff(until: Double, backOff: Double)
}

/// What the container runtime of the node the pod runs on offers a container walk.
struct KubeletEnvironment {
    var node: String
    var random: SeededRandom
    var images: KubeletImageStore
    /// Wall-clock seconds for a simulated instant (object timestamps are wall time).
    var wall: (Double) -> Double
}

/// The simulated life of one container of a pod, instance after instance.
struct KubeletContainerRun: Sendable, Equatable {
    var name: String
    var image: String
    var stage: KubeletStage = .notReached
    /// Instances created so far; restartCount is one less once the first has been created.
    var instances = 0
    var imagePulled = false
    var imageID: String?
    var containerID: String?
    var startedAtWall: Double?
    var startedAtSim: Double?
    var exitAt: Double?
    var exitCode = 0
    var exitReason = "Completed"
    var readyAt: Double?
    var startedProbeAt: Double?
    var ready = false
    var started = false
    var current: KubeletTermination?
    var last: KubeletTermination?
    var consecutiveExits = 0
    var pullFailures = 0
    /// The waiting state shown while a restart walk is under way (CrashLoopBackOff, ImagePullBackOff...).
    var display: (reason: String, message: String)?
    var nextUnhealthyAt: Double?

    init(name: String, image: String) {
        self.name = name
        self.image = image
    }

    static func == (a: KubeletContainerRun, b: KubeletContainerRun) -> Bool {
        a.name == b.name && a.image == b.image && a.stage == b.stage && a.instances == b.instances && a.ready == b.ready
            && a.started == b.started && a.current == b.current && a.last == b.last
            && a.display?.reason == b.display?.reason && a.display?.message == b.display?.message
    }

    var restartCount: Int { max(0, instances - 1) }

    var isRunning: Bool { stage == .running }

    /// Terminated for good (no restart coming).
    var isFinished: Bool {
        if case .exited(nil, nil) = stage { return true }
        return false
    }

    /// An init container that completed successfully, letting the next one begin.
    var completedSuccessfully: Bool { isFinished && current?.exitCode == 0 }

    /// Whether the kubelet has tried this container at least once (the next regular container may begin).
    var attempted: Bool {
        switch stage {
        case .notReached: return false
        case .pulling, .creating, .starting: return instances > 0 || pullFailures > 0
        default: return true
        }
    }

    /// The earliest simulated instant at which this container changes by itself.
    var nextDue: Double? {
        var due: [Double] = []
        switch stage {
        case .notReached, .running: break
        case .pulling(let until, _, _), .creating(let until), .starting(let until), .crashBackOff(let until, _):
            due.append(until)
        case .pullBackOff(let retryAt, let shownAt, let shown, _):
            due.append(shown ? retryAt : min(shownAt, retryAt))
        case .exited(let restartAt, let backOffAt):
            if let backOffAt { due.append(backOffAt) } else if let restartAt { due.append(restartAt) }
        }
        if stage == .running {
            if let exitAt { due.append(exitAt) }
            if !started, let startedProbeAt { due.append(startedProbeAt) }
            if !ready, let readyAt { due.append(readyAt) }
            if let nextUnhealthyAt { due.append(nextUnhealthyAt) }
        }
        return due.min()
    }

    // MARK: - The walk

    /// Starts pulling (or finds the image present) at simulated instant `t`.
    mutating func beginWalk(at t: Double, plan: KubeletContainerPlan, pod: KubeletPodPlan, env: KubeletEnvironment) -> [KubeletEvent] {
        let attempt = "pod/\(pod.key)/\(name)/\(instances)/\(pullFailures)"
        if plan.failure == .imagePullBackOff {
            let error = KubeletImages.cannotExist(plan.image)
                ? KubeletFormat.imageNotFound(plan.image) : KubeletFormat.imageAccessDenied(plan.image)
            stage = .pulling(until: t + env.random.uniform(attempt + "/failpull", 0.4...2.5), pulledMessage: nil, failure: error)
            return [.normal("Pulling", KubeletFormat.pulling(plan.image))]
        }
        switch env.images.request(node: env.node, image: plan.image, policy: plan.pullPolicy, at: t, random: env.random) {
        case .present:
            imagePulled = true
            imageID = KubeletImages.imageID(plan.image, random: env.random)
            stage = .creating(until: t + env.random.uniform(attempt + "/create", 0.1...0.5))
            return [.normal("Pulled", KubeletFormat.alreadyPresent(plan.image))]
        case .pull(let seconds, let total, let size):
            let message = KubeletFormat.pulled(plan.image, pullSeconds: seconds, totalSeconds: total, size: size)
            stage = .pulling(until: t + total, pulledMessage: message, failure: nil)
            return [.normal("Pulling", KubeletFormat.pulling(plan.image))]
        }
    }

    /// Applies every transition due by `now`; the events in the order they happened.
    mutating func advance(now: Double, plan: KubeletContainerPlan, pod: KubeletPodPlan, env: KubeletEnvironment) -> [KubeletEvent] {
        var events: [KubeletEvent] = []
        for _ in 0..<32 {
            guard let step = transition(now: now, plan: plan, pod: pod, env: env) else { break }
            events += step
        }
        return events
    }

    /// One due transition, or nil when nothing is due.
    private mutating func transition(now: Double, plan: KubeletContainerPlan, pod: KubeletPodPlan, env: KubeletEnvironment) -> [KubeletEvent]? {
        switch stage {
        case .notReached:
            return nil
        case .pulling(let until, let pulledMessage, let failure):
            guard until <= now else { return nil }
            if let failure {
                pullFailures += 1
                let wait = KubeletBackOff.delay(failures: pullFailures)
                let shownAt = until + env.random.uniform("pod/\(pod.key)/\(name)/backoff-shown/\(pullFailures)", 0.8...3)
                stage = .pullBackOff(retryAt: until + wait, shownAt: min(shownAt, until + wait), shown: false, error: failure)
                display = ("ErrImagePull", failure)
                return [.warning("Failed", KubeletFormat.failedToPull(plan.image, error: failure)),
                        .warning("Failed", "Error: ErrImagePull")]
            }
            imagePulled = true
            imageID = KubeletImages.imageID(plan.image, random: env.random)
            pullFailures = 0
            stage = .creating(until: until + env.random.uniform("pod/\(pod.key)/\(name)/\(instances)/create", 0.1...0.5))
            return pulledMessage.map { [.normal("Pulled", $0)] } ?? []
        case .pullBackOff(let retryAt, let shownAt, let shown, let error):
            if !shown, shownAt <= now, shownAt < retryAt {
                stage = .pullBackOff(retryAt: retryAt, shownAt: shownAt, shown: true, error: error)
                display = ("ImagePullBackOff", KubeletFormat.imagePullBackOffMessage(plan.image, error: error))
                return [.normal("BackOff", KubeletFormat.backOffPulling(plan.image)),
                        .warning("Failed", "Error: ImagePullBackOff")]
            }
            guard retryAt <= now else { return nil }
            return beginWalk(at: retryAt, plan: plan, pod: pod, env: env)
        case .creating(let until):
            guard until <= now else { return nil }
            instances += 1
            containerID = "containerd://" + KubeletImages.hex(env.random, "pod/\(pod.key)/\(pod.uid)/\(name)/\(instances)/cid")
            stage = .starting(until: until + env.random.uniform("pod/\(pod.key)/\(name)/\(instances)/start", 0.1...1.0))
            return [.normal("Created", KubeletFormat.created(name))]
        case .starting(let until):
            guard until <= now else { return nil }
            start(at: until, plan: plan, pod: pod, env: env)
            return [.normal("Started", KubeletFormat.started(name))]
        case .running:
            return runningTransition(now: now, plan: plan, pod: pod, env: env)
        case .exited(let restartAt, let backOffAt):
            if let backOffAt {
                guard backOffAt <= now, let restartAt else { return nil }
                last = current ?? last
                current = nil
                let backOff = KubeletBackOff.restartDelay(consecutiveExits: consecutiveExits)
                stage = .crashBackOff(until: restartAt, backOff: backOff)
                display = ("CrashLoopBackOff", KubeletFormat.crashBackOffMessage(backOff: backOff, container: name, pod: pod.podDescription))
                return [.warning("BackOff", KubeletFormat.crashBackOffEvent(container: name, pod: pod.podDescription))]
            }
            guard let restartAt, restartAt <= now else { return nil }
            return beginWalk(at: restartAt, plan: plan, pod: pod, env: env)
        case .crashBackOff(let until, _):
            guard until <= now else { return nil }
            return beginWalk(at: until, plan: plan, pod: pod, env: env)
        }
    }

    private mutating func start(at t: Double, plan: KubeletContainerPlan, pod: KubeletPodPlan, env: KubeletEnvironment) {
        if let current { last = current }
        current = nil
        display = nil
        stage = .running
        startedAtSim = t
        startedAtWall = env.wall(t)
        let jitter = env.random.uniform("pod/\(pod.key)/\(name)/\(instances)/probe", 0.2...1.0)
        startedProbeAt = plan.startupDelay.map { t + $0 + jitter }
        started = startedProbeAt == nil
        let readyDelay = plan.readinessDelay.map { $0 + jitter } ?? 0
        if plan.failure == .notReady {
            readyAt = nil
            nextUnhealthyAt = plan.readinessDelay == nil ? nil : t + readyDelay
        } else {
            readyAt = (startedProbeAt ?? t) + readyDelay
            nextUnhealthyAt = nil
        }
        ready = false
        if let exit = pod.exitPlan(for: plan, run: instances, random: env.random) {
            exitAt = t + exit.seconds
            exitCode = exit.code
            exitReason = exit.reason
        } else {
            exitAt = nil
        }
    }

    private mutating func runningTransition(now: Double, plan: KubeletContainerPlan, pod: KubeletPodPlan, env: KubeletEnvironment) -> [KubeletEvent]? {
        // Whatever comes first happens first, so a late wake-up replays the order correctly.
        var candidates: [(at: Double, kind: Int)] = []
        if let exitAt, exitAt <= now { candidates.append((exitAt, 0)) }
        if !started, let startedProbeAt, startedProbeAt <= now { candidates.append((startedProbeAt, 1)) }
        if !ready, started, let readyAt, readyAt <= now { candidates.append((readyAt, 2)) }
        if let nextUnhealthyAt, nextUnhealthyAt <= now { candidates.append((nextUnhealthyAt, 3)) }
        guard let next = candidates.min(by: { $0.at < $1.at || ($0.at == $1.at && $0.kind > $1.kind) }) else { return nil }
        switch next.kind {
        case 1:
            started = true
            return []
        case 2:
            ready = true
            return []
        case 3:
            nextUnhealthyAt = next.at + max(plan.readinessPeriod, 10)
            // Probe failures only go on while the container is up; the exit check comes first when both are due.
            return [.warning("Unhealthy", plan.readinessFailure)]
        default:
            exit(at: next.at, code: exitCode, reason: exitReason, plan: plan, pod: pod, env: env)
            return []
        }
    }

    /// The current instance terminates at `t`; the restart policy decides what follows.
    mutating func exit(at t: Double, code: Int, reason: String, plan: KubeletContainerPlan, pod: KubeletPodPlan,
                       env: KubeletEnvironment, restart allowRestart: Bool = true)
    {
        let ranFor = t - (startedAtSim ?? t)
        current = KubeletTermination(exitCode: code, reason: reason, startedAtWall: startedAtWall ?? env.wall(t),
                                     finishedAtWall: env.wall(t), containerID: containerID ?? "", ranFor: ranFor)
        ready = false
        started = false
        exitAt = nil
        nextUnhealthyAt = nil
        consecutiveExits = ranFor >= KubeletBackOff.resetAfter ? 1 : consecutiveExits + 1
        let restarts: Bool
        if !allowRestart {
            restarts = false
        } else if plan.isSidecar {
            restarts = true
        } else if plan.isInit {
            restarts = code != 0 && pod.restartPolicy != "Never"
        } else {
            restarts = pod.restartPolicy == "Always" || (pod.restartPolicy == "OnFailure" && code != 0)
        }
        guard restarts else {
            stage = .exited(restartAt: nil, backOffAt: nil)
            return
        }
        let wait = KubeletBackOff.restartDelay(consecutiveExits: consecutiveExits)
        let sync = env.random.uniform("pod/\(pod.key)/\(name)/\(instances)/resync", 0.5...1.5)
        if wait <= 0 {
            stage = .exited(restartAt: t + sync, backOffAt: nil)
        } else {
            stage = .exited(restartAt: t + wait, backOffAt: t + min(sync, wait))
        }
    }

    /// The spec now names another image: kubelet kills the container and starts one from the new image.
    mutating func imageChanged(to newImage: String, now: Double, plan: KubeletContainerPlan, pod: KubeletPodPlan,
                               env: KubeletEnvironment) -> [KubeletEvent]
    {
        image = newImage
        imagePulled = false
        imageID = nil
        pullFailures = 0
        var events: [KubeletEvent] = []
        switch stage {
        case .notReached, .exited(nil, nil):
            consecutiveExits = 0
            return []
        case .running:
            exit(at: now, code: 0, reason: "Completed", plan: plan, pod: pod, env: env, restart: false)
            events.append(.normal("Killing", KubeletFormat.definitionChanged(name)))
        default:
            break
        }
        // A new definition is not a crash: its restarts start a fresh back-off.
        consecutiveExits = 0
        return events + beginWalk(at: now, plan: plan, pod: pod, env: env)
    }
}
