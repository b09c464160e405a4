import Foundation
import KubeJSON
import KubeStore
import XCTest

/// The store keeps each resource in list order, through creates, updates, deletes and a restart.
final class StoreOrderTests: XCTestCase {
    func write(_ store: RevisionedStore, _ namespace: String, _ name: String, _ operation: WriteRequest.Operation) async throws {
        let object: JSON = ["apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": ["name": .string(name), "namespace": .string(namespace)]]
        _ = try await store.commit(WriteRequest(key: ObjectKey(resource: "/configmaps", namespace: namespace, name: name),
                                                operation: operation, object: object, attributes: ObjectAttributes()))
    }

    func names(_ snapshot: ListSnapshot) -> [String] { snapshot.items.map { "\($0.key.namespace)/\($0.key.name)" } }

    func testListsComeOutSortedAndNamespacesAreRanges() async throws {
        let directory = NSTemporaryDirectory() + "store-order-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var store = try RevisionedStore(driver: SQLiteDriver(path: directory + "/state.db"))
        var expected: [String] = []
        // Namespaces that are prefixes of each other, names created out of order.
        for (namespace, name) in [("b", "z"), ("a", "m"), ("a-b", "c"), ("ab", "a"), ("a", "b"), ("b", "a"), ("a", "z")].shuffled() {
            try await write(store, namespace, name, .create)
            expected.append("\(namespace)/\(name)")
        }
        expected.sort { ($0.split(separator: "/")[0], $0.split(separator: "/")[1]) < ($1.split(separator: "/")[0], $1.split(separator: "/")[1]) }
        XCTAssertEqual(names(try store.list(resource: "/configmaps", namespace: nil, atRevision: nil)), expected)
        XCTAssertEqual(names(try store.list(resource: "/configmaps", namespace: "a", atRevision: nil)), ["a/b", "a/m", "a/z"])
        XCTAssertEqual(names(try store.list(resource: "/configmaps", namespace: "nope", atRevision: nil)), [])

        let before = store.currentRevision
        try await write(store, "a", "m", .update(expectedRevision: nil))
        try await write(store, "a", "b", .delete(expectedRevision: nil))
        let afterNames = expected.filter { $0 != "a/b" }
        XCTAssertEqual(names(try store.list(resource: "/configmaps", namespace: nil, atRevision: nil)), afterNames)
        // The updated object is the live one in its old place.
        let listed = try store.list(resource: "/configmaps", namespace: "a", atRevision: nil).items
        XCTAssertEqual(listed.map(\.key.name), ["m", "z"])
        XCTAssertEqual(listed.first?.revision, store.get(ObjectKey(resource: "/configmaps", namespace: "a", name: "m"))?.revision)
        // A past revision is still whole and in order.
        XCTAssertEqual(names(try store.list(resource: "/configmaps", namespace: nil, atRevision: before)), expected)

        await store.close()
        store = try RevisionedStore(driver: SQLiteDriver(path: directory + "/state.db"))
        XCTAssertEqual(names(try store.list(resource: "/configmaps", namespace: nil, atRevision: nil)), afterNames)
        try await write(store, "a", "a", .create)
        XCTAssertEqual(names(try store.list(resource: "/configmaps", namespace: "a", atRevision: nil)), ["a/a", "a/m", "a/z"])
        await store.close()
    }
}
