/// The retained window of committed changes, oldest first, for watch resume and past-revision lists.
struct WatchLog {
    private var storage: [WatchEvent] = []
    private var head = 0
    /// Revisions up to this one are no longer in the log.
    var compacted: Int64 = 0

    var count: Int { storage.count - head }

    mutating func append(_ event: WatchEvent) {
        storage.append(event)
    }

    /// The events with a revision greater than `revision`, oldest first.
    func events(after revision: Int64) -> ArraySlice<WatchEvent> {
        // Revisions increase along the log: binary search for the first one past `revision`.
        var low = head
        var high = storage.count
        while low < high {
            let mid = (low + high) / 2
            if storage[mid].revision <= revision { low = mid + 1 } else { high = mid }
        }
        return storage[low...]
    }

    mutating func trim(maxEvents: Int, olderThan cutoff: Double) {
        while head < storage.count, count > maxEvents || storage[head].committedAt < cutoff {
            compacted = storage[head].revision
            head += 1
        }
        // Reclaim the dropped prefix once it outweighs what is kept.
        if head > 1024, head * 2 > storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }
}
