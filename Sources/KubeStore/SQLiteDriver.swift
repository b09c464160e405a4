import Foundation
import GRDB

/// The embedded default: one SQLite file in WAL mode.
///
/// `synchronous=FULL` makes each commit survive not only kill -9 of the server (NORMAL already does, since WAL
/// frames are written before COMMIT returns) but also a power cut; group commit in the store keeps it cheap.
public final class SQLiteDriver: StoreDriver, @unchecked Sendable {
    // Only the store's writer thread touches the queue after init; GRDB serializes access anyway.
    private let queue: DatabaseQueue

    public enum Synchronous: String, Sendable { case normal = "NORMAL", full = "FULL" }

    public init(path: String, synchronous: Synchronous = .full) throws {
        var config = Configuration()
        config.label = "k8s-simulator.store"
        queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { db in
            // auto_vacuum must be chosen before the first table exists; it lets compaction give space back.
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue)")
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS objects (
                    resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
                    revision INTEGER NOT NULL, data BLOB NOT NULL, attrs BLOB NOT NULL,
                    PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS events (
                    revision INTEGER PRIMARY KEY, type TEXT NOT NULL,
                    resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
                    data BLOB NOT NULL, attrs BLOB NOT NULL, committed_at REAL NOT NULL);
                """)
        }
    }

    public func load() throws -> PersistedState {
        try queue.read { db in
            var state = PersistedState()
            state.revision = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'revision'") ?? 0
            state.compactedRevision = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'compacted'") ?? 0
            let objectRows = try Row.fetchCursor(db, sql: "SELECT resource, namespace, name, revision, data, attrs FROM objects")
            while let row = try objectRows.next() {
                state.objects.append(Self.storedObject(row))
            }
            let eventRows = try Row.fetchCursor(db, sql: """
                SELECT resource, namespace, name, revision, data, attrs, type, committed_at FROM events ORDER BY revision
                """)
            while let row = try eventRows.next() {
                let type = WatchEventType(rawValue: row[6]) ?? .modified
                state.events.append(PersistedChange(type: type, object: Self.storedObject(row), committedAt: row[7]))
            }
            return state
        }
    }

    private static func storedObject(_ row: Row) -> StoredObject {
        let key = ObjectKey(resource: row[0], namespace: row[1], name: row[2])
        let data: Data = row[4]
        let attrs: Data = row[5]
        return StoredObject(key: key, revision: row[3], bytes: [UInt8](data),
                            attributes: ObjectAttributes.decode([UInt8](attrs)))
    }

    public func commit(_ changes: [PersistedChange], revision: Int64) throws {
        try queue.inTransaction { db in
            let upsert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO objects (resource, namespace, name, revision, data, attrs) VALUES (?, ?, ?, ?, ?, ?)
                """)
            let remove = try db.cachedStatement(sql: "DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?")
            let log = try db.cachedStatement(sql: """
                INSERT INTO events (revision, type, resource, namespace, name, data, attrs, committed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for change in changes {
                let object = change.object
                let key = object.key
                let data = Data(object.bytes)
                let attrs = Data(object.attributes.encoded())
                if change.type == .deleted {
                    try remove.execute(arguments: [key.resource, key.namespace, key.name])
                } else {
                    try upsert.execute(arguments: [key.resource, key.namespace, key.name, object.revision, data, attrs])
                }
                try log.execute(arguments: [object.revision, change.type.rawValue, key.resource, key.namespace,
                                            key.name, data, attrs, change.committedAt])
            }
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('revision', ?)", arguments: [revision])
            return .commit
        }
    }

    public func compactLog(through revision: Int64, limit: Int) throws -> Bool {
        try queue.inTransaction { db in
            let upper = try Int64.fetchOne(db, sql: """
                SELECT revision FROM events WHERE revision <= ? ORDER BY revision LIMIT 1 OFFSET ?
                """, arguments: [revision, limit - 1]) ?? revision
            try db.execute(sql: "DELETE FROM events WHERE revision <= ?", arguments: [upper])
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('compacted', ?)",
                           arguments: [max(upper, 0)])
            return .commit
        }
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA incremental_vacuum(256)")
        }
        let remaining = try queue.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE revision <= ?", arguments: [revision]) ?? 0
        }
        return remaining > 0
    }

    public func close() {
        try? queue.close()
    }
}
