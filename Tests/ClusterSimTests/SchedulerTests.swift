@testable import ClusterSim
import KubeJSON
import XCTest

final class SchedulerTests: XCTestCase {
    // MARK: Helpers

    private func node(_ name: String, cpu: String = "4", memory: String = "8Gi", pods: Int64 = 110, gpus: Int64 = 0,
                      labels: JSONObject = [:], taints: [JSON] = [], unschedulable: Bool = false, ready: String = "True") -> SchedulerNode
    {
        var allocatable: JSONObject = ["cpu": .string(cpu), "memory": .string(memory), "pods": .string(String(pods))]
        if gpus > 0 { allocatable["nvidia.com/gpu"] = .string(String(gpus)) }
        let json: JSON = [
            "metadata": ["name": .string(name), "labels": .object(labels)],
            "spec": ["taints": .array(taints), "unschedulable": .bool(unschedulable)],
            "status": ["allocatable": .object(allocatable), "conditions": [["type": "Ready", "status": .string(ready)]]],
        ]
        return SchedulerNode(json: json)
    }

    private func pod(_ name: String, cpu: String? = nil, memory: String? = nil, gpus: Int64 = 0, priority: Int64 = 0,
                     extraSpec: JSONObject = [:]) -> SchedulerPod
    {
        var requests = JSONObject()
        if let cpu { requests["cpu"] = .string(cpu) }
        if let memory { requests["memory"] = .string(memory) }
        if gpus > 0 { requests["nvidia.com/gpu"] = .string(String(gpus)) }
        var spec: JSONObject = [
            "containers": [["name": "c", "image": "nginx", "resources": ["requests": .object(requests)]]],
            "priority": .int(priority),
        ]
        for (key, value) in extraSpec { spec[key] = value }
        return SchedulerPod(json: ["metadata": ["name": .string(name), "namespace": "default", "uid": .string("uid-" + name)],
                                   "spec": .object(spec)])
    }

    private func cache(_ nodes: [SchedulerNode]) -> SchedulerCache {
        let cache = SchedulerCache()
        for node in nodes { _ = cache.setNode(node) }
        return cache
    }

    private func bound(_ pod: SchedulerPod, to node: String) -> SchedulerPod {
        var pod = pod
        pod.nodeName = node
        pod.phase = "Running"
        return pod
    }

    private let random = SeededRandom(seed: 42)

    // MARK: Requests

    func testPodRequestsSumContainersTakeInitMaxAndAddOverhead() {
        let spec: JSON = [
            "containers": [
                ["name": "a", "resources": ["requests": ["cpu": "250m", "memory": "64Mi"]]],
                ["name": "b", "resources": ["requests": ["cpu": "250m", "nvidia.com/gpu": "1"]]],
            ],
            "initContainers": [
                ["name": "init", "resources": ["requests": ["cpu": "2", "memory": "32Mi"]]],
            ],
            "overhead": ["cpu": "100m"],
        ]
        let requests = SchedulerPodRequests(spec: spec)
        XCTAssertEqual(requests.requests.milliCPU, 2100)  // max(500, 2000) + 100 overhead
        XCTAssertEqual(requests.requests.memory, 64 * 1024 * 1024)
        XCTAssertEqual(requests.requests.scalars["nvidia.com/gpu"], 1)
        // Container b asks no memory: scoring assumes 200Mi for it.
        XCTAssertEqual(requests.nonZeroMemory, 64 * 1024 * 1024 + 200 * 1024 * 1024)
    }

    func testSidecarsAddToContainersAndToLaterInitContainers() {
        let spec: JSON = [
            "containers": [["name": "app", "resources": ["requests": ["cpu": "1"]]]],
            "initContainers": [
                ["name": "proxy", "restartPolicy": "Always", "resources": ["requests": ["cpu": "500m"]]],
                ["name": "migrate", "resources": ["requests": ["cpu": "2"]]],
            ],
        ]
        // Containers 1 + sidecar 0.5 = 1.5; migrate runs beside the sidecar: 2 + 0.5 = 2.5.
        XCTAssertEqual(SchedulerPodRequests(spec: spec).requests.milliCPU, 2500)
    }

    func testBestEffortPodGetsDefaultNonZeroRequests() {
        let requests = pod("p").requests
        XCTAssertTrue(requests.requests.isZero)
        XCTAssertEqual(requests.nonZeroCPU, 100)
        XCTAssertEqual(requests.nonZeroMemory, 200 * 1024 * 1024)
    }

    // MARK: Taints and tolerations

    func testTolerationMatching() {
        let taint = SchedulerTaint(key: "gpu", value: "true", effect: "NoSchedule")
        XCTAssertTrue(SchedulerToleration(key: "gpu", op: "Equal", value: "true", effect: "NoSchedule").tolerates(taint))
        XCTAssertTrue(SchedulerToleration(key: "gpu", value: "true").tolerates(taint))  // empty operator is Equal
        XCTAssertFalse(SchedulerToleration(key: "gpu", op: "Equal", value: "false").tolerates(taint))
        XCTAssertTrue(SchedulerToleration(key: "gpu", op: "Exists").tolerates(taint))
        XCTAssertTrue(SchedulerToleration(op: "Exists").tolerates(taint))  // empty key + Exists tolerates all
        XCTAssertFalse(SchedulerToleration(key: "gpu", op: "Exists", effect: "NoExecute").tolerates(taint))
        XCTAssertFalse(SchedulerToleration(key: "other", op: "Exists").tolerates(taint))
    }

    func testTaintFilterReportsFirstUntoleratedTaintInKubeSchedulerForm() {
        let tainted = node("n1", taints: [["key": "dedicated", "value": "gpu", "effect": "NoSchedule"],
                                          ["key": "soft", "value": "x", "effect": "PreferNoSchedule"]])
        let status = SchedulerPredicates.filter(pod("p"), node: tainted, usage: SchedulerNodeUsage())
        XCTAssertEqual(status?.reasons, ["node(s) had untolerated taint {dedicated: gpu}"])
        XCTAssertEqual(status?.code, .unresolvable)
        var tolerating = pod("p")
        tolerating.tolerations = [SchedulerToleration(key: "dedicated", op: "Exists")]
        XCTAssertNil(SchedulerPredicates.filter(tolerating, node: tainted, usage: SchedulerNodeUsage()))
    }

    func testNotReadyNodeRepelsPodsThroughItsConditionTaint() {
        let status = SchedulerPredicates.filter(pod("p"), node: node("n1", ready: "False"), usage: SchedulerNodeUsage())
        XCTAssertEqual(status?.reasons, ["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"])
        let unknown = SchedulerPredicates.filter(pod("p"), node: node("n1", ready: "Unknown"), usage: SchedulerNodeUsage())
        XCTAssertEqual(unknown?.reasons, ["node(s) had untolerated taint {node.kubernetes.io/unreachable: }"])
    }

    func testUnschedulableNodeIsCheckedFirstAndToleratedByTheUnschedulableTaint() {
        let cordoned = node("n1", taints: [["key": "a", "value": "b", "effect": "NoSchedule"]], unschedulable: true)
        XCTAssertEqual(SchedulerPredicates.filter(pod("p"), node: cordoned, usage: SchedulerNodeUsage())?.reasons,
                       ["node(s) were unschedulable"])
        var tolerating = pod("p")
        tolerating.tolerations = [SchedulerToleration(key: "node.kubernetes.io/unschedulable", op: "Exists", effect: "NoSchedule")]
        XCTAssertEqual(SchedulerPredicates.filter(tolerating, node: cordoned, usage: SchedulerNodeUsage())?.plugin, "TaintToleration")
    }

    // MARK: Node affinity

    func testNodeSelectorRequirementOperators() {
        let labels = ["zone": "a", "cores": "16"]
        func req(_ op: String, _ values: [String], key: String = "zone") -> Bool {
            SchedulerPredicates.matches(SchedulerNodeSelectorRequirement(key: key, op: op, values: values), labels: labels)
        }
        XCTAssertTrue(req("In", ["a", "b"]))
        XCTAssertFalse(req("In", ["b"]))
        XCTAssertFalse(req("In", ["a"], key: "missing"))
        XCTAssertTrue(req("NotIn", ["b"]))
        XCTAssertTrue(req("NotIn", ["a"], key: "missing"))
        XCTAssertFalse(req("NotIn", ["a"]))
        XCTAssertTrue(req("Exists", []))
        XCTAssertFalse(req("Exists", [], key: "missing"))
        XCTAssertTrue(req("DoesNotExist", [], key: "missing"))
        XCTAssertTrue(req("Gt", ["8"], key: "cores"))
        XCTAssertFalse(req("Gt", ["16"], key: "cores"))
        XCTAssertTrue(req("Lt", ["32"], key: "cores"))
        XCTAssertFalse(req("Gt", ["x"], key: "cores"))
        XCTAssertFalse(req("Bogus", ["a"]))
    }

    func testRequiredAffinityTermsAreOredAndRequirementsAnded() {
        let gpuNode = node("gpu-1", labels: ["accelerator": "nvidia", "zone": "a"])
        let affinity: JSON = ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": [
            ["matchExpressions": [["key": "accelerator", "operator": "In", "values": ["nvidia"]],
                                  ["key": "zone", "operator": "In", "values": ["b"]]]],
            ["matchFields": [["key": "metadata.name", "operator": "In", "values": ["gpu-1"]]]],
        ]]]]
        let p = pod("p", extraSpec: ["affinity": affinity])
        XCTAssertTrue(SchedulerPredicates.matchesNodeSelectorAndAffinity(p, node: gpuNode))
        XCTAssertFalse(SchedulerPredicates.matchesNodeSelectorAndAffinity(p, node: node("cpu-1", labels: ["accelerator": "nvidia"])))
        let selected = pod("s", extraSpec: ["nodeSelector": ["accelerator": "nvidia"]])
        XCTAssertTrue(SchedulerPredicates.matchesNodeSelectorAndAffinity(selected, node: gpuNode))
        XCTAssertEqual(SchedulerPredicates.filter(selected, node: node("cpu-1"), usage: SchedulerNodeUsage())?.reasons,
                       ["node(s) didn't match Pod's node affinity/selector"])
    }

    func testNodeNamePreFilterForDaemonSetStylePins() {
        func pinned(_ termNames: [[String]]) -> SchedulerPod {
            let terms: [JSON] = termNames.map { names in
                ["matchFields": [["key": "metadata.name", "operator": "In", "values": .array(names.map { .string($0) })]]]
            }
            return pod("p", extraSpec: ["affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution":
                                                                         ["nodeSelectorTerms": .array(terms)]]]])
        }
        XCTAssertEqual(SchedulerPredicates.nodeNamePreFilter(pod("p")), .allNodes)
        XCTAssertEqual(SchedulerPredicates.nodeNamePreFilter(pinned([["n1"]])), .only(["n1"]))
        XCTAssertEqual(SchedulerPredicates.nodeNamePreFilter(pinned([["n1"], ["n2"]])), .only(["n1", "n2"]))
        XCTAssertEqual(SchedulerPredicates.nodeNamePreFilter(pinned([[]])), .conflict)
    }

    // MARK: Ports and resources

    func testHostPortConflicts() {
        let wildcard = SchedulerHostPort(ip: "0.0.0.0", protocolName: "TCP", port: 80)
        XCTAssertTrue(wildcard.conflicts(with: SchedulerHostPort(ip: "10.0.0.1", protocolName: "TCP", port: 80)))
        XCTAssertFalse(wildcard.conflicts(with: SchedulerHostPort(ip: "0.0.0.0", protocolName: "UDP", port: 80)))
        XCTAssertFalse(SchedulerHostPort(ip: "10.0.0.1", protocolName: "TCP", port: 80)
            .conflicts(with: SchedulerHostPort(ip: "10.0.0.2", protocolName: "TCP", port: 80)))
        var usage = SchedulerNodeUsage()
        usage.add(SchedulerPodRequests(requests: SchedulerResources()), ports: [wildcard])
        let p = pod("p", extraSpec: ["containers": [["name": "c", "ports": [["containerPort": 8080, "hostPort": 80]]]]])
        XCTAssertEqual(SchedulerPredicates.filter(p, node: node("n1"), usage: usage)?.reasons,
                       ["node(s) didn't have free ports for the requested pod ports"])
        XCTAssertEqual(SchedulerPredicates.filter(p, node: node("n1"), usage: usage)?.code, .unschedulable)
    }

    func testResourceFitReasonsAndResolvability() {
        var usage = SchedulerNodeUsage()
        usage.add(SchedulerPodRequests(requests: SchedulerResources(milliCPU: 3500, memory: 1 << 30)), ports: [])
        let status = SchedulerPredicates.filter(pod("p", cpu: "1", memory: "512Mi"), node: node("n1"), usage: usage)
        XCTAssertEqual(status?.reasons, ["Insufficient cpu"])
        XCTAssertEqual(status?.code, .unschedulable)
        // More than the node has at all: preemption cannot help.
        let huge = SchedulerPredicates.filter(pod("p", cpu: "8"), node: node("n1"), usage: SchedulerNodeUsage())
        XCTAssertEqual(huge?.code, .unresolvable)
        let gpu = SchedulerPredicates.filter(pod("p", gpus: 1), node: node("n1"), usage: SchedulerNodeUsage())
        XCTAssertEqual(gpu?.reasons, ["Insufficient nvidia.com/gpu"])
        XCTAssertEqual(gpu?.code, .unresolvable)
        var full = SchedulerNodeUsage()
        for _ in 0..<2 { full.add(SchedulerPodRequests(requests: SchedulerResources()), ports: []) }
        XCTAssertEqual(SchedulerPredicates.filter(pod("p"), node: node("n1", pods: 2), usage: full)?.reasons, ["Too many pods"])
    }

    // MARK: Scoring

    func testLeastAllocatedAndBalancedScores() {
        let allocatable = SchedulerResources(milliCPU: 4000, memory: 8 << 30, allowedPods: 110)
        let request = SchedulerPodRequests(requests: SchedulerResources(milliCPU: 1000, memory: 2 << 30))
        XCTAssertEqual(SchedulerScoring.leastAllocated(request, usage: SchedulerNodeUsage(), allocatable: allocatable), 75)
        var busy = SchedulerNodeUsage()
        busy.add(SchedulerPodRequests(requests: SchedulerResources(milliCPU: 2000, memory: 0)), ports: [])
        // cpu (4000-3000)*100/4000 = 25, memory (8-2)*100/8 = 75: mean 50.
        XCTAssertEqual(SchedulerScoring.leastAllocated(request, usage: busy, allocatable: allocatable), 50)
        // cpu 0.75, memory 0.25: std 0.25.
        XCTAssertEqual(SchedulerScoring.balancedAllocation(request, usage: busy, allocatable: allocatable), 75)
        XCTAssertEqual(SchedulerScoring.normalize([0, 2, 4], reverse: true), [100, 50, 0])
        XCTAssertEqual(SchedulerScoring.normalize([0, 0], reverse: true), [100, 100])
        XCTAssertEqual(SchedulerScoring.normalize([1, 4], reverse: false), [25, 100])
        XCTAssertEqual(SchedulerScoring.feasibleNodesToFind(50), 50)
        XCTAssertEqual(SchedulerScoring.feasibleNodesToFind(1000), 420)
        XCTAssertEqual(SchedulerScoring.feasibleNodesToFind(5000), 500)
    }

    func testPreferNoScheduleTaintsAndPreferredAffinitySteerPlacement() {
        let soft = node("soft", taints: [["key": "spot", "value": "true", "effect": "PreferNoSchedule"]])
        let plain = node("plain")
        let preferredZone = node("zone-b", labels: ["zone": "b"])
        XCTAssertEqual(SchedulerScoring.intolerablePreferNoSchedule(pod("p"), soft), 1)
        var scores = SchedulerScoring.scores(pod("p"), nodes: [(soft, SchedulerNodeUsage()), (plain, SchedulerNodeUsage())])
        XCTAssertLessThan(scores[0], scores[1])
        let preferring = pod("p", extraSpec: ["affinity": ["nodeAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [
            ["weight": 50, "preference": ["matchExpressions": [["key": "zone", "operator": "In", "values": ["b"]]]]],
        ]]]])
        scores = SchedulerScoring.scores(preferring, nodes: [(plain, SchedulerNodeUsage()), (preferredZone, SchedulerNodeUsage())])
        XCTAssertEqual(scores[1] - scores[0], 2 * 100)
    }

    func testNodeHeartbeatsAreNotSchedulingChanges() {
        func json(_ heartbeat: String, ready: String = "True") -> JSON {
            ["metadata": ["name": "n1"], "status": [
                "allocatable": ["cpu": "4", "memory": "8Gi", "pods": "110"],
                "conditions": [["type": "Ready", "status": .string(ready), "lastHeartbeatTime": .string(heartbeat)]],
            ]]
        }
        XCTAssertEqual(SchedulerNode(json: json("2024-01-01T00:00:00Z")), SchedulerNode(json: json("2024-01-01T00:05:00Z")))
        XCTAssertNotEqual(SchedulerNode(json: json("x")), SchedulerNode(json: json("x", ready: "False")))
        let cache = SchedulerCache()
        XCTAssertEqual(cache.setNode(SchedulerNode(json: json("a"))), .added)
        XCTAssertEqual(cache.setNode(SchedulerNode(json: json("b"))), .unchanged)
        XCTAssertEqual(cache.setNode(SchedulerNode(json: json("c", ready: "False"))), .updated)
    }

    func testSeededTieBreakIsStablePerSeedAndSpreads() {
        let names = (0..<10).map { "node-\($0)" }
        let scores = [Int64](repeating: 50, count: 10)
        let first = SchedulerScoring.selectHost(names: names, scores: scores, podKey: "default/p", random: random)
        XCTAssertEqual(first, SchedulerScoring.selectHost(names: names, scores: scores, podKey: "default/p", random: SeededRandom(seed: 42)))
        let picks = Set((0..<50).compactMap {
            SchedulerScoring.selectHost(names: names, scores: scores, podKey: "default/p\($0)", random: random)
        })
        XCTAssertGreaterThan(picks.count, 5)
        var better = scores
        better[3] = 51
        XCTAssertEqual(SchedulerScoring.selectHost(names: names, scores: better, podKey: "default/p", random: random), "node-3")
    }

    func testSchedulingSpreadsAndNeverOvercommitsAssumedPods() {
        let cache = cache((1...4).map { node("node-\($0)", cpu: "4") })
        var placed: [String: Int] = [:]
        for i in 0..<16 {
            guard case .scheduled(let node) = cache.schedule(pod("p\(i)", cpu: "1"), random: random) else {
                return XCTFail("p\(i) should fit")
            }
            placed[node, default: 0] += 1
        }
        XCTAssertEqual(placed.values.sorted(), [4, 4, 4, 4])
        guard case .failed(let failure) = cache.schedule(pod("extra", cpu: "1"), random: random) else {
            return XCTFail("the 17th pod must not fit: assumed pods hold the room")
        }
        XCTAssertEqual(failure.message(), "0/4 nodes are available: 4 Insufficient cpu.")
        XCTAssertTrue(failure.waitsForCapacity)
        // A failed binding gives the room back.
        let onNode1 = placed.keys.sorted()[0]
        let victim = (0..<16).map { "default/p\($0)" }.first { key in
            cache.state.withLock { $0.pods[key]?.node == onNode1 }
        }!
        cache.forget(victim, uid: "uid-" + victim.dropFirst("default/".count), node: onNode1)
        guard case .scheduled(let again) = cache.schedule(pod("extra", cpu: "1"), random: random) else {
            return XCTFail("room was freed")
        }
        XCTAssertEqual(again, onNode1)
    }

    func testBoundPodsConfirmAssumptionsAndTerminalPodsFreeRoom() {
        let cache = cache([node("n1", cpu: "2")])
        guard case .scheduled = cache.schedule(pod("a", cpu: "2"), random: random) else { return XCTFail() }
        XCTAssertTrue(cache.isAssumed("default/a"))
        XCTAssertTrue(cache.confirm("default/a", node: "n1"))
        XCTAssertFalse(cache.isAssumed("default/a"))
        cache.addBound(bound(pod("other", cpu: "0"), to: "n1"))
        guard case .failed = cache.schedule(pod("b", cpu: "1"), random: random) else { return XCTFail() }
        XCTAssertTrue(cache.removePod("default/a"))
        guard case .scheduled = cache.schedule(pod("b", cpu: "1"), random: random) else { return XCTFail() }
    }

    // MARK: Messages

    func testFitErrorMessageSortsLikeGo() {
        let message = SchedulerMessages.fitError(
            allNodes: 12, reasons: Array(repeating: ["Insufficient cpu"], count: 10) + [["Too many pods"], ["Too many pods"]],
            postFilter: nil)
        XCTAssertEqual(message, "0/12 nodes are available: 10 Insufficient cpu, 2 Too many pods.")
        XCTAssertTrue(SchedulerMessages.goLess("10 Insufficient cpu", "2 Too many pods"))
    }

    func testGPUPodOnAFullGPUNodeExplainsItselfAsKubeSchedulerDoes() {
        let gpuNode = node("gpu-1", gpus: 4, labels: ["nvidia.com/gpu.present": "true"])
        let cache = cache([gpuNode, node("cpu-1"), node("cpu-2"), node("cpu-3")])
        cache.addBound(bound(pod("trainer", gpus: 4), to: "gpu-1"))
        let wanting = pod("infer", gpus: 1, extraSpec: ["nodeSelector": ["nvidia.com/gpu.present": "true"]])
        guard case .failed(let failure) = cache.schedule(wanting, random: random) else { return XCTFail() }
        guard case .notHelpful(let postFilter, let clear) = cache.preempt(wanting, failure: failure) else { return XCTFail() }
        XCTAssertTrue(clear)
        XCTAssertEqual(failure.message(postFilter: postFilter),
                       "0/4 nodes are available: 1 Insufficient nvidia.com/gpu, 3 node(s) didn't match Pod's node affinity/selector. "
                           + "preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, "
                           + "3 Preemption is not helpful for scheduling.")
        // Asking for more GPUs than the node has at all: nothing could ever help.
        let greedy = pod("greedy", gpus: 8, extraSpec: ["nodeSelector": ["nvidia.com/gpu.present": "true"]])
        guard case .failed(let greedyFailure) = cache.schedule(greedy, random: random),
              case .notHelpful(let greedyPost, _) = cache.preempt(greedy, failure: greedyFailure) else { return XCTFail() }
        XCTAssertEqual(greedyFailure.message(postFilter: greedyPost),
                       "0/4 nodes are available: 1 Insufficient nvidia.com/gpu, 3 node(s) didn't match Pod's node affinity/selector. "
                           + "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")
        // Once the trainer finishes, the GPU pod fits.
        cache.removePod("default/trainer")
        guard case .scheduled(let node) = cache.schedule(wanting, random: random) else { return XCTFail() }
        XCTAssertEqual(node, "gpu-1")
    }

    func testPinnedPodReportsOtherNodesAsNotSatisfyingNodeAffinity() {
        let cache = cache([node("n1", pods: 1), node("n2"), node("n3")])
        cache.addBound(bound(pod("existing"), to: "n1"))
        let pinned = pod("ds", extraSpec: ["affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [
            "nodeSelectorTerms": [["matchFields": [["key": "metadata.name", "operator": "In", "values": ["n1"]]]]],
        ]]]])
        guard case .failed(let failure) = cache.schedule(pinned, random: random),
              case .notHelpful(let post, _) = cache.preempt(pinned, failure: failure) else { return XCTFail() }
        XCTAssertEqual(failure.message(postFilter: post),
                       "0/3 nodes are available: 1 Too many pods, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. "
                           + "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
                           + "2 Preemption is not helpful for scheduling.")
    }

    func testNoNodesMessage() {
        guard case .failed(let failure) = SchedulerCache().schedule(pod("p"), random: random) else { return XCTFail() }
        XCTAssertEqual(failure.message(), "no nodes available to schedule pods")
    }

    func testPreemptNeverMessage() {
        let cache = cache([node("n1", cpu: "1")])
        cache.addBound(bound(pod("low", cpu: "1"), to: "n1"))
        var high = pod("high", cpu: "1", priority: 1000)
        high.preemptNever = true
        guard case .failed(let failure) = cache.schedule(high, random: random),
              case .notHelpful(let post, let clear) = cache.preempt(high, failure: failure) else { return XCTFail() }
        XCTAssertFalse(clear)
        XCTAssertEqual(failure.message(postFilter: post),
                       "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.")
    }

    // MARK: Preemption

    func testPreemptionEvictsTheFewestLowerPriorityPodsAndNominates() {
        let cache = cache([node("n1", cpu: "4"), node("n2", cpu: "4")])
        cache.addBound(bound(pod("n1-a", cpu: "2", priority: 10), to: "n1"))
        cache.addBound(bound(pod("n1-b", cpu: "2", priority: 10), to: "n1"))
        cache.addBound(bound(pod("n2-a", cpu: "1", priority: 0), to: "n2"))
        cache.addBound(bound(pod("n2-b", cpu: "1", priority: 0), to: "n2"))
        cache.addBound(bound(pod("n2-c", cpu: "2", priority: 100), to: "n2"))
        let urgent = pod("urgent", cpu: "2", priority: 50)
        guard case .failed(let failure) = cache.schedule(urgent, random: random) else { return XCTFail() }
        guard case .preempt(let node, let victims, _) = cache.preempt(urgent, failure: failure) else {
            return XCTFail("preemption should find victims")
        }
        // n2's victims have the lower top priority (0 against 10).
        XCTAssertEqual(node, "n2")
        XCTAssertEqual(Set(victims.map(\.key)), ["default/n2-a", "default/n2-b"])
        XCTAssertEqual(cache.nominatedNode(of: "default/urgent"), "n2")
        // A second attempt while the victims terminate waits instead of evicting more.
        guard case .failed(let again) = cache.schedule(urgent, random: random),
              case .notHelpful(let post, false) = cache.preempt(urgent, failure: again) else { return XCTFail() }
        XCTAssertEqual(post, "preemption: not eligible due to a terminating pod on the nominated node.")
        for victim in victims { cache.removePod(victim.key) }
        // The room it made is held against lower-priority pods.
        guard case .failed = cache.schedule(pod("sneaky", cpu: "2"), random: random) else { return XCTFail() }
        guard case .scheduled(let placed) = cache.schedule(urgent, random: random) else { return XCTFail() }
        XCTAssertEqual(placed, "n2")
        XCTAssertNil(cache.nominatedNode(of: "default/urgent"))
    }

    // MARK: Queue

    func testQueueOrdersByPriorityThenArrivalAndBacksOff() async {
        let queue = SchedulerQueue()
        XCTAssertEqual(queue.add(pod("low-1"), relevant: true, now: 0), .queued)
        _ = queue.add(pod("high", priority: 100), relevant: true, now: 0)
        _ = queue.add(pod("low-2"), relevant: true, now: 0)
        let popped = [await queue.pop(), await queue.pop(), await queue.pop()].compactMap { $0 }
        XCTAssertEqual(popped.map(\.0.name), ["high", "low-1", "low-2"])
        // A failure with no cluster change since the attempt began parks the pod as unschedulable.
        queue.failed("default/low-1", uid: "uid-low-1", cycle: popped[1].1, waitsForCapacity: true, now: 100)
        XCTAssertEqual(queue.counts()[.unschedulable], 1)
        // Capacity freed: it moves, first to back-off (1 s after its failure), then to active.
        queue.moveUnschedulable(onlyWaitingForCapacity: true, now: 100.5)
        XCTAssertEqual(queue.counts()[.backoff], 1)
        queue.flush(now: 101, unschedulableTimeout: 30)
        XCTAssertEqual(queue.counts()[.active], 1)
        // A change during an attempt sends the failed pod to back-off, never to wait for the next change.
        let next = await queue.pop()
        XCTAssertEqual(next?.0.name, "low-1")
        queue.moveUnschedulable(onlyWaitingForCapacity: false, now: 102)
        queue.failed("default/low-1", uid: "uid-low-1", cycle: next!.1, waitsForCapacity: true, now: 102)
        XCTAssertEqual(queue.counts()[.backoff], 1)
        XCTAssertEqual(SchedulerQueue.backoff(attempts: 2), 2)
        XCTAssertEqual(SchedulerQueue.backoff(attempts: 10), 10)
    }

    func testQueueIgnoresStatusOnlyUpdatesAndGatesPods() {
        let queue = SchedulerQueue()
        var gated = pod("g")
        gated.schedulingGated = true
        XCTAssertEqual(queue.add(gated, relevant: true, now: 0), .gated)
        XCTAssertEqual(queue.add(gated, relevant: false, now: 0), .unchanged)
        gated.schedulingGated = false
        XCTAssertEqual(queue.add(gated, relevant: true, now: 0), .queued)
        XCTAssertEqual(queue.counts()[.active], 1)
    }
}
