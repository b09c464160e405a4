@testable import ClusterSim
import KubeAPI
import KubeJSON
import KubeStore
import Logging
import Synchronization
import XCTest

/// Per-pod usage served as metrics.k8s.io PodMetrics, set by the tests.
final class TestPodMetrics: MetricsSource, Sendable {
    private struct Usage: Sendable {
        var namespace: String
        var labels: [String: String]
        var milliCPU: Int64
        var memory: String
    }

    private let pods = Mutex<[String: Usage]>([:])

    func set(_ name: String, namespace: String = "default", labels: [String: String] = ["app": "web"],
             milliCPU: Int64, memory: String = "64Mi")
    {
        pods.withLock { $0[name] = Usage(namespace: namespace, labels: labels, milliCPU: milliCPU, memory: memory) }
    }

    func remove(_ name: String) { _ = pods.withLock { $0.removeValue(forKey: name) } }

    private func item(_ name: String, _ usage: Usage) -> JSON {
        // CPU in nanocores as metrics-server writes it.
        ["kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
         "metadata": ["name": .string(name), "namespace": .string(usage.namespace)],
         "timestamp": .string(Timestamp.rfc3339(Timestamp.now())), "window": "10.0s",
         "containers": [["name": "c", "usage": ["cpu": .string("\(usage.milliCPU * 1_000_000)n"), "memory": .string(usage.memory)]]]]
    }

    func podMetrics(namespace: String?, labelSelector: String?) -> JSON {
        let selector = labelSelector.flatMap { try? LabelSelector.parse($0) }
        let items = pods.withLock { $0 }.sorted { $0.key < $1.key }.filter { _, usage in
            (namespace == nil || usage.namespace == namespace) && (selector?.matches(usage.labels) ?? true)
        }.map { item($0.key, $0.value) }
        return ["kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": [:], "items": .array(items)]
    }

    func podMetrics(namespace: String, name: String) -> JSON? {
        pods.withLock { $0[name] }.map { item(name, $0) }
    }

    func nodeMetrics() -> JSON { ["kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": [:], "items": []] }
    func nodeMetrics(name: String) -> JSON? { nil }
}

/// The horizontal pod autoscaler against an in-memory API server, synced at explicit simulated instants.
final class HorizontalPodAutoscalerTests: XCTestCase {
    typealias M = HorizontalPodAutoscalerMath

    var api: KubeAPIServer!
    var client: ClusterClient!
    var metrics: TestPodMetrics!
    var context: ControllerContext!
    var controller: HorizontalPodAutoscalerController!
    /// A whole simulated second, so window arithmetic is exact.
    var t0 = 0.0
    /// Pods started and became ready long ago: past the CPU initialisation period.
    let longAgo = Timestamp.rfc3339(Timestamp.now() - 3600)

    override func setUp() async throws {
        api = KubeAPIServer(store: try RevisionedStore(driver: MemoryDriver()))
        metrics = TestPodMetrics()
        api.setMetricsSource(metrics)
        client = ClusterClient(api: api, manager: "tests")
        context = makeContext(scale: 1)
        controller = HorizontalPodAutoscalerController(context: context)
        t0 = context.clock.now().rounded(.down)
        try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "default"]])
    }

    func makeContext(scale: Double) -> ControllerContext {
        let random = SeededRandom(seed: 1)
        return ControllerContext(client: client, clock: SimulatedClock(scale: scale), random: random,
                                 configuration: ClusterConfiguration(), events: EventRecorder(client: client, random: random),
                                 logger: Logger(label: "hpa-tests"))
    }

    // MARK: - Fixtures

    func createDeployment(_ name: String = "web", replicas: Int, requests: JSON = ["cpu": "100m", "memory": "64Mi"]) async throws {
        try await client.create(.deployments, namespace: "default", [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name)],
            "spec": [
                "replicas": .int(Int64(replicas)), "selector": ["matchLabels": ["app": .string(name)]],
                "template": ["metadata": ["labels": ["app": .string(name)]],
                             "spec": ["containers": [["name": "c", "image": "nginx", "resources": ["requests": requests]]]]],
            ],
        ])
    }

    /// A running, ready pod of `app` with the given CPU usage (milli-cores).
    func createPod(_ name: String, app: String = "web", milliCPU: Int64?, memory: String = "64Mi",
                   requests: JSON = ["cpu": "100m", "memory": "64Mi"], phase: String = "Running", ready: Bool = true) async throws
    {
        let created = try await client.create(.pods, namespace: "default", [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "labels": ["app": .string(app)]],
            "spec": ["containers": [["name": "c", "image": "nginx", "resources": ["requests": requests]]]],
        ])
        var pod = created
        pod["status"] = [
            "phase": .string(phase), "startTime": .string(longAgo),
            "conditions": [["type": "Ready", "status": ready ? "True" : "False", "lastTransitionTime": .string(longAgo)]],
        ]
        try await client.updateStatus(.pods, pod)
        if let milliCPU { metrics.set(name, labels: ["app": app], milliCPU: milliCPU, memory: memory) }
    }

    func createHPA(_ name: String = "web", target: String = "web", kind: String = "Deployment", minReplicas: Int = 1,
                   maxReplicas: Int = 10, metrics specs: [JSON]? = nil, behavior: JSON? = nil) async throws
    {
        var spec: JSONObject = [
            "scaleTargetRef": ["apiVersion": "apps/v1", "kind": .string(kind), "name": .string(target)],
            "minReplicas": .int(Int64(minReplicas)), "maxReplicas": .int(Int64(maxReplicas)),
            "metrics": .array(specs ?? [cpuUtilization(50)]),
        ]
        if let behavior { spec["behavior"] = behavior }
        try await client.create(.horizontalPodAutoscalers, namespace: "default", [
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": .string(name)],
            "spec": .object(spec),
        ])
    }

    func cpuUtilization(_ percent: Int) -> JSON {
        ["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": .int(Int64(percent))]]]
    }

    func setCPU(_ pods: [String], _ milliCPU: Int64, app: String = "web") {
        for pod in pods { metrics.set(pod, labels: ["app": app], milliCPU: milliCPU) }
    }

    func sync(_ name: String = "web", at offset: Double) async {
        await controller.sync(namespace: "default", name: name, now: t0 + offset)
    }

    func replicas(_ name: String = "web") -> Int64? {
        client.get(.deployments, namespace: "default", name: name)?[path: "spec", "replicas"]?.intValue
    }

    func hpa(_ name: String = "web") -> JSON { client.get(.horizontalPodAutoscalers, namespace: "default", name: name) ?? [:] }

    func condition(_ type: String, of name: String = "web") -> JSON? {
        hpa(name)[path: "status", "conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    func assertCondition(_ type: String, _ status: String, _ reason: String, of name: String = "web",
                         file: StaticString = #filePath, line: UInt = #line)
    {
        let found = condition(type, of: name)
        XCTAssertEqual(found?["status"]?.stringValue, status, "\(type) status", file: file, line: line)
        XCTAssertEqual(found?["reason"]?.stringValue, reason, "\(type) reason", file: file, line: line)
    }

    func events(_ reason: String) -> [String] {
        client.list(.events, namespace: "default").filter { $0["reason"]?.stringValue == reason }
            .compactMap { $0["message"]?.stringValue }
    }

    // MARK: - Scaling on CPU utilisation

    func testScalesOutOnCPUThenInOnlyAfterTheStabilisationWindow() async throws {
        try await createDeployment(replicas: 2)
        try await createPod("web-0", milliCPU: 150)
        try await createPod("web-1", milliCPU: 150)
        try await createHPA()

        await sync(at: 0)
        XCTAssertEqual(replicas(), 6, "ceil(2 × 150% / 50%), within 2 + 4 pods per 15 s")
        let status = hpa()["status"] ?? [:]
        XCTAssertEqual(status["currentReplicas"]?.intValue, 2)
        XCTAssertEqual(status["desiredReplicas"]?.intValue, 6)
        XCTAssertNotNil(status["lastScaleTime"]?.stringValue.flatMap(Timestamp.parse))
        let metric = status["currentMetrics"]?.arrayValue?.first
        XCTAssertEqual(metric?["type"]?.stringValue, "Resource")
        XCTAssertEqual(metric?[path: "resource", "name"]?.stringValue, "cpu")
        XCTAssertEqual(metric?[path: "resource", "current", "averageUtilization"]?.intValue, 150)
        XCTAssertEqual(metric?[path: "resource", "current", "averageValue"]?.stringValue, "150m")
        assertCondition("AbleToScale", "True", "SucceededRescale")
        assertCondition("ScalingActive", "True", "ValidMetricFound")
        assertCondition("ScalingLimited", "False", "DesiredWithinRange")
        XCTAssertEqual(condition("ScalingActive")?["message"]?.stringValue,
                       "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)")
        XCTAssertEqual(events("SuccessfulRescale"),
                       ["New size: 6; reason: cpu resource utilization (percentage of request) above target"])
        let scaledAt = status["lastScaleTime"]

        // Load drops to 10% of requests on six pods: the recommendation is 2, held off for 300 s.
        for index in 2..<6 { try await createPod("web-\(index)", milliCPU: 10) }
        setCPU(["web-0", "web-1"], 10)
        for step in 1...19 {
            await sync(at: Double(step) * 15)
            XCTAssertEqual(replicas(), 6, "still inside the scale-down window at +\(step * 15) s")
        }
        assertCondition("AbleToScale", "True", "ScaleDownStabilized")
        XCTAssertEqual(hpa()[path: "status", "desiredReplicas"]?.intValue, 6)
        XCTAssertEqual(hpa()[path: "status", "currentMetrics"]?.arrayValue?.first?[path: "resource", "current", "averageUtilization"]?.intValue, 10)
        XCTAssertEqual(hpa()[path: "status", "lastScaleTime"], scaledAt, "lastScaleTime moves only on a rescale")

        await sync(at: 300)
        XCTAssertEqual(replicas(), 2, "the 6 recommended at t0 left the window")
        XCTAssertEqual(hpa()[path: "status", "desiredReplicas"]?.intValue, 2)
        XCTAssertEqual(hpa()[path: "status", "currentReplicas"]?.intValue, 6)
        XCTAssertEqual(Set(events("SuccessfulRescale")), ["New size: 6; reason: cpu resource utilization (percentage of request) above target",
                                                          "New size: 2; reason: All metrics below target"])
    }

    func testToleranceKeepsTheSizeAndStatusIsWrittenOnlyWhenItChanges() async throws {
        try await createDeployment(replicas: 2)
        try await createPod("web-0", milliCPU: 53)
        try await createPod("web-1", milliCPU: 53)
        try await createHPA()

        await sync(at: 0)
        XCTAssertEqual(replicas(), 2, "106% of target is within the 10% tolerance")
        XCTAssertEqual(hpa()[path: "status", "desiredReplicas"]?.intValue, 2)
        XCTAssertNil(hpa()[path: "status", "lastScaleTime"])
        assertCondition("AbleToScale", "True", "ReadyForNewScale")
        XCTAssertTrue(events("SuccessfulRescale").isEmpty)
        let version = hpa()[path: "metadata", "resourceVersion"]
        let transition = condition("AbleToScale")?["lastTransitionTime"]

        await sync(at: 15)
        XCTAssertEqual(hpa()[path: "metadata", "resourceVersion"], version, "nothing changed, nothing written")

        setCPU(["web-0", "web-1"], 56)
        await sync(at: 30)
        XCTAssertEqual(replicas(), 3, "112% is outside the tolerance: ceil(2 × 1.12)")
        assertCondition("AbleToScale", "True", "SucceededRescale")
        XCTAssertEqual(condition("AbleToScale")?["lastTransitionTime"], transition, "status stayed True")
    }

    func testPodsWithoutMetricsOrNotRunningFollowTheReplicaCalculator() async throws {
        try await createDeployment(replicas: 4)
        try await createPod("web-0", milliCPU: 200)
        try await createPod("web-1", milliCPU: 200)
        try await createPod("web-2", milliCPU: nil)
        try await createPod("web-3", milliCPU: 5, phase: "Pending", ready: false)
        try await createHPA()

        await sync(at: 0)
        // 400% on two sampled pods; the missing and the pending pod count as idle on a scale-up:
        // (200 + 200 + 0 + 0) / 400 = 100% of requests, 2× the target, over 4 pods → 8.
        XCTAssertEqual(replicas(), 8)
        XCTAssertEqual(hpa()[path: "status", "currentMetrics"]?.arrayValue?.first?[path: "resource", "current", "averageUtilization"]?.intValue,
                       200, "reported utilisation covers the sampled ready pods only")
    }

    // MARK: - Limits

    func testClampsToMaxReplicasWithScalingLimited() async throws {
        try await createDeployment(replicas: 2)
        try await createPod("web-0", milliCPU: 150)
        try await createPod("web-1", milliCPU: 150)
        try await createHPA(maxReplicas: 4)

        await sync(at: 0)
        XCTAssertEqual(replicas(), 4)
        assertCondition("ScalingLimited", "True", "TooManyReplicas")
        XCTAssertEqual(condition("ScalingLimited")?["message"]?.stringValue, "the desired replica count is more than the maximum replica count")
        XCTAssertEqual(hpa()[path: "status", "desiredReplicas"]?.intValue, 4)
    }

    func testClampsToMinReplicasWithScalingLimited() async throws {
        try await createDeployment(replicas: 5)
        for index in 0..<5 { try await createPod("web-\(index)", milliCPU: 5) }
        try await createHPA(minReplicas: 3, behavior: ["scaleDown": ["stabilizationWindowSeconds": 0]])

        await sync(at: 0)
        XCTAssertEqual(replicas(), 3, "ceil(5 × 10%/50%) = 1, raised to minReplicas")
        assertCondition("ScalingLimited", "True", "TooFewReplicas")
        XCTAssertEqual(events("SuccessfulRescale"), ["New size: 3; reason: All metrics below target"])
    }

    func testTargetAboveMaxReplicasIsBroughtDownWithoutMetrics() async throws {
        try await createDeployment(replicas: 12)
        try await createHPA(maxReplicas: 10)
        await sync(at: 0)
        XCTAssertEqual(replicas(), 10)
        XCTAssertEqual(events("SuccessfulRescale"), ["New size: 10; reason: Current number of replicas above Spec.MaxReplicas"])
    }

    func testScaleUpPolicyLimitsTheRateOverItsPeriod() async throws {
        try await createDeployment(replicas: 2)
        try await createPod("web-0", milliCPU: 150)
        try await createPod("web-1", milliCPU: 150)
        try await createHPA(behavior: ["scaleUp": ["policies": [["type": "Pods", "value": 1, "periodSeconds": 60]]]])

        await sync(at: 0)
        XCTAssertEqual(replicas(), 3)
        assertCondition("ScalingLimited", "True", "ScaleUpLimit")
        for index in 2..<3 { try await createPod("web-\(index)", milliCPU: 150) }
        await sync(at: 15)
        XCTAssertEqual(replicas(), 3, "one pod already added in the last 60 s")
        await sync(at: 45)
        XCTAssertEqual(replicas(), 3)
        await sync(at: 60)
        XCTAssertEqual(replicas(), 4, "the period has passed")
    }

    func testSelectPolicyDisabledPreventsScaleDown() async throws {
        try await createDeployment(replicas: 4)
        for index in 0..<4 { try await createPod("web-\(index)", milliCPU: 5) }
        try await createHPA(behavior: ["scaleDown": ["stabilizationWindowSeconds": 0, "selectPolicy": "Disabled"]])

        for step in 0..<3 { await sync(at: Double(step) * 15) }
        XCTAssertEqual(replicas(), 4)
        assertCondition("ScalingLimited", "True", "ScaleDownLimit")
        XCTAssertEqual(hpa()[path: "status", "desiredReplicas"]?.intValue, 4)
        XCTAssertTrue(events("SuccessfulRescale").isEmpty)

        setCPU((0..<4).map { "web-\($0)" }, 150)
        await sync(at: 45)
        XCTAssertEqual(replicas(), 8, "scaling up is still allowed: 4 + max(4 pods, 100%)")
    }

    // MARK: - AverageValue

    func testAverageValueMemoryTarget() async throws {
        try await createDeployment(replicas: 2)
        try await createPod("web-0", milliCPU: 10, memory: "204800Ki")
        try await createPod("web-1", milliCPU: 10, memory: "204800Ki")
        try await createHPA(metrics: [["type": "Resource", "resource": ["name": "memory", "target": ["type": "AverageValue", "averageValue": "100Mi"]]]])

        await sync(at: 0)
        XCTAssertEqual(replicas(), 4, "200Mi per pod against 100Mi: twice the pods")
        let current = hpa()[path: "status", "currentMetrics"]?.arrayValue?.first?[path: "resource", "current"]
        XCTAssertEqual(current?["averageValue"]?.stringValue, "209715200")
        XCTAssertNil(current?["averageUtilization"])
        XCTAssertEqual(events("SuccessfulRescale"), ["New size: 4; reason: memory resource above target"])
    }

    func testLargestProposalOfSeveralMetricsWins() async throws {
        try await createDeployment(replicas: 2)
        try await createPod("web-0", milliCPU: 60, memory: "300Mi")
        try await createPod("web-1", milliCPU: 60, memory: "300Mi")
        try await createHPA(metrics: [
            cpuUtilization(50),
            ["type": "Resource", "resource": ["name": "memory", "target": ["type": "AverageValue", "averageValue": "200Mi"]]],
        ])
        await sync(at: 0)
        XCTAssertEqual(replicas(), 3, "cpu asks for ceil(2 × 1.2) = 3, memory for ceil(2 × 1.5) = 3")
        setCPU(["web-0", "web-1"], 200)
        await sync(at: 15)
        XCTAssertEqual(replicas(), 7, "cpu now asks for ceil(4 × 2 sampled pods) = 8, capped at 3 + 4 pods per 15 s")
        XCTAssertEqual(hpa()[path: "status", "currentMetrics"]?.arrayValue?.count, 2)
    }

    // MARK: - Failures and disabled scaling

    func testMissingTargetReportsFailedGetScale() async throws {
        try await createHPA(target: "ghost")
        await sync(at: 0)
        assertCondition("AbleToScale", "False", "FailedGetScale")
        XCTAssertEqual(condition("AbleToScale")?["message"]?.stringValue,
                       "the HPA controller was unable to get the target's current scale: deployments.apps \"ghost\" not found")
        XCTAssertEqual(events("FailedGetScale"), ["deployments.apps \"ghost\" not found"])
    }

    func testMissingRequestsReportFailedGetResourceMetric() async throws {
        try await createDeployment(replicas: 2, requests: ["memory": "64Mi"])
        try await createPod("web-0", milliCPU: 150, requests: ["memory": "64Mi"])
        try await createPod("web-1", milliCPU: 150, requests: ["memory": "64Mi"])
        try await createHPA()

        await sync(at: 0)
        XCTAssertEqual(replicas(), 2)
        assertCondition("AbleToScale", "True", "SucceededGetScale")
        assertCondition("ScalingActive", "False", "FailedGetResourceMetric")
        XCTAssertEqual(condition("ScalingActive")?["message"]?.stringValue,
                       "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container c of Pod web-0")
        XCTAssertEqual(events("FailedComputeMetricsReplicas"),
                       ["invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: missing request for cpu in container c of Pod web-0"])
    }

    func testNoMetricsReportsFailedGetResourceMetric() async throws {
        try await createDeployment(replicas: 2)
        try await createPod("web-0", milliCPU: nil)
        try await createHPA()
        await sync(at: 0)
        assertCondition("ScalingActive", "False", "FailedGetResourceMetric")
        XCTAssertEqual(events("FailedGetResourceMetric"),
                       ["failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API"])
    }

    func testZeroReplicasDisablesScaling() async throws {
        try await createDeployment(replicas: 0)
        try await createHPA()
        await sync(at: 0)
        XCTAssertEqual(replicas(), 0)
        assertCondition("ScalingActive", "False", "ScalingDisabled")
        XCTAssertEqual(hpa()[path: "status", "desiredReplicas"]?.intValue, 0)
        XCTAssertNil(hpa()[path: "status", "currentReplicas"])
    }

    func testTwoAutoscalersOnTheSamePodsAreAmbiguous() async throws {
        try await createDeployment(replicas: 2)
        try await createPod("web-0", milliCPU: 150)
        try await createHPA("first")
        try await createHPA("second")
        await sync("first", at: 0)
        await sync("second", at: 0)
        assertCondition("ScalingActive", "False", "AmbiguousSelector", of: "second")
    }

    // MARK: - The controller loop

    func testRunLoopScalesOnTheSimulatedClock() async throws {
        try await createDeployment(replicas: 2)
        try await createPod("web-0", milliCPU: 150)
        try await createPod("web-1", milliCPU: 150)
        try await createHPA()
        XCTAssertTrue(ControllerCatalog.all.contains { $0.name == "horizontalpodautoscaling" })

        // 15 s of simulated time every 0.075 s.
        let fast = HorizontalPodAutoscalerController(context: makeContext(scale: 200))
        let task = Task { await fast.run() }
        defer { task.cancel() }
        let deadline = Timestamp.now() + 10
        while replicas() != 6 && Timestamp.now() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        XCTAssertEqual(replicas(), 6)
    }

    // MARK: - Pure parts

    func testReplicaCalculatorTreatsMissingPodsAsSaturatedOnScaleDown() throws {
        let pods = (0..<3).map { M.PodFacts(name: "p\($0)", phase: "Running", ready: "True", readyTransition: 0, startTime: 0,
                                            containers: [("c", ["cpu": 100])]) }
        let sample = { (v: Int64) in M.PodMetric(value: v, timestamp: 1000, window: 10) }
        // Two pods at 10% and one without a sample: counted at 100%, the average is 40% of a 50% target.
        let down = try M.utilizationReplicas(current: 3, target: 50, resource: "cpu", container: nil, pods: pods,
                                             metrics: ["p0": sample(10), "p1": sample(10)], now: 1000)
        XCTAssertEqual(down.replicas, 3, "ceil(0.8 × 3) would not shrink")
        XCTAssertEqual(down.utilization, 10)
        let all = try M.utilizationReplicas(current: 3, target: 50, resource: "cpu", container: nil, pods: pods,
                                            metrics: ["p0": sample(10), "p1": sample(10), "p2": sample(10)], now: 1000)
        XCTAssertEqual(all.replicas, 1)
    }

    func testCPUSamplesOfInitialisingOrNeverReadyPodsAreUnready() {
        let metric = M.PodMetric(value: 50, timestamp: 1000, window: 10)
        let fresh = M.PodFacts(name: "fresh", phase: "Running", ready: "True", readyTransition: 995, startTime: 900)
        let old = M.PodFacts(name: "old", phase: "Running", ready: "True", readyTransition: 0, startTime: 0)
        let neverReady = M.PodFacts(name: "never", phase: "Running", ready: "False", readyTransition: 10, startTime: 0)
        let gone = M.PodFacts(name: "gone", phase: "Failed")
        let groups = M.groupPods([fresh, old, neverReady, gone],
                                 metrics: ["fresh": metric, "old": metric, "never": metric, "gone": metric],
                                 resource: "cpu", now: 1000)
        XCTAssertEqual(groups.readyCount, 1)
        XCTAssertEqual(groups.unready, ["fresh", "never"])
        XCTAssertEqual(groups.ignored, ["gone"])
        XCTAssertEqual(M.groupPods([fresh, neverReady], metrics: ["fresh": metric, "never": metric], resource: "memory",
                                   now: 1000).readyCount, 2, "readiness only filters CPU")
    }

    func testPolicySelectionAndStabilisation() {
        var history = M.History()
        let up = M.ScalingRules(stabilizationWindowSeconds: 0, selectPolicy: "Min", policies: [
            .init(type: "Pods", value: 4, periodSeconds: 15), .init(type: "Percent", value: 100, periodSeconds: 15),
        ])
        XCTAssertEqual(M.scaleUpLimit(history, current: 10, rules: up, now: 0), 14, "Min of +4 and ×2")
        var max = up
        max.selectPolicy = "Max"
        XCTAssertEqual(M.scaleUpLimit(history, current: 10, rules: max, now: 0), 20)
        M.recordScale(&history, from: 10, to: 14, up: up, down: M.defaultScaleDown, now: 0)
        XCTAssertEqual(M.scaleUpLimit(history, current: 14, rules: up, now: 10), 14, "the period already used its 4 pods")
        XCTAssertEqual(M.scaleUpLimit(history, current: 14, rules: up, now: 15), 18)
        let down = M.ScalingRules(stabilizationWindowSeconds: 60, selectPolicy: "Max", policies: [.init(type: "Percent", value: 50, periodSeconds: 30)])
        XCTAssertEqual(M.scaleDownLimit(M.History(), current: 9, rules: down, now: 0), 4, "int(9 × 0.5)")

        var stabilised = M.History()
        _ = M.stabilize(&stabilised, current: 5, desired: 8, up: up, down: down, now: 0)
        let held = M.stabilize(&stabilised, current: 8, desired: 3, up: up, down: down, now: 30)
        XCTAssertEqual(held.replicas, 8)
        XCTAssertEqual(held.reason, "ScaleDownStabilized")
        XCTAssertEqual(M.stabilize(&stabilised, current: 8, desired: 3, up: up, down: down, now: 61).replicas, 3)
        XCTAssertEqual(M.duration("10.0s"), 10)
        XCTAssertEqual(M.duration("1m30s"), 90)
        XCTAssertEqual(M.duration("500ms"), 0.5)
        XCTAssertNil(M.duration("soon"))
    }

    func testBehaviourDefaults() {
        XCTAssertEqual(M.rules(nil, scaleUp: true), M.defaultScaleUp)
        XCTAssertEqual(M.rules(nil, scaleUp: false).stabilizationWindowSeconds, 300)
        let rules = M.rules(["scaleDown": ["selectPolicy": "Disabled", "policies": [["type": "Pods", "value": 1, "periodSeconds": 60]]]],
                            scaleUp: false)
        XCTAssertEqual(rules, M.ScalingRules(stabilizationWindowSeconds: 300, selectPolicy: "Disabled",
                                             policies: [.init(type: "Pods", value: 1, periodSeconds: 60)]))
    }
}
