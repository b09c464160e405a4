import Foundation
import KubeAPI
import KubeJSON
import KubeStore
import Synchronization

/// What the ReplicaSet controller needs to know about a pod: read once per revision and shared, never changed.
final class WorkloadPod: Sendable {
    let namespace: String
    let name: String
    let uid: String
    let labels: [String: String]
    let references: [WorkloadOwnerRef]
    let controller: WorkloadOwnerRef?
    let controllerUID: String?
    let nodeName: String
    let phase: String
    let ready: Bool
    /// Wall time of the Ready condition's last transition, when Ready.
    let readySince: Double?
    let deleting: Bool
    let created: Double
    let restarts: Int
    let deletionCost: Int

    init(_ pod: JSON) {
        namespace = pod.wlNamespace
        name = pod.wlName
        uid = pod.wlUID
        labels = pod.wlLabels
        references = pod.wlOwnerReferences
        controller = references.first { $0.controller }
        controllerUID = controller?.uid
        nodeName = pod.wlString("spec", "nodeName")
        phase = pod.wlString("status", "phase")
        let readyCondition = pod.wlCondition("Ready")
        ready = readyCondition?["status"]?.stringValue == "True"
        readySince = ready ? readyCondition?["lastTransitionTime"]?.stringValue.flatMap(Timestamp.parse) : nil
        deleting = pod.wlDeleting
        created = pod.wlCreated
        restarts = (pod[path: "status", "containerStatuses"]?.arrayValue ?? [])
            .map { Int($0["restartCount"]?.intValue ?? 0) }.max() ?? 0
        // controller.kubernetes.io/pod-deletion-cost: an int32; anything else counts as 0.
        let cost = pod.wlAnnotations["controller.kubernetes.io/pod-deletion-cost"].flatMap { Int32($0) }
        deletionCost = Int(cost ?? 0)
    }

    /// IsPodActive: neither finished nor being deleted.
    var active: Bool { phase != "Succeeded" && phase != "Failed" && !deleting }

    /// IsPodAvailable: Ready for at least minReadySeconds (simulated).
    func available(minReadySeconds: Int, wallNow: Double, scale: Double) -> Bool {
        guard ready else { return false }
        if minReadySeconds == 0 { return true }
        guard let since = readySince else { return false }
        return (wallNow - since) * scale > Double(minReadySeconds)
    }
}

/// Parsed pods keyed by store key and revision: a sync reads the live list and only re-parses pods that changed
/// since it last looked, so a 10,000-pod ReplicaSet costs a list, not 10,000 parses, per sync.
final class WorkloadPodCache: Sendable {
    private let entries = Mutex<[ObjectKey: (revision: Int64, pod: WorkloadPod)]>([:])

    func pod(_ stored: StoredObject) -> WorkloadPod {
        if let hit = entries.withLock({ $0[stored.key] }), hit.revision == stored.revision { return hit.pod }
        let pod = WorkloadPod(stored.json())
        entries.withLock { $0[stored.key] = (stored.revision, pod) }
        return pod
    }

    /// The pods of a list, taking the lock once for the hits and parsing only the misses (outside it).
    func pods(_ items: [StoredObject]) -> [WorkloadPod] {
        var found: [WorkloadPod?] = entries.withLock { entries in
            items.map { item in entries[item.key].flatMap { $0.revision == item.revision ? $0.pod : nil } }
        }
        var parsed: [(ObjectKey, Int64, WorkloadPod)] = []
        for i in items.indices where found[i] == nil {
            let pod = WorkloadPod(items[i].json())
            found[i] = pod
            parsed.append((items[i].key, items[i].revision, pod))
        }
        if !parsed.isEmpty {
            entries.withLock { entries in for (key, revision, pod) in parsed { entries[key] = (revision, pod) } }
        }
        return found.compactMap { $0 }
    }

    /// Drops a deleted pod, returning what was known of it.
    @discardableResult
    func forget(_ key: ObjectKey) -> WorkloadPod? {
        entries.withLock { $0.removeValue(forKey: key)?.pod }
    }
}

/// The order in which a ReplicaSet deletes surplus pods (controller.ActivePodsWithRanks): pods that are
/// cheapest to lose first.
enum WorkloadPodRanking {
    static let phaseOrdinal: [String: Int] = ["Pending": 0, "Unknown": 1, "Running": 2]

    /// getPodsToDelete: `count` pods of `pods`, ranked against `related` (the pods of every ReplicaSet of the same
    /// owner) for how crowded their node is.
    static func podsToDelete(_ pods: [WorkloadPod], related: [WorkloadPod], count: Int, now: Double) -> [WorkloadPod] {
        guard count < pods.count else { return pods }
        var onNode: [String: Int] = [:]
        for pod in related where pod.active { onNode[pod.nodeName, default: 0] += 1 }
        let ranked = pods.map { (pod: $0, rank: onNode[$0.nodeName] ?? 0) }
            .sorted { a, b in
                if less(a.pod, a.rank, b.pod, b.rank, now: now) { return true }
                if less(b.pod, b.rank, a.pod, a.rank, now: now) { return false }
                // Upstream leaves ties in whatever order its sort produces; a name keeps a replay identical.
                return a.pod.name < b.pod.name
            }
        return ranked.prefix(count).map(\.pod)
    }

    /// ActivePodsWithRanks.Less with LogarithmicScaleDown and PodDeletionCost on, as they are by default.
    static func less(_ a: WorkloadPod, _ rankA: Int, _ b: WorkloadPod, _ rankB: Int, now: Double) -> Bool {
        // 1. Unassigned < assigned.
        if a.nodeName != b.nodeName, a.nodeName.isEmpty || b.nodeName.isEmpty { return a.nodeName.isEmpty }
        // 2. Pending < Unknown < Running.
        let phaseA = phaseOrdinal[a.phase] ?? 0, phaseB = phaseOrdinal[b.phase] ?? 0
        if phaseA != phaseB { return phaseA < phaseB }
        // 3. Not ready < ready.
        if a.ready != b.ready { return !a.ready }
        // 4. Lower pod-deletion-cost < higher.
        if a.deletionCost != b.deletionCost { return a.deletionCost < b.deletionCost }
        // 5. Doubled up (more pods of the same owner on the node) < not.
        if rankA != rankB { return rankA > rankB }
        // 6. Ready for less time < longer, on a logarithmic scale.
        if a.ready, b.ready {
            let readyA = a.readySince ?? 0, readyB = b.readySince ?? 0
            if readyA != readyB {
                if readyA == 0 || readyB == 0 { return afterOrZero(readyA, readyB) }
                let diff = logarithmicRankDiff(readyA, readyB, now: now)
                if diff == 0 { return a.uid < b.uid }
                return diff < 0
            }
        }
        // 7. More container restarts < fewer.
        if a.restarts != b.restarts { return a.restarts > b.restarts }
        // 8. Newer < older, on a logarithmic scale.
        if a.created != b.created {
            if a.created == 0 || b.created == 0 { return afterOrZero(a.created, b.created) }
            let diff = logarithmicRankDiff(a.created, b.created, now: now)
            if diff == 0 { return a.uid < b.uid }
            return diff < 0
        }
        return false
    }

    static func afterOrZero(_ a: Double, _ b: Double) -> Bool {
        if a == 0 || b == 0 { return a == 0 }
        return a > b
    }

    /// Floor of log2 of each age in nanoseconds (Go's time.Duration), compared.
    static func logarithmicRankDiff(_ a: Double, _ b: Double, now: Double) -> Int {
        func rank(_ t: Double) -> Int {
            let d = (now - t) * 1e9
            return d > 0 ? Int(log2(d)) : -1
        }
        return rank(a) - rank(b)
    }
}
