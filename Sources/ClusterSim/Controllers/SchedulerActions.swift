import KubeAPI
import KubeJSON

/// What happens to status.nominatedNodeName with a scheduling failure (framework.NominatingInfo).
enum SchedulerNomination: Sendable, Equatable {
    case keep
    case set(String)
    case clear
}

/// The API writes that follow a scheduling decision, done by workers so the scheduling loop never waits on the
/// store (kube-scheduler's binding cycle and its asynchronous status updates).
enum SchedulerAction: Sendable {
    case bind(pod: SchedulerPod, node: String)
    case unschedulable(pod: SchedulerPod, reason: String, message: String, nomination: SchedulerNomination, event: Bool)
    case evict(victim: SchedulerPreemptionVictim, preemptor: SchedulerPod, node: String)
    case clearNomination(namespace: String, name: String)
}

extension SchedulerEngine {
    static let component = "default-scheduler"

    func submit(_ action: SchedulerAction, for key: WorkKey) {
        pending.withLock { $0[key] = action }
        actions.add(key)
    }

    func perform(_ key: WorkKey) async {
        guard let action = pending.withLock({ $0.removeValue(forKey: key) }) else { return }
        switch action {
        case .bind(let pod, let node):
            await bind(pod, to: node)
        case .unschedulable(let pod, let reason, let message, let nomination, let event):
            if event {
                await context.events.record(pod.reference, type: "Warning", reason: "FailedScheduling", message: message,
                                            component: Self.component)
            }
            await writeUnschedulable(pod, reason: reason, message: message, nomination: nomination)
        case .evict(let victim, let preemptor, let node):
            await evict(victim, preemptor: preemptor, node: node)
        case .clearNomination(let namespace, let name):
            let patch: JSON = ["status": ["nominatedNodeName": .null]]
            _ = try? await client.mergePatch(.pods, namespace: namespace, name: name, patch, subresource: "status")
        }
    }

    /// POST pods/binding, as DefaultBinder does: the API sets spec.nodeName and PodScheduled=True.
    func bind(_ pod: SchedulerPod, to node: String) async {
        let binding: JSON = [
            "apiVersion": "v1", "kind": "Binding",
            "metadata": ["name": .string(pod.name), "namespace": .string(pod.namespace), "uid": .string(pod.uid)],
            "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)],
        ]
        let request = APIRequest(method: "POST", path: "/api/v1/namespaces/\(pod.namespace)/pods/\(pod.name)/binding",
                                 headers: ["content-type": "application/json"], body: binding.serialized())
        let response = await client.api.handle(request)
        if (200..<300).contains(response.status) {
            await context.events.record(pod.reference, type: "Normal", reason: "Scheduled",
                                        message: "Successfully assigned \(pod.namespace)/\(pod.name) to \(node)",
                                        component: Self.component)
            return
        }
        let status = try? JSONParser.parse(response.bodyBytes)
        let message = status?["message"]?.stringValue ?? "binding rejected with status \(response.status)"
        context.logger.debug("scheduler: binding \(pod.key) to \(node) failed: \(message)")
        cache.forget(pod.key, uid: pod.uid, node: node)
        let now = context.clock.now()
        // The assumed pod's room is free again for whoever waits for it.
        queue.moveUnschedulable(onlyWaitingForCapacity: true, now: now)
        if response.status == 404 {
            queue.remove(pod.key)
            return
        }
        if response.status == 409, let current = client.get(.pods, namespace: pod.namespace, name: pod.name),
           !(current[path: "spec", "nodeName"]?.stringValue ?? "").isEmpty || current[path: "metadata", "deletionTimestamp"] != nil
        {
            // Bound by someone else or being deleted: the watch settles it.
            return
        }
        queue.retryAfterError(pod.key, uid: pod.uid, now: now)
        await context.events.record(pod.reference, type: "Warning", reason: "FailedScheduling", message: message,
                                    component: Self.component)
        await writeUnschedulable(pod, reason: "SchedulerError", message: message, nomination: .keep)
    }

    /// updatePod: PodScheduled=False with the reason and message, and the nomination, written only when they
    /// change (lastTransitionTime moves only when the status does).
    func writeUnschedulable(_ pod: SchedulerPod, reason: String, message: String, nomination: SchedulerNomination) async {
        for _ in 0..<5 {
            guard var current = client.get(.pods, namespace: pod.namespace, name: pod.name),
                  current[path: "metadata", "uid"]?.stringValue == pod.uid,
                  (current[path: "spec", "nodeName"]?.stringValue ?? "").isEmpty,
                  current[path: "metadata", "deletionTimestamp"] == nil
            else { return }
            var changed = false
            var conditions = current[path: "status", "conditions"]?.arrayValue ?? []
            let index = conditions.firstIndex { $0["type"]?.stringValue == "PodScheduled" }
            var condition: JSON = index.map { conditions[$0] } ?? ["type": "PodScheduled"]
            if condition["status"]?.stringValue != "False" {
                condition["lastTransitionTime"] = .string(Timestamp.rfc3339(Timestamp.now()))
                changed = true
            }
            if condition["reason"]?.stringValue != reason || condition["message"]?.stringValue != message { changed = true }
            condition["status"] = "False"
            condition["reason"] = .string(reason)
            condition["message"] = .string(message)
            condition["lastProbeTime"] = .null
            if let generation = current[path: "metadata", "generation"]?.intValue,
               condition["observedGeneration"]?.intValue != generation
            {
                condition["observedGeneration"] = .int(generation)
                changed = true
            }
            if let index { conditions[index] = condition } else { conditions.append(condition) }
            current[path: "status", "conditions"] = .array(conditions)
            let nominated = current[path: "status", "nominatedNodeName"]?.stringValue ?? ""
            switch nomination {
            case .keep: break
            case .set(let node) where node != nominated:
                current[path: "status", "nominatedNodeName"] = .string(node)
                changed = true
            case .clear where !nominated.isEmpty:
                current[path: "status", "nominatedNodeName"] = nil
                changed = true
            default: break
            }
            guard changed else { return }
            do {
                try await client.updateStatus(.pods, current)
                return
            } catch where error.code == 409 {
                continue
            } catch {
                context.logger.debug("scheduler: status of \(pod.key) not written: \(error.message)")
                return
            }
        }
    }

    /// The preemption of one victim: DisruptionTarget condition, deletion with its grace period, `Preempted` event.
    func evict(_ victim: SchedulerPreemptionVictim, preemptor: SchedulerPod, node: String) async {
        let parts = victim.key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return }
        let (namespace, name) = (parts[0], parts[1])
        for _ in 0..<3 {
            guard var current = client.get(.pods, namespace: namespace, name: name),
                  current[path: "metadata", "uid"]?.stringValue == victim.uid,
                  current[path: "metadata", "deletionTimestamp"] == nil
            else { break }
            var conditions = current[path: "status", "conditions"]?.arrayValue ?? []
            conditions.removeAll { $0["type"]?.stringValue == "DisruptionTarget" }
            conditions.append([
                "type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
                "message": .string("\(Self.component): preempting to accommodate a higher priority pod"),
                "lastProbeTime": .null, "lastTransitionTime": .string(Timestamp.rfc3339(Timestamp.now())),
            ])
            current[path: "status", "conditions"] = .array(conditions)
            do {
                try await client.updateStatus(.pods, current)
                break
            } catch where error.code == 409 {
                continue
            } catch {
                break
            }
        }
        do {
            try await client.delete(.pods, namespace: namespace, name: name, preconditionUID: victim.uid)
        } catch {
            if error.code != 404 { context.logger.debug("scheduler: preempting \(victim.key) failed: \(error.message)") }
            return
        }
        let reference: JSON = ["apiVersion": "v1", "kind": "Pod",
                               "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(victim.uid)]]
        await context.events.record(reference, type: "Normal", reason: "Preempted",
                                    message: "Preempted by pod \(preemptor.uid) on node \(node)", component: Self.component)
    }
}
