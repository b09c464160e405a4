import KubeAPI
import KubeJSON
import KubeStore
import Logging

/// The kubelets of the simulated nodes: for every pod bound to an existing node whose kubelet runs, walks it
/// Pending → (init containers) → ContainerCreating → Running with seeded delays, failure modes, restarts and
/// back-off, writes its status as kubelet does, records kubelet's events, and finishes graceful deletions.
public struct KubeletSimulation: Controller {
    public static let name = "kubelet"

    let context: ControllerContext
    let client: ClusterClient
    let runtime = KubeletRuntime()

    public init(context: ControllerContext) {
        self.context = context
        client = context.client.named("kubelet")
    }

    public func run() async {
        seedAddresses()
        let queue = WorkQueue(clock: context.clock)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await watchPods(queue) }
            group.addTask { await watchNodes(queue) }
            group.addTask { await resync(queue) }
            group.addTask { await queue.run(workers: 32) { key in await reconcile(key, queue: queue) } }
        }
    }

    /// Addresses pods already hold (the simulation restarted) are taken before any new pod gets one.
    private func seedAddresses() {
        for pod in client.list(.pods) {
            let node = pod[path: "spec", "nodeName"]?.stringValue ?? ""
            let ip = pod[path: "status", "podIP"]?.stringValue ?? ""
            let phase = pod[path: "status", "phase"]?.stringValue ?? ""
            guard !node.isEmpty, !ip.isEmpty, phase != "Succeeded", phase != "Failed",
                  pod[path: "spec", "hostNetwork"]?.boolValue != true else { continue }
            runtime.addresses.reserve(node: node, pod: Self.key(pod), address: ip)
        }
    }

    static func key(_ pod: JSON) -> String {
        "\(pod[path: "metadata", "namespace"]?.stringValue ?? "")/\(pod[path: "metadata", "name"]?.stringValue ?? "")"
    }

    private func watchPods(_ queue: WorkQueue) async {
        for await change in client.changes(.pods) {
            let key = WorkKey(namespace: change.namespace, name: change.name)
            if change.type == .deleted {
                runtime.forget(key.description)
                continue
            }
            let fields = change.object.attributes.fields
            guard let node = fields["spec.nodeName"], !node.isEmpty else { continue }
            if change.type == .modified, runtime.isOwnWrite(key.description, revision: change.object.revision) { continue }
            queue.add(key)
        }
    }

    /// A node that appears, or whose kubelet comes back, takes up the pods that waited for it.
    private func watchNodes(_ queue: WorkQueue) async {
        for await change in client.changes(.nodes) {
            switch change.type {
            case .added:
                for key in runtime.takeWaiting(node: change.name) { queue.add(key) }
            case .modified:
                let failed = NodeLifecycle.isFailed(change.object.json())
                let wasFailed = change.previous.map { NodeLifecycle.isFailed($0.json()) } ?? true
                if wasFailed && !failed {
                    for key in runtime.takeWaiting(node: change.name) { queue.add(key) }
                }
            case .deleted:
                break
            }
        }
    }

    /// Queued wake-ups carry the walk; this sweep catches any step whose wake-up went missing.
    private func resync(_ queue: WorkQueue) async {
        while !Task.isCancelled {
            do { try await context.clock.sleep(max(30, 1 * context.clock.scale)) } catch { return }
            for key in runtime.due(by: context.clock.now()) {
                let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                if parts.count == 2 { queue.add(WorkKey(namespace: parts[0], name: parts[1])) }
            }
        }
    }

    // MARK: - Reconcile

    func reconcile(_ key: WorkKey, queue: WorkQueue) async {
        let podKey = key.description
        guard let pod = client.get(.pods, namespace: key.namespace, name: key.name) else {
            runtime.forget(podKey)
            return
        }
        let nodeName = pod[path: "spec", "nodeName"]?.stringValue ?? ""
        guard !nodeName.isEmpty else { return }
        let uid = pod[path: "metadata", "uid"]?.stringValue ?? ""
        let deleting = pod[path: "metadata", "deletionTimestamp"] != nil
        guard let stored = try? client.api.getObject(type: client.type(.nodes), namespace: "", name: nodeName) else {
            // No kubelet: the pod stays Pending. A pod deleted there is the pod garbage collector's to remove.
            runtime.wait(node: nodeName, key: key)
            if deleting { await forceDelete(key, uid: uid) }
            return
        }
        let node = runtime.nodeFacts(stored, random: context.random)
        if node.failed {
            runtime.wait(node: nodeName, key: key)
            return
        }

        let plan = KubeletPodPlan(pod: pod)
        let now = context.clock.now()
        let wallNow = Timestamp.now()
        let scale = context.clock.scale
        let env = KubeletEnvironment(node: nodeName, random: context.random, images: runtime.images,
                                     wall: { wallNow - (now - $0) / scale })
        let hostIP = node.hostIP
        let phase = pod[path: "status", "phase"]?.stringValue ?? "Pending"

        var record: KubeletPodRecord
        if let existing = runtime.record(podKey), existing.uid == uid, existing.node == nodeName {
            record = existing
        } else {
            runtime.forget(podKey)
            if (phase == "Succeeded" || phase == "Failed") && !deleting { return }
            if pod[path: "status", "containerStatuses"] != nil || pod[path: "status", "podIP"] != nil {
                record = KubeletPodRecord.adopt(pod: pod, plan: plan, node: nodeName, now: now,
                                                simFromWall: { now - (wallNow - $0) * scale }, env: env)
                if let ip = record.podIP, !record.terminal, !plan.hostNetwork {
                    runtime.addresses.reserve(node: nodeName, pod: podKey, address: ip)
                }
            } else {
                record = KubeletPodRecord(plan: plan, node: nodeName, now: now, wallNow: wallNow, random: context.random)
            }
        }

        var events: [KubeletEvent] = []
        var confirmDeletion = false
        if deleting {
            if !record.anyContainerEverStarted || (record.terminal && record.stopAt == nil) {
                // Nothing runs: kubelet confirms the deletion straight away.
                confirmDeletion = true
            } else {
                let grace = Double(pod[path: "metadata", "deletionGracePeriodSeconds"]?.intValue ?? 30)
                events += record.beginTermination(now: now, grace: grace, plan: plan, random: context.random)
                if let stopAt = record.stopAt, stopAt <= now, !record.terminal {
                    record.finishTermination(plan: plan, env: env)
                }
                confirmDeletion = record.terminal
            }
        } else {
            let cidr = node.podCIDR
            events += record.advance(now: now, plan: plan, env: env, hostIP: hostIP) {
                let range = KubeletIPv4.podRange(cidr).map { "\(KubeletIPv4.format($0.lowerBound - 1))-\(KubeletIPv4.format($0.upperBound))" } ?? cidr
                return (runtime.addresses.allocate(node: nodeName, pod: podKey, cidr: cidr), range)
            }
        }
        if record.terminal { runtime.addresses.release(pod: podKey) }
        runtime.store(podKey, record)

        for event in events {
            let message = event.message.replacingOccurrences(of: "{ip}", with: record.podIP ?? "")
            await context.events.record(pod, type: event.type, reason: event.reason, message: message,
                                        component: "kubelet", host: nodeName)
        }
        if confirmDeletion {
            if record.anyContainerEverStarted && record.stopAt != nil {
                await writeStatus(key, pod: pod, plan: plan, record: record, hostIP: hostIP)
            }
            do {
                try await client.delete(.pods, namespace: key.namespace, name: key.name, gracePeriodSeconds: 0, preconditionUID: uid)
            } catch where error.code != 404 && error.code != 409 {
                context.logger.warning("kubelet could not delete pod \(podKey): \(error.message)")
            } catch {}
            runtime.forget(podKey)
            return
        }
        await writeStatus(key, pod: pod, plan: plan, record: record, hostIP: hostIP)
        scheduleWake(key, podKey: podKey, now: now, queue: queue)
    }

    /// Writes the status kubelet would, retrying on conflicts with the freshest pod.
    private func writeStatus(_ key: WorkKey, pod: JSON, plan: KubeletPodPlan, record: KubeletPodRecord, hostIP: String) async {
        var current = pod
        for _ in 0..<6 {
            let status = KubeletPodStatus.render(pod: current, plan: plan, record: record, hostIP: hostIP, now: Timestamp.now())
            if current["status"] == status { return }
            var updated = current
            updated["status"] = status
            do {
                let written = try await client.updateStatus(.pods, updated)
                if let revision = written[path: "metadata", "resourceVersion"]?.stringValue.flatMap({ Int64($0) }) {
                    runtime.wrote(key.description, revision: revision)
                }
                return
            } catch where error.code == 409 {
                guard let fresh = client.get(.pods, namespace: key.namespace, name: key.name),
                      fresh[path: "metadata", "uid"] == pod[path: "metadata", "uid"] else { return }
                current = fresh
            } catch {
                if error.code != 404 { context.logger.warning("kubelet status update of \(key) failed: \(error.message)") }
                return
            }
        }
    }

    private func scheduleWake(_ key: WorkKey, podKey: String, now: Double, queue: WorkQueue) {
        guard var record = runtime.record(podKey) else { return }
        if let wakeAt = record.wakeAt, wakeAt <= now + 0.001 { record.wakeAt = nil }
        guard let due = record.nextDue else {
            runtime.store(podKey, record)
            return
        }
        if let wakeAt = record.wakeAt, wakeAt <= due + 0.000_001 {
            runtime.store(podKey, record)
            return
        }
        record.wakeAt = due
        runtime.store(podKey, record)
        queue.add(key, after: max(0.001, due - now))
    }

    private func forceDelete(_ key: WorkKey, uid: String) async {
        do {
            try await client.delete(.pods, namespace: key.namespace, name: key.name, gracePeriodSeconds: 0, preconditionUID: uid)
        } catch {}
    }

    /// The node's pod CIDR, or a stand-in for a node created without one.
    static func podCIDR(node: JSON, name: String, random: SeededRandom) -> String {
        if let cidr = node[path: "spec", "podCIDR"]?.stringValue, KubeletIPv4.parseCIDR(cidr) != nil { return cidr }
        return KubeletIPv4.fallbackCIDR(node: name, random: random)
    }
}
