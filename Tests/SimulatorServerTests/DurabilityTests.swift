import Foundation
import KubeJSON
import XCTest

/// Acknowledged writes survive kill -9, and watches resume across a restart.
final class DurabilityTests: XCTestCase {
    func testKill9DuringConcurrentWritesLosesNothingAcknowledged() throws {
        let dataDir = SimulatorProcess.temporaryDirectory()
        let server = try SimulatorProcess(dataDir: dataDir)
        let acknowledged = AcknowledgedNames()
        let group = DispatchGroup()
        let stop = AtomicFlag()
        for worker in 0..<8 {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                var i = 0
                while !stop.isSet {
                    let name = "w\(worker)-\(i)"
                    i += 1
                    guard let r = try? server.request("POST", "/api/v1/namespaces/default/configmaps",
                                                      json: Fixtures.configMap(name, data: ["payload": String(repeating: "x", count: 512)]))
                    else { return }
                    if r.status == 201 { acknowledged.add(name) }
                }
            }
        }
        Thread.sleep(forTimeInterval: 1.5)
        server.kill9()
        stop.set()
        group.wait()
        let names = acknowledged.all
        XCTAssertGreaterThan(names.count, 50, "the writers got going before the kill")

        let restarted = try SimulatorProcess(dataDir: dataDir)
        defer { restarted.stop() }
        let list = try restarted.request("GET", "/api/v1/namespaces/default/configmaps").json
        let stored = Set((list["items"]?.arrayValue ?? []).compactMap { $0[path: "metadata", "name"]?.stringValue })
        let lost = names.subtracting(stored)
        XCTAssertTrue(lost.isEmpty, "acknowledged but lost after kill -9: \(lost.sorted().prefix(10))")
        // The revision counter resumes above everything stored.
        let created = try restarted.request("POST", "/api/v1/namespaces/default/configmaps", json: Fixtures.configMap("after-restart"))
        XCTAssertEqual(created.status, 201)
        let newRV = Int64(created.json[path: "metadata", "resourceVersion"]?.stringValue ?? "") ?? 0
        let maxRV = (list["items"]?.arrayValue ?? []).compactMap { Int64($0[path: "metadata", "resourceVersion"]?.stringValue ?? "") }.max() ?? 0
        XCTAssertGreaterThan(newRV, maxRV)
    }

    func testWatchResumesAcrossRestart() throws {
        let dataDir = SimulatorProcess.temporaryDirectory()
        var server = try SimulatorProcess(dataDir: dataDir)
        let first = try server.request("POST", "/api/v1/namespaces/default/configmaps", json: Fixtures.configMap("r-1")).json
        let rv = try XCTUnwrap(first[path: "metadata", "resourceVersion"]?.stringValue)
        XCTAssertEqual(try server.request("POST", "/api/v1/namespaces/default/configmaps", json: Fixtures.configMap("r-2")).status, 201)
        XCTAssertEqual(try server.request("DELETE", "/api/v1/namespaces/default/configmaps/r-1").status, 200)
        server.stop()
        server = try SimulatorProcess(dataDir: dataDir, port: server.port)
        defer { server.stop() }
        let watch = try WatchReader(port: server.port, path: "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=\(rv)")
        let added = try XCTUnwrap(watch.next())
        XCTAssertEqual(added["type"], "ADDED")
        XCTAssertEqual(added[path: "object", "metadata", "name"], "r-2")
        let deleted = try XCTUnwrap(watch.next())
        XCTAssertEqual(deleted["type"], "DELETED")
        XCTAssertEqual(deleted[path: "object", "metadata", "name"], "r-1")
        XCTAssertTrue(watch.expectSilence(0.5))
    }
}

final class AcknowledgedNames: @unchecked Sendable {
    private let lock = NSLock()
    private var names: Set<String> = []
    func add(_ name: String) { lock.lock(); names.insert(name); lock.unlock() }
    var all: Set<String> { lock.lock(); defer { lock.unlock() }; return names }
}

final class AtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
