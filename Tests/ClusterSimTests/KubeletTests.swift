@testable import ClusterSim
import KubeAPI
import KubeJSON
import XCTest

/// The pure parts of the simulated kubelets and nodes: message formats, back-off, addresses, the pod walk and
/// the status it renders, node shapes, and container logs.
final class KubeletTests: XCTestCase {
    let random = SeededRandom(seed: 42)
    static let wallBase = 1_750_000_000.0

    // MARK: - Formats

    func testGoDurationsPrintLikeGo() {
        XCTAssertEqual(KubeletFormat.goDuration(0), "0s")
        XCTAssertEqual(KubeletFormat.goDuration(0.352), "352ms")
        XCTAssertEqual(KubeletFormat.goDuration(0.0005), "500µs")
        XCTAssertEqual(KubeletFormat.goDuration(1.234), "1.234s")
        XCTAssertEqual(KubeletFormat.goDuration(1.5), "1.5s")
        XCTAssertEqual(KubeletFormat.goDuration(10), "10s")
        XCTAssertEqual(KubeletFormat.goDuration(80), "1m20s")
        XCTAssertEqual(KubeletFormat.goDuration(300), "5m0s")
        XCTAssertEqual(KubeletFormat.goDuration(3600), "1h0m0s")
        XCTAssertEqual(KubeletFormat.goDuration(65.25), "1m5.25s")
    }

    func testEventMessagesMatchKubelet() {
        XCTAssertEqual(KubeletFormat.pulling("nginx:1.27"), "Pulling image \"nginx:1.27\"")
        XCTAssertEqual(KubeletFormat.pulled("nginx:1.27", pullSeconds: 1.2349, totalSeconds: 1.2349, size: 67_890_123),
                       "Successfully pulled image \"nginx:1.27\" in 1.234s (1.234s including waiting). Image size: 67890123 bytes.")
        XCTAssertEqual(KubeletFormat.pulled("redis:7", pullSeconds: 0.3125, totalSeconds: 4.1, size: 1),
                       "Successfully pulled image \"redis:7\" in 312ms (4.1s including waiting). Image size: 1 bytes.")
        XCTAssertEqual(KubeletFormat.alreadyPresent("x:1"), "Container image \"x:1\" already present on machine")
        XCTAssertEqual(KubeletFormat.created("app"), "Created container: app")
        XCTAssertEqual(KubeletFormat.started("app"), "Started container app")
        XCTAssertEqual(KubeletFormat.stopping("app"), "Stopping container app")
        let pod = KubeletFormat.podDescription(namespace: "default", name: "web", uid: "u-1")
        XCTAssertEqual(pod, "web_default(u-1)")
        XCTAssertEqual(KubeletFormat.crashBackOffMessage(backOff: 20, container: "app", pod: pod),
                       "back-off 20s restarting failed container=app pod=web_default(u-1)")
        XCTAssertEqual(KubeletFormat.crashBackOffEvent(container: "app", pod: pod),
                       "Back-off restarting failed container app in pod web_default(u-1)")
        XCTAssertEqual(KubeletFormat.imageNotFound("nginx:doesnotexist"),
                       "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:doesnotexist\": failed to resolve reference \"docker.io/library/nginx:doesnotexist\": docker.io/library/nginx:doesnotexist: not found")
        XCTAssertEqual(KubeletFormat.goList(["a", "b"]), "[a b]")
    }

    func testBackOffDoublesFromTenSecondsToFiveMinutes() {
        XCTAssertEqual((1...8).map { KubeletBackOff.delay(failures: $0) }, [10, 20, 40, 80, 160, 300, 300, 300])
        XCTAssertEqual(KubeletBackOff.delay(failures: 0), 0)
        // The first exit restarts at once; the back-off starts with the second.
        XCTAssertEqual((1...4).map { KubeletBackOff.restartDelay(consecutiveExits: $0) }, [0, 10, 20, 40])
    }

    func testImageReferencesNormaliseLikeContainerd() {
        XCTAssertEqual(KubeletImages.reference("nginx"), "docker.io/library/nginx:latest")
        XCTAssertEqual(KubeletImages.reference("nginx:1.27"), "docker.io/library/nginx:1.27")
        XCTAssertEqual(KubeletImages.reference("bitnami/redis:7.2"), "docker.io/bitnami/redis:7.2")
        XCTAssertEqual(KubeletImages.reference("gcr.io/proj/app:v1"), "gcr.io/proj/app:v1")
        XCTAssertEqual(KubeletImages.reference("localhost:5000/app"), "localhost:5000/app:latest")
        XCTAssertEqual(KubeletImages.reference("registry:5000/team/app:dev"), "registry:5000/team/app:dev")
        let id = KubeletImages.imageID("nginx:1.27", random: random)
        XCTAssertTrue(id.hasPrefix("docker.io/library/nginx@sha256:"))
        XCTAssertEqual(id.count, "docker.io/library/nginx@sha256:".count + 64)
        XCTAssertEqual(id, KubeletImages.imageID("nginx:1.27", random: SeededRandom(seed: 42)))
        XCTAssertNotEqual(id, KubeletImages.imageID("nginx:1.26", random: random))
        XCTAssertTrue(KubeletImages.cannotExist("nginx:doesnotexist"))
        XCTAssertTrue(KubeletImages.cannotExist("nginx:invalid"))
        XCTAssertTrue(KubeletImages.cannotExist("ghcr.io/a/b:1.0-nonexistent"))
        XCTAssertFalse(KubeletImages.cannotExist("nginx:1.27"))
        XCTAssertFalse(KubeletImages.cannotExist("nonexistent/app"))
        XCTAssertEqual(KubeletImages.family("nginx:1.27"), .nginx)
        XCTAssertEqual(KubeletImages.family("postgres:16"), .postgres)
        XCTAssertEqual(KubeletImages.family("ghcr.io/acme/api-python:3"), .python)
        let size = KubeletImages.size("nginx:1.27", random: random)
        XCTAssertTrue((67_000_000...73_000_000).contains(size))
        let pull = KubeletImages.pullSeconds(size: size, key: "k", random: random)
        XCTAssertTrue((0.5...8).contains(pull))
        XCTAssertEqual(KubeletImages.pullSeconds(size: 9_000_000_000, key: "k", random: random), 8)
    }

    // MARK: - Addresses

    func testPodAddressesComeFromTheNodeCIDRRoundRobin() {
        XCTAssertEqual(KubeletIPv4.podRange("10.244.1.0/24").map { KubeletIPv4.format($0.lowerBound) }, "10.244.1.2")
        XCTAssertEqual(KubeletIPv4.podRange("10.244.1.0/24").map { KubeletIPv4.format($0.upperBound) }, "10.244.1.254")
        XCTAssertNil(KubeletIPv4.podRange("10.244.1.0"))
        let book = KubeletAddressBook()
        XCTAssertEqual(book.allocate(node: "n1", pod: "a", cidr: "10.244.1.0/24"), "10.244.1.2")
        XCTAssertEqual(book.allocate(node: "n1", pod: "b", cidr: "10.244.1.0/24"), "10.244.1.3")
        XCTAssertEqual(book.allocate(node: "n1", pod: "a", cidr: "10.244.1.0/24"), "10.244.1.2", "a pod keeps its address")
        XCTAssertEqual(book.allocate(node: "n2", pod: "c", cidr: "10.244.2.0/24"), "10.244.2.2")
        book.release(pod: "a")
        XCTAssertEqual(book.allocate(node: "n1", pod: "d", cidr: "10.244.1.0/24"), "10.244.1.4", "a freed address is not reused at once")
        book.reserve(node: "n1", pod: "e", address: "10.244.1.5")
        XCTAssertEqual(book.allocate(node: "n1", pod: "f", cidr: "10.244.1.0/24"), "10.244.1.6")
        // A /29 holds .2 to .6: five pods, then the range is exhausted until one leaves.
        let small = KubeletAddressBook()
        let got = (0..<6).map { small.allocate(node: "n", pod: "p\($0)", cidr: "10.0.0.0/29") }
        XCTAssertEqual(got.compactMap { $0 }, ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"])
        XCTAssertNil(got[5])
        small.release(pod: "p2")
        XCTAssertEqual(small.allocate(node: "n", pod: "p9", cidr: "10.0.0.0/29"), "10.0.0.4")
    }

    // MARK: - Nodes

    func testNodeAddressesCIDRsAndLabels() {
        XCTAssertEqual(NodeLifecycleShape.internalIP(index: 1), "172.18.0.2")
        XCTAssertEqual(NodeLifecycleShape.internalIP(index: 253), "172.18.0.254")
        XCTAssertEqual(NodeLifecycleShape.internalIP(index: 254), "172.18.1.1")
        XCTAssertEqual(NodeLifecycleShape.podCIDR(index: 1), "10.244.1.0/24")
        XCTAssertEqual(NodeLifecycleShape.podCIDR(index: 256), "10.245.0.0/24")
        XCTAssertEqual(NodeLifecycleShape.index(of: "node-12"), 12)
        XCTAssertNil(NodeLifecycleShape.index(of: "node-012"))
        XCTAssertNil(NodeLifecycleShape.index(of: "worker-1"))

        var configuration = ClusterConfiguration()
        configuration.nodes = 4
        configuration.gpuNodes = 1
        let cpuNode = NodeLifecycleShape.node(index: 1, configuration: configuration, random: random, now: Self.wallBase)
        let gpuNode = NodeLifecycleShape.node(index: 4, configuration: configuration, random: random, now: Self.wallBase)
        XCTAssertEqual(cpuNode[path: "metadata", "labels", "kubernetes.io/hostname"], "node-1")
        XCTAssertEqual(cpuNode[path: "metadata", "labels", "node.kubernetes.io/instance-type"], "m5.4xlarge")
        XCTAssertEqual(cpuNode[path: "metadata", "labels", "topology.kubernetes.io/zone"], "us-east-1a")
        XCTAssertNil(cpuNode[path: "metadata", "labels", "nvidia.com/gpu.present"])
        XCTAssertEqual(gpuNode[path: "metadata", "labels", "nvidia.com/gpu.present"], "true")
        XCTAssertEqual(gpuNode[path: "metadata", "labels", "nvidia.com/gpu.product"], "NVIDIA-A100-SXM4-80GB")
        XCTAssertEqual(gpuNode[path: "metadata", "labels", "accelerator"], "nvidia")
        XCTAssertEqual(gpuNode[path: "status", "capacity", "nvidia.com/gpu"], "4")
        XCTAssertNil(cpuNode[path: "status", "capacity", "nvidia.com/gpu"])
        XCTAssertEqual(cpuNode[path: "spec", "podCIDR"], "10.244.1.0/24")
        XCTAssertEqual(cpuNode[path: "spec", "podCIDRs"], ["10.244.1.0/24"])
        XCTAssertEqual(cpuNode[path: "status", "capacity", "cpu"], "16")
        XCTAssertEqual(cpuNode[path: "status", "allocatable", "cpu"], "15890m")
        XCTAssertEqual(cpuNode[path: "status", "capacity", "memory"], "67108864Ki")
        let allocatableMemory = Quantity.parse(cpuNode[path: "status", "allocatable", "memory"]?.stringValue ?? "")?.value ?? 0
        XCTAssertLessThan(allocatableMemory, 64 * 1_073_741_824)
        XCTAssertGreaterThan(allocatableMemory, 62 * 1_073_741_824)
        XCTAssertEqual(cpuNode[path: "status", "allocatable", "pods"], "110")
        XCTAssertEqual(cpuNode[path: "status", "nodeInfo", "kubeletVersion"], "v1.32.0")
        XCTAssertEqual(cpuNode[path: "status", "nodeInfo", "containerRuntimeVersion"]?.stringValue?.hasPrefix("containerd://1.7."), true)
        XCTAssertEqual(cpuNode[path: "status", "addresses"], [["type": "InternalIP", "address": "172.18.0.2"], ["type": "Hostname", "address": "node-1"]])
        let conditions = cpuNode[path: "status", "conditions"]?.arrayValue ?? []
        XCTAssertEqual(conditions.map { $0["type"]?.stringValue ?? "" }, ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"])
        XCTAssertEqual(conditions.last?["reason"], "KubeletReady")
        XCTAssertEqual(conditions.last?["message"], "kubelet is posting ready status")
        // The machine identity is a function of the seed.
        let again = NodeLifecycleShape.node(index: 1, configuration: configuration, random: SeededRandom(seed: 42), now: Self.wallBase)
        XCTAssertEqual(again[path: "status", "nodeInfo"], cpuNode[path: "status", "nodeInfo"])

        let unknown = NodeLifecycleShape.unknownConditions(now: Self.wallBase + 60, previous: conditions)
        XCTAssertTrue(unknown.allSatisfy { $0["status"] == "Unknown" && $0["reason"] == "NodeStatusUnknown" })
        XCTAssertEqual(unknown.last?["message"], "Kubelet stopped posting node status.")
        XCTAssertEqual(unknown.last?["lastHeartbeatTime"], conditions.last?["lastHeartbeatTime"])

        let lease = NodeLifecycleShape.lease(name: "node-1", nodeUID: "uid-1", now: Self.wallBase)
        XCTAssertEqual(lease[path: "spec", "holderIdentity"], "node-1")
        XCTAssertEqual(lease[path: "spec", "leaseDurationSeconds"], 40)
        XCTAssertEqual(lease[path: "metadata", "namespace"], "kube-node-lease")
    }

    func testTaintEvictionHonoursTolerations() {
        XCTAssertEqual(NodeLifecycleShape.eviction(tolerations: []), .immediately)
        let defaults: [JSON] = [
            ["key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300],
            ["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300],
        ]
        XCTAssertEqual(NodeLifecycleShape.eviction(tolerations: defaults), .after(300))
        XCTAssertEqual(NodeLifecycleShape.eviction(tolerations: [["operator": "Exists"]]), .never)
        XCTAssertEqual(NodeLifecycleShape.eviction(tolerations: [["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"]]), .never)
        XCTAssertEqual(NodeLifecycleShape.eviction(tolerations: [["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoSchedule"]]), .immediately)
        XCTAssertEqual(NodeLifecycleShape.eviction(tolerations: [["key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 0]]), .immediately)
    }

    // MARK: - The pod walk

    func pod(_ name: String = "web", image: String = "nginx:1.27", annotations: JSONObject = [:], restartPolicy: String = "Always",
             initContainers: [JSON] = [], readinessDelay: Int64? = nil, owner: String? = nil) -> JSON
    {
        var container: JSONObject = ["name": "app", "image": .string(image), "imagePullPolicy": "IfNotPresent"]
        if let readinessDelay {
            container["readinessProbe"] = ["httpGet": ["path": "/", "port": 80], "initialDelaySeconds": .int(readinessDelay), "periodSeconds": 10]
        }
        var metadata: JSONObject = ["name": .string(name), "namespace": "default", "uid": .string("uid-\(name)"),
                                    "annotations": .object(annotations)]
        if let owner {
            metadata["ownerReferences"] = [["apiVersion": "batch/v1", "kind": .string(owner), "name": "job", "uid": "j", "controller": true]]
        }
        var spec: JSONObject = ["nodeName": "node-1", "restartPolicy": .string(restartPolicy), "containers": [.object(container)]]
        if !initContainers.isEmpty { spec["initContainers"] = .array(initContainers) }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": .object(spec),
                "status": ["phase": "Pending", "qosClass": "BestEffort",
                           "conditions": [["type": "PodScheduled", "status": "True", "lastProbeTime": .null,
                                           "lastTransitionTime": "2025-06-15T12:00:00Z"]]]]
    }

    struct Walk {
        var record: KubeletPodRecord
        var events: [KubeletEvent]
        var status: JSON
    }

    func environment(_ images: KubeletImageStore) -> KubeletEnvironment {
        KubeletEnvironment(node: "node-1", random: random, images: images, wall: { Self.wallBase + $0 })
    }

    /// Walks `pod` from simulated 0 to `until` in small steps, as queued wake-ups would.
    func walk(_ pod: JSON, until: Double, images: KubeletImageStore = KubeletImageStore(), book: KubeletAddressBook = KubeletAddressBook(),
              record start: KubeletPodRecord? = nil, from: Double = 0) -> Walk
    {
        let plan = KubeletPodPlan(pod: pod)
        let env = environment(images)
        var record = start ?? KubeletPodRecord(plan: plan, node: "node-1", now: from, wallNow: Self.wallBase + from, random: random)
        var events: [KubeletEvent] = []
        var t = from
        while t <= until {
            events += record.advance(now: t, plan: plan, env: env, hostIP: "172.18.0.2") {
                (book.allocate(node: "node-1", pod: plan.key, cidr: "10.244.1.0/24"), "10.244.1.1-10.244.1.254")
            }
            t += 0.25
        }
        let status = KubeletPodStatus.render(pod: pod, plan: plan, record: record, hostIP: "172.18.0.2", now: Self.wallBase + until)
        return Walk(record: record, events: events, status: status)
    }

    func condition(_ status: JSON, _ type: String) -> JSON? {
        status["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    func testAFreshPodWaitsInContainerCreating() {
        let result = walk(pod(), until: 0)
        let status = result.status
        XCTAssertEqual(status["phase"], "Pending")
        XCTAssertEqual(status[path: "hostIP"], "172.18.0.2")
        XCTAssertEqual(status["hostIPs"], [["ip": "172.18.0.2"]])
        XCTAssertNil(status["podIP"])
        XCTAssertNotNil(status["startTime"])
        let container = status["containerStatuses"]?.arrayValue?.first
        XCTAssertEqual(container?[path: "state", "waiting", "reason"], "ContainerCreating")
        XCTAssertEqual(container?["ready"], false)
        XCTAssertEqual(container?["started"], false)
        XCTAssertEqual(container?["image"], "nginx:1.27")
        XCTAssertEqual(container?["imageID"], "")
        XCTAssertEqual(container?["lastState"], .object(JSONObject()))
        XCTAssertEqual(status["conditions"]?.arrayValue?.map { $0["type"]?.stringValue ?? "" },
                       ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"])
        XCTAssertEqual(condition(status, "PodReadyToStartContainers")?["status"], "False")
        XCTAssertEqual(condition(status, "Initialized")?["status"], "True")
        XCTAssertEqual(condition(status, "Ready")?["reason"], "ContainersNotReady")
        XCTAssertEqual(condition(status, "Ready")?["message"], "containers with unready status: [app]")
        XCTAssertEqual(condition(status, "PodScheduled")?["lastTransitionTime"], "2025-06-15T12:00:00Z", "the scheduler's transition stays")
        XCTAssertEqual(status["qosClass"], "BestEffort")
    }

    func testAPodWalksToRunningWithKubeletEvents() {
        let images = KubeletImageStore()
        let book = KubeletAddressBook()
        let result = walk(pod(), until: 30, images: images, book: book)
        XCTAssertEqual(result.events.map(\.reason), ["Pulling", "Pulled", "Created", "Started"])
        XCTAssertEqual(result.events[0].message, "Pulling image \"nginx:1.27\"")
        XCTAssertTrue(result.events[1].message.hasPrefix("Successfully pulled image \"nginx:1.27\" in "))
        XCTAssertTrue(result.events[1].message.hasSuffix(" bytes."))
        XCTAssertEqual(result.events[2].message, "Created container: app")
        XCTAssertEqual(result.events[3].message, "Started container app")
        let status = result.status
        XCTAssertEqual(status["phase"], "Running")
        XCTAssertEqual(status["podIP"], "10.244.1.2")
        XCTAssertEqual(status["podIPs"], [["ip": "10.244.1.2"]])
        let container = status["containerStatuses"]?.arrayValue?.first ?? [:]
        XCTAssertNotNil(container[path: "state", "running", "startedAt"])
        XCTAssertEqual(container["ready"], true)
        XCTAssertEqual(container["started"], true)
        XCTAssertEqual(container["restartCount"], 0)
        XCTAssertEqual(container["image"], "docker.io/library/nginx:1.27")
        XCTAssertEqual(container["imageID"]?.stringValue?.hasPrefix("docker.io/library/nginx@sha256:"), true)
        XCTAssertEqual(container["containerID"]?.stringValue?.hasPrefix("containerd://"), true)
        XCTAssertEqual(container["containerID"]?.stringValue?.count, "containerd://".count + 64)
        for type in ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"] {
            XCTAssertEqual(condition(status, type)?["status"], "True", type)
        }
        XCTAssertNil(condition(status, "Ready")?["reason"])
        XCTAssertEqual(result.record.nextDue, nil, "a running pod without probes has nothing scheduled")

        // The image is on the node now: a second pod there finds it present and gets the next address.
        let second = walk(pod("web-2"), until: 60, images: images, book: book, from: 30)
        XCTAssertEqual(second.events.map(\.reason), ["Pulled", "Created", "Started"])
        XCTAssertEqual(second.events[0].message, "Container image \"nginx:1.27\" already present on machine")
        XCTAssertEqual(second.status["podIP"], "10.244.1.3")
    }

    func testReadinessFollowsTheProbeDelay() {
        var result = walk(pod(readinessDelay: 30), until: 20)
        XCTAssertEqual(result.status["phase"], "Running")
        XCTAssertEqual(result.status["containerStatuses"]?.arrayValue?.first?["ready"], false)
        XCTAssertEqual(condition(result.status, "Ready")?["status"], "False")
        XCTAssertNotNil(result.record.nextDue)
        result = walk(pod(readinessDelay: 30), until: 60)
        XCTAssertEqual(result.status["containerStatuses"]?.arrayValue?.first?["ready"], true)
        XCTAssertEqual(condition(result.status, "Ready")?["status"], "True")
    }

    func testNotReadyRunsButNeverTurnsReady() {
        let result = walk(pod(annotations: ["simulator.k8s.io/fail": "NotReady"], readinessDelay: 5), until: 60)
        XCTAssertEqual(result.status["phase"], "Running")
        XCTAssertEqual(result.status["containerStatuses"]?.arrayValue?.first?["ready"], false)
        XCTAssertEqual(condition(result.status, "ContainersReady")?["status"], "False")
        let unhealthy = result.events.filter { $0.reason == "Unhealthy" }
        XCTAssertFalse(unhealthy.isEmpty)
        XCTAssertEqual(unhealthy.first?.type, "Warning")
        XCTAssertEqual(unhealthy.first?.message, "Readiness probe failed: HTTP probe failed with statuscode: 503")
    }

    func testCrashLoopBackOffRestartsWithGrowingBackOff() {
        let result = walk(pod(annotations: ["simulator.k8s.io/fail": "CrashLoopBackOff"]), until: 22)
        let container = result.status["containerStatuses"]?.arrayValue?.first ?? [:]
        XCTAssertEqual(result.status["phase"], "Running")
        // First exit restarts at once, the second waits 10 s with the back-off shown.
        XCTAssertEqual(container["restartCount"], 1)
        XCTAssertEqual(container[path: "state", "waiting", "reason"], "CrashLoopBackOff")
        XCTAssertEqual(container[path: "state", "waiting", "message"],
                       "back-off 10s restarting failed container=app pod=web_default(uid-web)")
        XCTAssertEqual(container[path: "lastState", "terminated", "exitCode"], 1)
        XCTAssertEqual(container[path: "lastState", "terminated", "reason"], "Error")
        XCTAssertNotNil(container[path: "lastState", "terminated", "containerID"])
        XCTAssertEqual(container["ready"], false)
        XCTAssertEqual(container["started"], false)
        let backOff = result.events.filter { $0.reason == "BackOff" }
        XCTAssertEqual(backOff.first?.type, "Warning")
        XCTAssertEqual(backOff.first?.message, "Back-off restarting failed container app in pod web_default(uid-web)")
        XCTAssertEqual(result.events.filter { $0.reason == "Started" }.count, 2)

        let later = walk(pod(annotations: ["simulator.k8s.io/fail": "CrashLoopBackOff"]), until: 200)
        let restarts = later.status["containerStatuses"]?.arrayValue?.first?["restartCount"]?.intValue ?? 0
        // 0 + 10 + 20 + 40 + 80 s of back-off and a few seconds of running each time.
        XCTAssertTrue((4...5).contains(restarts), "restarts: \(restarts)")
        XCTAssertEqual(later.events.filter { $0.reason == "Pulled" }.dropFirst().first?.message,
                       "Container image \"nginx:1.27\" already present on machine")
    }

    func testAnImageThatCannotExistBacksOff() {
        var result = walk(pod(image: "nginx:doesnotexist"), until: 2.6)
        var container = result.status["containerStatuses"]?.arrayValue?.first ?? [:]
        XCTAssertEqual(result.status["phase"], "Pending")
        XCTAssertEqual(Array(result.events.map(\.reason).prefix(3)), ["Pulling", "Failed", "Failed"])
        XCTAssertEqual(result.events[1].message, "Failed to pull image \"nginx:doesnotexist\": " + KubeletFormat.imageNotFound("nginx:doesnotexist"))
        XCTAssertEqual(result.events[2].message, "Error: ErrImagePull")
        result = walk(pod(image: "nginx:doesnotexist"), until: 8)
        container = result.status["containerStatuses"]?.arrayValue?.first ?? [:]
        XCTAssertEqual(container[path: "state", "waiting", "reason"], "ImagePullBackOff")
        XCTAssertEqual(container[path: "state", "waiting", "message"],
                       .string("Back-off pulling image \"nginx:doesnotexist\": ErrImagePull: " + KubeletFormat.imageNotFound("nginx:doesnotexist")))
        XCTAssertEqual(container["image"], "nginx:doesnotexist")
        XCTAssertEqual(container["imageID"], "")
        XCTAssertNil(container["containerID"])
        XCTAssertTrue(result.events.contains { $0.reason == "BackOff" && $0.message == "Back-off pulling image \"nginx:doesnotexist\"" })
        XCTAssertTrue(result.events.contains { $0.reason == "Failed" && $0.message == "Error: ImagePullBackOff" })
        // Retries come after 10, 20, 40 ... seconds.
        let long = walk(pod(image: "nginx:doesnotexist"), until: 100)
        XCTAssertEqual(long.events.filter { $0.reason == "Pulling" }.count, 4)
    }

    func testTheImagePullBackOffAnnotationFailsAGoodImage() {
        let result = walk(pod(annotations: ["simulator.k8s.io/fail": "ImagePullBackOff"]), until: 8)
        let container = result.status["containerStatuses"]?.arrayValue?.first ?? [:]
        XCTAssertEqual(container[path: "state", "waiting", "reason"], "ImagePullBackOff")
        XCTAssertEqual(container[path: "state", "waiting", "message"]?.stringValue?.contains("pull access denied"), true)
    }

    func testJobPodsRunToCompletion() {
        let succeeded = walk(pod(annotations: ["simulator.k8s.io/run-seconds": "5"], restartPolicy: "Never", owner: "Job"), until: 30)
        XCTAssertEqual(succeeded.status["phase"], "Succeeded")
        let container = succeeded.status["containerStatuses"]?.arrayValue?.first ?? [:]
        XCTAssertEqual(container[path: "state", "terminated", "exitCode"], 0)
        XCTAssertEqual(container[path: "state", "terminated", "reason"], "Completed")
        XCTAssertEqual(container["ready"], false)
        XCTAssertEqual(condition(succeeded.status, "Ready")?["reason"], "PodCompleted")
        XCTAssertEqual(condition(succeeded.status, "ContainersReady")?["reason"], "PodCompleted")
        XCTAssertEqual(condition(succeeded.status, "Initialized")?["reason"], "PodCompleted")
        XCTAssertEqual(condition(succeeded.status, "PodReadyToStartContainers")?["status"], "False")
        XCTAssertTrue(succeeded.record.terminal)
        // Still running before its run time is up.
        XCTAssertEqual(walk(pod(annotations: ["simulator.k8s.io/run-seconds": "30"], restartPolicy: "Never", owner: "Job"), until: 15)["phase"], "Running")

        let failed = walk(pod(annotations: ["simulator.k8s.io/fail": "Error"], restartPolicy: "Never", owner: "Job"), until: 30)
        XCTAssertEqual(failed.status["phase"], "Failed")
        XCTAssertEqual(failed.status["containerStatuses"]?.arrayValue?.first?[path: "state", "terminated", "exitCode"], 1)
        XCTAssertEqual(failed.status["containerStatuses"]?.arrayValue?.first?[path: "state", "terminated", "reason"], "Error")
        XCTAssertEqual(condition(failed.status, "Ready")?["reason"], "ContainersNotReady")

        let retried = walk(pod(annotations: ["simulator.k8s.io/fail": "Error"], restartPolicy: "OnFailure", owner: "Job"), until: 30)
        XCTAssertEqual(retried.status["phase"], "Running")
        XCTAssertGreaterThanOrEqual(retried.status["containerStatuses"]?.arrayValue?.first?["restartCount"]?.intValue ?? 0, 1)

        // Outside a Job, run-seconds with a non-Always policy also runs to completion; without it, the pod keeps running.
        XCTAssertEqual(walk(pod(annotations: ["simulator.k8s.io/run-seconds": "2"], restartPolicy: "OnFailure"), until: 20)["phase"], "Succeeded")
        XCTAssertEqual(walk(pod(restartPolicy: "Never"), until: 20)["phase"], "Running")
    }

    func testOOMKilledRestartsOrFails() {
        let always = walk(pod(annotations: ["simulator.k8s.io/fail": "OOMKilled"]), until: 40)
        let container = always.status["containerStatuses"]?.arrayValue?.first ?? [:]
        XCTAssertEqual(container[path: "lastState", "terminated", "reason"], "OOMKilled")
        XCTAssertEqual(container[path: "lastState", "terminated", "exitCode"], 137)
        let never = walk(pod(annotations: ["simulator.k8s.io/fail": "OOMKilled"], restartPolicy: "Never"), until: 40)
        XCTAssertEqual(never.status["phase"], "Failed")
        XCTAssertEqual(never.status["containerStatuses"]?.arrayValue?.first?[path: "state", "terminated", "reason"], "OOMKilled")
    }

    func testInitContainersRunFirst() {
        let initContainer: JSON = ["name": "migrate", "image": "busybox:1.36", "imagePullPolicy": "IfNotPresent"]
        let early = walk(pod(initContainers: [initContainer]), until: 1.5)
        XCTAssertEqual(early.status["phase"], "Pending")
        XCTAssertEqual(early.status["containerStatuses"]?.arrayValue?.first?[path: "state", "waiting", "reason"], "PodInitializing")
        XCTAssertEqual(condition(early.status, "Initialized")?["reason"], "ContainersNotInitialized")
        XCTAssertEqual(condition(early.status, "Initialized")?["message"], "containers with incomplete status: [migrate]")
        let done = walk(pod(initContainers: [initContainer]), until: 40)
        XCTAssertEqual(done.status["phase"], "Running")
        let initStatus = done.status["initContainerStatuses"]?.arrayValue?.first ?? [:]
        XCTAssertEqual(initStatus[path: "state", "terminated", "reason"], "Completed")
        XCTAssertEqual(initStatus["ready"], true)
        XCTAssertEqual(condition(done.status, "Initialized")?["status"], "True")
        let order = done.events.filter { $0.reason == "Started" }.map(\.message)
        XCTAssertEqual(order, ["Started container migrate", "Started container app"])
    }

    func testGracefulDeletionStopsTheContainers() {
        let plan = KubeletPodPlan(pod: pod())
        var running = walk(pod(), until: 30).record
        let events = running.beginTermination(now: 30, grace: 30, plan: plan, random: random)
        XCTAssertEqual(events, [.normal("Killing", "Stopping container app")])
        XCTAssertLessThanOrEqual(running.stopAt ?? 99, 33)
        XCTAssertTrue(running.beginTermination(now: 31, grace: 30, plan: plan, random: random).isEmpty, "the stop signal goes once")
        running.finishTermination(plan: plan, env: environment(KubeletImageStore()))
        let status = KubeletPodStatus.render(pod: pod(), plan: plan, record: running, hostIP: "172.18.0.2", now: Self.wallBase + 33)
        XCTAssertEqual(status["phase"], "Succeeded")
        XCTAssertEqual(status["containerStatuses"]?.arrayValue?.first?[path: "state", "terminated", "reason"], "Completed")
        // A grace period of 1 s bounds the stop.
        var quick = walk(pod(), until: 30).record
        _ = quick.beginTermination(now: 30, grace: 1, plan: plan, random: random)
        XCTAssertLessThanOrEqual(quick.stopAt ?? 99, 31)
    }

    func testARestartedSimulationContinuesFromTheStatus() {
        // A running pod stays running, with the same IDs and no new events.
        let first = walk(pod(), until: 30)
        var stored = pod()
        stored["status"] = first.status
        let plan = KubeletPodPlan(pod: stored)
        let images = KubeletImageStore()
        let adopted = KubeletPodRecord.adopt(pod: stored, plan: plan, node: "node-1", now: 1000,
                                             simFromWall: { $0 - Self.wallBase }, env: environment(images))
        let resumed = walk(stored, until: 1010, images: images, record: adopted, from: 1000)
        XCTAssertTrue(resumed.events.isEmpty, "\(resumed.events)")
        let status = KubeletPodStatus.render(pod: stored, plan: plan, record: resumed.record, hostIP: "172.18.0.2", now: Self.wallBase + 1010)
        XCTAssertEqual(status, first.status)

        // A pod caught in ContainerCreating continues its walk.
        let half = walk(pod(), until: 0)
        var pending = pod()
        pending["status"] = half.status
        let again = KubeletPodRecord.adopt(pod: pending, plan: plan, node: "node-1", now: 0,
                                           simFromWall: { $0 - Self.wallBase }, env: environment(KubeletImageStore()))
        let finished = walk(pending, until: 30, record: again)
        XCTAssertEqual(finished.status["phase"], "Running")
        XCTAssertEqual(finished.events.map(\.reason), ["Pulling", "Pulled", "Created", "Started"])
    }

    func testTheSameSeedGivesTheSameWalk() {
        let a = walk(pod(annotations: ["simulator.k8s.io/fail": "CrashLoopBackOff"]), until: 120)
        let b = walk(pod(annotations: ["simulator.k8s.io/fail": "CrashLoopBackOff"]), until: 120)
        XCTAssertEqual(a.events, b.events)
        XCTAssertEqual(a.status, b.status)
    }

    // MARK: - Logs

    func runningPod(image: String, started: Double, probe: Bool = false) -> JSON {
        var container: JSONObject = ["name": "app", "image": .string(image)]
        if probe { container["readinessProbe"] = ["httpGet": ["path": "/", "port": 80]] }
        return ["metadata": ["name": "web", "namespace": "default"],
                "spec": ["containers": [.object(container)]],
                "status": ["podIP": "10.244.1.7", "hostIP": "172.18.0.2",
                           "containerStatuses": [["name": "app", "containerID": "containerd://abc",
                                                  "state": ["running": ["startedAt": .string(Timestamp.rfc3339(started))]],
                                                  "lastState": ["terminated": ["exitCode": 1, "reason": "Error", "containerID": "containerd://old",
                                                                               "startedAt": .string(Timestamp.rfc3339(started - 30)),
                                                                               "finishedAt": .string(Timestamp.rfc3339(started - 25))]]]]]]
    }

    func testNginxLogsStartAndServe() {
        let start = Self.wallBase
        let logs = PodLogs(seed: 7)
        let lines = logs.lines(pod: runningPod(image: "nginx:1.27", started: start, probe: true), container: "app", now: start + 120)
        XCTAssertEqual(lines.first?.text, "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration")
        XCTAssertTrue(lines.contains { $0.text.contains("[notice] 1#1: nginx/1.27.") })
        XCTAssertTrue(lines.contains { $0.text.contains("\"GET / HTTP/1.1\" 200 615 \"-\" \"kube-probe/1.32\"") })
        XCTAssertGreaterThan(lines.count, 30)
        XCTAssertTrue(lines.allSatisfy { $0.timestamp >= start && $0.timestamp <= start + 120 })
        XCTAssertEqual(lines.map(\.timestamp), lines.map(\.timestamp).sorted())
        // Deterministic, and a later read extends the earlier one.
        let again = PodLogs(seed: 7).lines(pod: runningPod(image: "nginx:1.27", started: start, probe: true), container: "app", now: start + 240)
        XCTAssertEqual(Array(again.prefix(lines.count)).map(\.text), lines.map(\.text))
        // The previous instance crashed.
        let previous = logs.lines(pod: runningPod(image: "nginx:1.27", started: start), container: "app", previous: true, now: start + 10)
        XCTAssertEqual(previous.last?.text, "nginx: [emerg] host not found in upstream \"backend:8080\" in /etc/nginx/conf.d/default.conf:14")
        XCTAssertTrue(previous.allSatisfy { $0.timestamp <= start - 25 })
    }

    func testLogFamilies() {
        let start = Self.wallBase
        let logs = PodLogs(seed: 7)
        let redis = logs.lines(pod: runningPod(image: "redis:7.4.1", started: start), container: "app", now: start + 700)
        XCTAssertTrue(redis.contains { $0.text.hasSuffix("* Ready to accept connections tcp") })
        XCTAssertTrue(redis.contains { $0.text.contains("Background saving terminated with success") })
        let postgres = logs.lines(pod: runningPod(image: "postgres:16", started: start), container: "app", now: start + 30)
        XCTAssertTrue(postgres.contains { $0.text.hasSuffix("LOG:  database system is ready to accept connections") })
        let python = logs.lines(pod: runningPod(image: "ghcr.io/acme/fastapi-app:1.2", started: start), container: "app", now: start + 30)
        XCTAssertTrue(python.contains { $0.text == "INFO:     Application startup complete." })
        XCTAssertTrue(python.contains { $0.text.hasPrefix("INFO:     10.244.") })
        let generic = logs.lines(pod: runningPod(image: "acme/orders:2.0", started: start), container: "app", now: start + 60)
        XCTAssertTrue(generic.first?.text.contains("\"msg\":\"starting server\"") == true)
        XCTAssertTrue(logs.lines(pod: runningPod(image: "nginx", started: start), container: "other", now: start + 60).isEmpty)
    }

    func testLogsUnavailableReasonsUseKubeletWording() {
        var waiting: JSON = ["metadata": ["name": "web"],
                             "status": ["containerStatuses": [["name": "app", "state": ["waiting": ["reason": "ImagePullBackOff"]], "lastState": [:]]]]]
        XCTAssertEqual(PodLogs.unavailableReason(pod: waiting, container: "app", previous: false),
                       "container \"app\" in pod \"web\" is waiting to start: trying and failing to pull image")
        XCTAssertEqual(PodLogs.unavailableReason(pod: waiting, container: "app", previous: true),
                       "previous terminated container \"app\" in pod \"web\" not found")
        waiting[path: "status", "containerStatuses"] = [["name": "app", "state": ["waiting": ["reason": "ContainerCreating"]], "lastState": [:]]]
        XCTAssertEqual(PodLogs.unavailableReason(pod: waiting, container: "app", previous: false),
                       "container \"app\" in pod \"web\" is waiting to start: ContainerCreating")
        XCTAssertNil(PodLogs.unavailableReason(pod: runningPod(image: "nginx", started: 0), container: "app", previous: true))
    }
}

private extension KubeletTests.Walk {
    subscript(key: String) -> JSON? { status[key] }
}
