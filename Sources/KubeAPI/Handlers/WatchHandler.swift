import KubeJSON
import KubeStore
import Synchronization

extension KubeAPIServer {
    func watchResponse(type: ResourceType, namespace: String?, name: String?, request: APIRequest) throws(APIError) -> APIResponse {
        var selection = try ListSelection(request, type: type)
        if let name {
            // A watch on one object is a watch on the collection narrowed to its name.
            let byName = try? FieldSelector.parse("metadata.name=\(name)")
            if let existing = selection.fields {
                selection.fields = try? FieldSelector.parse(existing.description + ",metadata.name=\(name)")
            } else {
                selection.fields = byName
            }
        }
        let rv = request.queryValue("resourceVersion") ?? ""
        let match = request.queryValue("resourceVersionMatch") ?? ""
        let bookmarks = request.queryValue("allowWatchBookmarks") == "true"
        let sendInitialEvents = request.queryValue("sendInitialEvents").map { $0 == "true" }
        if sendInitialEvents != nil, match != "NotOlderThan" {
            throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", [
                .forbidden("sendInitialEvents", "sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan"),
            ])
        }
        if sendInitialEvents == true, !bookmarks {
            throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", [
                .forbidden("allowWatchBookmarks", "allowWatchBookmarks must be set to true when sendInitialEvents is true"),
            ])
        }
        if match == "Exact" {
            throw .badRequest("resourceVersionMatch \"Exact\" is forbidden for watch")
        }
        var from: Int64?
        if !rv.isEmpty, rv != "0" {
            guard let revision = Int64(rv), revision > 0 else {
                throw .badRequest("invalid resource version: \(rv)")
            }
            from = revision
        }
        if sendInitialEvents == true {
            // Initial events are the current state; the requested revision is only a lower bound.
            if let from, from > store.currentRevision {
                throw .timeout("Too large resource version: \(from), current: \(store.currentRevision)")
            }
            from = nil
        }
        let subscription: WatchSubscription
        do {
            subscription = try store.watch(resource: type.storageResource, namespace: namespace, fromRevision: from,
                                           bufferLimit: watchBufferLimit)
        } catch .expired(let requested, _) {
            // As kube-apiserver: the stream opens, then an ERROR event says the revision is gone.
            return APIResponse(status: 200, body: .stream(ExpiredWatch(requested: requested)))
        } catch {
            throw APIError.from(error, resource: type.groupResource)
        }
        var timeout = request.queryValue("timeoutSeconds").flatMap(Double.init) ?? 1800
        if timeout <= 0 { timeout = 1800 }
        var tableVersion: String?
        if case .table(let apiVersion) = TablePrinting.negotiateOutput(accept: request.header("accept")) {
            tableVersion = apiVersion
        }
        let stream = WatchStream(subscription: subscription, selection: selection, type: type,
                                 initialEventsEnd: sendInitialEvents == true, bookmarks: bookmarks, timeout: timeout,
                                 table: tableVersion.map { WatchStream.TableOutput(apiVersion: $0, includeObject: request.queryValue("includeObject")) })
        return APIResponse(status: 200, body: .stream(stream))
    }
}

/// Frames watch events: one JSON object per line, each flushed on its own.
enum WatchFraming {
    static func event(_ type: String, _ objectBytes: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(objectBytes.count + 32)
        bytes.append(contentsOf: Array("{\"type\":\"\(type)\",\"object\":".utf8))
        bytes.append(contentsOf: objectBytes)
        bytes.append(contentsOf: Array("}\n".utf8))
        return bytes
    }
}

/// A watch whose starting revision has been compacted away.
struct ExpiredWatch: StreamingBody {
    var requested: Int64
    func run(write: ([UInt8]) async throws -> Void) async throws {
        let error = APIError.expired("too old resource version: \(requested)")
        try await write(WatchFraming.event("ERROR", error.status.serialized()))
    }
    func cancel() {}
}

/// One watch connection: the starting events, then live events filtered through the selectors, until the
/// client leaves, the timeout passes, or the watcher falls too far behind.
final class WatchStream: StreamingBody {
    let subscription: WatchSubscription
    let selection: ListSelection
    let type: ResourceType
    let initialEventsEnd: Bool
    let bookmarks: Bool
    let timeout: Double
    /// Set when the client asked for Table rows: each event's object becomes a one-row Table, with column
    /// definitions in the first one only, as kube-apiserver sends them.
    let table: TableOutput?
    private let headersSent = Atomic<Bool>(false)

    struct TableOutput: Sendable {
        var apiVersion: String
        var includeObject: String?
    }

    init(subscription: WatchSubscription, selection: ListSelection, type: ResourceType, initialEventsEnd: Bool,
         bookmarks: Bool, timeout: Double, table: TableOutput? = nil)
    {
        self.table = table
        self.subscription = subscription
        self.selection = selection
        self.type = type
        self.initialEventsEnd = initialEventsEnd
        self.bookmarks = bookmarks
        self.timeout = timeout
    }

    func cancel() { subscription.cancel() }

    func run(write: ([UInt8]) async throws -> Void) async throws {
        let timer = Task { [subscription, timeout] in
            try? await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
            subscription.cancel()
        }
        defer {
            timer.cancel()
            subscription.cancel()
        }
        switch subscription.start {
        case .snapshot(let snapshot):
            for item in snapshot.items where selection.matches(item.attributes) {
                try await write(event("ADDED", item.bytes))
            }
            if initialEventsEnd {
                try await write(WatchFraming.event("BOOKMARK", bookmark(revision: snapshot.revision, initialEventsEnd: true)))
            }
        case .replay(let events):
            for event in events {
                if let framed = frame(event) { try await write(framed) }
            }
        }
        for await event in subscription.events {
            if let framed = frame(event) { try await write(framed) }
        }
        if subscription.overflowed {
            let error = APIError.expired("the watch of \(type.groupResource) fell too far behind and was closed; start a new watch")
            try await write(WatchFraming.event("ERROR", error.status.serialized()))
        }
    }

    /// Applies the selectors to an event, turning it into ADDED or DELETED when the object enters or leaves the
    /// selection, as kube-apiserver's watch cache does.
    func frame(_ event: WatchEvent) -> [UInt8]? {
        if selection.isEmpty { return self.event(event.type.rawValue, event.object.bytes) }
        let now = selection.matches(event.object.attributes)
        switch event.type {
        case .added, .deleted:
            return now ? self.event(event.type.rawValue, event.object.bytes) : nil
        case .modified:
            let before = event.previous.map { selection.matches($0.attributes) } ?? false
            switch (before, now) {
            case (true, true): return self.event("MODIFIED", event.object.bytes)
            case (false, true): return self.event("ADDED", event.object.bytes)
            case (true, false):
                // The previous state, stamped with the revision at which it left the selection.
                var previous = event.previous!.json()
                previous[path: "metadata", "resourceVersion"] = .string(String(event.revision))
                return self.event("DELETED", previous.serialized())
            case (false, false): return nil
            }
        }
    }

    /// One framed event, its object as the client asked for it.
    func event(_ type: String, _ objectBytes: [UInt8]) -> [UInt8] {
        guard let table, let object = try? JSONParser.parse(objectBytes) else { return WatchFraming.event(type, objectBytes) }
        let first = !headersSent.exchange(true, ordering: .relaxed)
        let rows = TablePrinting.table(type: self.type, objects: [object], includeObject: table.includeObject,
                                       noHeaders: !first,
                                       resourceVersion: object[path: "metadata", "resourceVersion"]?.stringValue ?? "",
                                       continueToken: nil, remainingItemCount: nil, now: Timestamp.now(),
                                       apiVersion: table.apiVersion)
        return WatchFraming.event(type, rows.serialized())
    }

    func bookmark(revision: Int64, initialEventsEnd: Bool) -> [UInt8] {
        var metadata: JSONObject = ["resourceVersion": .string(String(revision))]
        if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
        let object: JSON = ["kind": .string(type.kind), "apiVersion": .string(type.groupVersion), "metadata": .object(metadata)]
        return object.serialized()
    }
}
