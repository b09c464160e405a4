import ClusterSim
import KubeAPI
import KubeJSON
import XCTest
@testable import Monitoring

final class ServiceModelTests: XCTestCase {
    let model = ServiceModel(curve: LoadCurve(random: SeededRandom(seed: 1)))

    func testValuesStayInPhysicalRangesOverADay() {
        for workload in [Fixtures.callbot(), Fixtures.stt(), Fixtures.chatbot(), Fixtures.web(), Fixtures.callbot(ready: 1)] {
            var t = Fixtures.midnight
            while t < Fixtures.midnight + 86_400 {
                let m = model.evaluate(workload, key: workload.name, at: t)
                XCTAssert((0...100).contains(m.cpuPercent), "\(workload.name) cpu \(m.cpuPercent)")
                XCTAssert((0...100).contains(m.memoryPercent))
                XCTAssert((0...100).contains(m.errorPercent))
                XCTAssertGreaterThan(m.responseTimeMs, 0)
                XCTAssertGreaterThanOrEqual(m.requestsPerSecond, 0)
                XCTAssertGreaterThanOrEqual(m.load1m, 0)
                XCTAssertGreaterThan(m.memoryMiB, 0)
                if let gpu = m.gpuPercent { XCTAssert((0...100).contains(gpu)) }
                t += 300
            }
        }
    }

    func testCPUFollowsTheDailyLoad() {
        let w = Fixtures.callbot()
        let night = model.evaluate(w, key: "callbot", at: Fixtures.midnight + 4 * 3600)
        let peak = model.evaluate(w, key: "callbot", at: Fixtures.midnight + 10.5 * 3600)
        XCTAssertGreaterThan(peak.requestsPerSecond, 2.5 * night.requestsPerSecond)
        XCTAssertGreaterThan(peak.cpuPercent, 2 * night.cpuPercent)
        XCTAssertGreaterThan(peak.memoryMiB, night.memoryMiB)
    }

    func testLatencyRisesWithUtilisation() {
        let t = Fixtures.midnight + 10.5 * 3600
        var busy = Fixtures.callbot(replicas: 1)
        busy.profile.baseRPS = 70 // about 0.85 of one pod's CPU limit
        let relaxed = model.evaluate(Fixtures.callbot(replicas: 4), key: "a", at: t)
        let loaded = model.evaluate(busy, key: "a", at: t)
        XCTAssertGreaterThan(loaded.responseTimeMs, 1.5 * relaxed.responseTimeMs)
        XCTAssertGreaterThan(loaded.cpuPercent, relaxed.cpuPercent)
    }

    func testGPUOnlyForGPUWorkloads() {
        let t = Fixtures.midnight + 12 * 3600
        let stt = model.evaluate(Fixtures.stt(), key: "stt", at: t)
        XCTAssertNotNil(stt.gpuPercent)
        XCTAssertGreaterThan(stt.gpuMemoryMiB ?? 0, ServiceProfile.stt.gpuModelMiB * 0.99)
        XCTAssertNil(model.evaluate(Fixtures.chatbot(), key: "chatbot", at: t).gpuPercent)
    }

    func testNoReadyReplicaMeansOutage() {
        let m = model.evaluate(Fixtures.callbot(replicas: 2, ready: 0), key: "callbot", at: Fixtures.midnight + 3600)
        XCTAssertEqual(m.health, .unhealthy)
        XCTAssertEqual(m.errorPercent, 100)
        XCTAssertEqual(m.requestsPerSecond, 0)
    }

    func testFreshDeploymentIsStartingNotDown() {
        var w = Fixtures.callbot(replicas: 2, ready: 0)
        w.createdAgo = 20
        let starting = model.evaluate(w, key: "callbot", at: Fixtures.midnight + 3600)
        XCTAssertEqual(starting.health, .degraded)
        XCTAssertEqual(starting.errorPercent, 0)
        w.createdAgo = 600
        XCTAssertEqual(model.evaluate(w, key: "callbot", at: Fixtures.midnight + 3600).health, .unhealthy)
    }

    func testIncidentEffects() {
        let t = Fixtures.midnight + 3600
        let w = Fixtures.chatbot()
        let calm = model.evaluate(w, key: "chatbot", at: t)
        let spiked = model.evaluate(w, key: "chatbot", at: t, effects: IncidentEffects(latencyFactor: 8))
        let burst = model.evaluate(w, key: "chatbot", at: t, effects: IncidentEffects(extraErrorPercent: 15))
        XCTAssertEqual(calm.health, .healthy)
        XCTAssertEqual(spiked.responseTimeMs, calm.responseTimeMs * 8, accuracy: 0.001)
        XCTAssertEqual(spiked.health, .unhealthy)
        XCTAssertEqual(burst.health, .unhealthy)
    }

    func testHealthClassification() {
        func classify(_ desired: Int, _ ready: Int, errors: Double = 0.05, latency: Double = 100) -> HealthStatus {
            HealthClassifier.classify(desired: desired, ready: ready, errorPercent: errors, latencyMs: latency, baseLatencyMs: 100)
        }
        XCTAssertEqual(classify(3, 3), .healthy)
        XCTAssertEqual(classify(0, 0), .healthy)
        XCTAssertEqual(classify(3, 2), .degraded)
        XCTAssertEqual(classify(3, 0), .unhealthy)
        XCTAssertEqual(classify(3, 3, errors: 1.5), .degraded)
        XCTAssertEqual(classify(3, 3, errors: 5), .unhealthy)
        XCTAssertEqual(classify(3, 3, latency: 300), .degraded)
        XCTAssertEqual(classify(3, 3, latency: 700), .unhealthy)
        XCTAssertEqual(MonitoringModel.overallHealth([]), .healthy)
    }

    func testEmptyClusterReportsTheFiveControlPlaneServices() {
        let m = MonitoringModel(random: SeededRandom(seed: 1))
        let services = m.evaluate(ClusterSnapshot(workloads: [], nodes: [], pods: []), at: Fixtures.midnight,
                                  incidents: [], controlPlaneUptime: 100)
        XCTAssertEqual(services.map(\.key), ControlPlane.components)
        XCTAssert(services.allSatisfy { $0.health == .healthy })
    }

    func testTheAPIServerReportsTheRealRequestsOnTopOfTheModelledOnes() {
        let m = MonitoringModel(random: SeededRandom(seed: 1))
        let empty = ClusterSnapshot(workloads: [], nodes: [], pods: [])
        let modelled = m.evaluate(empty, at: Fixtures.midnight, incidents: [], controlPlaneUptime: 100)
        let traffic = RequestMetrics.Recent(requestsPerSecond: 300, meanLatencyMs: 0.5, serverErrorPercent: 2)
        let blended = m.evaluate(empty, at: Fixtures.midnight, incidents: [], controlPlaneUptime: 100, apiServerTraffic: traffic)
        let before = modelled.first { $0.key == "kube-apiserver" }!
        let after = blended.first { $0.key == "kube-apiserver" }!
        XCTAssertEqual(after.requestsPerSecond, before.requestsPerSecond + 300, accuracy: 1e-9)
        let expectedLatency = (before.responseTimeMs * before.requestsPerSecond + 0.5 * 300) / (before.requestsPerSecond + 300)
        XCTAssertEqual(after.responseTimeMs, expectedLatency, accuracy: 1e-9)
        XCTAssertGreaterThan(after.errorPercent, before.errorPercent)
        // The other components keep their modelled figures.
        XCTAssertEqual(blended.first { $0.key == "etcd" }!.requestsPerSecond, modelled.first { $0.key == "etcd" }!.requestsPerSecond)
    }

    func testDuplicateNamesGetNamespacedKeys() {
        var other = Fixtures.callbot()
        other.namespace = "tenant-z"
        let keys = MonitoringModel.keyed([Fixtures.callbot(), other]).map(\.key)
        XCTAssertEqual(Set(keys), ["callbot", "tenant-z/callbot"])
    }
}
