import KubeAPI
import KubeJSON

/// trackJobStatusAndRemoveFinalizers: finished pods are first recorded in `status.uncountedTerminatedPods`,
/// then released from the tracking finalizer, then moved into the counters, so a crash between the steps
/// neither loses nor double-counts a pod. The terminal condition is written only once nothing is uncounted
/// and no pod is still terminating.
extension JobController {
    func track(_ ctx: inout SyncState, needsFlush initial: Bool, commitBackoff: () -> Void) async throws(APIError) {
        var needsFlush = initial
        var status = ctx.status
        var withFinalizer = Set(ctx.pods.filter { Kit.hasFinalizer($0, Track.trackingFinalizer) }.map(Kit.uid))
        if Self.countReleased(&status, withFinalizer: withFinalizer) { needsFlush = true }
        var uncountedSucceeded = Self.uids(status, "succeeded")
        var uncountedFailed = Self.uids(status, "failed")
        var release: [JSON] = []
        var newIndexes: [Int] = []
        var reachedMax = false
        let jobDeleting = Kit.isDeleting(ctx.job)
        for pod in ctx.pods where Kit.hasFinalizer(pod, Track.trackingFinalizer) {
            let uid = Kit.uid(pod)
            let failed = Track.isFailed(pod, onlyFailedPhase: ctx.onlyFailedPhase)
            guard jobDeleting || ctx.finished != nil || Kit.phase(pod) == "Succeeded" || failed else { continue }
            release.append(pod)
            if Kit.phase(pod) == "Succeeded" && !uncountedFailed.contains(uid) {
                if ctx.indexed {
                    if ctx.validIndex(pod), let index = Track.completionIndex(pod), !ctx.previousIndexes.contains(index) {
                        newIndexes.append(index)
                        needsFlush = true
                    }
                } else if !uncountedSucceeded.contains(uid) {
                    uncountedSucceeded.append(uid)
                    needsFlush = true
                }
            } else if failed || (ctx.finished.map { $0.type != "SuccessCriteriaMet" } ?? false) {
                if !uncountedFailed.contains(uid) && ctx.validIndex(pod) {
                    uncountedFailed.append(uid)
                    needsFlush = true
                }
            }
            if newIndexes.count + uncountedSucceeded.count + uncountedFailed.count >= Track.maxUncountedPods {
                reachedMax = true
                break
            }
        }
        if ctx.indexed {
            ctx.succeededIndexes = Array(Set(ctx.succeededIndexes + newIndexes)).sorted()
            let text = Track.formatIndexes(ctx.succeededIndexes)
            if (status["completedIndexes"]?.stringValue ?? "") != text { needsFlush = true }
            status["completedIndexes"] = text.isEmpty ? nil : .string(text)
            Self.setCount(&status, "succeeded", ctx.succeededIndexes.count)
        }
        Self.setUncounted(&status, succeeded: uncountedSucceeded, failed: uncountedFailed)

        var finished = ctx.finished
        var conditions = status["conditions"]?.arrayValue ?? []
        let now = Kit.now()
        if let target = finished, target.type == "FailureTarget" {
            conditions.append(Track.condition("FailureTarget", "True", reason: target.reason, message: target.message, now: now))
            needsFlush = true
            finished = ("Failed", target.reason, target.message)
        }
        if let met = finished, met.type == "SuccessCriteriaMet" {
            if !conditions.contains(where: { $0["type"]?.stringValue == "SuccessCriteriaMet" }) {
                conditions.append(Track.condition("SuccessCriteriaMet", "True", reason: met.reason, message: met.message, now: now))
                needsFlush = true
            }
            finished = ("Complete", met.reason, met.message)
        }
        if !conditions.isEmpty { status["conditions"] = .array(conditions) }

        var job = ctx.job
        if needsFlush {
            job = try await Kit.writeStatus(client, .jobs, job, .object(status))
            commitBackoff()
            needsFlush = false
        }
        var releaseError: APIError?
        for pod in release {
            do throws(APIError) {
                try await Kit.removeFinalizer(client, .pods, namespace: Kit.namespace(pod), name: Kit.name(pod), Track.trackingFinalizer)
                withFinalizer.remove(Kit.uid(pod))
            } catch {
                releaseError = releaseError ?? error
            }
        }
        if Self.countReleased(&status, withFinalizer: withFinalizer) { needsFlush = true }
        if let releaseError {
            if needsFlush { try await Kit.writeStatus(client, .jobs, job, .object(status)) }
            throw releaseError
        }

        var jobFinished = false
        if !reachedMax, let end = finished, Self.uids(status, "succeeded").isEmpty, Self.uids(status, "failed").isEmpty,
           ctx.terminating <= 0
        {
            var list = status["conditions"]?.arrayValue ?? []
            Track.ensure(&list, end.type, "True", reason: end.reason, message: end.message, now: now)
            status["conditions"] = .array(list)
            if end.type == "Complete" { status["completionTime"] = .string(now) }
            jobFinished = true
            needsFlush = true
        }
        if needsFlush { job = try await Kit.writeStatus(client, .jobs, job, .object(status)) }
        ctx.status = status
        guard jobFinished, let end = finished else { return }
        if end.type == "Complete" {
            let succeeded = Int(status["succeeded"]?.intValue ?? 0)
            if let completions = ctx.completions, succeeded > completions {
                await record(job, "Warning", "TooManySucceededPods", "Too many succeeded pods running after completion count reached")
            }
            await record(job, "Normal", "Completed", "Job completed")
        } else {
            await record(job, "Warning", end.reason, end.message)
        }
        if job[path: "spec", "ttlSecondsAfterFinished"] != nil { timers.requeue(Kit.workKey(job), after: 0.001) }
    }

    static func uids(_ status: JSONObject, _ key: String) -> [String] {
        (status["uncountedTerminatedPods"]?[key]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    static func setUncounted(_ status: inout JSONObject, succeeded: [String], failed: [String]) {
        var uncounted = JSONObject()
        if !succeeded.isEmpty { uncounted["succeeded"] = .array(succeeded.map(JSON.string)) }
        if !failed.isEmpty { uncounted["failed"] = .array(failed.map(JSON.string)) }
        status["uncountedTerminatedPods"] = .object(uncounted)
    }

    /// Counters are omitted at zero, as the Go struct's omitempty writes them.
    static func setCount(_ status: inout JSONObject, _ key: String, _ value: Int) {
        status[key] = value > 0 ? .int(Int64(value)) : nil
    }

    /// cleanUncountedPodsWithoutFinalizers: uncounted pods that no longer hold the finalizer join the counters.
    static func countReleased(_ status: inout JSONObject, withFinalizer: Set<String>) -> Bool {
        let succeeded = uids(status, "succeeded"), failed = uids(status, "failed")
        let keptSucceeded = succeeded.filter(withFinalizer.contains), keptFailed = failed.filter(withFinalizer.contains)
        guard keptSucceeded.count != succeeded.count || keptFailed.count != failed.count else { return false }
        setCount(&status, "succeeded", Int(status["succeeded"]?.intValue ?? 0) + succeeded.count - keptSucceeded.count)
        setCount(&status, "failed", Int(status["failed"]?.intValue ?? 0) + failed.count - keptFailed.count)
        setUncounted(&status, succeeded: keptSucceeded, failed: keptFailed)
        return true
    }
}
