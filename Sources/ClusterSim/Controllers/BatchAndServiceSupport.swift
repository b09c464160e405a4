import KubeAPI
import KubeJSON
import KubeStore
import Synchronization

/// Helpers shared by the StatefulSet, DaemonSet, Job, CronJob, endpoints, service-account, storage and
/// disruption controllers. They read objects as the API returns them and write through `ClusterClient`.
enum BatchAndServiceKit {
    // MARK: Metadata

    static func name(_ object: JSON) -> String { object[path: "metadata", "name"]?.stringValue ?? "" }
    static func namespace(_ object: JSON) -> String { object[path: "metadata", "namespace"]?.stringValue ?? "" }
    static func uid(_ object: JSON) -> String { object[path: "metadata", "uid"]?.stringValue ?? "" }
    static func generation(_ object: JSON) -> Int64 { object[path: "metadata", "generation"]?.intValue ?? 0 }
    static func isDeleting(_ object: JSON) -> Bool {
        guard let stamp = object[path: "metadata", "deletionTimestamp"] else { return false }
        return !stamp.isNull
    }

    static func labels(_ object: JSON) -> [String: String] {
        stringMap(object[path: "metadata", "labels"])
    }

    static func stringMap(_ json: JSON?) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in json?.objectValue ?? JSONObject() {
            if let text = value.stringValue { out[key] = text }
        }
        return out
    }

    static func annotation(_ object: JSON, _ key: String) -> String? {
        object[path: "metadata", "annotations", key]?.stringValue
    }

    static func workKey(_ object: JSON) -> WorkKey { WorkKey(namespace: namespace(object), name: name(object)) }

    /// The owner reference marked `controller: true`, as metav1.GetControllerOf reads it.
    static func controllerRef(_ object: JSON) -> (kind: String, name: String, uid: String)? {
        for ref in object[path: "metadata", "ownerReferences"]?.arrayValue ?? [] where ref["controller"]?.boolValue == true {
            return (ref["kind"]?.stringValue ?? "", ref["name"]?.stringValue ?? "", ref["uid"]?.stringValue ?? "")
        }
        return nil
    }

    static func isControlled(_ object: JSON, by owner: JSON) -> Bool {
        guard let ref = controllerRef(object) else { return false }
        return ref.uid == uid(owner)
    }

    /// metav1.NewControllerRef: the reference a controller puts on what it creates.
    static func ownerReference(to owner: JSON, apiVersion: String, kind: String, controller: Bool = true) -> JSON {
        var ref: JSONObject = [
            "apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name(owner)),
            "uid": .string(uid(owner)),
        ]
        if controller {
            ref["controller"] = true
            ref["blockOwnerDeletion"] = true
        }
        return .object(ref)
    }

    static func hasFinalizer(_ object: JSON, _ finalizer: String) -> Bool {
        (object[path: "metadata", "finalizers"]?.arrayValue ?? []).contains { $0.stringValue == finalizer }
    }

    // MARK: Pods

    static func phase(_ pod: JSON) -> String { pod[path: "status", "phase"]?.stringValue ?? "" }
    static func isTerminal(_ pod: JSON) -> Bool { ["Succeeded", "Failed"].contains(phase(pod)) }
    /// controller.IsPodActive: not finished and not being deleted.
    static func isActive(_ pod: JSON) -> Bool { !isTerminal(pod) && !isDeleting(pod) }
    static func nodeName(_ pod: JSON) -> String { pod[path: "spec", "nodeName"]?.stringValue ?? "" }

    static func condition(_ object: JSON, _ type: String) -> JSON? {
        object[path: "status", "conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    static func isReady(_ pod: JSON) -> Bool { condition(pod, "Ready")?["status"]?.stringValue == "True" }
    static func isRunningAndReady(_ pod: JSON) -> Bool { phase(pod) == "Running" && isReady(pod) }

    /// Simulated seconds until a ready pod counts as available under `minReadySeconds`: 0 when it already is,
    /// nil when it is not ready. The kubelet writes the Ready transition in wall time.
    static func secondsUntilAvailable(_ pod: JSON, minReadySeconds: Int64, clock: SimulatedClock) -> Double? {
        guard isReady(pod) else { return nil }
        guard minReadySeconds > 0 else { return 0 }
        guard let since = condition(pod, "Ready")?["lastTransitionTime"]?.stringValue.flatMap(Timestamp.parse) else { return 0 }
        return max(0, Double(minReadySeconds) - simulatedElapsed(sinceWall: since, clock: clock))
    }

    static func isAvailable(_ pod: JSON, minReadySeconds: Int64, clock: SimulatedClock) -> Bool {
        secondsUntilAvailable(pod, minReadySeconds: minReadySeconds, clock: clock) == 0
    }

    static func creationTime(_ object: JSON) -> Double {
        object[path: "metadata", "creationTimestamp"]?.stringValue.flatMap(Timestamp.parse) ?? 0
    }

    // MARK: Selectors and lists

    /// A `metav1.LabelSelector` as controllers read it; nil when it cannot be converted (nothing matches).
    static func selector(_ json: JSON?, whenAbsent: LabelSelector = .nothing) -> LabelSelector? {
        try? LabelSelector(json: json, whenAbsent: whenAbsent)
    }

    /// Objects of `ref` in `namespace` matching `selector`, narrowed by the store rather than by parsing all.
    static func list(_ client: ClusterClient, _ ref: ResourceRef, namespace: String, selector: LabelSelector?) -> [JSON] {
        guard let selector, !selector.matchesNothing else { return [] }
        return client.list(ref, namespace: namespace, labelSelector: selector.isEmpty ? nil : selector.description)
    }

    // MARK: Errors and writes

    static func isConflict(_ error: APIError) -> Bool { error.code == 409 && error.reason == "Conflict" }
    static func isAlreadyExists(_ error: APIError) -> Bool { error.code == 409 && error.reason == "AlreadyExists" }
    static func isNotFound(_ error: APIError) -> Bool { error.code == 404 }

    /// Reads the object, lets `change` edit it (returning false when nothing needs writing) and writes it back,
    /// re-reading on 409 conflicts as client-go's RetryOnConflict does. Nil when the object is gone.
    @discardableResult
    static func modify(_ client: ClusterClient, _ ref: ResourceRef, namespace: String, name: String,
                       attempts: Int = 8, _ change: (inout JSON) -> Bool) async throws(APIError) -> JSON?
    {
        for attempt in 1...max(1, attempts) {
            guard var object = client.get(ref, namespace: namespace, name: name) else { return nil }
            guard change(&object) else { return object }
            do throws(APIError) {
                return try await client.update(ref, object)
            } catch {
                if isNotFound(error) { return nil }
                if isConflict(error) && attempt < attempts { continue }
                throw error
            }
        }
        return nil
    }

    /// Writes `status` through the status subresource when it differs from what the object holds.
    @discardableResult
    static func writeStatus(_ client: ClusterClient, _ ref: ResourceRef, _ object: JSON, _ status: JSON) async throws(APIError) -> JSON {
        if object["status"] == status { return object }
        var updated = object
        updated["status"] = status
        return try await client.updateStatus(ref, updated)
    }

    /// Removes a finalizer from an object, retrying on conflicts; a missing object counts as done.
    static func removeFinalizer(_ client: ClusterClient, _ ref: ResourceRef, namespace: String, name: String,
                                _ finalizer: String) async throws(APIError)
    {
        try await modify(client, ref, namespace: namespace, name: name) { object in
            let finalizers = object[path: "metadata", "finalizers"]?.arrayValue ?? []
            let kept = finalizers.filter { $0.stringValue != finalizer }
            guard kept.count != finalizers.count else { return false }
            object[path: "metadata", "finalizers"] = kept.isEmpty ? nil : .array(kept)
            return true
        }
    }

    // MARK: Time

    /// Simulated seconds elapsed since a wall-clock instant written into an object.
    static func simulatedElapsed(sinceWall wall: Double, clock: SimulatedClock) -> Double {
        (Timestamp.now() - wall) * clock.scale
    }

    /// The simulated instant that corresponds to a wall-clock instant (creation timestamps are wall time).
    static func simulatedTime(ofWall wall: Double, clock: SimulatedClock) -> Double {
        clock.now() - simulatedElapsed(sinceWall: wall, clock: clock)
    }

    static func now() -> String { Timestamp.rfc3339(Timestamp.now()) }

    // MARK: Int-or-percent

    /// intstr.GetScaledValueFromIntOrPercent: an integer, or "N%" of `total` rounded up or down.
    static func scaledValue(_ value: JSON?, total: Int, roundUp: Bool) -> Int? {
        guard let value else { return nil }
        if let n = value.intValue { return Int(n) }
        guard let text = value.stringValue else { return nil }
        guard text.hasSuffix("%"), let percent = Int(text.dropLast()) else { return Int(text) }
        let product = percent * total
        if roundUp { return (product + 99) / 100 }
        return product / 100
    }

    // MARK: Hashes

    static func fnv32a(_ bytes: [UInt8]) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }

    /// rand.SafeEncodeString: maps each character onto kube's vowel-free alphabet, so hashes never spell words.
    static func safeEncode(_ text: String) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(text.utf8.map { alphabet[Int($0) % alphabet.count] })
    }

    /// The controller-revision hash of a revision's data and the owner's collision count.
    static func revisionHash(_ data: JSON, collisionCount: Int64) -> String {
        var bytes = data.serialized()
        if collisionCount != 0 { bytes += Array(String(collisionCount).utf8) }
        return safeEncode(String(fnv32a(bytes)))
    }
}

/// Requeues keys at simulated instants without piling up timers: a key already due earlier keeps that timer.
final class BatchAndServiceTimers: Sendable {
    private let due = Mutex<[WorkKey: Double]>([:])
    let queue: WorkQueue
    let clock: SimulatedClock

    init(queue: WorkQueue, clock: SimulatedClock) {
        self.queue = queue
        self.clock = clock
    }

    func requeue(_ key: WorkKey, after seconds: Double) {
        let seconds = max(seconds, 0.001)
        let at = clock.now() + seconds
        let schedule = due.withLock { due -> Bool in
            if let existing = due[key], existing <= at, existing > clock.now() { return false }
            due[key] = at
            return true
        }
        guard schedule else { return }
        Task { [self] in
            try? await clock.sleep(seconds)
            due.withLock { due in
                if due[key] == at { due[key] = nil }
            }
            queue.add(key)
        }
    }
}

/// A small lock-protected map of per-key controller bookkeeping (back-off records, first consumers).
final class BatchAndServiceMemo<Value: Sendable>: Sendable {
    private let values = Mutex<[WorkKey: Value]>([:])

    init() {}

    subscript(key: WorkKey) -> Value? {
        get { values.withLock { $0[key] } }
        set { values.withLock { $0[key] = newValue } }
    }
}

/// An existing namespace that is not being torn down.
enum BatchAndServiceNamespaces {
    static func isActive(_ namespace: JSON) -> Bool {
        !BatchAndServiceKit.isDeleting(namespace) && namespace[path: "status", "phase"]?.stringValue != "Terminating"
    }
}

/// Watches feeding work queues, and the retry policy shared by these controllers.
enum BatchAndServiceLoop {
    /// Runs the given loops together until cancelled.
    static func run(_ loops: [@Sendable () async -> Void]) async {
        await withTaskGroup(of: Void.self) { group in
            for loop in loops { group.addTask { await loop() } }
        }
    }

    /// Queues the key of every object of a resource as it changes.
    static func watchOwn(_ client: ClusterClient, _ ref: ResourceRef, into queue: WorkQueue) async {
        for await change in client.changes(ref) {
            queue.add(WorkKey(namespace: change.namespace, name: change.name))
        }
    }
}

/// What every queue-driven controller holds: its context, its work queue and the timers that requeue keys.
struct QueuedControllerCore: Sendable {
    let context: ControllerContext
    let queue: WorkQueue
    let timers: BatchAndServiceTimers

    init(context: ControllerContext) {
        self.context = context
        queue = WorkQueue(clock: context.clock)
        timers = BatchAndServiceTimers(queue: queue, clock: context.clock)
    }
}

/// A controller built on `QueuedControllerCore`; its memberwise `init(core:)` is all it needs to declare.
protocol QueuedController: Controller {
    var core: QueuedControllerCore { get }
    init(core: QueuedControllerCore)
}

extension QueuedController {
    init(context: ControllerContext) { self.init(core: QueuedControllerCore(context: context)) }
    var context: ControllerContext { core.context }
    var queue: WorkQueue { core.queue }
    var timers: BatchAndServiceTimers { core.timers }
    var client: ClusterClient { core.context.client }
}
