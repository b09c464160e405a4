import KubeAPI
import KubeJSON
import Synchronization

/// kube-controller-manager's cronjob controller (v2) on the simulated clock: creates `<cronjob>-<minutes>`
/// Jobs at scheduled times, honouring startingDeadlineSeconds, concurrencyPolicy and suspend, keeps
/// `status.active`, lastScheduleTime and lastSuccessfulTime, trims finished jobs to the history limits, and
/// sleeps until the next activation.
struct CronJobController: QueuedController {
    static let name = "cronjob"
    static let component = "cronjob-controller"
    /// Requeue a little after the activation so `now` has passed it (nextScheduleDelta).
    static let delta = 0.1
    private typealias Kit = BatchAndServiceKit
    private typealias Schedule = CronJobSchedule

    let core: QueuedControllerCore
    /// Simulated instants at which CronJobs created while this controller runs were first seen: creation
    /// timestamps are whole wall seconds, which at a high time scale blur into minutes of simulated time.
    let firstSeen = CronJobFirstSeen()
    let startedAt = Timestamp.now()

    func run() async {
        await BatchAndServiceLoop.run([
            { await BatchAndServiceLoop.watchOwn(client, .cronJobs, into: queue) },
            { await watchJobs() },
            { await queue.run(workers: 5) { key in await sync(key) } },
        ])
    }

    private func watchJobs() async {
        for await change in client.changes(.jobs) {
            if let owner = Kit.controllerRef(change.object.json()), owner.kind == "CronJob" {
                queue.add(WorkKey(namespace: change.namespace, name: owner.name))
            }
        }
    }

    private func sync(_ key: WorkKey) async {
        guard let cronJob = client.get(.cronJobs, namespace: key.namespace, name: key.name) else { return }
        do throws(APIError) {
            try await reconcile(cronJob)
        } catch {
            context.logger.debug("cronjob \(key): \(error.message)")
            timers.requeue(key, after: Kit.isConflict(error) ? 0.5 : 5)
        }
    }

    private func reconcile(_ initial: JSON) async throws(APIError) {
        let key = Kit.workKey(initial)
        let namespace = Kit.namespace(initial)
        let jobs = client.list(.jobs, namespace: namespace).filter { Kit.isControlled($0, by: initial) }
        var status = initial["status"]?.objectValue ?? JSONObject()
        var active = status["active"]?.arrayValue ?? []
        func isActive(_ uid: String) -> Bool { active.contains { $0["uid"]?.stringValue == uid } }

        // Reconcile status.active with the jobs that exist.
        for job in jobs {
            let finished = Schedule.finished(job)
            if finished == nil && !isActive(Kit.uid(job)) {
                await record(initial, "Warning", "UnexpectedJob", "Saw a job that the controller did not create or forgot: \(Kit.name(job))")
            } else if let finished, isActive(Kit.uid(job)) {
                active.removeAll { $0["uid"]?.stringValue == Kit.uid(job) }
                await record(initial, "Normal", "SawCompletedJob", "Saw completed job: \(Kit.name(job)), condition: \(finished)")
            }
            if finished == "Complete", let done = job[path: "status", "completionTime"]?.stringValue {
                let known = status["lastSuccessfulTime"]?.stringValue.flatMap(Timestamp.parse) ?? -.infinity
                if (Timestamp.parse(done) ?? 0) > known { status["lastSuccessfulTime"] = .string(done) }
            }
        }
        let existing = Set(jobs.map(Kit.uid))
        for reference in active where !existing.contains(reference["uid"]?.stringValue ?? "") {
            let name = reference["name"]?.stringValue ?? ""
            if client.get(.jobs, namespace: namespace, name: name) == nil {
                await record(initial, "Normal", "MissingJob", "Active job went missing: \(name)")
                active.removeAll { $0["uid"]?.stringValue == reference["uid"]?.stringValue }
            }
        }
        status["active"] = active.isEmpty ? nil : .array(active)
        var cronJob = try await Kit.writeStatus(client, .cronJobs, initial, .object(status))

        try await cleanupHistory(cronJob, jobs: jobs)
        guard !Kit.isDeleting(cronJob), cronJob[path: "spec", "suspend"]?.boolValue != true else { return }

        let spec = cronJob["spec"] ?? [:]
        let zone: Schedule.Zoned
        do throws(CronSchedule.ParseError) {
            let parsed = try CronSchedule.parse(spec["schedule"]?.stringValue ?? "")
            let named = spec["timeZone"]?.stringValue ?? parsed.timeZone
            let resolved = Schedule.zone(named)
            guard resolved.known else {
                await record(cronJob, "Warning", "UnknownTimeZone",
                             "invalid timeZone: \"\(named ?? "")\": unknown time zone \(named ?? "")")
                return
            }
            zone = Schedule.Zoned(schedule: parsed, zone: resolved.zone)
        } catch {
            await record(cronJob, "Warning", "UnparseableSchedule",
                         "unparseable schedule: \"\(spec["schedule"]?.stringValue ?? "")\" : \(error.message)")
            return
        }

        let now = context.clock.now()
        let nowSeconds = Int64(now.rounded(.down))
        let earliest: Int64
        if let last = cronJob[path: "status", "lastScheduleTime"]?.stringValue.flatMap(Timestamp.parse) {
            earliest = Int64(last)
        } else if Kit.creationTime(cronJob) >= startedAt.rounded(.down) {
            earliest = Int64(firstSeen.time(uid: Kit.uid(cronJob), now: now).rounded(.down))
        } else {
            earliest = Int64(Kit.simulatedTime(ofWall: Kit.creationTime(cronJob), clock: context.clock).rounded(.down))
        }
        let deadline = spec["startingDeadlineSeconds"]?.intValue
        let recent = Schedule.mostRecent(earliest: earliest, now: nowSeconds, startingDeadline: deadline) { zone.next(after: $0) }
        if recent.missed == .many {
            await record(cronJob, "Warning", "TooManyMissedTimes",
                         "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
        }
        defer { requeueForNext(key, zone: zone, now: now) }
        guard let scheduled = recent.time else { return }
        if let deadline, Double(scheduled + deadline) < now {
            await record(cronJob, "Warning", "MissSchedule",
                         "Missed scheduled time to start a job: \(Schedule.rfc1123Z(scheduled))")
            return
        }
        let jobName = Schedule.jobName(cronJob: Kit.name(cronJob), scheduled: scheduled)
        let activeNow = cronJob[path: "status", "active"]?.arrayValue ?? []
        if activeNow.contains(where: { $0["name"]?.stringValue == jobName }) { return }
        if let last = cronJob[path: "status", "lastScheduleTime"]?.stringValue.flatMap(Timestamp.parse), Int64(last) == scheduled { return }

        switch spec["concurrencyPolicy"]?.stringValue ?? "Allow" {
        case "Forbid" where !activeNow.isEmpty:
            await record(cronJob, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid")
            return
        case "Replace":
            for reference in activeNow {
                let name = reference["name"]?.stringValue ?? ""
                guard let job = client.get(.jobs, namespace: namespace, name: name) else { continue }
                try await deleteJob(cronJob, job)
            }
            cronJob = client.get(.cronJobs, namespace: namespace, name: Kit.name(cronJob)) ?? cronJob
            var replaced = cronJob["status"]?.objectValue ?? JSONObject()
            replaced["active"] = nil
            cronJob = try await Kit.writeStatus(client, .cronJobs, cronJob, .object(replaced))
        default:
            break
        }

        var created: JSON
        do throws(APIError) {
            created = try await client.create(.jobs, namespace: namespace, Schedule.job(cronJob: cronJob, scheduled: scheduled, zone: zone.zone))
            await record(cronJob, "Normal", "SuccessfulCreate", "Created job \(jobName)")
        } catch {
            guard Kit.isAlreadyExists(error), let found = client.get(.jobs, namespace: namespace, name: jobName),
                  Kit.isControlled(found, by: cronJob) else {
                await record(cronJob, "Warning", "FailedCreate", "Error creating job: \(error.message)")
                throw error
            }
            created = found
        }
        var next = cronJob["status"]?.objectValue ?? JSONObject()
        var list = next["active"]?.arrayValue ?? []
        if !list.contains(where: { $0["uid"]?.stringValue == Kit.uid(created) }) {
            list.append(["kind": "Job", "namespace": .string(namespace), "name": .string(Kit.name(created)),
                         "uid": .string(Kit.uid(created)), "apiVersion": "batch/v1",
                         "resourceVersion": created[path: "metadata", "resourceVersion"] ?? ""])
        }
        next["active"] = .array(list)
        next["lastScheduleTime"] = .string(Timestamp.rfc3339(Double(scheduled)))
        try await Kit.writeStatus(client, .cronJobs, cronJob, .object(next))
    }

    private func requeueForNext(_ key: WorkKey, zone: Schedule.Zoned, now: Double) {
        guard let next = zone.next(after: Int64(now.rounded(.down))) else { return }
        timers.requeue(key, after: Double(next) - now + Self.delta)
    }

    /// cleanupFinishedJobs: keep the newest successful and failed jobs up to the history limits.
    private func cleanupHistory(_ cronJob: JSON, jobs: [JSON]) async throws(APIError) {
        let spec = cronJob["spec"] ?? [:]
        let limits: [(String, Int64?)] = [
            ("Complete", spec["successfulJobsHistoryLimit"]?.intValue), ("Failed", spec["failedJobsHistoryLimit"]?.intValue),
        ]
        for (type, limit) in limits {
            guard let limit else { continue }
            let finished = jobs.filter { Schedule.finished($0) == type && !Kit.isDeleting($0) }.sorted { a, b in
                let ta = startTime(a), tb = startTime(b)
                return ta != tb ? ta < tb : Kit.name(a) < Kit.name(b)
            }
            guard finished.count > Int(limit) else { continue }
            for job in finished.prefix(finished.count - Int(max(0, limit))) { try await deleteJob(cronJob, job) }
        }
    }

    private func startTime(_ job: JSON) -> Double {
        job[path: "status", "startTime"]?.stringValue.flatMap(Timestamp.parse) ?? Kit.creationTime(job)
    }

    private func deleteJob(_ cronJob: JSON, _ job: JSON) async throws(APIError) {
        do throws(APIError) {
            try await client.delete(.jobs, namespace: Kit.namespace(job), name: Kit.name(job), propagation: .background,
                                    preconditionUID: Kit.uid(job))
            await record(cronJob, "Normal", "SuccessfulDelete", "Deleted job \(Kit.name(job))")
        } catch {
            if Kit.isNotFound(error) { return }
            await record(cronJob, "Warning", "FailedDelete", "Deleted job: \(error.message)")
            throw error
        }
    }

    private func record(_ cronJob: JSON, _ type: String, _ reason: String, _ message: String) async {
        await context.events.record(cronJob, type: type, reason: reason, message: message, component: Self.component)
    }
}

final class CronJobFirstSeen: Sendable {
    private let seen = Mutex<[String: Double]>([:])

    /// The first simulated instant this uid was asked about.
    func time(uid: String, now: Double) -> Double {
        seen.withLock { seen in
            if let time = seen[uid] { return time }
            seen[uid] = now
            return now
        }
    }
}
