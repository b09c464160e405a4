import KubeAPI
import KubeJSON
import Synchronization

/// Records core/v1 Events as client-go's event recorder does: one Event per (object, reason, message) within a
/// short window, whose `count` and `lastTimestamp` grow when the same thing happens again.
public final class EventRecorder: Sendable {
    let client: ClusterClient
    let random: SeededRandom
    /// aggregation key → (namespace, event name)
    private let seen = Mutex<[String: (namespace: String, name: String)]>([:])

    public init(client: ClusterClient, random: SeededRandom) {
        self.client = client.named("event-recorder")
        self.random = random
    }

    /// `type` is Normal or Warning; `component` the source (default-scheduler, kubelet, deployment-controller...).
    public func record(_ object: JSON, type: String, reason: String, message: String, component: String,
                       host: String? = nil) async
    {
        let namespace = object[path: "metadata", "namespace"]?.stringValue ?? "default"
        let name = object[path: "metadata", "name"]?.stringValue ?? ""
        let uid = object[path: "metadata", "uid"]?.stringValue ?? ""
        let now = Timestamp.rfc3339(Timestamp.now())
        let key = "\(uid)/\(reason)/\(message)"
        if let existing = seen.withLock({ $0[key] }),
           var event = client.get(.events, namespace: existing.namespace, name: existing.name)
        {
            event["count"] = .int((event["count"]?.intValue ?? 1) + 1)
            event["lastTimestamp"] = .string(now)
            if (try? await client.update(.events, event)) != nil { return }
        }
        var involved: JSONObject = [
            "kind": object["kind"] ?? "", "namespace": .string(namespace), "name": .string(name), "uid": .string(uid),
            "apiVersion": object["apiVersion"] ?? "v1",
        ]
        if let rv = object[path: "metadata", "resourceVersion"] { involved["resourceVersion"] = rv }
        let eventName = "\(name).\(String(random.hash(key + now), radix: 16).prefix(16))"
        var source: JSONObject = ["component": .string(component)]
        if let host { source["host"] = .string(host) }
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(eventName), "namespace": .string(namespace)],
            "involvedObject": .object(involved), "reason": .string(reason), "message": .string(message),
            "source": .object(source), "firstTimestamp": .string(now), "lastTimestamp": .string(now), "count": 1,
            "type": .string(type), "eventTime": .null, "reportingComponent": .string(component),
            "reportingInstance": .string(host ?? ""),
        ]
        if (try? await client.create(.events, namespace: namespace, event)) != nil {
            seen.withLock { $0[key] = (namespace, eventName) }
        }
    }
}
