import KubeAPI
import KubeJSON

/// What kube-controller-manager's node lifecycle and taint eviction controllers do about a node whose
/// kubelet went quiet, and what the kubelet does when it comes back.
extension NodeLifecycle {
    /// Runs every monitor period: past the grace period a quiet node turns Unknown and tainted; pods on a
    /// tainted node go once their toleration of the unreachable taint runs out.
    func monitorFailedNodes(now: Double) async {
        for (name, failure) in state.failed() {
            if failure.taintedAt == nil {
                guard now - failure.since >= Self.monitorGracePeriod else { continue }
                guard await markUnreachable(name) else { continue }
                state.markTainted(name, at: now)
                continue
            }
            if let taintedAt = failure.taintedAt {
                await evictPods(on: name, taintedAt: taintedAt, now: now)
            }
        }
    }

    /// Conditions to Unknown, the unreachable taints on, the node's pods marked not ready.
    private func markUnreachable(_ name: String) async -> Bool {
        guard let node = controller.get(.nodes, name: name), Self.isFailed(node) else { return false }
        await postStatus(name, client: controller) { status, previous in
            var status = status
            status["conditions"] = .array(NodeLifecycleShape.unknownConditions(now: Timestamp.now(), previous: previous))
            return status
        }
        await updateTaints(name) { taints in
            let stamp = JSON.string(Timestamp.rfc3339(Timestamp.now()))
            for effect in ["NoSchedule", "NoExecute"] where !taints.contains(where: {
                $0["key"]?.stringValue == NodeLifecycleShape.unreachableTaint && $0["effect"]?.stringValue == effect
            }) {
                taints.append(["key": .string(NodeLifecycleShape.unreachableTaint), "effect": .string(effect), "timeAdded": stamp])
            }
        }
        let ref: JSON = ["kind": "Node", "apiVersion": "v1",
                         "metadata": ["name": .string(name), "uid": node[path: "metadata", "uid"] ?? .string(name)]]
        await context.events.record(ref, type: "Normal", reason: "NodeNotReady", message: "Node \(name) status is now: NodeNotReady",
                                    component: "node-controller")
        for pod in controller.list(.pods, fieldSelector: "spec.nodeName=\(name)") {
            await markPodNotReady(pod)
        }
        return true
    }

    /// MarkPodsNotReady: the pod's Ready condition turns False; the kubelet sets it right again on return.
    private func markPodNotReady(_ pod: JSON) async {
        var pod = pod
        var conditions = pod[path: "status", "conditions"]?.arrayValue ?? []
        guard let index = conditions.firstIndex(where: { $0["type"]?.stringValue == "Ready" }),
              conditions[index]["status"]?.stringValue != "False" else { return }
        conditions[index]["status"] = "False"
        conditions[index]["lastTransitionTime"] = .string(Timestamp.rfc3339(Timestamp.now()))
        pod[path: "status", "conditions"] = .array(conditions)
        do { try await controller.updateStatus(.pods, pod) } catch {}
        await context.events.record(pod, type: "Warning", reason: "NodeNotReady", message: "Node is not ready",
                                    component: "node-controller")
    }

    /// The taint eviction controller: each pod goes when its toleration of the NoExecute taint runs out.
    private func evictPods(on name: String, taintedAt: Double, now: Double) async {
        for pod in controller.list(.pods, fieldSelector: "spec.nodeName=\(name)") {
            guard pod[path: "metadata", "deletionTimestamp"] == nil else { continue }
            switch NodeLifecycleShape.eviction(tolerations: pod[path: "spec", "tolerations"]?.arrayValue ?? []) {
            case .never: continue
            case .after(let seconds): if now < taintedAt + seconds { continue }
            case .immediately: break
            }
            await evict(pod)
        }
    }

    private func evict(_ pod: JSON) async {
        let namespace = pod[path: "metadata", "namespace"]?.stringValue ?? ""
        let name = pod[path: "metadata", "name"]?.stringValue ?? ""
        let evictor = controller.named("taint-eviction-controller")
        var marked = pod
        var conditions = pod[path: "status", "conditions"]?.arrayValue ?? []
        if !conditions.contains(where: { $0["type"]?.stringValue == "DisruptionTarget" }) {
            conditions.append(["type": "DisruptionTarget", "status": "True", "lastProbeTime": .null,
                               "lastTransitionTime": .string(Timestamp.rfc3339(Timestamp.now())),
                               "reason": "DeletionByTaintManager", "message": "Taint manager: deleting due to NoExecute taint"])
            marked[path: "status", "conditions"] = .array(conditions)
            do { try await evictor.updateStatus(.pods, marked) } catch {}
        }
        await context.events.record(pod, type: "Normal", reason: "TaintManagerEviction",
                                    message: "Marking for deletion Pod \(namespace)/\(name)", component: "taint-eviction-controller")
        do {
            try await evictor.delete(.pods, namespace: namespace, name: name,
                                     preconditionUID: pod[path: "metadata", "uid"]?.stringValue)
        } catch {}
    }

    /// The kubelet is back: it posts Ready, renews its lease, and the node controller lifts the taints.
    func recover(_ name: String) async {
        guard let node = kubelet.get(.nodes, name: name) else { return }
        let wasReady = (node[path: "status", "conditions"]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
        }
        await postStatus(name) { status, previous in
            var status = status
            status["conditions"] = .array(NodeLifecycleShape.readyConditions(now: Timestamp.now(), previous: previous))
            return status
        }
        await renewLease(name, nodeUID: nil)
        if !wasReady {
            let ref: JSON = ["kind": "Node", "apiVersion": "v1", "metadata": ["name": .string(name), "uid": .string(name)]]
            await context.events.record(ref, type: "Normal", reason: "NodeReady", message: "Node \(name) status is now: NodeReady",
                                        component: "kubelet", host: name)
        }
        await updateTaints(name) { taints in
            taints.removeAll { $0["key"]?.stringValue == NodeLifecycleShape.unreachableTaint }
        }
        context.logger.info("kubelet on \(name) is back")
    }

    /// Edits the node's taints, retrying on conflicts.
    private func updateTaints(_ name: String, _ change: (inout [JSON]) -> Void) async {
        for _ in 0..<5 {
            guard var node = controller.get(.nodes, name: name) else { return }
            var taints = node[path: "spec", "taints"]?.arrayValue ?? []
            let before = taints
            change(&taints)
            if taints == before { return }
            node[path: "spec", "taints"] = taints.isEmpty ? nil : .array(taints)
            do {
                try await controller.update(.nodes, node)
                return
            } catch where error.code == 409 {
                continue
            } catch {
                return
            }
        }
    }
}
