import Synchronization

/// What a controller reconciles: a namespace/name.
public struct WorkKey: Hashable, Sendable, CustomStringConvertible {
    public var namespace: String
    public var name: String
    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }
    public var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }
}

/// client-go's work queue: a key queued many times is reconciled once; a key being processed is queued again
/// only after it finishes, so no two workers reconcile the same object at once.
public final class WorkQueue: Sendable {
    private struct State {
        var queue: [WorkKey] = []
        var head = 0
        var queued: Set<WorkKey> = []
        var processing: Set<WorkKey> = []
        var dirtyWhileProcessing: Set<WorkKey> = []
        var waiters: [CheckedContinuation<WorkKey?, Never>] = []
        var shutDown = false
    }

    private let state = Mutex(State())
    let clock: SimulatedClock

    public init(clock: SimulatedClock) { self.clock = clock }

    public func add(_ key: WorkKey) {
        let waiter: CheckedContinuation<WorkKey?, Never>? = state.withLock { state in
            guard !state.shutDown else { return nil }
            if state.processing.contains(key) {
                state.dirtyWhileProcessing.insert(key)
                return nil
            }
            guard state.queued.insert(key).inserted else { return nil }
            if !state.waiters.isEmpty {
                state.queued.remove(key)
                state.processing.insert(key)
                return state.waiters.removeFirst()
            }
            state.queue.append(key)
            return nil
        }
        waiter?.resume(returning: key)
    }

    /// Queues `key` after `seconds` of simulated time (back-off, requeue-after).
    public func add(_ key: WorkKey, after seconds: Double) {
        guard seconds > 0 else { return add(key) }
        Task { [self] in
            try? await clock.sleep(seconds)
            add(key)
        }
    }

    /// The next key to reconcile, or nil once shut down. Call `done` when finished with it.
    public func next() async -> WorkKey? {
        await withCheckedContinuation { continuation in
            let key: WorkKey?? = state.withLock { state in
                if state.head < state.queue.count {
                    let key = state.queue[state.head]
                    state.head += 1
                    if state.head > 1024, state.head * 2 > state.queue.count {
                        state.queue.removeFirst(state.head)
                        state.head = 0
                    }
                    state.queued.remove(key)
                    state.processing.insert(key)
                    return .some(key)
                }
                if state.shutDown { return .some(nil) }
                state.waiters.append(continuation)
                return .none
            }
            if let key { continuation.resume(returning: key) }
        }
    }

    public func done(_ key: WorkKey) {
        let again = state.withLock { state in
            state.processing.remove(key)
            return state.dirtyWhileProcessing.remove(key) != nil
        }
        if again { add(key) }
    }

    public func shutdown() {
        let waiters = state.withLock { state in
            state.shutDown = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// Runs `workers` loops calling `reconcile` for each key until the task is cancelled.
    public func run(workers: Int = 1, _ reconcile: @escaping @Sendable (WorkKey) async -> Void) async {
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, workers) {
                    group.addTask { [self] in
                        while let key = await next() {
                            await reconcile(key)
                            done(key)
                        }
                    }
                }
            }
        } onCancel: {
            shutdown()
        }
    }
}
