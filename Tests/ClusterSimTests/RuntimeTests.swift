@testable import ClusterSim
import XCTest

final class RuntimeTests: XCTestCase {
    func testSeededRandomIsStableAndSpread() {
        let a = SeededRandom(seed: 7), b = SeededRandom(seed: 7), c = SeededRandom(seed: 8)
        XCTAssertEqual(a.unit("pod/x/pull"), b.unit("pod/x/pull"))
        XCTAssertNotEqual(a.unit("pod/x/pull"), c.unit("pod/x/pull"))
        XCTAssertEqual(a.nameSuffix("rs-1"), b.nameSuffix("rs-1"))
        XCTAssertEqual(a.nameSuffix("rs-1").count, 5)
        let draws = (0..<1000).map { a.unit("k\($0)") }
        XCTAssertTrue(draws.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertGreaterThan(draws.filter { $0 < 0.5 }.count, 400)
        XCTAssertLessThan(draws.filter { $0 < 0.5 }.count, 600)
    }

    func testWorkQueueDeduplicatesAndSerialisesAKey() async {
        let queue = WorkQueue(clock: SimulatedClock(scale: 1000))
        let key = WorkKey(namespace: "ns", name: "a")
        queue.add(key)
        queue.add(key)
        queue.add(WorkKey(namespace: "ns", name: "b"))
        let first = await queue.next()
        XCTAssertEqual(first, key)
        queue.add(key)  // while processing: queued again only after done
        let second = await queue.next()
        XCTAssertEqual(second?.name, "b")
        queue.done(key)
        let third = await queue.next()
        XCTAssertEqual(third, key)
        queue.shutdown()
        let end = await queue.next()
        XCTAssertNil(end)
    }

    func testConfigurationControllerSwitches() {
        var config = ClusterConfiguration()
        XCTAssertTrue(config.enabled("deployment"))
        config.controllers = ["*", "-deployment"]
        XCTAssertFalse(config.enabled("deployment"))
        XCTAssertTrue(config.enabled("job"))
        config.controllers = ["job"]
        XCTAssertFalse(config.enabled("deployment"))
    }
}
