import KubeAPI
import KubeJSON
import Synchronization

// Shared by the replicaset, deployment, garbagecollector and namespace controllers.

extension JSON {
    func wlString(_ path: String...) -> String { lookup(path)?.stringValue ?? "" }
    func wlInt(_ path: String...) -> Int { lookup(path)?.intValue.map { Int($0) } ?? 0 }
    func wlOptionalInt(_ path: String...) -> Int? { lookup(path)?.intValue.map { Int($0) } }

    var wlName: String { wlString("metadata", "name") }
    var wlNamespace: String { wlString("metadata", "namespace") }
    var wlUID: String { wlString("metadata", "uid") }
    var wlGeneration: Int { wlInt("metadata", "generation") }
    var wlDeleting: Bool {
        guard let value = self[path: "metadata", "deletionTimestamp"] else { return false }
        return !value.isNull
    }
    var wlFinalizers: [String] { (self[path: "metadata", "finalizers"]?.arrayValue ?? []).compactMap(\.stringValue) }
    var wlLabels: [String: String] { wlStringMap(self[path: "metadata", "labels"]) }
    var wlAnnotations: [String: String] { wlStringMap(self[path: "metadata", "annotations"]) }
    var wlCreated: Double { Timestamp.parse(wlString("metadata", "creationTimestamp")) ?? 0 }

    var wlOwnerReferences: [WorkloadOwnerRef] {
        (self[path: "metadata", "ownerReferences"]?.arrayValue ?? []).compactMap(WorkloadOwnerRef.init(json:))
    }
    var wlControllerRef: WorkloadOwnerRef? { wlOwnerReferences.first { $0.controller } }

    func wlCondition(_ type: String) -> JSON? {
        self[path: "status", "conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }
}

func wlStringMap(_ json: JSON?) -> [String: String] {
    var out: [String: String] = [:]
    for (key, value) in json?.objectValue ?? JSONObject() { out[key] = value.stringValue ?? "" }
    return out
}

/// One `metadata.ownerReferences` entry.
struct WorkloadOwnerRef: Sendable, Equatable {
    var apiVersion: String
    var kind: String
    var name: String
    var uid: String
    var controller: Bool
    var blockOwnerDeletion: Bool

    init(apiVersion: String, kind: String, name: String, uid: String, controller: Bool, blockOwnerDeletion: Bool) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }

    /// The reference as read, written back unchanged when another one is added or removed beside it.
    var raw: JSON?

    init?(json: JSON) {
        guard let uid = json["uid"]?.stringValue else { return nil }
        self.init(apiVersion: json["apiVersion"]?.stringValue ?? "", kind: json["kind"]?.stringValue ?? "",
                  name: json["name"]?.stringValue ?? "", uid: uid, controller: json["controller"]?.boolValue ?? false,
                  blockOwnerDeletion: json["blockOwnerDeletion"]?.boolValue ?? false)
        raw = json
    }

    /// The reference a controller puts on what it creates or adopts (metav1.NewControllerRef).
    static func controller(of owner: JSON, apiVersion: String, kind: String) -> WorkloadOwnerRef {
        WorkloadOwnerRef(apiVersion: apiVersion, kind: kind, name: owner.wlName, uid: owner.wlUID, controller: true,
                         blockOwnerDeletion: true)
    }

    var json: JSON {
        raw ?? ["apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name), "uid": .string(uid),
                "controller": .bool(controller), "blockOwnerDeletion": .bool(blockOwnerDeletion)]
    }

    /// The API group of `apiVersion` ("" for the core group).
    var group: String {
        let parts = apiVersion.split(separator: "/", maxSplits: 1)
        return parts.count == 2 ? String(parts[0]) : ""
    }

    var version: String {
        let parts = apiVersion.split(separator: "/", maxSplits: 1)
        return String(parts.last ?? "")
    }
}

enum WorkloadTime {
    static func nowString() -> String { Timestamp.rfc3339(Timestamp.now()) }

    /// Simulated seconds since a timestamp written into an object. Objects carry wall time (kubectl computes ages
    /// from it) while durations such as minReadySeconds and progressDeadlineSeconds are simulated.
    static func simulatedSince(_ text: String, clock: SimulatedClock) -> Double? {
        guard let wall = Timestamp.parse(text) else { return nil }
        return (Timestamp.now() - wall) * clock.scale
    }
}

/// Conditions as the apps and core controllers keep them: one per type, `lastTransitionTime` kept while the
/// status stays the same.
enum WorkloadConditions {
    static func find(_ conditions: [JSON], _ type: String) -> JSON? {
        conditions.first { $0["type"]?.stringValue == type }
    }

    static func removing(_ conditions: [JSON], _ type: String) -> [JSON] {
        conditions.filter { $0["type"]?.stringValue != type }
    }

    /// SetDeploymentCondition / SetCondition: a condition with the same status and reason is left alone;
    /// otherwise it replaces the old one (at the end), keeping lastTransitionTime if the status is unchanged.
    static func set(_ conditions: inout [JSON], _ condition: JSON) {
        let type = condition["type"]?.stringValue ?? ""
        var condition = condition
        if let current = find(conditions, type) {
            if current["status"] == condition["status"], current["reason"] == condition["reason"] { return }
            if current["status"] == condition["status"], let since = current["lastTransitionTime"] {
                condition["lastTransitionTime"] = since
            }
        }
        conditions = removing(conditions, type) + [condition]
    }
}

/// client-go's EventSourceObjectSpamFilter: per object a burst of 25 events, then one per five minutes. A
/// ReplicaSet scaled to thousands of pods leaves a handful of events, as on a real cluster, not thousands.
final class WorkloadEventFilter: Sendable {
    private struct Bucket { var tokens: Double; var last: Double }
    private let buckets = Mutex<[String: Bucket]>([:])
    let clock: SimulatedClock
    let burst: Double
    let refillSeconds: Double

    init(clock: SimulatedClock, burst: Double = 25, refillSeconds: Double = 300) {
        self.clock = clock
        self.burst = burst
        self.refillSeconds = refillSeconds
    }

    func allow(_ key: String) -> Bool {
        let now = clock.now()
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, last: now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.last) / refillSeconds)
            bucket.last = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[key] = bucket
            return allowed
        }
    }

    func forget(_ key: String) {
        _ = buckets.withLock { $0.removeValue(forKey: key) }
    }
}

/// Records an event through the shared recorder unless the object's spam budget is spent.
struct WorkloadEvents: Sendable {
    let recorder: EventRecorder
    let filter: WorkloadEventFilter
    let component: String

    func record(_ object: JSON, _ type: String, _ reason: String, _ message: String) async {
        guard filter.allow(object.wlUID) else { return }
        await recorder.record(object, type: type, reason: reason, message: message, component: component)
    }
}

/// The default controller rate limiter's per-item exponential back-off (5 ms doubling to 1000 s), in
/// simulated time.
final class WorkloadBackoff: Sendable {
    private let failures = Mutex<[WorkKey: Int]>([:])

    func next(_ key: WorkKey) -> Double {
        let count = failures.withLock { failures -> Int in
            let count = failures[key, default: 0]
            failures[key] = count + 1
            return count
        }
        return min(0.005 * Double(1 << min(count, 30)), 1000)
    }

    func reset(_ key: WorkKey) {
        _ = failures.withLock { $0.removeValue(forKey: key) }
    }
}

/// Coalesces bursts of enqueues of one key into one, a short wall-clock window later. A ReplicaSet of
/// thousands of pods sees a pod change every few milliseconds while it rolls out; each sync reads all its pods,
/// so it syncs once per window instead of once per change.
final class WorkloadCoalescer: Sendable {
    private let pending = Mutex<Set<WorkKey>>([])
    let queue: WorkQueue
    let clock: SimulatedClock
    let wallSeconds: Double

    init(queue: WorkQueue, clock: SimulatedClock, wallSeconds: Double = 0.05) {
        self.queue = queue
        self.clock = clock
        self.wallSeconds = wallSeconds
    }

    func add(_ key: WorkKey) {
        guard pending.withLock({ $0.insert(key).inserted }) else { return }
        Task { [self] in
            try? await clock.sleep(wallSeconds * clock.scale)
            _ = pending.withLock { $0.remove(key) }
            queue.add(key)
        }
    }
}

enum WorkloadWrites {
    /// Reads the object, lets `mutate` change it and writes it back (the whole object, or its status) with the
    /// read resourceVersion, retrying on conflicts. `mutate` returns false when nothing needs writing. Nil when
    /// the object is gone (or was replaced by one with another uid).
    static func modify(_ client: ClusterClient, _ ref: ResourceRef, namespace: String, name: String, uid: String? = nil,
                       status: Bool = false, attempts: Int = 5,
                       _ mutate: (inout JSON) -> Bool) async throws(APIError) -> JSON?
    {
        var lastError = APIError(code: 409, reason: "Conflict", message: "\(ref) \"\(name)\" kept changing")
        for _ in 0..<attempts {
            guard var object = client.get(ref, namespace: namespace, name: name) else { return nil }
            if let uid, object.wlUID != uid { return nil }
            guard mutate(&object) else { return object }
            do {
                return status ? try await client.updateStatus(ref, object) : try await client.update(ref, object)
            } catch {
                if error.code == 404 { return nil }
                guard error.code == 409 else { throw error }
                lastError = error
            }
        }
        throw lastError
    }

    /// Whether an error is the API refusing writes into a terminating namespace (NamespaceTerminatingCause).
    static func namespaceTerminating(_ error: APIError) -> Bool {
        error.code == 403 && error.message.contains("because it is being terminated")
    }
}

/// A label selector with a fast path for the common matchLabels-only form: a ReplicaSet's claim loop asks it
/// about every pod of the namespace on every sync.
struct WorkloadLabelMatcher: Sendable {
    let selector: LabelSelector
    let equalities: [(key: String, value: String)]?

    init?(_ json: JSON?) {
        guard let selector = try? LabelSelector(json: json) else { return nil }
        self.selector = selector
        if let object = json?.objectValue, (object["matchExpressions"]?.arrayValue ?? []).isEmpty,
           let labels = (object["matchLabels"] ?? .object(JSONObject())).objectValue
        {
            equalities = labels.entries.map { ($0.key, $0.value.stringValue ?? "") }
        } else {
            equalities = nil
        }
    }

    func matches(_ labels: [String: String]) -> Bool {
        guard let equalities else { return selector.matches(labels) }
        for pair in equalities where labels[pair.key] != pair.value { return false }
        return true
    }
}

/// Claiming (ControllerRefManager): a controller owns what matches its selector; it adopts matching orphans
/// and releases what it owns but no longer matches.
enum WorkloadClaims {
    enum Decision: Equatable { case owned, adopt, release, ignore }

    static func decide(controllerUID: String, controllerDeleting: Bool, objectDeleting: Bool,
                       objectControllerUID: String?, matches: Bool) -> Decision
    {
        if let owner = objectControllerUID {
            guard owner == controllerUID else { return .ignore }
            if matches { return .owned }
            return controllerDeleting ? .ignore : .release
        }
        if controllerDeleting || !matches || objectDeleting { return .ignore }
        return .adopt
    }

    /// Sets the controller reference on an orphan; the uid in the patch makes it a precondition.
    static func adopt(_ client: ClusterClient, _ ref: ResourceRef, namespace: String, name: String, uid: String,
                      references: [WorkloadOwnerRef], owner: WorkloadOwnerRef) async throws(APIError)
    {
        let refs = references.filter { $0.uid != owner.uid } + [owner]
        let patch: JSON = ["metadata": ["ownerReferences": .array(refs.map(\.json)), "uid": .string(uid)]]
        try await client.mergePatch(ref, namespace: namespace, name: name, patch)
    }

    static func release(_ client: ClusterClient, _ ref: ResourceRef, namespace: String, name: String, uid: String,
                        references: [WorkloadOwnerRef], ownerUID: String) async throws(APIError)
    {
        let refs = references.filter { $0.uid != ownerUID }
        let patch: JSON = ["metadata": ["ownerReferences": refs.isEmpty ? .null : .array(refs.map(\.json)), "uid": .string(uid)]]
        try await client.mergePatch(ref, namespace: namespace, name: name, patch)
    }
}
