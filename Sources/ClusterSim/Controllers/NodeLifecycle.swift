import KubeAPI
import KubeJSON
import Logging
import Synchronization

/// The simulated nodes: registers `--nodes` Nodes as their kubelets would (and removes ones left over from a
/// larger cluster), keeps their heartbeats (a Lease each in kube-node-lease, the Node's conditions every five
/// minutes), and plays the node lifecycle controller when a kubelet stops: Unknown conditions, unreachable
/// taints, pods marked not ready, then evicted after their toleration.
///
/// A node fails while it carries `simulator.k8s.io/node-failure: "true"` (see `setNodeFailure`), and comes
/// back Ready when the annotation goes.
public struct NodeLifecycle: Controller {
    public static let name = "node"
    public static let failureAnnotation = "simulator.k8s.io/node-failure"
    public static let managedLabel = NodeLifecycleShape.managedLabel

    /// kubelet's lease renew interval and the Node status report interval, in simulated seconds.
    static let leaseRenewInterval = 10.0
    static let statusReportInterval = 300.0
    /// kube-controller-manager's node monitor period and grace period (50 s since v1.32).
    static let monitorPeriod = 5.0
    static let monitorGracePeriod = 50.0

    let context: ControllerContext
    /// The nodes' own writes (registration, status, leases) come from the kubelets...
    let kubelet: ClusterClient
    /// ...the taints, Unknown conditions and evictions from kube-controller-manager.
    let controller: ClusterClient
    let state = NodeLifecycleState()

    public init(context: ControllerContext) {
        self.context = context
        kubelet = context.client.named("kubelet")
        controller = context.client.named("kube-controller-manager")
    }

    /// Whether the node's kubelet is stopped (the incident annotation is set).
    public static func isFailed(_ node: JSON) -> Bool {
        node[path: "metadata", "annotations", failureAnnotation]?.stringValue == "true"
    }

    /// Stops (`failed: true`) or restarts the kubelet of a node, through the API as any client would.
    public static func setNodeFailure(_ name: String, failed: Bool, client: ClusterClient) async throws(APIError) {
        let value: JSON = failed ? "true" : .null
        try await client.mergePatch(.nodes, name: name, ["metadata": ["annotations": .object([failureAnnotation: value])]])
    }

    public func run() async {
        await ensureLeaseNamespace()
        await register()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await watchFailures() }
            group.addTask { await heartbeats() }
        }
    }

    // MARK: - Registration

    private func ensureLeaseNamespace() async {
        guard kubelet.get(.namespaces, name: NodeLifecycleShape.leaseNamespace) == nil else { return }
        let namespace: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(NodeLifecycleShape.leaseNamespace)]]
        do { try await controller.create(.namespaces, namespace) } catch {}
    }

    /// Creates or adopts node-1 ... node-N and deletes managed nodes beyond N.
    func register() async {
        let configuration = context.configuration
        let count = max(0, configuration.nodes)
        if count > 0 {
            await forEachConcurrently(Array(1...count), width: 16) { index in await registerNode(index) }
        }
        let extra = kubelet.list(.nodes, labelSelector: "\(Self.managedLabel)=true").compactMap { node -> String? in
            let name = node[path: "metadata", "name"]?.stringValue ?? ""
            guard let index = NodeLifecycleShape.index(of: name) else { return name }
            return index > count ? name : nil
        }
        for name in extra { await removeNode(name) }
    }

    private func registerNode(_ index: Int) async {
        let configuration = context.configuration
        let name = NodeLifecycleShape.name(index)
        let now = Timestamp.now()
        let desired = NodeLifecycleShape.node(index: index, configuration: configuration, random: context.random, now: now)
        var nodeUID: String?
        if let existing = kubelet.get(.nodes, name: name) {
            nodeUID = await adopt(existing, desired: desired, index: index)
        } else {
            do {
                let created = try await kubelet.create(.nodes, desired)
                nodeUID = created[path: "metadata", "uid"]?.stringValue
                await registrationEvents(name, uid: nodeUID ?? name)
            } catch {
                context.logger.warning("node \(name) could not register: \(error.message)")
                return
            }
        }
        await renewLease(name, nodeUID: nodeUID)
    }

    /// A kubelet starting on a node that is already registered brings its labels, capacity and node info up to
    /// date and reports Ready; the rest of the Node (other labels, taints, the pod CIDR) stays.
    private func adopt(_ existing: JSON, desired: JSON, index: Int) async -> String? {
        let name = NodeLifecycleShape.name(index)
        let failed = Self.isFailed(existing)
        var node = existing
        var labels = existing[path: "metadata", "labels"]?.objectValue ?? JSONObject()
        for key in NodeLifecycleShape.gpuLabelKeys { labels[key] = nil }
        for (key, value) in desired[path: "metadata", "labels"]?.objectValue ?? JSONObject() { labels[key] = value }
        node[path: "metadata", "labels"] = .object(labels)
        if (existing[path: "spec", "podCIDR"]?.stringValue ?? "").isEmpty {
            node[path: "spec", "podCIDR"] = desired[path: "spec", "podCIDR"]
            node[path: "spec", "podCIDRs"] = desired[path: "spec", "podCIDRs"]
        }
        if (existing[path: "spec", "providerID"]?.stringValue ?? "").isEmpty {
            node[path: "spec", "providerID"] = desired[path: "spec", "providerID"]
        }
        do { node = try await kubelet.update(.nodes, node) } catch {
            context.logger.warning("node \(name) could not be adopted: \(error.message)")
        }
        if failed {
            let tainted = (node[path: "spec", "taints"]?.arrayValue ?? []).contains {
                $0["key"]?.stringValue == NodeLifecycleShape.unreachableTaint
            }
            state.markFailed(name, at: context.clock.now(), taintedAt: tainted ? context.clock.now() : nil)
        } else {
            await postStatus(name) { _, previous in
                NodeLifecycleShape.status(index: index, configuration: context.configuration, random: context.random,
                                          now: Timestamp.now(), previousConditions: previous)
            }
        }
        return node[path: "metadata", "uid"]?.stringValue
    }

    private func registrationEvents(_ name: String, uid: String) async {
        // kubelet refers to its Node by name (its UID field is the node name); the controller by the real UID.
        let byKubelet: JSON = ["kind": "Node", "apiVersion": "v1", "metadata": ["name": .string(name), "uid": .string(name)]]
        let byController: JSON = ["kind": "Node", "apiVersion": "v1", "metadata": ["name": .string(name), "uid": .string(uid)]]
        await context.events.record(byKubelet, type: "Normal", reason: "Starting", message: "Starting kubelet.",
                                    component: "kubelet", host: name)
        for reason in ["NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"] {
            await context.events.record(byKubelet, type: "Normal", reason: reason, message: "Node \(name) status is now: \(reason)",
                                        component: "kubelet", host: name)
        }
        await context.events.record(byKubelet, type: "Normal", reason: "NodeAllocatableEnforced",
                                    message: "Updated Node Allocatable limit across pods", component: "kubelet", host: name)
        await context.events.record(byKubelet, type: "Normal", reason: "NodeReady", message: "Node \(name) status is now: NodeReady",
                                    component: "kubelet", host: name)
        await context.events.record(byController, type: "Normal", reason: "RegisteredNode",
                                    message: "Node \(name) event: Registered Node \(name) in Controller", component: "node-controller")
    }

    /// Removes a node the cluster shrank past, its lease, and (as the pod garbage collector would) its pods.
    private func removeNode(_ name: String) async {
        do { try await kubelet.delete(.nodes, name: name) } catch {}
        do { try await kubelet.delete(.leases, namespace: NodeLifecycleShape.leaseNamespace, name: name) } catch {}
        state.clear(name)
        for pod in controller.list(.pods, fieldSelector: "spec.nodeName=\(name)") {
            let namespace = pod[path: "metadata", "namespace"]?.stringValue ?? ""
            let podName = pod[path: "metadata", "name"]?.stringValue ?? ""
            do {
                try await controller.delete(.pods, namespace: namespace, name: podName, gracePeriodSeconds: 0,
                                            preconditionUID: pod[path: "metadata", "uid"]?.stringValue)
            } catch {}
        }
    }

    // MARK: - Heartbeats

    /// One pass per tick renews every healthy node's lease (and every five minutes its conditions), rather
    /// than a task per node. A wall-clock floor keeps a large, fast cluster from flooding the store.
    private func heartbeats() async {
        let count = max(0, context.configuration.nodes)
        // About 50 lease writes a second at most, whatever the time scale; a lease stays valid for 40 s of
        // wall time (its renewTime is wall time), so renewing at least every max(1, N/50) s keeps it fresh.
        let leaseWallFloor = max(1, Double(count) / 50)
        let statusWallFloor = max(1, Double(count) / 50)
        var lastLease = (sim: context.clock.now(), wall: Timestamp.now())
        var lastStatus = lastLease
        while !Task.isCancelled {
            do { try await context.clock.sleep(Self.monitorPeriod) } catch { return }
            let now = context.clock.now()
            let wall = Timestamp.now()
            await monitorFailedNodes(now: now)
            guard count > 0 else { continue }
            let names = (1...count).map(NodeLifecycleShape.name).filter { !state.isFailed($0) }
            if now - lastLease.sim >= Self.leaseRenewInterval, wall - lastLease.wall >= leaseWallFloor {
                lastLease = (now, wall)
                await forEachConcurrently(names, width: 32) { name in await renewLease(name, nodeUID: nil) }
            }
            if now - lastStatus.sim >= Self.statusReportInterval, wall - lastStatus.wall >= statusWallFloor {
                lastStatus = (now, wall)
                await forEachConcurrently(names, width: 16) { name in
                    await postStatus(name) { status, previous in
                        var status = status
                        status["conditions"] = .array(NodeLifecycleShape.readyConditions(now: Timestamp.now(), previous: previous))
                        return status
                    }
                }
            }
        }
    }

    func renewLease(_ name: String, nodeUID: String?) async {
        let now = Timestamp.now()
        let patch: JSON = ["spec": ["holderIdentity": .string(name), "leaseDurationSeconds": .int(NodeLifecycleShape.leaseDurationSeconds),
                                    "renewTime": .string(Timestamp.rfc3339Micro(now))]]
        do {
            try await kubelet.mergePatch(.leases, namespace: NodeLifecycleShape.leaseNamespace, name: name, patch)
        } catch where error.code == 404 {
            let uid = nodeUID ?? kubelet.get(.nodes, name: name)?[path: "metadata", "uid"]?.stringValue
            guard uid != nil else { return }
            do { try await kubelet.create(.leases, namespace: NodeLifecycleShape.leaseNamespace,
                                          NodeLifecycleShape.lease(name: name, nodeUID: uid, now: now)) } catch {}
        } catch {}
    }

    /// Rewrites the node's status with `change(status, previousConditions)`, retrying on conflicts.
    func postStatus(_ name: String, client: ClusterClient? = nil, _ change: (JSON, [JSON]) -> JSON) async {
        let client = client ?? kubelet
        for _ in 0..<5 {
            guard var node = client.get(.nodes, name: name) else { return }
            let status = node["status"] ?? [:]
            let updated = change(status, status["conditions"]?.arrayValue ?? [])
            if updated == status { return }
            node["status"] = updated
            do {
                try await client.updateStatus(.nodes, node)
                return
            } catch where error.code == 409 {
                continue
            } catch {
                return
            }
        }
    }

    // MARK: - Failures

    private func watchFailures() async {
        for await change in kubelet.changes(.nodes) {
            switch change.type {
            case .added, .modified:
                let node = change.object.json()
                let failed = Self.isFailed(node)
                if failed && !state.isFailed(change.name) {
                    let tainted = (node[path: "spec", "taints"]?.arrayValue ?? []).contains {
                        $0["key"]?.stringValue == NodeLifecycleShape.unreachableTaint && $0["effect"]?.stringValue == "NoExecute"
                    }
                    let now = context.clock.now()
                    state.markFailed(change.name, at: now, taintedAt: tainted ? now : nil)
                    context.logger.info("kubelet on \(change.name) stopped")
                } else if !failed && state.isFailed(change.name) {
                    state.clear(change.name)
                    await recover(change.name)
                }
            case .deleted:
                state.clear(change.name)
            }
        }
    }

    func forEachConcurrently<T: Sendable>(_ items: [T], width: Int, _ body: @escaping @Sendable (T) async -> Void) async {
        var start = 0
        while start < items.count {
            let chunk = items[start..<min(items.count, start + width)]
            await withTaskGroup(of: Void.self) { group in
                for item in chunk { group.addTask { await body(item) } }
            }
            start += width
        }
    }
}

/// Which nodes have a stopped kubelet, since when (simulated), and since when they are tainted unreachable.
final class NodeLifecycleState: Sendable {
    struct Failure: Sendable {
        var since: Double
        var taintedAt: Double?
    }

    private let failures = Mutex<[String: Failure]>([:])

    init() {}

    func markFailed(_ name: String, at time: Double, taintedAt: Double?) {
        failures.withLock { $0[name] = Failure(since: time, taintedAt: taintedAt) }
    }

    func markTainted(_ name: String, at time: Double) {
        failures.withLock { $0[name]?.taintedAt = time }
    }

    func clear(_ name: String) { _ = failures.withLock { $0.removeValue(forKey: name) } }

    func isFailed(_ name: String) -> Bool { failures.withLock { $0[name] != nil } }

    func failed() -> [(name: String, failure: Failure)] {
        failures.withLock { $0.map { ($0.key, $0.value) }.sorted { $0.name < $1.name } }
    }
}
