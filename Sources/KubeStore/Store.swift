import KubeJSON

/// A write for the store to commit. The store assigns the next revision, stamps it into
/// `metadata.resourceVersion` and serializes the object inside the commit, so revisions have no gaps and each
/// object's bytes carry their own revision.
public struct WriteRequest: Sendable {
    public enum Operation: Sendable {
        /// Fails with `alreadyExists` if the key is live.
        case create
        /// Fails with `notFound` if the key is absent, `conflict` if `expectedRevision` is set and stale.
        case update(expectedRevision: Int64?)
        /// Removes the key; `object` is its final state, sent in the DELETED event.
        case delete(expectedRevision: Int64?)
    }

    public var key: ObjectKey
    public var operation: Operation
    public var object: JSON
    public var attributes: ObjectAttributes

    public init(key: ObjectKey, operation: Operation, object: JSON, attributes: ObjectAttributes) {
        self.key = key
        self.operation = operation
        self.object = object
        self.attributes = attributes
    }
}

public enum StoreError: Error, Sendable, Equatable {
    case notFound(ObjectKey)
    case alreadyExists(ObjectKey)
    /// The object changed since the writer read it.
    case conflict(ObjectKey, currentRevision: Int64)
    /// The requested revision has been compacted out of the log.
    case expired(requested: Int64, oldest: Int64)
    /// The requested revision is newer than anything committed.
    case tooLargeRevision(requested: Int64, current: Int64)
    /// The store could not commit (disk full, I/O error, shut down).
    case unavailable(String)
}

/// A consistent view of one resource at one revision.
public struct ListSnapshot: Sendable {
    public var revision: Int64
    /// Sorted by namespace, then name.
    public var items: [StoredObject]
}

/// The revisioned object store every reader and writer of the cluster goes through.
public protocol Store: Sendable {
    /// The revision of the last committed write.
    var currentRevision: Int64 { get }

    func get(_ key: ObjectKey) -> StoredObject?

    /// Objects of `resource` (in `namespace` when given) as of `revision` (nil: now). A past revision is
    /// reconstructed from the watch log; older than the log is `expired`.
    func list(resource: String, namespace: String?, atRevision revision: Int64?) throws(StoreError) -> ListSnapshot

    /// Commits the write durably before returning; concurrent callers share commits.
    func commit(_ request: WriteRequest) async throws(StoreError) -> StoredObject

    /// Opens a watch of `resource` (in `namespace` when given). With a `fromRevision`, the events after it are
    /// replayed first; without one, the caller gets the current objects as a snapshot, atomically with the
    /// registration, so nothing is missed or repeated between the two.
    func watch(resource: String, namespace: String?, fromRevision: Int64?, bufferLimit: Int) throws(StoreError) -> WatchSubscription

    /// The oldest revision a watch or list can still start from.
    var compactedRevision: Int64 { get }

    /// Counts for monitoring: live objects and open watches per resource.
    func statistics() -> StoreStatistics

    func close() async
}

public struct StoreStatistics: Sendable {
    public var revision: Int64
    public var compactedRevision: Int64
    public var logLength: Int
    public var objects: [String: Int]
    public var watchers: [String: Int]
}
