import KubeJSON
import Synchronization

/// Where container logs come from: the simulated kubelets (the API layer serves them, it does not invent them).
public protocol PodLogSource: Sendable {
    /// The container's log lines up to `now` (seconds since the epoch), oldest first.
    func lines(pod: JSON, container: String, previous: Bool, now: Double) -> [(timestamp: Double, text: String)]
}

/// `pods/log`, as the kubelet answers it through kube-apiserver: plain text, `container`, `tailLines`,
/// `sinceSeconds`, `limitBytes`, `timestamps`, `previous`, and `follow` streaming until the pod goes or the
/// client leaves.
extension KubeAPIServer {
    public func setPodLogSource(_ source: any PodLogSource) {
        logSource.withLock { $0 = source }
    }

    func podLogResponse(_ request: APIRequest, type: ResourceType, namespace: String, name: String) throws(APIError) -> APIResponse {
        let pod = try getObject(type: type, namespace: namespace, name: name).json()
        let containers = (pod[path: "spec", "containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let initContainers = (pod[path: "spec", "initContainers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        var container = request.queryValue("container") ?? ""
        if container.isEmpty {
            if let annotated = pod[path: "metadata", "annotations", "kubectl.kubernetes.io/default-container"]?.stringValue {
                container = annotated
            } else if containers.count == 1 {
                container = containers[0]
            } else {
                throw .badRequest("a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]"
                    + (initContainers.isEmpty ? "" : " or one of the init containers: [\(initContainers.joined(separator: " "))]"))
            }
        }
        guard containers.contains(container) || initContainers.contains(container) else {
            throw .badRequest("container \(container) is not valid for pod \(name)")
        }
        let previous = request.queryValue("previous") == "true"
        let statuses = (pod[path: "status", "containerStatuses"]?.arrayValue ?? []) + (pod[path: "status", "initContainerStatuses"]?.arrayValue ?? [])
        let status = statuses.first { $0["name"]?.stringValue == container }
        if previous {
            guard status?[path: "lastState", "terminated"] != nil else {
                throw .badRequest("previous terminated container \"\(container)\" in pod \"\(name)\" not found")
            }
        } else if status?[path: "state", "running"] == nil, status?[path: "state", "terminated"] == nil,
                  status?[path: "lastState", "terminated"] == nil
        {
            let reason = status?[path: "state", "waiting", "reason"]?.stringValue ?? "ContainerCreating"
            throw .badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: \(reason)")
        }
        guard let source = logSource.withLock({ $0 }) else {
            return .text(200, "")
        }
        let options = LogOptions(request)
        let follow = request.queryValue("follow") == "true" && !previous && status?[path: "state", "running"] != nil
        let initial = options.select(source.lines(pod: pod, container: container, previous: previous, now: Timestamp.now()))
        if !follow {
            return APIResponse(status: 200, contentType: "text/plain", body: .bytes(options.render(initial, limitBytes: options.limitBytes)))
        }
        let stream = LogFollowStream(api: self, type: type, namespace: namespace, name: name, container: container,
                                     source: source, options: options, initial: initial)
        return APIResponse(status: 200, contentType: "text/plain", body: .stream(stream))
    }
}

struct LogOptions: Sendable {
    var tailLines: Int?
    var sinceSeconds: Double?
    var sinceTime: Double?
    var timestamps: Bool
    var limitBytes: Int?

    init(_ request: APIRequest) {
        tailLines = request.queryValue("tailLines").flatMap(Int.init).map { max(0, $0) }
        sinceSeconds = request.queryValue("sinceSeconds").flatMap(Double.init)
        sinceTime = request.queryValue("sinceTime").flatMap(Timestamp.parse)
        timestamps = request.queryValue("timestamps") == "true"
        limitBytes = request.queryValue("limitBytes").flatMap(Int.init)
    }

    func select(_ lines: [(timestamp: Double, text: String)]) -> [(timestamp: Double, text: String)] {
        var selected = lines
        if let sinceSeconds { selected.removeAll { $0.timestamp < Timestamp.now() - sinceSeconds } }
        if let sinceTime { selected.removeAll { $0.timestamp < sinceTime } }
        if let tailLines { selected = Array(selected.suffix(tailLines)) }
        return selected
    }

    func render(_ lines: [(timestamp: Double, text: String)], limitBytes: Int?) -> [UInt8] {
        var bytes: [UInt8] = []
        for line in lines {
            if timestamps { bytes += Array((Timestamp.rfc3339Nano(line.timestamp) + " ").utf8) }
            bytes += Array(line.text.utf8)
            bytes.append(0x0A)
        }
        if let limitBytes, bytes.count > limitBytes { bytes = Array(bytes.prefix(limitBytes)) }
        return bytes
    }
}

/// `follow=true`: the lines so far, then new ones as the container writes them, until the pod goes away.
final class LogFollowStream: StreamingBody {
    let api: KubeAPIServer
    let type: ResourceType
    let namespace: String
    let name: String
    let container: String
    let source: any PodLogSource
    let options: LogOptions
    let initial: [(timestamp: Double, text: String)]
    private let cancelled = Atomic<Bool>(false)

    init(api: KubeAPIServer, type: ResourceType, namespace: String, name: String, container: String, source: any PodLogSource,
         options: LogOptions, initial: [(timestamp: Double, text: String)])
    {
        self.api = api
        self.type = type
        self.namespace = namespace
        self.name = name
        self.container = container
        self.source = source
        self.options = options
        self.initial = initial
    }

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    func run(write: ([UInt8]) async throws -> Void) async throws {
        var last = initial.last?.timestamp ?? 0
        if !initial.isEmpty { try await write(options.render(initial, limitBytes: nil)) }
        while !cancelled.load(ordering: .relaxed) {
            try await Task.sleep(nanoseconds: 250_000_000)
            guard let pod = try? api.getObject(type: type, namespace: namespace, name: name).json(),
                  pod[path: "metadata", "deletionTimestamp"] == nil else { return }
            let fresh = source.lines(pod: pod, container: container, previous: false, now: Timestamp.now()).filter { $0.timestamp > last }
            if let newest = fresh.last?.timestamp { last = newest }
            if !fresh.isEmpty { try await write(options.render(fresh, limitBytes: nil)) }
        }
    }
}
