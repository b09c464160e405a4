import KubeAPI
import KubeJSON

/// Believable container logs for `kubectl logs`: seeded lines in the style of the container's image (nginx,
/// redis, postgres, python/uvicorn apps, GPU inference servers, batch jobs, generic services), stamped from the
/// container instance's `startedAt` (wall time, like every object timestamp). The same seed, pod and instant
/// give the same lines.
public struct PodLogs: Sendable {
    public let random: SeededRandom
    /// The most recent lines kept (kubelet rotates container logs too).
    public var maxLines: Int

    public init(random: SeededRandom, maxLines: Int = 5000) {
        self.random = random
        self.maxLines = maxLines
    }

    public init(seed: UInt64, maxLines: Int = 5000) {
        self.init(random: SeededRandom(seed: seed), maxLines: maxLines)
    }

    /// The log of `container` in `pod` up to `now` (wall seconds): the current instance, or with `previous`
    /// the one before it. Empty when there is nothing to read (see `unavailableReason`).
    public func lines(pod: JSON, container: String, previous: Bool = false,
                      now: Double = Timestamp.now()) -> [(timestamp: Double, text: String)]
    {
        guard let status = Self.containerStatus(pod: pod, container: container),
              let instance = Self.instance(status: status, previous: previous, now: now) else { return [] }
        let spec = Self.containerSpec(pod: pod, container: container)
        let image = spec?["image"]?.stringValue ?? status["image"]?.stringValue ?? ""
        let context = PodLogContext(
            random: random,
            key: "logs/\(pod[path: "metadata", "namespace"]?.stringValue ?? "")/\(pod[path: "metadata", "name"]?.stringValue ?? "")/\(container)/\(instance.id)",
            family: KubeletImages.family(image), image: image,
            job: KubeletPodPlan(pod: pod).runToCompletion || (spec != nil && Self.isInit(pod: pod, container: container)),
            podIP: pod[path: "status", "podIP"]?.stringValue ?? "10.244.1.2",
            hostIP: pod[path: "status", "hostIP"]?.stringValue ?? "172.18.0.2",
            probed: spec?["readinessProbe"] != nil || spec?["livenessProbe"] != nil,
            port: Int(spec?[path: "ports"]?.arrayValue?.first?["containerPort"]?.intValue ?? 0))
        var out = PodLogBody.lines(context, start: instance.start, end: instance.end, exit: instance.exit, maxLines: maxLines)
        if out.count > maxLines { out.removeFirst(out.count - maxLines) }
        return out
    }

    /// Why the kubelet would refuse to serve the log (its wording), or nil when there is one to serve.
    public static func unavailableReason(pod: JSON, container: String, previous: Bool) -> String? {
        let podName = pod[path: "metadata", "name"]?.stringValue ?? ""
        guard let status = containerStatus(pod: pod, container: container) else {
            return "container \"\(container)\" in pod \"\(podName)\" is waiting to start: ContainerCreating"
        }
        let last = status[path: "lastState", "terminated"]
        if previous {
            if (last?["containerID"]?.stringValue ?? "").isEmpty {
                return "previous terminated container \"\(container)\" in pod \"\(podName)\" not found"
            }
            return nil
        }
        if status[path: "state", "running"] != nil || status[path: "state", "terminated"] != nil { return nil }
        if !(last?["containerID"]?.stringValue ?? "").isEmpty { return nil }
        let reason = status[path: "state", "waiting", "reason"]?.stringValue ?? ""
        switch reason {
        case "ErrImagePull": return "container \"\(container)\" in pod \"\(podName)\" is waiting to start: image can't be pulled"
        case "ImagePullBackOff": return "container \"\(container)\" in pod \"\(podName)\" is waiting to start: trying and failing to pull image"
        case "": return "container \"\(container)\" in pod \"\(podName)\" is waiting to start - no logs yet"
        default: return "container \"\(container)\" in pod \"\(podName)\" is waiting to start: \(reason)"
        }
    }

    // MARK: - Reading the status

    static func containerStatus(pod: JSON, container: String) -> JSON? {
        let all = (pod[path: "status", "containerStatuses"]?.arrayValue ?? []) + (pod[path: "status", "initContainerStatuses"]?.arrayValue ?? [])
        return all.first { $0["name"]?.stringValue == container }
    }

    static func containerSpec(pod: JSON, container: String) -> JSON? {
        let all = (pod[path: "spec", "containers"]?.arrayValue ?? []) + (pod[path: "spec", "initContainers"]?.arrayValue ?? [])
        return all.first { $0["name"]?.stringValue == container }
    }

    static func isInit(pod: JSON, container: String) -> Bool {
        (pod[path: "spec", "initContainers"]?.arrayValue ?? []).contains {
            $0["name"]?.stringValue == container && $0["restartPolicy"]?.stringValue != "Always"
        }
    }

    struct Instance {
        var id: String
        var start: Double
        var end: Double
        /// Exit code and reason when the instance terminated.
        var exit: (code: Int, reason: String)?
    }

    /// The container instance whose log is asked for: the running one, the terminated one, or (previous, or
    /// while waiting to restart) the last terminated one.
    static func instance(status: JSON, previous: Bool, now: Double) -> Instance? {
        func terminated(_ json: JSON?) -> Instance? {
            guard let json, let start = json["startedAt"]?.stringValue.flatMap(Timestamp.parse) else { return nil }
            let end = json["finishedAt"]?.stringValue.flatMap(Timestamp.parse) ?? start
            return Instance(id: json["containerID"]?.stringValue ?? "", start: start, end: max(start, min(end, now)),
                            exit: (Int(json["exitCode"]?.intValue ?? 0), json["reason"]?.stringValue ?? "Completed"))
        }
        let last = status[path: "lastState", "terminated"]
        if previous { return terminated(last) }
        if let running = status[path: "state", "running"], let start = running["startedAt"]?.stringValue.flatMap(Timestamp.parse) {
            return Instance(id: status["containerID"]?.stringValue ?? "", start: start, end: max(start, now), exit: nil)
        }
        return terminated(status[path: "state", "terminated"]) ?? terminated(last)
    }
}

/// What the line generator knows about one container instance.
struct PodLogContext {
    var random: SeededRandom
    var key: String
    var family: KubeletImages.Family
    var image: String
    var job: Bool
    var podIP: String
    var hostIP: String
    var probed: Bool
    var port: Int

    func unit(_ what: String) -> Double { random.unit(key + "/" + what) }
    func pick<T>(_ what: String, _ options: [T]) -> T { options[Int(unit(what) * Double(options.count)) % options.count] }
    func int(_ what: String, _ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(unit(what) * Double(range.count)) % range.count
    }

    var version: String {
        let tag = KubeletImages.split(image).tag ?? "latest"
        return tag.first?.isNumber == true ? tag : ""
    }
}

/// The API's pods/log handler reads container logs through this.
extension PodLogs: PodLogSource {}
