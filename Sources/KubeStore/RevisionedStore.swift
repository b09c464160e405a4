import Foundation
import KubeJSON
import Logging
import Synchronization

/// How long and how much of the watch log to keep.
public struct WatchHistory: Sendable, Equatable {
    public var maxEvents: Int
    public var maxAge: Double

    public init(maxEvents: Int = 100_000, maxAge: Double = 300) {
        self.maxEvents = maxEvents
        self.maxAge = maxAge
    }
}

/// The store: live objects as serialized bytes in memory for readers, one writer thread that groups concurrent
/// writes into one durable transaction, and a watch log fanned out to subscribers after each commit.
public final class RevisionedStore: Store {
    struct State {
        var objects: [String: ResourceIndex] = [:]
        var log = WatchLog()
        var watchers: [String: [Int: WatchSubscription]] = [:]
        var revision: Int64 = 0
        var nextWatcherID = 0
    }

    private let state = Mutex(State())
    private let queue = WriteQueue()
    private let driver: any StoreDriver
    private let history: WatchHistory
    private let logger: Logger
    private let clock: @Sendable () -> Double

    public init(driver: any StoreDriver, history: WatchHistory = WatchHistory(), logger: Logger = Logger(label: "store"),
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        self.driver = driver
        self.history = history
        self.logger = logger
        self.clock = clock
        let persisted = try driver.load()
        state.withLock { state in
            var latest: [ObjectKey: StoredObject] = [:]
            var byResource: [String: [StoredObject]] = [:]
            for object in persisted.objects {
                byResource[object.key.resource, default: []].append(object)
                latest[object.key] = object
            }
            state.objects = byResource.mapValues { ResourceIndex(loading: $0) }
            // Rebuild each event's previous state by walking the log in order; share bytes with live objects.
            var previous: [ObjectKey: StoredObject] = [:]
            for change in persisted.events {
                var object = change.object
                if let live = latest[object.key], live.revision == object.revision { object = live }
                let event = WatchEvent(type: change.type, object: object, previous: previous[object.key],
                                       committedAt: change.committedAt)
                state.log.append(event)
                previous[object.key] = change.type == .deleted ? nil : object
            }
            state.revision = persisted.revision
            state.log.compacted = persisted.events.first.map { $0.object.revision - 1 } ?? persisted.revision
        }
        let thread = Thread { [self] in self.writerLoop() }
        thread.name = "store-writer"
        thread.start()
    }

    public var currentRevision: Int64 { state.withLock { $0.revision } }
    public var compactedRevision: Int64 { state.withLock { $0.log.compacted } }

    public func get(_ key: ObjectKey) -> StoredObject? {
        state.withLock { $0.objects[key.resource]?[key] }
    }

    public func count(resource: String) -> Int {
        state.withLock { $0.objects[resource]?.count ?? 0 }
    }

    public func list(resource: String, namespace: String?, atRevision target: Int64?) throws(StoreError) -> ListSnapshot {
        let result: Result<ListSnapshot, StoreError> = state.withLock { state in
            let current = state.revision
            let items = state.objects[resource]?.sorted(namespace: namespace) ?? []
            guard let target, target != current else {
                return .success(ListSnapshot(revision: current, items: items))
            }
            if target > current { return .failure(.tooLargeRevision(requested: target, current: current)) }
            if target < state.log.compacted { return .failure(.expired(requested: target, oldest: state.log.compacted)) }
            // Undo, newest first, every change made after the target revision.
            var byKey: [ObjectKey: StoredObject] = [:]
            for item in items { byKey[item.key] = item }
            for event in state.log.events(after: target).reversed() where event.object.key.resource == resource {
                let key = event.object.key
                if let namespace, key.namespace != namespace { continue }
                switch event.type {
                case .added: byKey[key] = nil
                case .modified, .deleted:
                    guard let previous = event.previous else {
                        return .failure(.expired(requested: target, oldest: event.revision))
                    }
                    byKey[key] = previous
                }
            }
            // Only a past revision needs sorting: the live index is kept in order.
            return .success(ListSnapshot(revision: target, items: byKey.values.sorted { $0.key < $1.key }))
        }
        return try result.get()
    }

    public func watch(resource: String, namespace: String?, fromRevision: Int64?, bufferLimit: Int) throws(StoreError) -> WatchSubscription {
        let result: Result<WatchSubscription, StoreError> = state.withLock { state in
            let start: WatchSubscription.Start
            if let from = fromRevision {
                if from < state.log.compacted { return .failure(.expired(requested: from, oldest: state.log.compacted)) }
                if from > state.revision { return .failure(.tooLargeRevision(requested: from, current: state.revision)) }
                let replay = state.log.events(after: from).filter {
                    $0.object.key.resource == resource && (namespace == nil || $0.object.key.namespace == namespace)
                }
                start = .replay(replay)
            } else {
                let items = state.objects[resource]?.sorted(namespace: namespace) ?? []
                start = .snapshot(ListSnapshot(revision: state.revision, items: items))
            }
            state.nextWatcherID += 1
            let subscription = WatchSubscription(id: state.nextWatcherID, namespace: namespace, start: start,
                                                 bufferLimit: bufferLimit)
            state.watchers[resource, default: [:]][subscription.id] = subscription
            return .success(subscription)
        }
        let subscription = try result.get()
        let id = subscription.id
        subscription.continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.watchers[resource]?.removeValue(forKey: id) }
        }
        return subscription
    }

    public func statistics() -> StoreStatistics {
        state.withLock { state in
            StoreStatistics(revision: state.revision, compactedRevision: state.log.compacted, logLength: state.log.count,
                            objects: state.objects.mapValues(\.count),
                            watchers: state.watchers.mapValues(\.count).filter { $0.value > 0 })
        }
    }

    public func commit(_ request: WriteRequest) async throws(StoreError) -> StoredObject {
        let result: Result<StoredObject, StoreError> = await withCheckedContinuation { continuation in
            if !queue.enqueue(PendingWrite(request: request, continuation: continuation)) {
                continuation.resume(returning: .failure(.unavailable("the store is shut down")))
            }
        }
        return try result.get()
    }

    public func close() async {
        queue.shutdown()
        await queue.waitForWriterExit()
        driver.close()
        let watchers = state.withLock { state in
            defer { state.watchers = [:] }
            return state.watchers.values.flatMap(\.values)
        }
        for watcher in watchers { watcher.cancel() }
    }

    // MARK: - The writer

    private func writerLoop() {
        var compactionBacklog = false
        while true {
            let batch = queue.take(timeout: compactionBacklog ? 0.05 : 1.0)
            if let batch, !batch.isEmpty {
                commitBatch(batch)
            }
            if batch == nil, queue.isShutDown {
                queue.writerExited()
                return
            }
            compactionBacklog = compact()
        }
    }

    private func commitBatch(_ batch: [PendingWrite]) {
        let now = clock()
        var (revision, live) = state.withLock { state in
            (state.revision, batch.map { state.objects[$0.request.key.resource]?[$0.request.key] })
        }
        // Writes earlier in the batch are visible to later ones.
        var overlay: [ObjectKey: StoredObject?] = [:]
        var outcomes: [Result<WatchEvent, StoreError>] = []
        outcomes.reserveCapacity(batch.count)
        for (index, pending) in batch.enumerated() {
            let request = pending.request
            let current: StoredObject? = overlay[request.key] ?? live[index]
            let type: WatchEventType
            switch request.operation {
            case .create:
                if current != nil { outcomes.append(.failure(.alreadyExists(request.key))); continue }
                type = .added
            case .update(let expected), .delete(let expected):
                guard let current else { outcomes.append(.failure(.notFound(request.key))); continue }
                if let expected, expected != current.revision {
                    outcomes.append(.failure(.conflict(request.key, currentRevision: current.revision)))
                    continue
                }
                if case .delete = request.operation { type = .deleted } else { type = .modified }
            }
            revision += 1
            var object = request.object
            object[path: "metadata", "resourceVersion"] = .string(String(revision))
            let stored = StoredObject(key: request.key, revision: revision, bytes: object.serialized(),
                                      attributes: request.attributes)
            overlay[request.key] = .some(type == .deleted ? nil : stored)
            outcomes.append(.success(WatchEvent(type: type, object: stored, previous: current, committedAt: now)))
        }
        let events = outcomes.compactMap { try? $0.get() }
        if !events.isEmpty {
            do {
                try driver.commit(events.map { PersistedChange(type: $0.type, object: $0.object, committedAt: now) },
                                  revision: revision)
            } catch {
                logger.error("commit failed: \(error)")
                for pending in batch { pending.continuation.resume(returning: .failure(.unavailable("\(error)"))) }
                return
            }
            publish(events, revision: revision)
        }
        for (pending, outcome) in zip(batch, outcomes) {
            pending.continuation.resume(returning: outcome.map(\.object))
        }
    }

    private func publish(_ events: [WatchEvent], revision: Int64) {
        // Watchers are chosen under the lock but fed after it: resuming a waiting consumer takes the Swift
        // runtime's task lock, and a cancelled consumer's onTermination takes this lock, so holding ours while
        // yielding could deadlock. The single writer thread keeps the deliveries in commit order.
        let deliveries: [(WatchEvent, [(id: Int, watcher: WatchSubscription)])] = state.withLock { state in
            var deliveries: [(WatchEvent, [(id: Int, watcher: WatchSubscription)])] = []
            deliveries.reserveCapacity(events.count)
            for event in events {
                let key = event.object.key
                if event.type == .deleted {
                    state.objects[key.resource]?.remove(key)
                } else {
                    state.objects[key.resource, default: ResourceIndex()].upsert(event.object)
                }
                state.log.append(event)
                let watchers = state.watchers[key.resource].map { $0.map { (id: $0.key, watcher: $0.value) } } ?? []
                deliveries.append((event, watchers))
            }
            state.revision = revision
            return deliveries
        }
        var dropped: [(resource: String, id: Int, watcher: WatchSubscription)] = []
        for (event, watchers) in deliveries {
            for (id, watcher) in watchers where !watcher.deliver(event) {
                dropped.append((event.object.key.resource, id, watcher))
            }
        }
        guard !dropped.isEmpty else { return }
        state.withLock { state in
            for entry in dropped { state.watchers[entry.resource]?[entry.id] = nil }
        }
        for entry in dropped { entry.watcher.cancel() }
    }

    /// Trims the in-memory log by count and age, then the durable log in small batches so no single
    /// transaction holds the writer for long. Returns whether durable rows remain to drop.
    private func compact() -> Bool {
        let oldestAllowed = clock() - history.maxAge
        let through = state.withLock { state in
            state.log.trim(maxEvents: history.maxEvents, olderThan: oldestAllowed)
            return state.log.compacted
        }
        guard through > queue.durableCompacted else { return false }
        do {
            let more = try driver.compactLog(through: through, limit: 1000)
            if !more { queue.durableCompacted = through }
            return more
        } catch {
            logger.warning("log compaction failed: \(error)")
            return false
        }
    }
}
