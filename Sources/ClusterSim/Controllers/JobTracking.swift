import KubeAPI
import KubeJSON

/// The pure parts of the Job controller (pkg/controller/job): completion indexes, back-off, conditions,
/// and the pods it creates.
enum JobTracking {
    static let trackingFinalizer = "batch.kubernetes.io/job-tracking"
    static let completionIndexKey = "batch.kubernetes.io/job-completion-index"
    static let jobNameLabel = "batch.kubernetes.io/job-name"
    static let legacyJobNameLabel = "job-name"
    static let defaultBackoff = 10.0
    static let maxBackoff = 600.0
    static let maxUncountedPods = 500
    static let maxPodChangesPerSync = 500
    private typealias Kit = BatchAndServiceKit

    // MARK: Completion indexes

    /// Parses `status.completedIndexes` ("1,3-5,7"), keeping indexes below `completions`.
    static func parseIndexes(_ text: String, completions: Int) -> [Int] {
        var out: [Int] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1).map { Int(String($0)) }
            guard let low = bounds.first ?? nil else { continue }
            let high = bounds.count > 1 ? (bounds[1] ?? low) : low
            guard low <= high else { continue }
            for index in low...high where index < completions { out.append(index) }
        }
        return Array(Set(out)).sorted()
    }

    /// Formats sorted indexes as intervals, as orderedIntervals.String does.
    static func formatIndexes(_ indexes: [Int]) -> String {
        let sorted = Array(Set(indexes)).sorted()
        var parts: [String] = []
        var index = 0
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            if end == index {
                parts.append(String(sorted[index]))
            } else if end == index + 1 {
                parts.append(String(sorted[index]))
                parts.append(String(sorted[end]))
            } else {
                parts.append("\(sorted[index])-\(sorted[end])")
            }
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    /// firstPendingIndexes: the lowest indexes neither succeeded nor held by a live pod.
    static func pendingIndexes(completions: Int, succeeded: Set<Int>, held: Set<Int>, count: Int) -> [Int] {
        var out: [Int] = []
        var index = 0
        while out.count < count && index < completions {
            if !succeeded.contains(index) && !held.contains(index) { out.append(index) }
            index += 1
        }
        return out
    }

    static func completionIndex(_ pod: JSON) -> Int? {
        guard let text = Kit.annotation(pod, completionIndexKey) ?? Kit.labels(pod)[completionIndexKey],
              let index = Int(text), index >= 0 else { return nil }
        return index
    }

    // MARK: Counting

    /// How many pods should be running (manageJob's wantActive).
    static func wantActive(completions: Int?, parallelism: Int, succeeded: Int, active: Int) -> Int {
        guard let completions else { return succeeded > 0 ? active : parallelism }
        return max(0, min(completions - succeeded, parallelism))
    }

    /// isPodFailed: a failed pod, or one being deleted before it succeeded unless only failed pods count.
    static func isFailed(_ pod: JSON, onlyFailedPhase: Bool) -> Bool {
        if Kit.phase(pod) == "Failed" { return true }
        if onlyFailedPhase { return false }
        return Kit.isDeleting(pod) && Kit.phase(pod) != "Succeeded"
    }

    /// The pod-failure back-off: 10 s doubling per failure since the last success, at most 10 minutes.
    static func backoffDelay(failuresAfterLastSuccess failures: Int) -> Double {
        guard failures > 0 else { return 0 }
        var delay = defaultBackoff
        for _ in 1..<failures {
            delay *= 2
            if delay >= maxBackoff { return maxBackoff }
        }
        return min(delay, maxBackoff)
    }

    /// pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts count as failures.
    static func restartsExceedLimit(pods: [JSON], backoffLimit: Int) -> Bool {
        var restarts = 0
        for pod in pods where ["Running", "Pending"].contains(Kit.phase(pod)) {
            for key in ["initContainerStatuses", "containerStatuses"] {
                for status in pod[path: "status", key]?.arrayValue ?? [] { restarts += Int(status["restartCount"]?.intValue ?? 0) }
            }
        }
        return backoffLimit == 0 ? restarts > 0 : restarts >= backoffLimit
    }

    /// activePodsForRemoval's order: unscheduled before scheduled, pending before running, not ready before
    /// ready, newer before older.
    static func removalOrder(_ a: JSON, _ b: JSON) -> Bool {
        func rank(_ pod: JSON) -> (Int, Int, Int, Double) {
            (Kit.nodeName(pod).isEmpty ? 0 : 1, Kit.phase(pod) == "Running" ? 1 : 0, Kit.isReady(pod) ? 1 : 0,
             -Kit.creationTime(pod))
        }
        let ra = rank(a), rb = rank(b)
        if ra != rb { return ra < rb }
        return Kit.name(a) < Kit.name(b)
    }

    // MARK: Conditions

    static func condition(_ type: String, _ status: String, reason: String, message: String, now: String) -> JSON {
        ["type": .string(type), "status": .string(status), "lastProbeTime": .string(now), "lastTransitionTime": .string(now),
         "reason": .string(reason), "message": .string(message)]
    }

    /// ensureJobConditionStatus: set or add a condition; a False condition is only written over an existing one.
    @discardableResult
    static func ensure(_ conditions: inout [JSON], _ type: String, _ status: String, reason: String, message: String,
                       now: String) -> Bool
    {
        if let index = conditions.firstIndex(where: { $0["type"]?.stringValue == type }) {
            let old = conditions[index]
            if old["status"]?.stringValue != status || old["reason"]?.stringValue != reason || old["message"]?.stringValue != message {
                conditions[index] = condition(type, status, reason: reason, message: message, now: now)
                return true
            }
            return false
        }
        guard status != "False" else { return false }
        conditions.append(condition(type, status, reason: reason, message: message, now: now))
        return true
    }

    static func isFinished(_ job: JSON) -> Bool {
        (job[path: "status", "conditions"]?.arrayValue ?? []).contains {
            ["Complete", "Failed"].contains($0["type"]?.stringValue ?? "") && $0["status"]?.stringValue == "True"
        }
    }

    /// When the job finished, in wall time: its completion time or the Failed condition's transition.
    static func finishTime(_ job: JSON) -> Double? {
        if let done = job[path: "status", "completionTime"]?.stringValue.flatMap(Timestamp.parse) { return done }
        let failed = (job[path: "status", "conditions"]?.arrayValue ?? []).first {
            $0["type"]?.stringValue == "Failed" && $0["status"]?.stringValue == "True"
        }
        return failed?["lastTransitionTime"]?.stringValue.flatMap(Timestamp.parse)
    }

    // MARK: Pods

    /// A pod for the job: its template with the tracking finalizer, a controller reference and, for Indexed
    /// jobs, the completion index as annotation, label, hostname and JOB_COMPLETION_INDEX variable.
    static func pod(job: JSON, index: Int?, name: String) -> JSON {
        let template = job[path: "spec", "template"] ?? [:]
        let jobName = Kit.name(job)
        var labels = template[path: "metadata", "labels"]?.objectValue ?? JSONObject()
        var annotations = template[path: "metadata", "annotations"]?.objectValue ?? JSONObject()
        var finalizers = template[path: "metadata", "finalizers"]?.arrayValue ?? []
        if !finalizers.contains(where: { $0.stringValue == trackingFinalizer }) { finalizers.append(.string(trackingFinalizer)) }
        var spec = template["spec"] ?? [:]
        let generateName: String
        if let index {
            annotations[completionIndexKey] = .string(String(index))
            labels[completionIndexKey] = .string(String(index))
            spec["hostname"] = .string("\(jobName)-\(index)")
            for key in ["initContainers", "containers"] {
                guard var containers = spec[key]?.arrayValue else { continue }
                for i in containers.indices {
                    var env = containers[i]["env"]?.arrayValue ?? []
                    guard !env.contains(where: { $0["name"]?.stringValue == "JOB_COMPLETION_INDEX" }) else { continue }
                    env.append(["name": "JOB_COMPLETION_INDEX", "valueFrom": ["fieldRef": [
                        "apiVersion": "v1", "fieldPath": .string("metadata.annotations['\(completionIndexKey)']"),
                    ]]])
                    containers[i]["env"] = .array(env)
                }
                spec[key] = .array(containers)
            }
            let base = "\(jobName)-\(index)-"
            generateName = base.count > 58 ? "\(jobName.prefix(58 - (base.count - jobName.count)))-\(index)-" : base
        } else {
            generateName = "\(jobName.prefix(57))-"
        }
        var metadata: JSONObject = [
            "name": .string(name), "generateName": .string(generateName), "namespace": .string(Kit.namespace(job)),
            "labels": .object(labels),
        ]
        if !annotations.isEmpty { metadata["annotations"] = .object(annotations) }
        metadata["finalizers"] = .array(finalizers)
        metadata["ownerReferences"] = [Kit.ownerReference(to: job, apiVersion: "batch/v1", kind: "Job")]
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": spec]
    }

    static func generateName(of pod: JSON) -> String { pod[path: "metadata", "generateName"]?.stringValue ?? "" }
}
