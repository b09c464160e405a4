import ClusterSim
import XCTest
@testable import Monitoring

final class LoadCurveTests: XCTestCase {
    func testDailyShapeStaysInRangeAndPeaksInBusinessHours() {
        var minimum = 1.0, maximum = 0.0
        for minute in 0..<(24 * 60) {
            let value = LoadCurve.dailyShape(hour: Double(minute) / 60)
            XCTAssertGreaterThanOrEqual(value, 0.15)
            XCTAssertLessThanOrEqual(value, 1)
            minimum = min(minimum, value)
            maximum = max(maximum, value)
        }
        XCTAssertGreaterThan(maximum, 0.95)
        XCTAssertLessThan(minimum, 0.2)
        XCTAssertGreaterThan(LoadCurve.dailyShape(hour: 10.5), 3 * LoadCurve.dailyShape(hour: 4))
        XCTAssertGreaterThan(LoadCurve.dailyShape(hour: 15), LoadCurve.dailyShape(hour: 22))
    }

    func testShapeIsContinuousAcrossMidnight() {
        XCTAssertEqual(LoadCurve.dailyShape(hour: 23.999), LoadCurve.dailyShape(hour: 0), accuracy: 0.001)
    }

    func testNoiseIsBoundedSmoothAndMovesBetweenReads() {
        let curve = LoadCurve(random: SeededRandom(seed: 7))
        var changed = 0
        var previous = curve.noise("svc", at: Fixtures.midnight)
        for second in 1..<3_600 {
            let value = curve.noise("svc", at: Fixtures.midnight + Double(second))
            XCTAssertGreaterThanOrEqual(value, 0.8)
            XCTAssertLessThanOrEqual(value, 1.2)
            // Smooth drift plus a small jitter: consecutive seconds never jump by more than the jitter's span.
            XCTAssertLessThan(abs(value - previous), 0.07)
            if value != previous { changed += 1 }
            previous = value
        }
        XCTAssertGreaterThan(changed, 3_000)
    }

    func testSameSeedReplaysAndOtherSeedDiffers() {
        let a = LoadCurve(random: SeededRandom(seed: 1)), b = LoadCurve(random: SeededRandom(seed: 1))
        let c = LoadCurve(random: SeededRandom(seed: 2))
        let t = Fixtures.midnight + 12_345
        XCTAssertEqual(a.factor("x", at: t), b.factor("x", at: t))
        XCTAssertNotEqual(a.factor("x", at: t), c.factor("x", at: t))
    }

    func testUTCOffsetShiftsTheDay() {
        let kst = LoadCurve(random: SeededRandom(seed: 1), utcOffsetSeconds: 9 * 3600)
        XCTAssertEqual(kst.hourOfDay(Fixtures.midnight), 9, accuracy: 1e-9)
    }

    func testProfileGuessing() {
        XCTAssertEqual(ServiceProfile.guess(name: "tenant-a-callbot", images: []).kind, "callbot")
        XCTAssertEqual(ServiceProfile.guess(name: "ecp-ta-worker", images: []).kind, "ta")
        XCTAssertEqual(ServiceProfile.guess(name: "data-loader", images: []).kind, "generic")
        XCTAssertEqual(ServiceProfile.guess(name: "speech", images: ["registry/ecp/stt:1.2"]).kind, "stt")
        XCTAssertEqual(ServiceProfile.guess(name: "front", images: ["nginx:1.25"]).kind, "web")
        XCTAssertEqual(ServiceProfile.guess(name: "x", images: ["qa-engine"]).kind, "qa")
        let custom = ServiceProfile.callbot.withAnnotations([ServiceProfile.rpsAnnotation: "250"])
        XCTAssertEqual(custom.baseRPS, 250)
        XCTAssertEqual(ServiceProfile.callbot.withAnnotations([ServiceProfile.rpsAnnotation: "lots"]).baseRPS,
                       ServiceProfile.callbot.baseRPS)
    }
}
