/// What a durable backend must do for `RevisionedStore`. All SQL lives behind this protocol, so another
/// database (PostgreSQL) is another driver. The store calls a driver from its single writer thread only.
public protocol StoreDriver: Sendable {
    /// Everything needed to resume: live objects, the retained watch log, the last revision.
    func load() throws -> PersistedState
    /// Writes one group of changes in one transaction. Returns only once durable.
    func commit(_ changes: [PersistedChange], revision: Int64) throws
    /// Drops log entries up to and including `revision`, at most `limit` rows; returns whether more remain.
    func compactLog(through revision: Int64, limit: Int) throws -> Bool
    func close()
}

public struct PersistedChange: Sendable {
    public var type: WatchEventType
    public var object: StoredObject
    public var committedAt: Double
}

public struct PersistedState: Sendable {
    public var objects: [StoredObject] = []
    /// The retained watch log, oldest first.
    public var events: [PersistedChange] = []
    public var revision: Int64 = 0
    /// Revisions up to this one have been dropped from the log.
    public var compactedRevision: Int64 = 0

    public init() {}
}

/// The driver for `--in-memory`: nothing is written anywhere.
public struct MemoryDriver: StoreDriver {
    public init() {}
    public func load() throws -> PersistedState { PersistedState() }
    public func commit(_ changes: [PersistedChange], revision: Int64) throws {}
    public func compactLog(through revision: Int64, limit: Int) throws -> Bool { false }
    public func close() {}
}
