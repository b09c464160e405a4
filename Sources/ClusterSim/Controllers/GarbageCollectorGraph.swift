import Foundation
import KubeAPI
import KubeJSON
import KubeStore
import Synchronization

/// What the garbage collector remembers of an object: where it lives, its owners and its deletion state.
struct GarbageCollectorNode: Sendable, Equatable {
    var ref: ResourceRef
    var namespace: String
    var name: String
    var owners: [WorkloadOwnerRef]
    var deleting: Bool
    var foreground: Bool
    var orphan: Bool

    init(ref: ResourceRef, object: JSON) {
        self.ref = ref
        namespace = object.wlNamespace
        name = object.wlName
        owners = object.wlOwnerReferences
        deleting = object.wlDeleting
        let finalizers = object.wlFinalizers
        foreground = finalizers.contains(GarbageCollectorGraph.foregroundFinalizer)
        orphan = finalizers.contains(GarbageCollectorGraph.orphanFinalizer)
    }

    /// Being deleted in the foreground: waiting for its blocking dependents to go.
    var deletingDependents: Bool { deleting && foreground }
}

/// The dependency graph (uid → object, owner uid → dependents), built from watch events so a change costs a
/// few dictionary operations whatever the size of the cluster. It only says what to look at; decisions are
/// taken on live reads.
final class GarbageCollectorGraph: Sendable {
    static let foregroundFinalizer = "foregroundDeletion"
    static let orphanFinalizer = "orphan"

    private struct State {
        var nodes: [String: GarbageCollectorNode] = [:]
        var dependents: [String: Set<String>] = [:]
        var uids: [ObjectKey: String] = [:]
    }

    private let state = Mutex(State())

    var count: Int { state.withLock { $0.nodes.count } }

    func node(_ uid: String) -> GarbageCollectorNode? { state.withLock { $0.nodes[uid] } }

    /// The uid of the object stored under `key`, if it is known.
    func uid(_ key: ObjectKey) -> String? { state.withLock { $0.uids[key] } }

    func dependents(of uid: String) -> [(uid: String, node: GarbageCollectorNode)] {
        state.withLock { state in
            (state.dependents[uid] ?? []).sorted().compactMap { dep in state.nodes[dep].map { (dep, $0) } }
        }
    }

    func hasDependents(_ uid: String) -> Bool { state.withLock { !($0.dependents[uid] ?? []).isEmpty } }

    /// Records an object's state and returns the uids worth processing now (none while `initial`, i.e. while
    /// the first lists are loaded; `pending()` tells those afterwards).
    func upsert(_ uid: String, _ node: GarbageCollectorNode, key: ObjectKey, initial: Bool = false) -> [String] {
        state.withLock { state in
            state.uids[key] = uid
            let old = state.nodes[uid]
            if old == node { return [] }
            state.nodes[uid] = node
            let oldOwners = Set(old?.owners.map(\.uid) ?? []), newOwners = Set(node.owners.map(\.uid))
            for owner in oldOwners.subtracting(newOwners) {
                state.dependents[owner]?.remove(uid)
                if state.dependents[owner]?.isEmpty == true { state.dependents[owner] = nil }
            }
            for owner in newOwners.subtracting(oldOwners) { state.dependents[owner, default: []].insert(uid) }
            if initial { return [] }

            var out: [String] = []
            if old == nil || old?.owners != node.owners {
                // An owner never seen may be gone already; one waiting for dependents wants this one deleted.
                if node.owners.contains(where: { state.nodes[$0.uid]?.deletingDependents ?? true }) { out.append(uid) }
                // A dropped or unblocked reference may be what a foreground deletion was waiting for.
                for owner in oldOwners.union(newOwners) where state.nodes[owner]?.deletingDependents == true {
                    out.append(owner)
                }
            }
            if node.deletingDependents {
                out.append(uid)
                if old?.deletingDependents != true { out += (state.dependents[uid] ?? []).sorted() }
            }
            if node.deleting && node.orphan { out.append(uid) }
            return out
        }
    }

    /// Forgets a deleted object; its dependents may now be dangling and its owners may be unblocked.
    func remove(_ uid: String, key: ObjectKey) -> [String] {
        state.withLock { state in
            if state.uids[key] == uid { state.uids[key] = nil }
            var out: [String] = []
            if let old = state.nodes.removeValue(forKey: uid) {
                for owner in Set(old.owners.map(\.uid)) {
                    state.dependents[owner]?.remove(uid)
                    if state.dependents[owner]?.isEmpty == true { state.dependents[owner] = nil }
                    if state.nodes[owner]?.deletingDependents == true { out.append(owner) }
                }
            }
            out += (state.dependents[uid] ?? []).sorted()
            return out
        }
    }

    /// After the first lists: objects whose owners were never seen, and deletions already under way.
    func pending() -> [String] {
        state.withLock { state in
            var out: [String] = []
            for (uid, node) in state.nodes {
                if node.owners.contains(where: { state.nodes[$0.uid]?.deletingDependents ?? true })
                    || node.deletingDependents || (node.deleting && node.orphan)
                {
                    out.append(uid)
                }
            }
            return out.sorted()
        }
    }
}

/// What of an object's serialized form the garbage collector cares about: every `"ownerReferences":` and
/// `"finalizers":` value and whether `"deletionTimestamp":` occurs, found by scanning bytes. A change whose
/// signature equals the previous one (a status update, say) needs no parsing. Escaped quotes inside strings
/// cannot match the patterns, and a user field with the same name only makes the check more cautious.
enum GarbageCollectorSignature {
    static let patterns: [[UInt8]] = [Array("\"ownerReferences\":".utf8), Array("\"finalizers\":".utf8),
                                      Array("\"deletionTimestamp\":".utf8)]

    static func of(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { buffer -> [UInt8] in
            guard let base = buffer.baseAddress else { return [] }
            let count = buffer.count
            var out: [UInt8] = []
            var offset = 0
            // memchr jumps from quote to quote, so even an unoptimised build scans a pod in microseconds.
            while offset < count, let hit = memchr(base + offset, 0x22, count - offset) {
                let i = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                offset = i + 1
                guard offset < count else { break }
                let next = base[offset]
                let index = next == UInt8(ascii: "o") ? 0 : next == UInt8(ascii: "f") ? 1 : next == UInt8(ascii: "d") ? 2 : -1
                guard index >= 0 else { continue }
                let pattern = patterns[index]
                guard count - i >= pattern.count,
                      pattern.withUnsafeBytes({ needle in needle.baseAddress.map { memcmp(base + i, $0, pattern.count) } }) == 0
                else { continue }
                let start = i + pattern.count
                let end = valueEnd(base, count, start)
                out.append(UInt8(index))
                out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: end - start))
                offset = end
            }
            return out
        }
    }

    /// The index just past the JSON value starting at `start`.
    static func valueEnd(_ base: UnsafePointer<UInt8>, _ count: Int, _ start: Int) -> Int {
        var i = start
        var depth = 0
        var inString = false
        while i < count {
            let byte = base[i]
            if inString {
                if byte == UInt8(ascii: "\\") { i += 2; continue }
                if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return i + 1 }
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if depth == 0 { return i }
                    depth -= 1
                    if depth == 0 { return i + 1 }
                case UInt8(ascii: ","):
                    if depth == 0 { return i }
                default: break
                }
            }
            i += 1
        }
        return count
    }
}

/// What attemptToDeleteItem does with an object that is not being deleted, given the state of its owners.
enum GarbageCollectorDecision: Equatable {
    case nothing
    /// Some owner still holds it: drop the references to owners that are gone or deleting in the foreground.
    case removeReferences([String])
    /// Owners wait for it and it has dependents of its own: delete it in the foreground too, first clearing
    /// blockOwnerDeletion towards those owners when one of its dependents already waits on it (a cycle).
    case deleteForeground(unblock: [String])
    case delete(DeleteOptions.Propagation)

    enum OwnerState: Equatable { case present, absent, waiting, unknown }

    static func decide(owners: [(uid: String, state: OwnerState)], hasDependents: Bool,
                       dependentWaitsOnIt: Bool, finalizers: [String]) -> GarbageCollectorDecision
    {
        if owners.isEmpty { return .nothing }
        let solid = owners.filter { $0.state == .present || $0.state == .unknown }
        let dangling = owners.filter { $0.state == .absent }.map(\.uid)
        let waiting = owners.filter { $0.state == .waiting }.map(\.uid)
        if !solid.isEmpty {
            return dangling.isEmpty && waiting.isEmpty ? .nothing : .removeReferences(dangling + waiting)
        }
        if !waiting.isEmpty && hasDependents {
            return .deleteForeground(unblock: dependentWaitsOnIt ? waiting : [])
        }
        if finalizers.contains(GarbageCollectorGraph.orphanFinalizer) { return .delete(.orphan) }
        if finalizers.contains(GarbageCollectorGraph.foregroundFinalizer) { return .delete(.foreground) }
        return .delete(.background)
    }
}
