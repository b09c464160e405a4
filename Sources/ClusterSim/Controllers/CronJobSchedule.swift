import Foundation
import KubeAPI
import KubeJSON

/// Schedule arithmetic of the cronjob controller (pkg/controller/cronjob/utils.go), in Unix seconds of
/// simulated time, with `spec.timeZone` applied as an offset around the UTC schedule.
enum CronJobSchedule {
    enum Missed: Equatable { case none, few, many }

    /// A schedule evaluated in a time zone: `next(after:)` in Unix seconds.
    struct Zoned: Sendable {
        var schedule: CronSchedule
        var zone: TimeZone?

        func next(after seconds: Int64) -> Int64? {
            guard let zone, schedule.every == nil else { return schedule.next(after: seconds) }
            // Run the wall-clock schedule in local time, then map the result back to UTC.
            let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
            guard let local = schedule.next(after: seconds + offset) else { return nil }
            let after = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - offset))))
            return local - after
        }
    }

    /// The zone named by `spec.timeZone` (or a TZ= prefix): nil zone for UTC, `known` false for a name the
    /// time-zone database does not hold.
    static func zone(_ name: String?) -> (known: Bool, zone: TimeZone?) {
        guard let name, !name.isEmpty, name != "UTC", name != "Etc/UTC" else { return (true, nil) }
        guard let zone = TimeZone(identifier: name) else { return (false, nil) }
        return (true, zone)
    }

    /// mostRecentScheduleTime: the latest activation in (earliest, now], where earliest is the last schedule
    /// time (or creation) moved forward by startingDeadlineSeconds; and whether many starts were missed.
    static func mostRecent(earliest initial: Int64, now: Int64, startingDeadline: Int64?,
                           next: (Int64) -> Int64?) -> (time: Int64?, missed: Missed)
    {
        var earliest = initial
        if let startingDeadline, now - startingDeadline > earliest { earliest = now - startingDeadline }
        guard let t1 = next(earliest), now >= t1 else { return (nil, .none) }
        guard let t2 = next(t1), now >= t2 else { return (t1, .none) }
        let between = max(1, t2 - t1)
        let missedCount = (now - t1) / between + 1
        // Jump close to now before walking, so a long outage does not walk every missed start.
        var walk = t1 + (missedCount - 2) * between
        if walk < earliest { walk = earliest }
        var latest: Int64?
        var steps = 0
        while let t = next(walk), t <= now, steps < 100_000 {
            latest = t
            walk = t
            steps += 1
        }
        return (latest ?? t1, missedCount > 100 ? .many : .few)
    }

    /// getJobName: `<cronjob>-<scheduled time in minutes since the epoch>`.
    static func jobName(cronJob: String, scheduled: Int64) -> String { "\(cronJob)-\(scheduled / 60)" }

    /// The scheduled-timestamp annotation: RFC 3339 in the CronJob's zone.
    static func timestamp(_ seconds: Int64, zone: TimeZone?) -> String {
        guard let zone else { return Timestamp.rfc3339(Double(seconds)) }
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
        let local = Timestamp.rfc3339(Double(seconds + Int64(offset)))
        guard offset != 0 else { return local }
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        let hh = minutes / 60 < 10 ? "0\(minutes / 60)" : "\(minutes / 60)"
        let mm = minutes % 60 < 10 ? "0\(minutes % 60)" : "\(minutes % 60)"
        return String(local.dropLast()) + "\(sign)\(hh):\(mm)"
    }

    /// Go's time.RFC1123Z in UTC ("Mon, 02 Jan 2006 15:04:05 +0000"), as the MissSchedule event prints it.
    static func rfc1123Z(_ seconds: Int64) -> String {
        let stamp = Array(Timestamp.rfc3339(Double(seconds)))  // yyyy-MM-ddTHH:mm:ssZ
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let month = Int(String(stamp[5...6])) ?? 1
        let weekday = weekdays[Int(((days % 7) + 11) % 7)]
        return "\(weekday), \(String(stamp[8...9])) \(months[month - 1]) \(String(stamp[0...3])) \(String(stamp[11...18])) +0000"
    }

    /// getJobFromTemplate2: the job for one scheduled time.
    static func job(cronJob: JSON, scheduled: Int64, zone: TimeZone?) -> JSON {
        let template = cronJob[path: "spec", "jobTemplate"] ?? [:]
        var annotations = template[path: "metadata", "annotations"]?.objectValue ?? JSONObject()
        annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] = .string(timestamp(scheduled, zone: zone))
        var metadata: JSONObject = [
            "name": .string(jobName(cronJob: BatchAndServiceKit.name(cronJob), scheduled: scheduled)),
            "namespace": .string(BatchAndServiceKit.namespace(cronJob)),
        ]
        if let labels = template[path: "metadata", "labels"], labels.isObject { metadata["labels"] = labels }
        metadata["annotations"] = .object(annotations)
        metadata["ownerReferences"] = [BatchAndServiceKit.ownerReference(to: cronJob, apiVersion: "batch/v1", kind: "CronJob")]
        return ["apiVersion": "batch/v1", "kind": "Job", "metadata": .object(metadata), "spec": template["spec"] ?? [:]]
    }

    /// The finished condition type of a job (Complete or Failed), if it finished.
    static func finished(_ job: JSON) -> String? {
        (job[path: "status", "conditions"]?.arrayValue ?? []).first {
            ["Complete", "Failed"].contains($0["type"]?.stringValue ?? "") && $0["status"]?.stringValue == "True"
        }?["type"]?.stringValue
    }
}
