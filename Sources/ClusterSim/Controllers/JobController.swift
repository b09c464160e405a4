import KubeAPI
import KubeJSON

/// kube-controller-manager's job controller with finalizer-based tracking: pods carry
/// `batch.kubernetes.io/job-tracking` until counted through `status.uncountedTerminatedPods`; completions,
/// parallelism, backoffLimit, Indexed mode, activeDeadlineSeconds, suspend, and the interim
/// SuccessCriteriaMet / FailureTarget conditions before Complete / Failed (1.31+). Finished jobs with
/// ttlSecondsAfterFinished are deleted as the ttl-after-finished controller does.
struct JobController: QueuedController {
    static let name = "job"
    static let component = "job-controller"
    typealias Kit = BatchAndServiceKit
    typealias Track = JobTracking

    let core: QueuedControllerCore
    let backoff = BatchAndServiceMemo<JobBackoffRecord>()

    func run() async {
        await BatchAndServiceLoop.run([
            { await BatchAndServiceLoop.watchOwn(client, .jobs, into: queue) },
            { await watchPods() },
            { await queue.run(workers: 5) { key in await sync(key) } },
        ])
    }

    private func watchPods() async {
        for await change in client.changes(.pods) {
            let labels = change.object.attributes.labels
            let previous = change.previous?.attributes.labels ?? [:]
            guard let job = labels[Track.jobNameLabel] ?? labels[Track.legacyJobNameLabel]
                ?? previous[Track.jobNameLabel] ?? previous[Track.legacyJobNameLabel] else { continue }
            queue.add(WorkKey(namespace: change.namespace, name: job))
        }
    }

    private func sync(_ key: WorkKey) async {
        do throws(APIError) {
            guard let job = client.get(.jobs, namespace: key.namespace, name: key.name) else {
                backoff[key] = nil
                try await releaseOrphans(key, job: nil)
                return
            }
            if let manager = job[path: "spec", "managedBy"]?.stringValue, manager != "kubernetes.io/job-controller" { return }
            if Kit.isDeleting(job) || Track.isFinished(job) {
                backoff[key] = nil
                try await releaseAll(job)
                if !Kit.isDeleting(job) { try await expire(job) }
                return
            }
            try await reconcile(job)
        } catch {
            context.logger.debug("job \(key): \(error.message)")
            timers.requeue(key, after: Kit.isConflict(error) ? 0.5 : 5)
        }
    }

    // MARK: Pods of a job

    private func podsOf(_ job: JSON) -> (owned: [JSON], orphans: [JSON]) {
        let namespace = Kit.namespace(job)
        var pods = client.list(.pods, namespace: namespace, labelSelector: "\(Track.jobNameLabel)=\(Kit.name(job))")
        if job[path: "spec", "manualSelector"]?.boolValue == true {
            let seen = Set(pods.map(Kit.uid))
            pods += Kit.list(client, .pods, namespace: namespace, selector: Kit.selector(job[path: "spec", "selector"]))
                .filter { !seen.contains(Kit.uid($0)) }
        }
        var owned: [JSON] = [], orphans: [JSON] = []
        for pod in pods {
            if Kit.isControlled(pod, by: job) { owned.append(pod) } else if Kit.hasFinalizer(pod, Track.trackingFinalizer) { orphans.append(pod) }
        }
        return (owned, orphans)
    }

    /// Pods whose job is gone (or was replaced by a namesake) must not keep the tracking finalizer.
    private func releaseOrphans(_ key: WorkKey, job: JSON?) async throws(APIError) {
        let pods = client.list(.pods, namespace: key.namespace, labelSelector: "\(Track.jobNameLabel)=\(key.name)")
        for pod in pods where Kit.hasFinalizer(pod, Track.trackingFinalizer) && (job.map { !Kit.isControlled(pod, by: $0) } ?? true) {
            try await Kit.removeFinalizer(client, .pods, namespace: key.namespace, name: Kit.name(pod), Track.trackingFinalizer)
        }
    }

    private func releaseAll(_ job: JSON) async throws(APIError) {
        let (owned, orphans) = podsOf(job)
        for pod in owned + orphans where Kit.hasFinalizer(pod, Track.trackingFinalizer) {
            try await Kit.removeFinalizer(client, .pods, namespace: Kit.namespace(pod), name: Kit.name(pod), Track.trackingFinalizer)
        }
    }

    /// ttlSecondsAfterFinished, counted in simulated seconds from when the job finished.
    private func expire(_ job: JSON) async throws(APIError) {
        guard let ttl = job[path: "spec", "ttlSecondsAfterFinished"]?.intValue, let finished = Track.finishTime(job) else { return }
        let remaining = Double(ttl) - Kit.simulatedElapsed(sinceWall: finished, clock: context.clock)
        if remaining > 0 {
            timers.requeue(Kit.workKey(job), after: remaining)
            return
        }
        do throws(APIError) {
            try await client.delete(.jobs, namespace: Kit.namespace(job), name: Kit.name(job), propagation: .foreground,
                                    preconditionUID: Kit.uid(job))
        } catch {
            if !Kit.isNotFound(error) { throw error }
        }
    }

    // MARK: syncJob

    struct SyncState {
        var job: JSON
        var status: JSONObject
        var pods: [JSON]
        var indexed: Bool
        var completions: Int?
        var onlyFailedPhase: Bool
        var active: Int
        var ready: Int
        var terminating: Int
        var succeededIndexes: [Int] = []
        var previousIndexes: [Int] = []
        /// (type, reason, message) of the condition that ends the job, once decided.
        var finished: (type: String, reason: String, message: String)?

        func validIndex(_ pod: JSON) -> Bool {
            guard indexed else { return true }
            guard let index = JobTracking.completionIndex(pod), let completions else { return false }
            return index < completions
        }
    }

    private func reconcile(_ job: JSON) async throws(APIError) {
        let key = Kit.workKey(job)
        let spec = job["spec"] ?? [:]
        // Pods of a manual selector need not carry the job-name label the pod watch maps by, so poll them.
        if spec["manualSelector"]?.boolValue == true { timers.requeue(key, after: 5) }
        let (pods, orphans) = podsOf(job)
        for pod in orphans where Kit.isTerminal(pod) || Kit.isDeleting(pod) || Kit.controllerRef(pod) == nil {
            try await Kit.removeFinalizer(client, .pods, namespace: Kit.namespace(pod), name: Kit.name(pod), Track.trackingFinalizer)
        }
        let activePods = pods.filter(Kit.isActive)
        var ctx = SyncState(
            job: job, status: job["status"]?.objectValue ?? JSONObject(), pods: pods,
            indexed: spec["completionMode"]?.stringValue == "Indexed", completions: spec["completions"]?.intValue.map { Int($0) },
            onlyFailedPhase: spec["podReplacementPolicy"]?.stringValue == "Failed" && spec["podFailurePolicy"] == nil,
            active: activePods.count, ready: activePods.filter(Kit.isReady).count,
            terminating: pods.filter { Kit.isDeleting($0) && !Kit.isTerminal($0) }.count)
        let suspended = spec["suspend"]?.boolValue == true
        let backoffLimit = Int(spec["backoffLimit"]?.intValue ?? 6)
        let previousStatus = ctx.status

        let uncounted = uncountedUIDs(ctx.status)
        let fresh = pods.filter { Kit.hasFinalizer($0, Track.trackingFinalizer) && ctx.validIndex($0) }
        let newSucceeded = fresh.filter { Kit.phase($0) == "Succeeded" && !uncounted.succeeded.contains(Kit.uid($0)) }
        let newFailed = fresh.filter { Track.isFailed($0, onlyFailedPhase: ctx.onlyFailedPhase) && !uncounted.failed.contains(Kit.uid($0)) }
        var succeeded = Int(ctx.status["succeeded"]?.intValue ?? 0) + newSucceeded.count + uncounted.succeeded.count
        let failed = Int(ctx.status["failed"]?.intValue ?? 0) + newFailed.count + uncounted.failed.count

        if ctx.status["startTime"] == nil && !suspended { ctx.status["startTime"] = .string(Kit.now()) }
        var backoffRecord = backoff[key] ?? JobBackoffRecord()
        if !newSucceeded.isEmpty { backoffRecord.failures = 0 }
        if !newFailed.isEmpty {
            backoffRecord.failures += newFailed.count
            backoffRecord.last = context.clock.now()
        }

        let conditions = ctx.status["conditions"]?.arrayValue ?? []
        func trueCondition(_ type: String) -> JSON? {
            conditions.first { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" }
        }
        if let met = trueCondition("SuccessCriteriaMet") {
            ctx.finished = ("SuccessCriteriaMet", met["reason"]?.stringValue ?? "", met["message"]?.stringValue ?? "")
        } else if let target = trueCondition("FailureTarget") {
            ctx.finished = ("Failed", target["reason"]?.stringValue ?? "", target["message"]?.stringValue ?? "")
        } else if failed > backoffLimit
                    || (spec[path: "template", "spec", "restartPolicy"]?.stringValue == "OnFailure"
                        && Track.restartsExceedLimit(pods: pods, backoffLimit: backoffLimit))
        {
            ctx.finished = ("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        } else if let deadline = spec["activeDeadlineSeconds"]?.intValue, !suspended,
                  let start = ctx.status["startTime"]?.stringValue.flatMap(Timestamp.parse)
        {
            let remaining = Double(deadline) - Kit.simulatedElapsed(sinceWall: start, clock: context.clock)
            if remaining <= 0 {
                ctx.finished = ("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline")
            } else {
                timers.requeue(key, after: remaining)
            }
        }
        if ctx.indexed, let completions = ctx.completions {
            ctx.previousIndexes = Track.parseIndexes(ctx.status["completedIndexes"]?.stringValue ?? "", completions: completions)
            let newIndexes = fresh.filter { Kit.phase($0) == "Succeeded" }.compactMap(Track.completionIndex)
            ctx.succeededIndexes = Array(Set(ctx.previousIndexes + newIndexes)).sorted()
            succeeded = ctx.succeededIndexes.count
        }

        var suspendChanged = false
        if ctx.finished != nil {
            let (deleted, deletedReady, ok) = await deletePods(activePods, job: job, releasing: false)
            if !ok { ctx.finished = nil }
            ctx.active -= deleted
            ctx.terminating += deleted
            ctx.ready -= deletedReady
        } else {
            try await manage(&ctx, activePods: activePods, succeeded: succeeded, suspended: suspended, backoff: backoffRecord)
            let complete = ctx.completions.map { succeeded >= $0 } ?? (succeeded > 0)
            if complete && ctx.active == 0 {
                ctx.finished = ("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods")
            } else {
                var list = ctx.status["conditions"]?.arrayValue ?? []
                let now = Kit.now()
                if suspended {
                    suspendChanged = Track.ensure(&list, "Suspended", "True", reason: "JobSuspended", message: "Job suspended", now: now)
                    if suspendChanged { await record(job, "Normal", "Suspended", "Job suspended") }
                } else {
                    suspendChanged = Track.ensure(&list, "Suspended", "False", reason: "JobResumed", message: "Job resumed", now: now)
                    if suspendChanged {
                        await record(job, "Normal", "Resumed", "Job resumed")
                        ctx.status["startTime"] = .string(now)
                    }
                }
                if suspendChanged { ctx.status["conditions"] = .array(list) }
            }
        }
        ctx.status["active"] = ctx.active > 0 ? .int(Int64(ctx.active)) : nil
        ctx.status["ready"] = .int(Int64(max(0, ctx.ready)))
        ctx.status["terminating"] = .int(Int64(max(0, ctx.terminating)))
        let needsFlush = suspendChanged || ctx.status["active"] != previousStatus["active"]
            || ctx.status["ready"] != previousStatus["ready"] || ctx.status["terminating"] != previousStatus["terminating"]
            || ctx.status["startTime"] != previousStatus["startTime"]
        try await track(&ctx, needsFlush: needsFlush) {
            backoff[key] = backoffRecord
        }
    }

    private func uncountedUIDs(_ status: JSONObject) -> (succeeded: Set<String>, failed: Set<String>) {
        let uncounted = status["uncountedTerminatedPods"]
        return (Set((uncounted?["succeeded"]?.arrayValue ?? []).compactMap(\.stringValue)),
                Set((uncounted?["failed"]?.arrayValue ?? []).compactMap(\.stringValue)))
    }

    // MARK: manageJob

    private func manage(_ ctx: inout SyncState, activePods: [JSON], succeeded: Int, suspended: Bool,
                        backoff record: JobBackoffRecord) async throws(APIError)
    {
        let job = ctx.job
        if suspended {
            let (removed, removedReady, _) = await deletePods(activePods, job: job, releasing: true)
            ctx.active -= removed
            ctx.terminating += removed
            ctx.ready -= removedReady
            return
        }
        let parallelism = Int(job[path: "spec", "parallelism"]?.intValue ?? 1)
        let want = Track.wantActive(completions: ctx.completions, parallelism: parallelism, succeeded: succeeded, active: ctx.active)
        var excess: [JSON] = []
        var kept = activePods
        if ctx.indexed, let completions = ctx.completions {
            // Pods with a repeated, invalid or already succeeded index go first.
            var seen: Set<Int> = Set(ctx.succeededIndexes)
            kept = []
            for pod in activePods.sorted(by: { Kit.name($0) < Kit.name($1) }) {
                if let index = Track.completionIndex(pod), index < completions, seen.insert(index).inserted { kept.append(pod) } else { excess.append(pod) }
            }
        }
        if kept.count > want {
            excess += kept.sorted(by: Track.removalOrder).prefix(kept.count - want)
        }
        if !excess.isEmpty {
            let (removed, removedReady, _) = await deletePods(Array(excess.prefix(Track.maxPodChangesPerSync)), job: job, releasing: true)
            ctx.active -= removed
            ctx.terminating += removed
            ctx.ready -= removedReady
            return
        }
        var diff = want - (ctx.onlyFailedPhase ? ctx.terminating : 0) - ctx.active
        guard diff > 0 else { return }
        let wait = Track.backoffDelay(failuresAfterLastSuccess: record.failures) - (context.clock.now() - record.last)
        if record.failures > 0 && wait > 0 {
            timers.requeue(Kit.workKey(job), after: wait)
            return
        }
        diff = min(diff, Track.maxPodChangesPerSync)
        var indexes: [Int?] = Array(repeating: nil, count: diff)
        if ctx.indexed, let completions = ctx.completions {
            var held = Set(activePods.compactMap(Track.completionIndex))
            if ctx.onlyFailedPhase {
                held.formUnion(ctx.pods.filter { Kit.isDeleting($0) && !Kit.isTerminal($0) }.compactMap(Track.completionIndex))
            }
            indexes = Track.pendingIndexes(completions: completions, succeeded: Set(ctx.succeededIndexes), held: held, count: diff)
        }
        let sequence = Int(ctx.status["succeeded"]?.intValue ?? 0) + Int(ctx.status["failed"]?.intValue ?? 0) + ctx.pods.count
        var created = 0
        var firstError: APIError?
        for (offset, index) in indexes.enumerated() {
            do throws(APIError) {
                try await createPod(job, index: index, sequence: sequence + offset)
                created += 1
            } catch {
                firstError = firstError ?? error
                break
            }
        }
        ctx.active += created
        if let firstError { throw firstError }
    }

    private func createPod(_ job: JSON, index: Int?, sequence: Int) async throws(APIError) {
        for attempt in 0..<8 {
            let seed = "job/\(Kit.namespace(job))/\(Kit.name(job))/\(index.map(String.init) ?? "-")/\(sequence)/\(attempt)"
            var pod = Track.pod(job: job, index: index, name: "")
            pod[path: "metadata", "name"] = .string(Track.generateName(of: pod) + context.random.nameSuffix(seed))
            do throws(APIError) {
                let created = try await client.create(.pods, namespace: Kit.namespace(job), pod)
                await record(job, "Normal", "SuccessfulCreate", "Created pod: \(Kit.name(created))")
                return
            } catch {
                if Kit.isAlreadyExists(error) { continue }
                await record(job, "Warning", "FailedCreate", "Error creating: \(error.message)")
                throw error
            }
        }
    }

    /// Deletes pods; with `releasing` the tracking finalizer goes first so they are never counted
    /// (deleteJobPods), without it they stay to be counted as failures (deleteActivePods).
    private func deletePods(_ pods: [JSON], job: JSON, releasing: Bool) async -> (deleted: Int, ready: Int, ok: Bool) {
        var deleted = 0, ready = 0, ok = true
        for pod in pods {
            do throws(APIError) {
                if releasing {
                    try await Kit.removeFinalizer(client, .pods, namespace: Kit.namespace(pod), name: Kit.name(pod), Track.trackingFinalizer)
                }
                try await client.delete(.pods, namespace: Kit.namespace(pod), name: Kit.name(pod), preconditionUID: Kit.uid(pod))
                await record(job, "Normal", "SuccessfulDelete", "Deleted pod: \(Kit.name(pod))")
            } catch {
                if !Kit.isNotFound(error) {
                    ok = false
                    await record(job, "Warning", "FailedDelete", "Error deleting: \(error.message)")
                    continue
                }
            }
            deleted += 1
            if Kit.isReady(pod) { ready += 1 }
        }
        return (deleted, ready, ok)
    }

    func record(_ job: JSON, _ type: String, _ reason: String, _ message: String) async {
        await context.events.record(job, type: type, reason: reason, message: message, component: Self.component)
    }
}

/// Failures since the last success and when the last one was counted (simulated), per job: the upstream
/// controller keeps these pod back-off records in memory too.
struct JobBackoffRecord: Sendable {
    var failures = 0
    var last = 0.0
}
