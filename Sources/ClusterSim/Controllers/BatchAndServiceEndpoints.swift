import KubeAPI
import KubeJSON
import KubeStore
import Synchronization

/// What the endpoints and endpointslice controllers share: which services select a pod, and how a pod and
/// a service port become an address and a port (pkg/api/v1/pod.FindPort, endpointsliceutil).
enum BatchAndServiceEndpoints {
    private typealias Kit = BatchAndServiceKit

    /// The pod's port for a service port: a numeric targetPort, a named container port of the same protocol,
    /// or the service port itself when targetPort is absent. Nil when a named port is not found.
    static func resolvePort(pod: JSON, servicePort: JSON) -> Int64? {
        let target = servicePort["targetPort"]
        if let number = target?.intValue { return number }
        let protocolName = servicePort["protocol"]?.stringValue ?? "TCP"
        if let name = target?.stringValue, !name.isEmpty {
            if let number = Int64(name) { return number }
            for container in pod[path: "spec", "containers"]?.arrayValue ?? [] {
                for port in container["ports"]?.arrayValue ?? []
                where port["name"]?.stringValue == name && (port["protocol"]?.stringValue ?? "TCP") == protocolName {
                    return port["containerPort"]?.intValue
                }
            }
            return nil
        }
        return servicePort["port"]?.intValue
    }

    /// The endpoint ports of one pod, in service port order.
    static func ports(pod: JSON, service: JSON) -> [JSON] {
        var out: [JSON] = []
        for servicePort in service[path: "spec", "ports"]?.arrayValue ?? [] {
            guard let number = resolvePort(pod: pod, servicePort: servicePort) else { continue }
            var port = JSONObject()
            if let name = servicePort["name"]?.stringValue, !name.isEmpty { port["name"] = .string(name) }
            port["port"] = .int(number)
            port["protocol"] = .string(servicePort["protocol"]?.stringValue ?? "TCP")
            if let app = servicePort["appProtocol"] { port["appProtocol"] = app }
            out.append(.object(port))
        }
        return out
    }

    /// ShouldPodBeInEndpoints: not finished, has an address, and (unless terminating pods count) not deleting.
    static func includes(_ pod: JSON, terminating: Bool) -> Bool {
        if Kit.isTerminal(pod) { return false }
        if podIP(pod).isEmpty { return false }
        if !terminating && Kit.isDeleting(pod) { return false }
        return true
    }

    static func podIP(_ pod: JSON) -> String { pod[path: "status", "podIP"]?.stringValue ?? "" }

    /// The pod's hostname in this service's DNS, when its subdomain names the service.
    static func hostname(pod: JSON, service: JSON) -> String? {
        guard let hostname = pod[path: "spec", "hostname"]?.stringValue, !hostname.isEmpty,
              pod[path: "spec", "subdomain"]?.stringValue == Kit.name(service) else { return nil }
        return hostname
    }

    static func targetRef(_ pod: JSON) -> JSON {
        ["kind": "Pod", "namespace": .string(Kit.namespace(pod)), "name": .string(Kit.name(pod)), "uid": .string(Kit.uid(pod))]
    }

    /// Services with a selector, whose endpoints the controllers manage.
    static func managed(_ service: JSON) -> Bool {
        guard let selector = service[path: "spec", "selector"]?.objectValue else { return false }
        return !selector.isEmpty && service[path: "spec", "type"]?.stringValue != "ExternalName"
    }

    static func pods(_ client: ClusterClient, service: JSON) -> [JSON] {
        let selector = LabelSelector.matchingExactly(Kit.stringMap(service[path: "spec", "selector"]))
        return client.list(.pods, namespace: Kit.namespace(service), labelSelector: selector.description)
    }

    /// The parts of a pod endpoints depend on, to skip pod updates that change none of them.
    static func digest(_ pod: StoredObject) -> JSON {
        let json = pod.json()
        return [
            "ip": .string(podIP(json)), "ready": .bool(Kit.isReady(json)), "phase": .string(Kit.phase(json)),
            "deleting": .bool(Kit.isDeleting(json)), "node": .string(Kit.nodeName(json)),
            "hostname": json[path: "spec", "hostname"] ?? .null, "subdomain": json[path: "spec", "subdomain"] ?? .null,
        ]
    }
}

/// Service selectors by namespace, kept from the services watch (an informer's index), so a pod event finds
/// its services without listing them.
final class BatchAndServiceSelectorIndex: Sendable {
    private let selectors = Mutex<[String: [String: LabelSelector]]>([:])

    func update(namespace: String, name: String, selector: LabelSelector?) {
        selectors.withLock { all in
            if let selector { all[namespace, default: [:]][name] = selector } else { all[namespace]?[name] = nil }
        }
    }

    func matching(namespace: String, labels: [String: String]) -> [String] {
        selectors.withLock { all in
            (all[namespace] ?? [:]).compactMap { $0.value.matches(labels) ? $0.key : nil }
        }
    }

    /// Feeds the index from a watch of services and queues each service that changes.
    func watchServices(_ client: ClusterClient, into queue: WorkQueue) async {
        for await change in client.changes(.services) {
            let service = change.object.json()
            let selector: LabelSelector? = change.type == .deleted || !BatchAndServiceEndpoints.managed(service) ? nil
                : LabelSelector.matchingExactly(BatchAndServiceKit.stringMap(service[path: "spec", "selector"]))
            update(namespace: change.namespace, name: change.name, selector: selector)
            queue.add(WorkKey(namespace: change.namespace, name: change.name))
        }
    }

    /// Queues the services selecting a pod before or after a change that matters to endpoints.
    func watchPods(_ client: ClusterClient, into queue: WorkQueue) async {
        for await change in client.changes(.pods) {
            var services = Set(matching(namespace: change.namespace, labels: change.object.attributes.labels))
            if let previous = change.previous {
                services.formUnion(matching(namespace: change.namespace, labels: previous.attributes.labels))
                if services.isEmpty { continue }
                if change.type == .modified, previous.attributes.labels == change.object.attributes.labels,
                   BatchAndServiceEndpoints.digest(previous) == BatchAndServiceEndpoints.digest(change.object) { continue }
            }
            for service in services { queue.add(WorkKey(namespace: change.namespace, name: service)) }
        }
    }
}
