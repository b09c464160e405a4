import KubeAPI
import KubeJSON
import Synchronization

/// What the horizontal pod autoscaler reads and writes through the API, as kube-controller-manager's scale and
/// metrics clients do: the target's `/scale` subresource and `metrics.k8s.io` PodMetrics.
enum HorizontalPodAutoscalerSources {
    typealias M = HorizontalPodAutoscalerMath
    private typealias Kit = BatchAndServiceKit

    /// The scale of an autoscaler's target, and where to write it.
    struct ScaleTarget: Sendable {
        var path: String
        var replicas: Int
        var selector: String
    }

    /// The target's Scale, found by group and kind as the REST mapper does.
    static func scale(_ client: ClusterClient, namespace: String, reference: JSON) async -> Result<ScaleTarget, M.Failure> {
        let apiVersion = reference["apiVersion"]?.stringValue ?? ""
        let kind = reference["kind"]?.stringValue ?? ""
        let name = reference["name"]?.stringValue ?? ""
        let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else { return .failure(M.Failure("unexpected GroupVersion string: \(apiVersion)")) }
        let group = parts.count == 2 ? parts[0] : ""
        guard let type = client.api.registry.type(group: group, version: nil, kind: kind), type.namespaced else {
            return .failure(M.Failure("no matches for kind \"\(kind)\" in group \"\(group)\""))
        }
        let base = type.group.isEmpty ? "/api/\(type.version)" : "/apis/\(type.group)/\(type.version)"
        let path = "\(base)/namespaces/\(namespace)/\(type.plural)/\(name)/scale"
        let response = await client.api.handle(APIRequest(method: "GET", path: path))
        guard response.status == 200, let scale = try? JSONParser.parse(response.bodyBytes) else {
            return .failure(M.Failure(errorMessage(response)))
        }
        return .success(ScaleTarget(path: path, replicas: Int(scale[path: "spec", "replicas"]?.intValue ?? 0),
                                    selector: scale[path: "status", "selector"]?.stringValue ?? ""))
    }

    /// Sets the target's replicas through its scale subresource.
    static func setReplicas(_ client: ClusterClient, _ target: ScaleTarget, _ replicas: Int) async throws(M.Failure) {
        let patch: JSON = ["spec": ["replicas": .int(Int64(replicas))]]
        let response = await client.api.handle(APIRequest(
            method: "PATCH", path: target.path, query: [("fieldManager", client.manager)],
            headers: ["content-type": "application/merge-patch+json"], body: patch.serialized()))
        guard response.status == 200 else { throw M.Failure(errorMessage(response)) }
    }

    static func errorMessage(_ response: APIResponse) -> String {
        let status = try? JSONParser.parse(response.bodyBytes)
        return status?["message"]?.stringValue ?? "the server responded with the status code \(response.status)"
    }

    // MARK: - metrics.k8s.io

    /// One PodMetrics item: usage per container in milli-units.
    struct PodSample: Sendable {
        var name: String
        var timestamp: Double?
        var window: Double
        var containers: [(name: String, usage: [String: Int64])]
    }

    /// The PodMetrics of the selected pods, read from the metrics API.
    static func podSamples(_ client: ClusterClient, namespace: String, selector: String) async -> Result<[PodSample], M.Failure> {
        let response = await client.api.handle(APIRequest(
            method: "GET", path: "/apis/metrics.k8s.io/v1beta1/namespaces/\(namespace)/pods",
            query: selector.isEmpty ? [] : [("labelSelector", selector)]))
        guard response.status == 200, let list = try? JSONParser.parse(response.bodyBytes) else {
            return .failure(M.Failure("unable to fetch metrics from resource metrics API: \(errorMessage(response))"))
        }
        let items = list["items"]?.arrayValue ?? []
        guard !items.isEmpty else { return .failure(M.Failure("no metrics returned from resource metrics API")) }
        return .success(items.map { item in
            PodSample(
                name: Kit.name(item), timestamp: item["timestamp"]?.stringValue.flatMap(Timestamp.parse),
                window: item["window"]?.stringValue.flatMap(M.duration) ?? 0,
                containers: (item["containers"]?.arrayValue ?? []).map { container in
                    var usage: [String: Int64] = [:]
                    for (resource, value) in container["usage"]?.objectValue ?? JSONObject() {
                        if let quantity = Quantity.parse(json: value) { usage[resource] = quantity.milliValue }
                    }
                    return (container["name"]?.stringValue ?? "", usage)
                })
        })
    }

    /// getPodMetrics / getContainerMetrics: a pod's usage of `resource` summed over its containers (or of one
    /// container); pods lacking the resource in any counted container have no sample.
    static func metrics(_ samples: [PodSample], resource: String, container: String?) -> [String: M.PodMetric] {
        var out: [String: M.PodMetric] = [:]
        for sample in samples {
            let counted = sample.containers.filter { container == nil || $0.name == container }
            guard !counted.isEmpty else { continue }
            var sum: Int64 = 0
            var complete = true
            for c in counted {
                guard let value = c.usage[resource] else { complete = false; break }
                sum += value
            }
            if complete { out[sample.name] = M.PodMetric(value: sum, timestamp: sample.timestamp, window: sample.window) }
        }
        return out
    }

    // MARK: - Pods

    /// A pod as the calculator sees it; wall-clock stamps written by the kubelet become simulated instants.
    static func facts(_ pod: JSON, clock: SimulatedClock) -> M.PodFacts {
        func simulated(_ text: String?) -> Double? {
            text.flatMap(Timestamp.parse).map { Kit.simulatedTime(ofWall: $0, clock: clock) }
        }
        let ready = Kit.condition(pod, "Ready")
        let spec = pod["spec"] ?? [:]
        var containers = spec["containers"]?.arrayValue ?? []
        containers += (spec["initContainers"]?.arrayValue ?? []).filter { $0["restartPolicy"]?.stringValue == "Always" }
        return M.PodFacts(
            name: Kit.name(pod), labels: Kit.labels(pod), phase: Kit.phase(pod), deleting: Kit.isDeleting(pod),
            ready: ready?["status"]?.stringValue, readyTransition: simulated(ready?["lastTransitionTime"]?.stringValue),
            startTime: simulated(pod[path: "status", "startTime"]?.stringValue),
            containers: containers.map { container in
                var requests: [String: Int64] = [:]
                for (resource, value) in container[path: "resources", "requests"]?.objectValue ?? JSONObject() {
                    if let quantity = Quantity.parse(json: value) { requests[resource] = quantity.milliValue }
                }
                return (container["name"]?.stringValue ?? "", requests)
            })
    }
}

/// The autoscalers' derived state in the controller's memory, as kube-controller-manager keeps it: recent
/// recommendations and scale events per autoscaler, and the selectors seen, rebuilt from nothing on restart.
final class HorizontalPodAutoscalerMemory: Sendable {
    private struct Entry: Sendable {
        var history = HorizontalPodAutoscalerMath.History()
        var namespace = ""
        var selector: LabelSelector?
    }

    private let entries = Mutex<[String: Entry]>([:])

    init() {}

    func history(_ key: String) -> HorizontalPodAutoscalerMath.History {
        entries.withLock { $0[key]?.history ?? HorizontalPodAutoscalerMath.History() }
    }

    func update<R: Sendable>(_ key: String, _ body: (inout HorizontalPodAutoscalerMath.History) -> R) -> R {
        entries.withLock { entries in body(&entries[key, default: Entry()].history) }
    }

    /// recordInitialRecommendation: the target's size is the first recommendation of a new autoscaler.
    func recordInitial(_ key: String, replicas: Int, now: Double) {
        update(key) { history in
            if history.recommendations.isEmpty {
                history.recommendations.append(.init(replicas: replicas, at: now))
            }
        }
    }

    /// Drops what is remembered of autoscalers that no longer exist.
    func retain(_ keys: Set<String>) {
        entries.withLock { entries in entries = entries.filter { keys.contains($0.key) } }
    }

    /// Records this autoscaler's selector and returns the autoscalers of the namespace selecting any of `pods`.
    func selecting(_ key: String, namespace: String, selector: LabelSelector, pods: [[String: String]]) -> [String] {
        entries.withLock { entries in
            entries[key, default: Entry()].namespace = namespace
            entries[key, default: Entry()].selector = selector
            return entries.compactMap { other, entry -> String? in
                guard entry.namespace == namespace, let theirs = entry.selector, !theirs.matchesNothing,
                      pods.contains(where: { theirs.matches($0) }) else { return nil }
                return other
            }.sorted()
        }
    }
}
