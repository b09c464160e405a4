import KubeJSON

/// What a StatefulSet's pods and claims look like (pkg/controller/statefulset/stateful_set_utils.go).
enum StatefulSetPods {
    static let podNameLabel = "statefulset.kubernetes.io/pod-name"
    static let podIndexLabel = "apps.kubernetes.io/pod-index"
    static let revisionLabel = "controller-revision-hash"
    private typealias Kit = BatchAndServiceKit

    /// The ordinal of a pod named `<set>-<n>`, or nil when the name is not of that form.
    static func ordinal(podName: String, setName: String) -> Int? {
        guard podName.hasPrefix(setName + "-") else { return nil }
        let suffix = podName.dropFirst(setName.count + 1)
        guard !suffix.isEmpty, suffix.allSatisfy({ $0.isASCII && $0.isNumber }),
              suffix == "0" || !suffix.hasPrefix("0") else { return nil }
        return Int(suffix)
    }

    /// The StatefulSet a pod name belongs to, assuming it is `<set>-<n>`.
    static func setName(ofPod podName: String) -> String? {
        guard let dash = podName.lastIndex(of: "-") else { return nil }
        let suffix = podName[podName.index(after: dash)...]
        guard !suffix.isEmpty, suffix.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return String(podName[..<dash])
    }

    static func podName(set: String, ordinal: Int) -> String { "\(set)-\(ordinal)" }

    static func claimName(template: String, set: String, ordinal: Int) -> String { "\(template)-\(set)-\(ordinal)" }

    static func claimTemplates(_ set: JSON) -> [JSON] { set[path: "spec", "volumeClaimTemplates"]?.arrayValue ?? [] }

    /// newVersionedStatefulSetPod: the pod for `ordinal` from `template`, tagged with the revision it came from.
    static func pod(set: JSON, template: JSON, revision: String, ordinal: Int) -> JSON {
        let setName = Kit.name(set)
        let name = podName(set: setName, ordinal: ordinal)
        var labels = template[path: "metadata", "labels"]?.objectValue ?? JSONObject()
        labels[podNameLabel] = .string(name)
        labels[podIndexLabel] = .string(String(ordinal))
        labels[revisionLabel] = .string(revision)
        var metadata: JSONObject = [
            "name": .string(name), "namespace": .string(Kit.namespace(set)), "labels": .object(labels),
            "ownerReferences": [Kit.ownerReference(to: set, apiVersion: "apps/v1", kind: "StatefulSet")],
        ]
        if let annotations = template[path: "metadata", "annotations"], annotations.isObject {
            metadata["annotations"] = annotations
        }
        var spec = template["spec"] ?? [:]
        spec["hostname"] = .string(name)
        if let service = set[path: "spec", "serviceName"]?.stringValue, !service.isEmpty {
            spec["subdomain"] = .string(service)
        }
        var volumes = spec["volumes"]?.arrayValue ?? []
        for claim in claimTemplates(set) {
            let templateName = Kit.name(claim)
            let volume: JSON = [
                "name": .string(templateName),
                "persistentVolumeClaim": ["claimName": .string(claimName(template: templateName, set: setName, ordinal: ordinal))],
            ]
            if let index = volumes.firstIndex(where: { $0["name"]?.stringValue == templateName }) {
                volumes[index] = volume
            } else {
                volumes.append(volume)
            }
        }
        if !volumes.isEmpty { spec["volumes"] = .array(volumes) }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": spec]
    }

    /// The claim for one template and ordinal: the template's spec, labelled with the set's matchLabels, owned
    /// by the set when the retention policy deletes claims with it.
    static func claim(set: JSON, template: JSON, ordinal: Int) -> JSON {
        let templateName = Kit.name(template)
        var labels = template[path: "metadata", "labels"]?.objectValue ?? JSONObject()
        for (key, value) in set[path: "spec", "selector", "matchLabels"]?.objectValue ?? JSONObject() {
            labels[key] = value
        }
        var metadata: JSONObject = [
            "name": .string(claimName(template: templateName, set: Kit.name(set), ordinal: ordinal)),
            "namespace": .string(Kit.namespace(set)),
        ]
        if !labels.isEmpty { metadata["labels"] = .object(labels) }
        if let annotations = template[path: "metadata", "annotations"], annotations.isObject {
            metadata["annotations"] = annotations
        }
        if set[path: "spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"]?.stringValue == "Delete" {
            metadata["ownerReferences"] = [Kit.ownerReference(to: set, apiVersion: "apps/v1", kind: "StatefulSet")]
        }
        return ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": .object(metadata), "spec": template["spec"] ?? [:]]
    }

    static func revision(_ pod: JSON) -> String { Kit.labels(pod)[revisionLabel] ?? "" }

    /// The status fields computed from the set's pods (computeReplicaStatus).
    struct Counts: Equatable {
        var replicas = 0, ready = 0, available = 0, current = 0, updated = 0
    }

    static func counts(pods: [JSON], currentRevision: String, updateRevision: String,
                       available: (JSON) -> Bool) -> Counts
    {
        var counts = Counts()
        for pod in pods {
            counts.replicas += 1
            if Kit.isRunningAndReady(pod) {
                counts.ready += 1
                if available(pod) { counts.available += 1 }
            }
            guard !Kit.isDeleting(pod) else { continue }
            let revision = revision(pod)
            if revision == currentRevision { counts.current += 1 }
            if revision == updateRevision { counts.updated += 1 }
        }
        return counts
    }

    /// The status a StatefulSet controller writes, with the rolling update completed once every pod runs the
    /// update revision and is ready.
    static func status(previous: JSON?, counts: Counts, generation: Int64, currentRevision: String,
                       updateRevision: String, collisionCount: Int64, rollingUpdate: Bool) -> JSON
    {
        var current = currentRevision
        var currentReplicas = counts.current
        if rollingUpdate && counts.updated == counts.replicas && counts.ready == counts.replicas {
            current = updateRevision
            currentReplicas = counts.updated
        }
        var status = previous?.objectValue ?? JSONObject()
        status["observedGeneration"] = .int(generation)
        status["replicas"] = .int(Int64(counts.replicas))
        status["readyReplicas"] = counts.ready > 0 ? .int(Int64(counts.ready)) : nil
        status["currentReplicas"] = currentReplicas > 0 ? .int(Int64(currentReplicas)) : nil
        status["updatedReplicas"] = counts.updated > 0 ? .int(Int64(counts.updated)) : nil
        status["currentRevision"] = .string(current)
        status["updateRevision"] = .string(updateRevision)
        status["collisionCount"] = .int(collisionCount)
        status["availableReplicas"] = .int(Int64(counts.available))
        return .object(status)
    }
}
