import KubeAPI
import KubeJSON
import KubeStore
import Synchronization

/// kube-scheduler (`default-scheduler`): binds pending pods to nodes through pods/binding.
struct Scheduler: Controller {
    static let name = "scheduler"
    let context: ControllerContext

    init(context: ControllerContext) { self.context = context }

    func run() async {
        await SchedulerEngine(context: context).run()
    }
}

/// The running scheduler: a watch of nodes and a watch of pods feed the cache and the scheduling queue; one
/// loop takes pods from the queue one at a time (so decisions are sequential and replayable) and hands binds
/// and status writes to workers.
final class SchedulerEngine: Sendable {
    static let schedulerName = "default-scheduler"
    static let workers = 32
    /// kube-scheduler retries pods left unschedulable after 5 minutes; shortened so waits stay brief.
    static let unschedulableTimeout = 30.0
    static let flushInterval = 1.0

    let context: ControllerContext
    let client: ClusterClient
    let cache = SchedulerCache()
    let queue = SchedulerQueue()
    let actions: WorkQueue
    let pending = Mutex<[WorkKey: SchedulerAction]>([:])

    init(context: ControllerContext) {
        self.context = context
        client = context.client.named(Self.schedulerName)
        actions = WorkQueue(clock: context.clock)
    }

    func run() async {
        guard let podType = try? client.type(.pods), let nodeType = try? client.type(.nodes) else { return }
        // Both snapshots are applied before the first decision, so it sees every node and every bound pod.
        let nodes = subscribe(nodeType) { self.applyNodes($0) }
        let pods = subscribe(podType) { self.applyPods($0) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.follow(nodes, type: nodeType, snapshot: { self.applyNodes($0) }) { self.handleNode($0) } }
            group.addTask { await self.follow(pods, type: podType, snapshot: { self.applyPods($0) }) { self.handlePod($0) } }
            group.addTask { await self.flushLoop() }
            group.addTask { await self.scheduleLoop() }
            group.addTask { await self.actions.run(workers: Self.workers) { key in await self.perform(key) } }
        }
    }

    // MARK: Watches

    private func subscribe(_ type: ResourceType, snapshot: (ListSnapshot) -> Void) -> WatchSubscription? {
        guard let subscription = try? client.api.watch(type: type, namespace: nil, fromRevision: nil) else { return nil }
        if case .snapshot(let list) = subscription.start { snapshot(list) }
        return subscription
    }

    /// Consumes a watch; when the store cuts it off (the consumer fell too far behind) it lists again.
    private func follow(_ first: WatchSubscription?, type: ResourceType, snapshot: @escaping @Sendable (ListSnapshot) -> Void,
                        _ handle: @escaping @Sendable (WatchEvent) -> Void) async
    {
        var subscription = first
        while !Task.isCancelled {
            if let current = subscription {
                await withTaskCancellationHandler {
                    for await event in current.events { handle(event) }
                } onCancel: {
                    current.cancel()
                }
                current.cancel()
                if Task.isCancelled { return }
                context.logger.info("scheduler: watch of \(type.plural) ended, listing again")
            } else {
                do { try await context.clock.sleep(1) } catch { return }
            }
            subscription = subscribe(type, snapshot: snapshot)
        }
    }

    private func applyNodes(_ list: ListSnapshot) {
        let names = Set(list.items.map(\.key.name))
        for name in cache.nodeNames() where !names.contains(name) { cache.removeNode(name) }
        for item in list.items { handleNode(WatchEvent(type: .added, object: item, previous: nil, committedAt: 0)) }
    }

    private func applyPods(_ list: ListSnapshot) {
        let keys = Set(list.items.map { $0.key.namespace + "/" + $0.key.name })
        cache.retainPods(keys)
        queue.retain(keys)
        for item in list.items { handlePod(WatchEvent(type: .added, object: item, previous: nil, committedAt: 0)) }
    }

    func handleNode(_ event: WatchEvent) {
        if event.type == .deleted {
            cache.removeNode(event.object.key.name)
            return
        }
        switch cache.setNode(SchedulerNode(json: event.object.json()), random: context.random) {
        case .added, .updated:
            queue.moveUnschedulable(onlyWaitingForCapacity: false, now: context.clock.now())
        case .unchanged:
            break
        }
    }

    /// Most pod events are kubelet status updates of bound pods, answered from the stored attributes without
    /// parsing the object.
    func handlePod(_ event: WatchEvent) {
        let object = event.object
        let key = object.key.namespace + "/" + object.key.name
        let fields = object.attributes.fields
        let nodeName = fields["spec.nodeName"] ?? ""
        let phase = fields["status.phase"] ?? ""
        let now = context.clock.now()
        if event.type == .deleted {
            queue.remove(key)
            if cache.removePod(key) { queue.moveUnschedulable(onlyWaitingForCapacity: true, now: now) }
            return
        }
        if !nodeName.isEmpty {
            queue.remove(key)
            if phase == "Succeeded" || phase == "Failed" {
                if cache.removePod(key) { queue.moveUnschedulable(onlyWaitingForCapacity: true, now: now) }
                return
            }
            if cache.confirm(key, node: nodeName) { return }
            cache.addBound(SchedulerPod(json: object.json()))
            return
        }
        let schedulerName = fields["spec.schedulerName"] ?? ""
        if !schedulerName.isEmpty, schedulerName != Self.schedulerName {
            queue.remove(key)
            return
        }
        if phase == "Succeeded" || phase == "Failed" {
            queue.remove(key)
            return
        }
        // Its binding is in flight; the event is our own or the kubelet's echo, not a new pending pod.
        if cache.isAssumed(key) { return }
        let json = object.json()
        let pod = SchedulerPod(json: json)
        if pod.deleting {
            queue.remove(key)
            cache.clearNomination(key)
            return
        }
        var relevant = true
        if let previous = event.previous?.json() {
            relevant = previous["spec"] != json["spec"] || previous[path: "metadata", "labels"] != json[path: "metadata", "labels"]
        }
        if !pod.nominatedNodeName.isEmpty, cache.nominatedNode(of: key) == nil {
            cache.nominate(pod, on: pod.nominatedNodeName)
        }
        if queue.add(pod, relevant: relevant, now: now) == .gated {
            // kube-apiserver marks gated pods on create; this API leaves it to the scheduler.
            submit(.unschedulable(pod: pod, reason: "SchedulingGated", message: SchedulerReasons.schedulingGated,
                                  nomination: .keep, event: false),
                   for: WorkKey(namespace: pod.namespace, name: pod.name))
        }
    }

    // MARK: Scheduling

    private func flushLoop() async {
        while !Task.isCancelled {
            do { try await context.clock.sleep(Self.flushInterval) } catch { return }
            queue.flush(now: context.clock.now(), unschedulableTimeout: Self.unschedulableTimeout)
        }
    }

    private func scheduleLoop() async {
        await withTaskCancellationHandler {
            while let (pod, cycle) = await queue.pop() {
                scheduleOne(pod, cycle: cycle)
            }
        } onCancel: {
            queue.close()
        }
    }

    /// One scheduling cycle: place the pod or explain why not (with preemption), then queue the API writes.
    func scheduleOne(_ pod: SchedulerPod, cycle: Int64) {
        let key = WorkKey(namespace: pod.namespace, name: pod.name)
        switch cache.schedule(pod, random: context.random) {
        case .scheduled(let node):
            submit(.bind(pod: pod, node: node), for: key)
        case .failed(let failure):
            var postFilter: String?
            var nomination = SchedulerNomination.keep
            if !failure.noNodes {
                switch cache.preempt(pod, failure: failure) {
                case .notHelpful(let message, let clearNomination):
                    postFilter = message
                    if clearNomination {
                        cache.clearNomination(pod.key)
                        nomination = .clear
                    }
                case .preempt(let node, let victims, let displaced):
                    nomination = .set(node)
                    for victim in victims {
                        let parts = victim.key.split(separator: "/", maxSplits: 1).map(String.init)
                        guard parts.count == 2 else { continue }
                        submit(.evict(victim: victim, preemptor: pod, node: node),
                               for: WorkKey(namespace: parts[0], name: parts[1]))
                    }
                    for displacedKey in displaced {
                        let parts = displacedKey.split(separator: "/", maxSplits: 1).map(String.init)
                        guard parts.count == 2 else { continue }
                        submit(.clearNomination(namespace: parts[0], name: parts[1]),
                               for: WorkKey(namespace: parts[0], name: parts[1]))
                    }
                    queue.activate(displaced)
                }
            }
            let message = failure.message(postFilter: postFilter)
            queue.failed(pod.key, uid: pod.uid, cycle: cycle, waitsForCapacity: failure.waitsForCapacity,
                         now: context.clock.now())
            submit(.unschedulable(pod: pod, reason: "Unschedulable", message: message, nomination: nomination, event: true),
                   for: key)
        }
    }
}
