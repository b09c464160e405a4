import KubeJSON
import XCTest

/// Lists (selectors, pagination, resourceVersion rules) and watches (resume, synthetic ADDED, selector
/// transitions, bookmarks, timeouts, expiry, slow watchers).
final class ListWatchTests: XCTestCase {
    var server: SimulatorProcess!

    override func setUpWithError() throws {
        server = try SimulatorProcess(extraArguments: ["--in-memory", "--watch-history", "200"])
    }

    override func tearDown() {
        server.stop()
    }

    @discardableResult
    func create(_ object: JSON, _ path: String = "/api/v1/namespaces/default/configmaps") throws -> JSON {
        let r = try server.request("POST", path, json: object)
        XCTAssertEqual(r.status, 201, r.text)
        return r.json
    }

    func names(_ list: JSON) -> [String] {
        (list["items"]?.arrayValue ?? []).compactMap { $0[path: "metadata", "name"]?.stringValue }
    }

    func testLabelAndFieldSelectors() throws {
        try create(Fixtures.configMap("a", labels: ["app": "web", "tier": "front"]))
        try create(Fixtures.configMap("b", labels: ["app": "web", "tier": "back"]))
        try create(Fixtures.configMap("c", labels: ["app": "db"]))
        let base = "/api/v1/namespaces/default/configmaps"
        XCTAssertEqual(names(try server.request("GET", base + "?labelSelector=app%3Dweb").json), ["a", "b"])
        XCTAssertEqual(names(try server.request("GET", base + "?labelSelector=app%3Dweb,tier!%3Dback").json), ["a"])
        XCTAssertEqual(names(try server.request("GET", base + "?labelSelector=tier%20in%20(front,back)").json), ["a", "b"])
        XCTAssertEqual(names(try server.request("GET", base + "?labelSelector=!tier").json), ["c"])
        XCTAssertEqual(names(try server.request("GET", base + "?fieldSelector=metadata.name%3Db").json), ["b"])
        XCTAssertEqual(names(try server.request("GET", base + "?fieldSelector=metadata.name!%3Db").json), ["a", "c"])
        let bad = try server.request("GET", base + "?fieldSelector=spec.nodeName%3Dx")
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(bad.json["message"], "field label not supported: spec.nodeName")
        let badLabel = try server.request("GET", base + "?labelSelector=a%20in%20(")
        XCTAssertEqual(badLabel.status, 400)
        // All-namespace list.
        try create(Fixtures.configMap("x", namespace: "kube-system"), "/api/v1/namespaces/kube-system/configmaps")
        let all = names(try server.request("GET", "/api/v1/configmaps").json)
        XCTAssertTrue(all.contains("x") && all.contains("a"))
    }

    func testPodFieldSelectors() throws {
        try create(Fixtures.pod("p1", nodeName: "node-1"), "/api/v1/namespaces/default/pods")
        try create(Fixtures.pod("p2"), "/api/v1/namespaces/default/pods")
        let onNode = try server.request("GET", "/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3Dnode-1")
        XCTAssertEqual(names(onNode.json), ["p1"])
        let pending = try server.request("GET", "/api/v1/pods?fieldSelector=status.phase%3DPending")
        XCTAssertEqual(names(pending.json), ["p1", "p2"])
    }

    func testPaginationIsConsistentAndExpires() throws {
        for i in 0..<7 { try create(Fixtures.configMap("cm-\(i)")) }
        let first = try server.request("GET", "/api/v1/namespaces/default/configmaps?limit=3").json
        XCTAssertEqual(names(first), ["cm-0", "cm-1", "cm-2"])
        let token = try XCTUnwrap(first[path: "metadata", "continue"]?.stringValue)
        XCTAssertEqual(first[path: "metadata", "remainingItemCount"], 4)
        // A change after the first page does not show on the later pages.
        try create(Fixtures.configMap("cm-9"))
        XCTAssertEqual(try server.request("DELETE", "/api/v1/namespaces/default/configmaps/cm-5").status, 200)
        let second = try server.request("GET", "/api/v1/namespaces/default/configmaps?limit=3&continue=\(token)").json
        XCTAssertEqual(names(second), ["cm-3", "cm-4", "cm-5"])
        XCTAssertEqual(second[path: "metadata", "resourceVersion"], first[path: "metadata", "resourceVersion"])
        let token2 = try XCTUnwrap(second[path: "metadata", "continue"]?.stringValue)
        let third = try server.request("GET", "/api/v1/namespaces/default/configmaps?limit=3&continue=\(token2)").json
        XCTAssertEqual(names(third), ["cm-6"])
        XCTAssertNil(third[path: "metadata", "continue"])
        // Once the log has moved past the first page's revision, the token is expired: 410.
        for i in 0..<210 { try create(Fixtures.configMap("filler-\(i)")) }
        let expired = try server.request("GET", "/api/v1/namespaces/default/configmaps?limit=3&continue=\(token)")
        XCTAssertEqual(expired.status, 410, expired.text)
        XCTAssertEqual(expired.json["reason"], "Expired")
        let garbage = try server.request("GET", "/api/v1/namespaces/default/configmaps?limit=3&continue=xyz")
        XCTAssertEqual(garbage.status, 400)
    }

    func testResourceVersionRules() throws {
        let a = try create(Fixtures.configMap("a"))
        let rvA = try XCTUnwrap(a[path: "metadata", "resourceVersion"]?.stringValue)
        try create(Fixtures.configMap("b"))
        let exact = try server.request("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=\(rvA)&resourceVersionMatch=Exact")
        XCTAssertEqual(exact.status, 200, exact.text)
        XCTAssertEqual(names(exact.json), ["a"])
        XCTAssertEqual(exact.json[path: "metadata", "resourceVersion"]?.stringValue, rvA)
        let notOlder = try server.request("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=\(rvA)&resourceVersionMatch=NotOlderThan")
        XCTAssertEqual(names(notOlder.json), ["a", "b"])
        XCTAssertEqual(try server.request("GET", "/api/v1/namespaces/default/configmaps?resourceVersionMatch=Exact").status, 400)
        let future = try server.request("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=99999999")
        XCTAssertEqual(future.status, 504)
    }

    func testWatchResumeReplaysExactlyTheLaterEvents() throws {
        let a = try create(Fixtures.configMap("w-a"))
        let start = try XCTUnwrap(a[path: "metadata", "resourceVersion"]?.stringValue)
        var b = try create(Fixtures.configMap("w-b"))
        b[path: "data", "k"] = "changed"
        XCTAssertEqual(try server.request("PUT", "/api/v1/namespaces/default/configmaps/w-b", json: b).status, 200)
        XCTAssertEqual(try server.request("DELETE", "/api/v1/namespaces/default/configmaps/w-a").status, 200)
        let watch = try WatchReader(port: server.port, path: "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=\(start)")
        XCTAssertEqual(watch.status, 200)
        var seen: [String] = []
        for _ in 0..<3 {
            let event = try XCTUnwrap(watch.next())
            seen.append("\(event["type"]!.stringValue!) \(event[path: "object", "metadata", "name"]!.stringValue!)")
        }
        XCTAssertEqual(seen, ["ADDED w-b", "MODIFIED w-b", "DELETED w-a"])
        XCTAssertTrue(watch.expectSilence(0.5), "no further events")
        // A live change arrives.
        try create(Fixtures.configMap("w-c"))
        let live = try XCTUnwrap(watch.next())
        XCTAssertEqual(live["type"], "ADDED")
        XCTAssertEqual(live[path: "object", "metadata", "name"], "w-c")
    }

    func testWatchFromZeroSendsSyntheticAddedAndSelectorTransitions() throws {
        try create(Fixtures.configMap("s-1", labels: ["app": "web"]))
        try create(Fixtures.configMap("s-2", labels: ["app": "db"]))
        let watch = try WatchReader(port: server.port,
                                    path: "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&labelSelector=app%3Dweb")
        let initial = try XCTUnwrap(watch.next())
        XCTAssertEqual(initial["type"], "ADDED")
        XCTAssertEqual(initial[path: "object", "metadata", "name"], "s-1")
        // s-2 enters the selection: ADDED; s-1 leaves it: DELETED.
        var s2 = try server.request("GET", "/api/v1/namespaces/default/configmaps/s-2").json
        s2[path: "metadata", "labels", "app"] = "web"
        XCTAssertEqual(try server.request("PUT", "/api/v1/namespaces/default/configmaps/s-2", json: s2).status, 200)
        let entered = try XCTUnwrap(watch.next())
        XCTAssertEqual(entered["type"], "ADDED")
        XCTAssertEqual(entered[path: "object", "metadata", "name"], "s-2")
        let patch = try server.request("PATCH", "/api/v1/namespaces/default/configmaps/s-1",
                                       json: ["metadata": ["labels": ["app": "other"]]], contentType: "application/merge-patch+json")
        XCTAssertEqual(patch.status, 200)
        let left = try XCTUnwrap(watch.next())
        XCTAssertEqual(left["type"], "DELETED")
        XCTAssertEqual(left[path: "object", "metadata", "name"], "s-1")
        XCTAssertEqual(left[path: "object", "metadata", "resourceVersion"], patch.json[path: "metadata", "resourceVersion"])
        XCTAssertEqual(left[path: "object", "metadata", "labels", "app"], "web", "the state before it left")
    }

    func testSendInitialEventsEndsWithBookmark() throws {
        try create(Fixtures.configMap("i-1"))
        let watch = try WatchReader(port: server.port, path: "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true")
        var types: [String] = []
        while let event = try watch.next() {
            types.append(event["type"]?.stringValue ?? "")
            if event["type"] == "BOOKMARK" {
                XCTAssertEqual(event[path: "object", "metadata", "annotations", "k8s.io/initial-events-end"], "true")
                XCTAssertEqual(event[path: "object", "kind"], "ConfigMap")
                break
            }
        }
        XCTAssertEqual(types, ["ADDED", "BOOKMARK"])
    }

    func testTimeoutEndsTheWatch() throws {
        let watch = try WatchReader(port: server.port, path: "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=\(try currentRV())&timeoutSeconds=1")
        XCTAssertNil(try watch.next(timeout: 5), "the stream ends after timeoutSeconds")
    }

    func testCompactedResourceVersionGivesExpiredError() throws {
        let first = try create(Fixtures.configMap("old"))
        let rv = try XCTUnwrap(first[path: "metadata", "resourceVersion"]?.stringValue)
        for i in 0..<220 { try create(Fixtures.configMap("n-\(i)")) }
        let watch = try WatchReader(port: server.port, path: "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=\(rv)")
        let event = try XCTUnwrap(watch.next())
        XCTAssertEqual(event["type"], "ERROR")
        XCTAssertEqual(event[path: "object", "code"], 410)
        XCTAssertEqual(event[path: "object", "reason"], "Expired")
    }

    func testWatchOfOneNamedObject() throws {
        try create(Fixtures.configMap("named"))
        try create(Fixtures.configMap("other"))
        let watch = try WatchReader(port: server.port, path: "/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dnamed&resourceVersion=0")
        let first = try XCTUnwrap(watch.next())
        XCTAssertEqual(first[path: "object", "metadata", "name"], "named")
        XCTAssertTrue(watch.expectSilence(0.3))
    }

    func currentRV() throws -> String {
        try server.request("GET", "/api/v1/namespaces/default/configmaps").json[path: "metadata", "resourceVersion"]?.stringValue ?? "0"
    }
}

/// Watch resources: a disconnected client frees its watch at once; a slow one is cut off, writers unaffected.
final class WatchResourceTests: XCTestCase {
    func watchers(_ server: SimulatorProcess) throws -> Int {
        let text = try server.request("GET", "/metrics").text
        let line = text.split(separator: "\n").first { $0.hasPrefix("apiserver_registered_watchers{resource=\"/configmaps\"}") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    func testDisconnectFreesTheWatch() throws {
        let server = try SimulatorProcess(extraArguments: ["--in-memory"])
        defer { server.stop() }
        var watch: WatchReader? = try WatchReader(port: server.port, path: "/api/v1/namespaces/default/configmaps?watch=true")
        XCTAssertEqual(watch?.status, 200)
        XCTAssertEqual(try watchers(server), 1)
        watch = nil  // closes the socket
        let deadline = Date().addingTimeInterval(5)
        while try watchers(server) != 0, Date() < deadline { usleep(20_000) }
        XCTAssertEqual(try watchers(server), 0, "the watch is gone without any further event")
    }

    func testSlowWatcherIsCutOffWithoutSlowingWriters() throws {
        let server = try SimulatorProcess(extraArguments: ["--in-memory", "--watch-buffer-size", "20"])
        defer { server.stop() }
        let slow = try WatchReader(port: server.port, path: "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0")
        // Big objects fill the socket buffers, then the watcher's own buffer: it must be dropped.
        let payload = String(repeating: "x", count: 200_000)
        for i in 0..<150 {
            let r = try server.request("POST", "/api/v1/namespaces/default/configmaps",
                                       json: Fixtures.configMap("big-\(i)", data: ["payload": payload]))
            XCTAssertEqual(r.status, 201)
        }
        var last: JSON?
        var count = 0
        while let event = try slow.next(timeout: 10) {
            last = event
            count += 1
        }
        XCTAssertLessThan(count, 150, "the watcher did not get every event")
        XCTAssertEqual(last?["type"], "ERROR")
        XCTAssertEqual(last?[path: "object", "code"], 410)
        XCTAssertEqual(try watchers(server), 0)
    }
}
