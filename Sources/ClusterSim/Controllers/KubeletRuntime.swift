import KubeStore
import Synchronization

/// Each simulated node's image store and its serialized puller (kubelet pulls one image at a time by
/// default): which images are on the node, and when the puller is free again.
final class KubeletImageStore: Sendable {
    enum Decision: Equatable {
        /// The image is there and the pull policy lets kubelet use it.
        case present
        /// A pull: `seconds` of pulling, `total` including the wait for the puller, `size` bytes.
        case pull(seconds: Double, total: Double, size: Int64)
    }

    private struct NodeImages {
        /// image reference → simulated instant it is (or will be) on the node
        var readyAt: [String: Double] = [:]
        var pullerFreeAt: Double = 0
        var pulls: [String: Int] = [:]
    }

    private let nodes = Mutex<[String: NodeImages]>([:])

    init() {}

    /// What happens when a container on `node` needs `image` at simulated instant `t`.
    func request(node: String, image: String, policy: String, at t: Double, random: SeededRandom) -> Decision {
        let reference = KubeletImages.reference(image)
        // Never means the image was loaded onto the node by hand (kind load, a pre-pulled AMI).
        if policy == "Never" { return .present }
        return nodes.withLock { nodes in
            var entry = nodes[node] ?? NodeImages()
            defer { nodes[node] = entry }
            let ready = entry.readyAt[reference]
            if policy != "Always", let ready, ready <= t { return .present }
            let size = KubeletImages.size(image, random: random)
            entry.pulls[reference, default: 0] += 1
            // Keyed by how many pulls of the image the node made, not by when: the same seed replays the same durations.
            let key = "node/\(node)/image/\(reference)/\(entry.pulls[reference] ?? 0)"
            // Layers already fetched (or being fetched) only cost a manifest round trip.
            let seconds = ready == nil
                ? KubeletImages.pullSeconds(size: size, key: key, random: random)
                : random.uniform(key + "/manifest", 0.2...0.9)
            let start = max(t, entry.pullerFreeAt)
            let end = start + seconds
            entry.pullerFreeAt = end
            entry.readyAt[reference] = min(ready ?? end, end)
            return .pull(seconds: seconds, total: end - t, size: size)
        }
    }

    func markPresent(node: String, image: String) {
        nodes.withLock { nodes in
            nodes[node, default: NodeImages()].readyAt[KubeletImages.reference(image)] = 0
        }
    }

    /// Image references on the node by now (for the node's status).
    func present(node: String, at t: Double) -> [String] {
        nodes.withLock { nodes in
            (nodes[node]?.readyAt ?? [:]).filter { $0.value <= t }.map(\.key).sorted()
        }
    }
}

/// What a kubelet needs to know about its node, kept per node revision so pods do not re-read the Node.
struct KubeletNodeFacts: Sendable {
    var revision: Int64
    var failed: Bool
    var hostIP: String
    var podCIDR: String
}

/// The simulated kubelets' memory between reconciles: per-pod records, the nodes' images and pod IPs, and
/// the pods that wait for their node's kubelet to come (back).
final class KubeletRuntime: Sendable {
    let images = KubeletImageStore()
    let addresses = KubeletAddressBook()
    private let records = Mutex<[String: KubeletPodRecord]>([:])
    private let waiting = Mutex<[String: Set<WorkKey>]>([:])
    private let nodes = Mutex<[String: KubeletNodeFacts]>([:])
    /// The revision of each pod's last status write by the kubelet, so its own echo is not reconciled again.
    private let written = Mutex<[String: Int64]>([:])

    init() {}

    func record(_ key: String) -> KubeletPodRecord? { records.withLock { $0[key] } }

    func store(_ key: String, _ record: KubeletPodRecord) { records.withLock { $0[key] = record } }

    func forget(_ key: String) {
        _ = records.withLock { $0.removeValue(forKey: key) }
        _ = written.withLock { $0.removeValue(forKey: key) }
        addresses.release(pod: key)
    }

    func wrote(_ key: String, revision: Int64) { written.withLock { $0[key] = revision } }

    func isOwnWrite(_ key: String, revision: Int64) -> Bool { written.withLock { $0[key] == revision } }

    /// The node's facts, parsed again only when the Node changed.
    func nodeFacts(_ node: StoredObject, random: SeededRandom) -> KubeletNodeFacts {
        if let known = nodes.withLock({ $0[node.key.name] }), known.revision == node.revision { return known }
        let json = node.json()
        let facts = KubeletNodeFacts(revision: node.revision, failed: NodeLifecycle.isFailed(json),
                                     hostIP: NodeLifecycleShape.internalIP(json) ?? "",
                                     podCIDR: KubeletSimulation.podCIDR(node: json, name: node.key.name, random: random))
        nodes.withLock { $0[node.key.name] = facts }
        return facts
    }

    /// Pods whose next step is due by `now` (a safety net behind the queued wake-ups).
    func due(by now: Double) -> [String] {
        records.withLock { records in
            records.compactMap { key, record in record.nextDue.map { $0 <= now ? key : nil } ?? nil }
        }
    }

    func wait(node: String, key: WorkKey) {
        _ = waiting.withLock { $0[node, default: []].insert(key) }
    }

    func takeWaiting(node: String) -> [WorkKey] {
        waiting.withLock { Array($0.removeValue(forKey: node) ?? []) }
    }
}
