import ClusterSim
import KubeAPI
import KubeJSON
import KubeStore
import Synchronization

/// What the model reads from one pod, independent of the moment of reading (which nodes are down, the clock):
/// parsed once per pod revision, so a snapshot of a large cluster parses only the pods that changed.
public struct PodDigest: Sendable {
    public var name: String
    public var namespace: String
    public var nodeName: String?
    public var labels: JSONObject
    public var creationTimestamp: String?
    public var running: Bool
    public var readyCondition: Bool
    public var succeeded: Bool
    /// Wall-clock seconds of `status.startTime`.
    public var startTime: Double?
    public var containers: [ContainerResources]
    public var controllerUID: String?
    /// For a pod no controller owns, the service it is on its own (named and profiled from its own metadata;
    /// pods and age filled in per snapshot).
    public var bare: WorkloadInput?

    public init(_ raw: JSON) {
        name = raw[path: "metadata", "name"]?.stringValue ?? ""
        namespace = raw[path: "metadata", "namespace"]?.stringValue ?? ""
        nodeName = raw[path: "spec", "nodeName"]?.stringValue
        labels = raw[path: "metadata", "labels"]?.objectValue ?? [:]
        creationTimestamp = raw[path: "metadata", "creationTimestamp"]?.stringValue
        let terminating = raw[path: "metadata", "deletionTimestamp"] != nil
        let phase = raw[path: "status", "phase"]?.stringValue
        running = phase == "Running" && !terminating
        succeeded = phase == "Succeeded"
        readyCondition = (raw[path: "status", "conditions"]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
        }
        startTime = raw[path: "status", "startTime"]?.stringValue.flatMap(Timestamp.parse)
        containers = ContainerResources.fromPodSpec(raw["spec"])
        controllerUID = ClusterSnapshot.controllerUID(raw)
        if controllerUID == nil && !succeeded {
            var service = ClusterSnapshot.workload(raw, kind: "Pod", desired: 1, pods: [], wallNow: 0, scale: 0)
            service.template = [] // the pod's own containers stand in at each snapshot
            bare = service
        } else {
            bare = nil
        }
    }
}

/// Pod digests by stored object: an unchanged pod is the very same `StoredObject` from one list to the next, so
/// its identity is the cache key (cheaper to hash than the object's key); the entry holds the object, so its
/// address cannot be reused while the entry lives. Derived data only, rebuilt from each list.
final class PodDigestCache: Sendable {
    private struct Entry: Sendable {
        let object: StoredObject
        let digest: PodDigest
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    /// The digests of `pods`, parsing only those new or changed since the last call; pods gone are forgotten.
    func digests(of pods: [StoredObject]) -> [PodDigest] {
        let known = entries.withLock { $0 }
        var next: [ObjectIdentifier: Entry] = [:]
        next.reserveCapacity(pods.count)
        var out: [PodDigest] = []
        out.reserveCapacity(pods.count)
        for pod in pods {
            let id = ObjectIdentifier(pod)
            let digest = known[id]?.digest ?? PodDigest(pod.json())
            next[id] = Entry(object: pod, digest: digest)
            out.append(digest)
        }
        entries.withLock { $0 = next }
        return out
    }
}
