import KubeAPI
import KubeJSON

/// kube-controller-manager's statefulset controller: stable pod names `<set>-<ordinal>`, claims from
/// volumeClaimTemplates created before each pod, OrderedReady (one ordinal at a time, waiting for Running and
/// Ready) or Parallel management, and RollingUpdate from the highest ordinal down to the partition.
struct StatefulSetController: QueuedController {
    static let name = "statefulset"
    static let component = "statefulset-controller"
    private typealias Kit = BatchAndServiceKit
    private typealias Pods = StatefulSetPods

    let core: QueuedControllerCore

    func run() async {
        await BatchAndServiceLoop.run([
            { await BatchAndServiceLoop.watchOwn(client, .statefulSets, into: queue) },
            { await watchPods() },
            { await queue.run(workers: 5) { key in await sync(key) } },
        ])
    }

    /// A set's pods carry the pod-name label and are named `<set>-<n>`, so no parse is needed to find the set.
    private func watchPods() async {
        for await change in client.changes(.pods) {
            let labelled = change.object.attributes.labels[Pods.podNameLabel] != nil
                || change.previous?.attributes.labels[Pods.podNameLabel] != nil
            guard labelled, let set = Pods.setName(ofPod: change.name) else { continue }
            queue.add(WorkKey(namespace: change.namespace, name: set))
        }
    }

    private func sync(_ key: WorkKey) async {
        guard let set = client.get(.statefulSets, namespace: key.namespace, name: key.name), !Kit.isDeleting(set) else { return }
        do throws(APIError) {
            try await reconcile(set)
        } catch {
            context.logger.debug("statefulset \(key): \(error.message)")
            timers.requeue(key, after: Kit.isConflict(error) ? 0.5 : 5)
        }
    }

    private struct Plan {
        var set: JSON
        var updateTemplate: JSON
        var currentTemplate: JSON
        var currentRevision: String
        var updateRevision: String
        var start: Int
        var replicas: Int
        var partition: Int
        var monotonic: Bool
        var rollingUpdate: Bool
        var minReadySeconds: Int64
    }

    private func reconcile(_ initial: JSON) async throws(APIError) {
        let key = Kit.workKey(initial)
        let outcome = try await BatchAndServiceRevisions.sync(client, owner: initial, kind: "StatefulSet",
                                                              revisions: BatchAndServiceRevisions.owned(client, owner: initial))
        let update = outcome.update
        let currentName = initial[path: "status", "currentRevision"]?.stringValue ?? ""
        let current = outcome.revisions.first { Kit.name($0) == currentName } ?? update
        let spec = initial["spec"] ?? [:]
        let strategy = spec[path: "updateStrategy", "type"]?.stringValue ?? "RollingUpdate"
        var plan = Plan(
            set: initial, updateTemplate: spec["template"] ?? [:],
            currentTemplate: BatchAndServiceRevisions.template(of: current) ?? spec["template"] ?? [:],
            currentRevision: Kit.name(current), updateRevision: Kit.name(update),
            start: Int(spec[path: "ordinals", "start"]?.intValue ?? 0), replicas: Int(spec["replicas"]?.intValue ?? 1),
            partition: Int(spec[path: "updateStrategy", "rollingUpdate", "partition"]?.intValue ?? 0),
            monotonic: spec["podManagementPolicy"]?.stringValue != "Parallel", rollingUpdate: strategy == "RollingUpdate",
            minReadySeconds: spec["minReadySeconds"]?.intValue ?? 0)
        if strategy != "RollingUpdate" { plan.partition = 0 }

        let pods = ownedPods(initial)
        try await manage(plan, pods: pods)

        // Status from what the cluster holds now, including the pods just created or deleted.
        let after = ownedPods(initial)
        let counts = Pods.counts(pods: after, currentRevision: plan.currentRevision, updateRevision: plan.updateRevision) {
            Kit.isAvailable($0, minReadySeconds: plan.minReadySeconds, clock: context.clock)
        }
        if plan.minReadySeconds > 0 {
            let waits = after.compactMap { Kit.secondsUntilAvailable($0, minReadySeconds: plan.minReadySeconds, clock: context.clock) }
                .filter { $0 > 0 }
            if let soonest = waits.min() { timers.requeue(key, after: soonest) }
        }
        let fresh = client.get(.statefulSets, namespace: key.namespace, name: key.name) ?? initial
        guard Kit.uid(fresh) == Kit.uid(initial) else { return }
        let status = Pods.status(previous: fresh["status"], counts: counts, generation: Kit.generation(initial),
                                 currentRevision: plan.currentRevision, updateRevision: plan.updateRevision,
                                 collisionCount: outcome.collisionCount, rollingUpdate: plan.rollingUpdate)
        try await Kit.writeStatus(client, .statefulSets, fresh, status)

        var live: Set<String> = [plan.updateRevision, status["currentRevision"]?.stringValue ?? ""]
        for pod in after { live.insert(Pods.revision(pod)) }
        let limit = Int(spec["revisionHistoryLimit"]?.intValue ?? 10)
        await BatchAndServiceRevisions.truncate(client, revisions: outcome.revisions, live: live, limit: limit)
    }

    private func ownedPods(_ set: JSON) -> [JSON] {
        let selector = Kit.selector(set[path: "spec", "selector"])
        let name = Kit.name(set)
        return Kit.list(client, .pods, namespace: Kit.namespace(set), selector: selector).filter {
            Kit.isControlled($0, by: set) && Pods.ordinal(podName: Kit.name($0), setName: name) != nil
        }
    }

    /// One pass of StatefulSetControl.updateStatefulSet: create missing ordinals, replace failed pods, delete
    /// condemned ordinals, then roll pods onto the update revision. OrderedReady stops at the first pod that
    /// is not yet Running and Ready.
    private func manage(_ plan: Plan, pods: [JSON]) async throws(APIError) {
        let setName = Kit.name(plan.set)
        var slots = [JSON?](repeating: nil, count: max(0, plan.replicas))
        var condemned: [JSON] = []
        for pod in pods {
            guard let ordinal = Pods.ordinal(podName: Kit.name(pod), setName: setName) else { continue }
            let index = ordinal - plan.start
            if index >= 0 && index < slots.count { slots[index] = pod } else { condemned.append(pod) }
        }
        condemned.sort {
            (Pods.ordinal(podName: Kit.name($0), setName: setName) ?? 0) > (Pods.ordinal(podName: Kit.name($1), setName: setName) ?? 0)
        }
        let firstUnhealthy = (slots.compactMap { $0 } + condemned).first { !Kit.isRunningAndReady($0) || Kit.isDeleting($0) }

        for index in slots.indices {
            let ordinal = plan.start + index
            if let pod = slots[index] {
                if Kit.isTerminal(pod) && !Kit.isDeleting(pod) {
                    await record(plan.set, "Warning", "RecreatingFailedPod",
                                 "StatefulSet \(Kit.namespace(plan.set))/\(setName) is recreating failed Pod \(Kit.name(pod))")
                    try await deletePod(pod, set: plan.set)
                    if plan.monotonic { return }
                    continue
                }
                if Kit.isDeleting(pod) {
                    if plan.monotonic { return }
                    continue
                }
                try await ensureClaims(plan.set, ordinal: ordinal, pod: Kit.name(pod))
                if plan.monotonic && !healthy(pod, plan) { return }
                continue
            }
            let useCurrent = plan.rollingUpdate && index < plan.partition
            let template = useCurrent ? plan.currentTemplate : plan.updateTemplate
            let revision = useCurrent ? plan.currentRevision : plan.updateRevision
            try await ensureClaims(plan.set, ordinal: ordinal, pod: Pods.podName(set: setName, ordinal: ordinal))
            try await createPod(Pods.pod(set: plan.set, template: template, revision: revision, ordinal: ordinal), set: plan.set)
            if plan.monotonic { return }
        }

        for pod in condemned {
            if Kit.isDeleting(pod) {
                if plan.monotonic { return }
                continue
            }
            if plan.monotonic && !Kit.isRunningAndReady(pod) && Kit.name(pod) != firstUnhealthy.map(Kit.name) { return }
            try await deletePod(pod, set: plan.set)
            if plan.monotonic { return }
        }
        try await deleteScaledClaims(plan, existing: Set(pods.map(Kit.name)))

        guard plan.rollingUpdate else { return }
        for index in stride(from: slots.count - 1, through: max(0, plan.partition), by: -1) {
            guard let pod = slots[index] else { return }
            if Pods.revision(pod) != plan.updateRevision && !Kit.isDeleting(pod) {
                try await deletePod(pod, set: plan.set)
                return
            }
            if !healthy(pod, plan) || Kit.isDeleting(pod) { return }
        }
    }

    /// isRunningAndAvailable: Running, Ready, and ready for minReadySeconds.
    private func healthy(_ pod: JSON, _ plan: Plan) -> Bool {
        Kit.isRunningAndReady(pod) && Kit.isAvailable(pod, minReadySeconds: plan.minReadySeconds, clock: context.clock)
    }

    private func createPod(_ pod: JSON, set: JSON) async throws(APIError) {
        let podName = Kit.name(pod)
        do throws(APIError) {
            try await client.create(.pods, namespace: Kit.namespace(set), pod)
            await record(set, "Normal", "SuccessfulCreate", "create Pod \(podName) in StatefulSet \(Kit.name(set)) successful")
        } catch {
            if Kit.isAlreadyExists(error) { return }
            await record(set, "Warning", "FailedCreate", "create Pod \(podName) in StatefulSet \(Kit.name(set)) failed error: \(error.message)")
            throw error
        }
    }

    private func deletePod(_ pod: JSON, set: JSON) async throws(APIError) {
        let podName = Kit.name(pod)
        do throws(APIError) {
            try await client.delete(.pods, namespace: Kit.namespace(pod), name: podName, preconditionUID: Kit.uid(pod))
            await record(set, "Normal", "SuccessfulDelete", "delete Pod \(podName) in StatefulSet \(Kit.name(set)) successful")
        } catch {
            if Kit.isNotFound(error) { return }
            await record(set, "Warning", "FailedDelete", "delete Pod \(podName) in StatefulSet \(Kit.name(set)) failed error: \(error.message)")
            throw error
        }
    }

    /// createPersistentVolumeClaims: every claim of an ordinal exists before its pod is created.
    private func ensureClaims(_ set: JSON, ordinal: Int, pod: String) async throws(APIError) {
        let namespace = Kit.namespace(set)
        for template in Pods.claimTemplates(set) {
            let claim = Pods.claim(set: set, template: template, ordinal: ordinal)
            let claimName = Kit.name(claim)
            guard client.get(.persistentVolumeClaims, namespace: namespace, name: claimName) == nil else { continue }
            do throws(APIError) {
                try await client.create(.persistentVolumeClaims, namespace: namespace, claim)
                await record(set, "Normal", "SuccessfulCreate", "create Claim \(claimName) Pod \(pod) in StatefulSet \(Kit.name(set)) success")
            } catch {
                if Kit.isAlreadyExists(error) { continue }
                await record(set, "Warning", "FailedCreate",
                             "create Claim \(claimName) for Pod \(pod) in StatefulSet \(Kit.name(set)) failed error: \(error.message)")
                throw error
            }
        }
    }

    /// persistentVolumeClaimRetentionPolicy.whenScaled=Delete: claims of ordinals scaled away go with their pods.
    private func deleteScaledClaims(_ plan: Plan, existing: Set<String>) async throws(APIError) {
        guard plan.set[path: "spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"]?.stringValue == "Delete" else { return }
        let setName = Kit.name(plan.set)
        let templates = Pods.claimTemplates(plan.set).map(Kit.name)
        guard !templates.isEmpty else { return }
        for claim in client.list(.persistentVolumeClaims, namespace: Kit.namespace(plan.set)) {
            let claimName = Kit.name(claim)
            for template in templates {
                guard let ordinal = Pods.ordinal(podName: String(claimName.dropFirst(template.count + 1)), setName: setName),
                      claimName.hasPrefix(template + "-"), ordinal >= plan.start + plan.replicas || ordinal < plan.start,
                      !existing.contains(Pods.podName(set: setName, ordinal: ordinal)), !Kit.isDeleting(claim) else { continue }
                do throws(APIError) {
                    try await client.delete(.persistentVolumeClaims, namespace: Kit.namespace(claim), name: claimName)
                    await record(plan.set, "Normal", "SuccessfulDelete", "delete Claim \(claimName) in StatefulSet \(setName) successful")
                } catch {
                    if !Kit.isNotFound(error) { throw error }
                }
            }
        }
    }

    private func record(_ set: JSON, _ type: String, _ reason: String, _ message: String) async {
        await context.events.record(set, type: type, reason: reason, message: message, component: Self.component)
    }
}
