import Synchronization

/// kube-scheduler's scheduling queue: an active queue ordered by priority then arrival (PrioritySort), a
/// back-off queue for pods that failed recently (1 s doubling to 10 s), and the unschedulable pods, which move
/// back when the cluster changes in a way that could help them or after `unschedulableTimeout`.
final class SchedulerQueue: Sendable {
    enum Location: Sendable, Equatable {
        case active
        case backoff
        case unschedulable
        case gated
        case inFlight
    }

    struct Entry: Sendable {
        var pod: SchedulerPod
        var location: Location
        var attempts = 0
        var backoffUntil: Double = 0
        var unschedulableSince: Double = 0
        var waitsForCapacity = false
        var sequence: UInt64 = 0
        var updatedInFlight = false
    }

    struct HeapItem: Sendable {
        var priority: Int64
        var sequence: UInt64
        var key: String

        func before(_ other: HeapItem) -> Bool {
            priority != other.priority ? priority > other.priority : sequence < other.sequence
        }
    }

    /// What the caller should do about a pod it just added.
    enum AddResult: Sendable, Equatable {
        case queued
        case gated
        case unchanged
    }

    struct State: Sendable {
        var entries: [String: Entry] = [:]
        var heap: [HeapItem] = []
        var backoffKeys: Set<String> = []
        var unschedulableKeys: Set<String> = []
        var nextSequence: UInt64 = 0
        var schedulingCycle: Int64 = 0
        /// The cycle at which the last cluster change asked for retries: a pod whose attempt began before it
        /// may have missed that change, so it goes to back-off instead of waiting as unschedulable.
        var moveRequestCycle: Int64 = -1
        var waiter: CheckedContinuation<(SchedulerPod, Int64)?, Never>?
        var closed = false
    }

    static let initialBackoff = 1.0
    static let maxBackoff = 10.0

    let state = Mutex(State())

    init() {}

    static func backoff(attempts: Int) -> Double {
        guard attempts > 0 else { return 0 }
        var duration = initialBackoff
        for _ in 1..<attempts where duration < maxBackoff { duration *= 2 }
        return min(duration, maxBackoff)
    }

    /// A pending pod seen by the watch. `relevant` says its spec or labels changed since last seen.
    func add(_ pod: SchedulerPod, relevant: Bool, now: Double) -> AddResult {
        let (result, wake) = state.withLock { state -> (AddResult, Wake?) in
            guard var entry = state.entries[pod.key], entry.pod.uid == pod.uid else {
                state.remove(pod.key)
                if pod.schedulingGated {
                    state.entries[pod.key] = Entry(pod: pod, location: .gated)
                    return (.gated, nil)
                }
                state.entries[pod.key] = Entry(pod: pod, location: .active)
                state.pushActive(pod.key)
                return (.queued, state.wake())
            }
            entry.pod = pod
            state.entries[pod.key] = entry
            guard relevant else { return (.unchanged, nil) }
            switch entry.location {
            case .inFlight:
                state.entries[pod.key]?.updatedInFlight = true
                return (.unchanged, nil)
            case .active:
                return (.unchanged, nil)
            case .gated, .backoff, .unschedulable:
                if pod.schedulingGated {
                    state.move(pod.key, to: .gated)
                    return (.gated, nil)
                }
                state.move(pod.key, to: entry.backoffUntil > now ? .backoff : .active)
                return (.queued, state.wake())
            }
        }
        wake?.resume()
        return result
    }

    func remove(_ key: String) {
        state.withLock { $0.remove(key) }
    }

    /// After a relist: forgets pods the new list no longer has.
    func retain(_ keys: Set<String>) {
        state.withLock { state in
            for key in state.entries.keys where !keys.contains(key) { state.remove(key) }
        }
    }

    func contains(_ key: String) -> Bool {
        state.withLock { $0.entries[key] != nil }
    }

    /// The next pod to schedule and its cycle number, or nil once closed.
    func pop() async -> (SchedulerPod, Int64)? {
        await withCheckedContinuation { continuation in
            let ready: ((SchedulerPod, Int64)?)? = state.withLock { state in
                if let item = state.popActive() { return .some(item) }
                if state.closed { return .some(nil) }
                state.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The attempt that began at `cycle` found no node.
    func failed(_ key: String, uid: String, cycle: Int64, waitsForCapacity: Bool, now: Double) {
        state.withLock { state in
            guard var entry = state.entries[key], entry.pod.uid == uid, entry.location == .inFlight else { return }
            entry.attempts += 1
            entry.backoffUntil = now + Self.backoff(attempts: entry.attempts)
            entry.waitsForCapacity = waitsForCapacity
            entry.unschedulableSince = now
            let missedChange = entry.updatedInFlight || state.moveRequestCycle >= cycle
            entry.updatedInFlight = false
            state.entries[key] = entry
            state.move(key, to: missedChange ? .backoff : .unschedulable)
        }
    }

    /// The binding was rejected for a reason other than the pod being gone: try again after back-off.
    func retryAfterError(_ key: String, uid: String, now: Double) {
        state.withLock { state in
            guard var entry = state.entries[key], entry.pod.uid == uid else { return }
            entry.attempts += 1
            entry.backoffUntil = now + Self.backoff(attempts: entry.attempts)
            state.entries[key] = entry
            state.move(key, to: .backoff)
        }
    }

    /// A cluster change that may help unschedulable pods: all of them, or only those short of capacity.
    func moveUnschedulable(onlyWaitingForCapacity: Bool, now: Double) {
        let wake = state.withLock { state -> Wake? in
            state.moveRequestCycle = state.schedulingCycle
            for key in state.unschedulableKeys {
                guard let entry = state.entries[key] else { continue }
                if onlyWaitingForCapacity, !entry.waitsForCapacity { continue }
                state.move(key, to: entry.backoffUntil > now ? .backoff : .active)
            }
            return state.wake()
        }
        wake?.resume()
    }

    /// Puts specific pods back in the active queue (their nomination was taken away).
    func activate(_ keys: [String]) {
        let wake = state.withLock { state -> Wake? in
            for key in keys where [.backoff, .unschedulable].contains(state.entries[key]?.location) {
                state.move(key, to: .active)
            }
            return state.wake()
        }
        wake?.resume()
    }

    /// The periodic flushes: back-off that expired, and pods unschedulable for longer than the timeout.
    func flush(now: Double, unschedulableTimeout: Double) {
        let wake = state.withLock { state -> Wake? in
            for key in state.backoffKeys where (state.entries[key]?.backoffUntil ?? 0) <= now {
                state.move(key, to: .active)
            }
            for key in state.unschedulableKeys {
                guard let entry = state.entries[key], entry.unschedulableSince + unschedulableTimeout <= now else { continue }
                state.move(key, to: entry.backoffUntil > now ? .backoff : .active)
            }
            return state.wake()
        }
        wake?.resume()
    }

    func close() {
        let waiter = state.withLock { state in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// A waiting `pop` to resume outside the lock.
    struct Wake: Sendable {
        var continuation: CheckedContinuation<(SchedulerPod, Int64)?, Never>
        var item: (SchedulerPod, Int64)

        func resume() { continuation.resume(returning: item) }
    }

    /// Counts by location, for logs and tests.
    func counts() -> [Location: Int] {
        state.withLock { state in
            var counts: [Location: Int] = [:]
            for entry in state.entries.values { counts[entry.location, default: 0] += 1 }
            return counts
        }
    }
}

extension SchedulerQueue.State {
    mutating func remove(_ key: String) {
        guard entries.removeValue(forKey: key) != nil else { return }
        backoffKeys.remove(key)
        unschedulableKeys.remove(key)
        // Its heap item, if any, is skipped when popped.
    }

    mutating func pushActive(_ key: String) {
        guard let entry = entries[key] else { return }
        nextSequence += 1
        entries[key]?.sequence = nextSequence
        heap.append(SchedulerQueue.HeapItem(priority: entry.pod.priority, sequence: nextSequence, key: key))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].before(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func move(_ key: String, to location: SchedulerQueue.Location) {
        guard let entry = entries[key], entry.location != location else { return }
        backoffKeys.remove(key)
        unschedulableKeys.remove(key)
        entries[key]?.location = location
        switch location {
        case .active: pushActive(key)
        case .backoff: backoffKeys.insert(key)
        case .unschedulable: unschedulableKeys.insert(key)
        case .gated, .inFlight: break
        }
    }

    mutating func popActive() -> (SchedulerPod, Int64)? {
        while let top = heap.first {
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                var parent = 0
                while true {
                    let left = 2 * parent + 1, right = left + 1
                    var first = parent
                    if left < heap.count, heap[left].before(heap[first]) { first = left }
                    if right < heap.count, heap[right].before(heap[first]) { first = right }
                    if first == parent { break }
                    heap.swapAt(parent, first)
                    parent = first
                }
            }
            guard let entry = entries[top.key], entry.location == .active, entry.sequence == top.sequence else { continue }
            entries[top.key]?.location = .inFlight
            schedulingCycle += 1
            return (entry.pod, schedulingCycle)
        }
        return nil
    }

    mutating func wake() -> SchedulerQueue.Wake? {
        guard let waiter, let item = popActive() else { return nil }
        self.waiter = nil
        return SchedulerQueue.Wake(continuation: waiter, item: item)
    }
}
