import ClusterSim
import KubeJSON
import XCTest
@testable import Monitoring

final class SLAAndIncidentTests: XCTestCase {
    func testWindowArithmetic() {
        var w = SLAWindow(capacity: 60, target: 99.5)
        XCTAssertEqual(w.percentage, 100)
        XCTAssertEqual(w.dataPoints, 0)
        for _ in 0..<60 { w.record(true) }
        XCTAssertEqual(w.percentage, 100)
        XCTAssertEqual(w.status, .meeting)
        w.record(false)
        XCTAssertEqual(w.dataPoints, 60)
        XCTAssertEqual(w.healthyPoints, 59)
        XCTAssertEqual(w.percentage, 98.333)
        XCTAssertEqual(w.status, .atRisk)
        w.record(false)
        XCTAssertEqual(w.percentage, 96.667)
        XCTAssertEqual(w.status, .breached)
        // Rolling: 60 good points later the bad ones have left the window.
        for _ in 0..<60 { w.record(true) }
        XCTAssertEqual(w.percentage, 100)
    }

    func testWindowJSONShape() {
        var w = SLAWindow()
        for i in 0..<10 { w.record(i != 3) }
        let json = w.json()
        XCTAssertEqual(json.objectValue?.keys, ["status", "percentage", "target", "data_points", "healthy_points",
                                                "total_percentage", "total_data_points", "total_healthy_points"])
        XCTAssertEqual(json["target"]?.doubleValue, 99.5)
        XCTAssertEqual(json["data_points"]?.intValue, 10)
        XCTAssertEqual(json["healthy_points"]?.intValue, 9)
        XCTAssertEqual(json["percentage"]?.doubleValue, 90)
        XCTAssertEqual(json["status"]?.stringValue, "breached")
        // The window forgets, the totals do not.
        for _ in 0..<60 { w.record(true) }
        XCTAssertEqual(w.percentage, 100)
        XCTAssertEqual(w.json()["total_data_points"]?.intValue, 70)
        XCTAssertEqual(w.json()["total_healthy_points"]?.intValue, 69)
        XCTAssertEqual(w.totalPercentage, 98.571)
    }

    func testScheduleIsDeterministicAndNearItsRate() {
        let s = IncidentSchedule(random: SeededRandom(seed: 3), ratePerHour: 1)
        let week = s.incidents(from: Fixtures.midnight, to: Fixtures.midnight + 7 * 86_400, services: ["a", "b"])
        XCTAssertEqual(week, s.incidents(from: Fixtures.midnight, to: Fixtures.midnight + 7 * 86_400, services: ["b", "a"]))
        XCTAssert((110...230).contains(week.count), "\(week.count) incidents in a week at 1/h")
        XCTAssertFalse(week.contains { $0.type == .nodeFailure })
        // Drawing in pieces gives the same incidents as drawing at once (ticks may come at any cadence).
        let pieces = stride(from: Fixtures.midnight, to: Fixtures.midnight + 86_400, by: 7.5).flatMap {
            s.incidents(from: $0, to: $0 + 7.5, services: ["a", "b"])
        }
        XCTAssertEqual(pieces, s.incidents(from: Fixtures.midnight, to: Fixtures.midnight + 86_400, services: ["a", "b"]))
        XCTAssertTrue(IncidentSchedule(random: SeededRandom(seed: 3), ratePerHour: 0)
            .incidents(from: 0, to: 1e6, services: ["a"]).isEmpty)
    }

    func testSimulatedDayMeetsTheSLAAtTheDefaultRate() {
        var lost = 0
        for seed: UInt64 in 1...3 {
            let (healthy, total) = Fixtures.simulateDay(seed: seed)
            lost += total - healthy
            XCTAssertEqual(total, 8_640)
            let percentage = Double(healthy) / Double(total) * 100
            XCTAssertGreaterThanOrEqual(percentage, 99.5, "seed \(seed)")
        }
        // Not vacuous: the random incidents do cost data points.
        XCTAssertGreaterThan(lost, 0)
    }

    func testInjectedIncidentDipsTheWindowAndItRecovers() {
        let random = SeededRandom(seed: 1)
        let model = MonitoringModel(random: random)
        let snapshot = Fixtures.snapshot()
        let start = Fixtures.midnight + 10 * 3600
        let burst = Incident(id: "inc-1", type: .errorBurst, target: "chatbot", start: start + 300, end: start + 420,
                             injected: true, severity: 15)
        var window = SLAWindow()
        var lowest = 100.0
        for step in 0..<180 {
            let t = start + Double(step) * 10
            window.record(MonitoringModel.pointIsHealthy(model.evaluate(snapshot, at: t, incidents: [burst], controlPlaneUptime: 0)))
            lowest = min(lowest, window.percentage)
        }
        XCTAssertLessThan(lowest, 99.5)
        XCTAssertEqual(window.percentage, 100)
        XCTAssertEqual(window.status, .meeting)
    }

    func testIncidentEffectsMatchTargets() {
        let spike = Incident(id: "1", type: .latencySpike, target: "tenant-a/callbot", start: 0, end: 10, injected: true, severity: 4)
        XCTAssertEqual(Incident.effects(on: "callbot", namespace: "tenant-a", name: "callbot", incidents: [spike], at: 5).latencyFactor, 4)
        XCTAssertEqual(Incident.effects(on: "callbot", namespace: "tenant-a", name: "callbot", incidents: [spike], at: 10).latencyFactor, 1)
        XCTAssertEqual(Incident.effects(on: "stt", namespace: "tenant-a", name: "stt", incidents: [spike], at: 5).latencyFactor, 1)
    }
}
