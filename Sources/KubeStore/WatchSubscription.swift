import Synchronization

/// An open watch: what to send first, then a stream of later events.
///
/// The stream is bounded. When a watcher falls `bufferLimit` events behind, the store ends its stream and marks
/// it overflowed instead of waiting for it, so a slow client never slows a writer.
public final class WatchSubscription: Sendable {
    public enum Start: Sendable {
        /// Events after the requested revision, replayed from the log.
        case replay([WatchEvent])
        /// The current objects, for synthetic ADDED events, at `revision`.
        case snapshot(ListSnapshot)
    }

    public let start: Start
    public let events: AsyncStream<WatchEvent>
    let id: Int
    let namespace: String?
    let continuation: AsyncStream<WatchEvent>.Continuation
    private let overflowFlag = Atomic<Bool>(false)

    init(id: Int, namespace: String?, start: Start, bufferLimit: Int) {
        self.id = id
        self.namespace = namespace
        self.start = start
        (events, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .bufferingOldest(bufferLimit))
    }

    /// True when the store cut this watcher off because it did not keep up.
    public var overflowed: Bool { overflowFlag.load(ordering: .acquiring) }

    /// Delivers without ever blocking; returns false when the watcher must be cut off (then call `cancel()`
    /// once no lock is held).
    func deliver(_ event: WatchEvent) -> Bool {
        if let namespace, namespace != event.object.key.namespace { return true }
        switch continuation.yield(event) {
        case .enqueued: return true
        case .dropped:
            // Finishing runs onTermination, which takes the store's lock: the caller finishes after unlocking.
            overflowFlag.store(true, ordering: .releasing)
            return false
        case .terminated: return false
        @unknown default: return false
        }
    }

    /// Ends the watch; the store forgets it at once.
    public func cancel() {
        continuation.finish()
    }
}
