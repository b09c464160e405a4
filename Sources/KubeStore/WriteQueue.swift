import Foundation

struct PendingWrite: Sendable {
    var request: WriteRequest
    var continuation: CheckedContinuation<Result<StoredObject, StoreError>, Never>
}

/// The hand-off from request tasks to the store's writer thread. Everything queued while the writer is busy
/// is taken as one batch, which is what makes the commits group commits.
final class WriteQueue: @unchecked Sendable {
    // All mutable state below is guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [PendingWrite] = []
    private var shutDown = false
    private var exited = false
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []
    /// Written and read by the writer thread only.
    var durableCompacted: Int64 = 0

    func enqueue(_ write: PendingWrite) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !shutDown else { return false }
        pending.append(write)
        condition.signal()
        return true
    }

    /// Waits up to `timeout` seconds for work. Returns nil on a timeout or once shut down and drained.
    func take(timeout: Double) -> [PendingWrite]? {
        condition.lock()
        defer { condition.unlock() }
        if pending.isEmpty && !shutDown {
            _ = condition.wait(until: Date(timeIntervalSinceNow: timeout))
        }
        if pending.isEmpty { return nil }
        defer { pending = [] }
        return pending
    }

    var isShutDown: Bool {
        condition.lock()
        defer { condition.unlock() }
        return shutDown
    }

    func shutdown() {
        condition.lock()
        shutDown = true
        condition.broadcast()
        condition.unlock()
    }

    func writerExited() {
        condition.lock()
        exited = true
        let waiters = exitWaiters
        exitWaiters = []
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }

    func waitForWriterExit() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if exited {
                condition.unlock()
                continuation.resume()
            } else {
                exitWaiters.append(continuation)
                condition.unlock()
            }
        }
    }
}
