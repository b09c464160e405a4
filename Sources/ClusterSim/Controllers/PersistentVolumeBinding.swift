import KubeAPI
import KubeJSON

/// The pure parts of the persistent-volume binder and the simulated hostPath provisioner: the default
/// StorageClass, matching claims to volumes, and the volumes it provisions.
enum PersistentVolumeBinding {
    static let provisioner = "simulator.k8s.io/hostpath"
    static let defaultClassName = "standard"
    static let defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"
    static let betaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
    static let selectedNodeAnnotation = "volume.kubernetes.io/selected-node"
    static let hostPathRoot = "/var/lib/k8s-simulator/pv"
    private typealias Kit = BatchAndServiceKit

    static func defaultClass() -> JSON {
        var annotations = JSONObject()
        annotations[defaultClassAnnotation] = "true"
        return [
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": ["name": .string(defaultClassName), "annotations": .object(annotations)],
            "provisioner": .string(provisioner), "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
        ]
    }

    static func isDefault(_ storageClass: JSON) -> Bool {
        Kit.annotation(storageClass, defaultClassAnnotation) == "true" || Kit.annotation(storageClass, betaDefaultClassAnnotation) == "true"
    }

    /// GetDefaultClass: the newest class marked default.
    static func defaultClass(among classes: [JSON]) -> JSON? {
        classes.filter(isDefault).max { a, b in
            Kit.creationTime(a) != Kit.creationTime(b) ? Kit.creationTime(a) < Kit.creationTime(b) : Kit.name(a) > Kit.name(b)
        }
    }

    static func className(_ object: JSON) -> String { object[path: "spec", "storageClassName"]?.stringValue ?? "" }

    static func request(_ claim: JSON) -> JSON? { claim[path: "spec", "resources", "requests", "storage"] }

    static func quantity(_ json: JSON?) -> Quantity? { json.flatMap { Quantity.parse(json: $0) } }

    /// findBestMatchForClaim: the smallest available volume of the claim's class, volume mode and selector
    /// that offers every access mode the claim asks for and at least its size.
    static func bestMatch(claim: JSON, volumes: [JSON]) -> JSON? {
        let wantedModes = Set((claim[path: "spec", "accessModes"]?.arrayValue ?? []).compactMap(\.stringValue))
        let wantedSize = quantity(request(claim)) ?? .zero
        let wantedMode = claim[path: "spec", "volumeMode"]?.stringValue ?? "Filesystem"
        let selector = Kit.selector(claim[path: "spec", "selector"], whenAbsent: .everything)
        var best: (volume: JSON, size: Quantity)?
        for volume in volumes {
            guard volume[path: "spec", "claimRef"] == nil || volume[path: "spec", "claimRef"]?.isNull == true,
                  !Kit.isDeleting(volume), volume[path: "status", "phase"]?.stringValue ?? "Available" == "Available",
                  className(volume) == className(claim),
                  (volume[path: "spec", "volumeMode"]?.stringValue ?? "Filesystem") == wantedMode,
                  selector?.matches(Kit.labels(volume)) ?? false else { continue }
            let modes = Set((volume[path: "spec", "accessModes"]?.arrayValue ?? []).compactMap(\.stringValue))
            guard wantedModes.isSubset(of: modes), let size = quantity(volume[path: "spec", "capacity", "storage"]),
                  size >= wantedSize else { continue }
            if best.map({ size < $0.size }) ?? true { best = (volume, size) }
        }
        return best?.volume
    }

    static func claimRef(_ claim: JSON) -> JSON {
        [
            "kind": "PersistentVolumeClaim", "namespace": .string(Kit.namespace(claim)), "name": .string(Kit.name(claim)),
            "uid": .string(Kit.uid(claim)), "apiVersion": "v1",
            "resourceVersion": claim[path: "metadata", "resourceVersion"] ?? "",
        ]
    }

    /// The volume the hostPath provisioner creates for a claim: `pvc-<uid>`, sized to the request, already
    /// pointing at the claim, pinned to the selected node when binding waited for a consumer.
    static func provisionedVolume(claim: JSON, storageClass: JSON, node: String?) -> JSON {
        let name = "pvc-\(Kit.uid(claim))"
        var spec: JSONObject = [
            "accessModes": claim[path: "spec", "accessModes"] ?? ["ReadWriteOnce"],
            "capacity": ["storage": request(claim) ?? "1Gi"],
            "claimRef": claimRef(claim),
            "hostPath": ["path": .string("\(hostPathRoot)/\(name)"), "type": "DirectoryOrCreate"],
            "persistentVolumeReclaimPolicy": storageClass["reclaimPolicy"] ?? "Delete",
            "storageClassName": .string(Kit.name(storageClass)),
            "volumeMode": claim[path: "spec", "volumeMode"] ?? "Filesystem",
        ]
        if let options = storageClass["mountOptions"], options.arrayValue?.isEmpty == false { spec["mountOptions"] = options }
        if let node {
            spec["nodeAffinity"] = ["required": ["nodeSelectorTerms": [[
                "matchExpressions": [["key": "kubernetes.io/hostname", "operator": "In", "values": [.string(node)]]],
            ]]]]
        }
        return [
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": ["name": .string(name), "annotations": ["pv.kubernetes.io/provisioned-by": .string(provisioner)]],
            "spec": .object(spec),
        ]
    }

    /// The claim's status once bound: the volume's modes and capacity.
    static func boundClaimStatus(claim: JSON, volume: JSON) -> JSON {
        var status = claim["status"]?.objectValue ?? JSONObject()
        status["phase"] = "Bound"
        status["accessModes"] = volume[path: "spec", "accessModes"] ?? claim[path: "spec", "accessModes"] ?? .array([])
        status["capacity"] = volume[path: "spec", "capacity"] ?? ["storage": request(claim) ?? "0"]
        return .object(status)
    }

    static func volumeStatus(_ volume: JSON, phase: String) -> JSON {
        var status = volume["status"]?.objectValue ?? JSONObject()
        guard status["phase"]?.stringValue != phase else { return .object(status) }
        status["phase"] = .string(phase)
        status["lastPhaseTransitionTime"] = .string(Kit.now())
        return .object(status)
    }
}
