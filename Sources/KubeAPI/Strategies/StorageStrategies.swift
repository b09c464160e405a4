import KubeJSON

/// PersistentVolumeClaim, PersistentVolume and StorageClass defaults.
enum StorageDefaults {
    static func applyClaimSpec(_ spec: inout JSON) {
        spec.kDefault("volumeMode", "Filesystem")
        spec.kEdit("resources") { r in
            r.kEdit("requests") { PodDefaults.canonicalizeResourceList(&$0) }
            r.kEdit("limits") { PodDefaults.canonicalizeResourceList(&$0) }
        }
    }

    static func applyClaim(_ pvc: inout JSON) {
        pvc.kEdit("spec", create: true) { applyClaimSpec(&$0) }
        pvc.kEdit("status", create: true) { status in
            status.kDefault("phase", "Pending")
            status.kEdit("capacity") { PodDefaults.canonicalizeResourceList(&$0) }
        }
    }

    static func applyVolume(_ pv: inout JSON) {
        pv.kEdit("spec", create: true) { spec in
            spec.kDefault("persistentVolumeReclaimPolicy", "Retain")
            spec.kDefault("volumeMode", "Filesystem")
            spec.kEdit("capacity") { PodDefaults.canonicalizeResourceList(&$0) }
            spec.kEdit("hostPath") { $0.kDefault("type", "") }
        }
        pv.kEdit("status", create: true) { $0.kDefault("phase", "Pending") }
    }

    static func applyStorageClass(_ sc: inout JSON) {
        sc.kDefault("reclaimPolicy", "Delete")
        sc.kDefault("volumeBindingMode", "Immediate")
    }
}

/// Their validation (ValidatePersistentVolumeClaim*, ValidatePersistentVolume*, storage's
/// ValidateStorageClass*).
enum StorageValidation {
    static let accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
    static let volumeModes = ["Block", "Filesystem"]
    static let pvSourceKeys = [
        "gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd", "quobyte", "cephfs", "iscsi",
        "cinder", "fc", "flexVolume", "azureFile", "vsphereVolume", "azureDisk", "photonPersistentDisk",
        "portworxVolume", "scaleIO", "local", "storageos", "csi", "flocker",
    ]

    private static func validateAccessModes(_ modes: [JSON], _ path: FieldPath, requiredDetail: String) -> [FieldError] {
        var errs: [FieldError] = []
        if modes.isEmpty { errs.append(.required(path.description, requiredDetail)) }
        var rwop = false, other = false
        for m in modes {
            let mode = m.stringValue ?? ""
            if !accessModes.contains(mode) { errs.append(.notSupported(path.description, .string(mode), accessModes)) }
            if mode == "ReadWriteOncePod" { rwop = true } else { other = true }
        }
        if rwop && other { errs.append(.forbidden(path.description, "may not use ReadWriteOncePod with other access modes")) }
        return errs
    }

    static func validateClaimSpec(_ spec: JSON, _ path: FieldPath) -> [FieldError] {
        var errs = validateAccessModes(spec.kArray("accessModes"), path.child("accessModes"), requiredDetail: "at least 1 access mode is required")
        errs += StrategyCheck.validateLabelSelector(spec["selector"], path.child("selector"))
        let storagePath = path.child("resources").key("storage")
        if let raw = spec["resources"]?["requests"]?["storage"] {
            if let q = Quantity.parse(json: raw) {
                if q.sign <= 0 { errs.append(.invalid(storagePath.description, q.description, "must be greater than zero")) }
            } else {
                errs.append(.invalid(storagePath.description, raw, Quantity.syntaxError))
            }
        } else {
            errs.append(.required(storagePath.description))
        }
        if let sc = spec.kString("storageClassName"), !sc.isEmpty { errs += StrategyCheck.dnsSubdomain(sc, path.child("storageClassName")) }
        if let mode = spec.kString("volumeMode") { errs += StrategyCheck.oneOf(mode, volumeModes, path.child("volumeMode")) }
        return errs
    }

    static func validateClaim(_ pvc: JSON) -> [FieldError] {
        validateClaimSpec(pvc["spec"] ?? [:], FieldPath("spec"))
    }

    /// A claim's spec is frozen after creation, except that a bound claim may grow its storage
    /// request, and the binder may fill volumeName and storageClassName once.
    static func validateClaimUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        var errs = validateClaim(new)
        var newSpec = new["spec"] ?? [:]
        var oldSpec = old["spec"] ?? [:]
        if oldSpec.kStr("volumeName").isEmpty { oldSpec["volumeName"] = newSpec["volumeName"] }
        if !oldSpec.kHas("storageClassName") && newSpec.kHas("storageClassName") {
            oldSpec["storageClassName"] = newSpec["storageClassName"]
        }
        let bound = new["status"]?.kStr("phase") == "Bound"
        if bound, newSpec["resources"]?["requests"] != nil {
            newSpec.kEditPath(["resources", "requests"]) { $0["storage"] = oldSpec["resources"]?["requests"]?["storage"] }
        }
        newSpec["volumeAttributesClassName"] = oldSpec["volumeAttributesClassName"]
        if newSpec != oldSpec {
            errs.append(.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"
                + PodValidation.specDiff(old: oldSpec, new: newSpec)))
        }
        let oldSize = old["spec"]?["resources"]?["requests"]?["storage"].flatMap { Quantity.parse(json: $0) }
        let newSize = new["spec"]?["resources"]?["requests"]?["storage"].flatMap { Quantity.parse(json: $0) }
        if let oldSize, let newSize, newSize < oldSize {
            errs.append(.forbidden("spec.resources.requests.storage", "field can not be less than previous value"))
        }
        errs += StrategyCheck.immutable(new["spec"]?["volumeMode"], old["spec"]?["volumeMode"], FieldPath("volumeMode"))
        return errs
    }

    static func validateVolume(_ pv: JSON) -> [FieldError] {
        let spec = pv["spec"] ?? [:]
        let path = FieldPath("spec")
        var errs = validateAccessModes(spec.kArray("accessModes"), path.child("accessModes"), requiredDetail: "")
        let capacity = spec.kObject("capacity") ?? JSONObject()
        if capacity.isEmpty { errs.append(.required(path.child("capacity").description)) }
        if capacity["storage"] == nil || capacity.count > 1 {
            errs.append(.notSupported(path.child("capacity").description, spec["capacity"] ?? .null, ["storage"]))
        }
        for e in capacity.entries {
            let p = path.child("capacity").key(e.key)
            if let q = Quantity.parse(json: e.value) {
                if q.sign <= 0 { errs.append(.invalid(p.description, q.description, "must be greater than zero")) }
            } else {
                errs.append(.invalid(p.description, e.value, Quantity.syntaxError))
            }
        }
        if let policy = spec.kString("persistentVolumeReclaimPolicy"), !policy.isEmpty {
            errs += StrategyCheck.oneOf(policy, ["Delete", "Recycle", "Retain"], path.child("persistentVolumeReclaimPolicy"))
        }
        var count = 0
        for key in pvSourceKeys where spec.kHas(key) {
            let p = path.child(key)
            if count > 0 {
                errs.append(.forbidden(p.description, "may not specify more than 1 volume type"))
                continue
            }
            count += 1
            let src = spec[key] ?? [:]
            switch key {
            case "hostPath", "local":
                if src.kStr("path").isEmpty { errs.append(.required(p.child("path").description)) }
                if key == "local" && !spec.kHas("nodeAffinity") {
                    errs.append(.required(path.child("nodeAffinity").description, "Local volume requires node affinity"))
                }
            case "nfs":
                if src.kStr("server").isEmpty { errs.append(.required(p.child("server").description)) }
                if src.kStr("path").isEmpty { errs.append(.required(p.child("path").description)) }
            case "csi":
                if src.kStr("driver").isEmpty { errs.append(.required(p.child("driver").description)) }
                if src.kStr("volumeHandle").isEmpty { errs.append(.required(p.child("volumeHandle").description)) }
            default: break
            }
        }
        if count == 0 { errs.append(.required(path.description, "must specify a volume type")) }
        if let sc = spec.kString("storageClassName"), !sc.isEmpty { errs += StrategyCheck.dnsSubdomain(sc, path.child("storageClassName")) }
        if let mode = spec.kString("volumeMode") { errs += StrategyCheck.oneOf(mode, volumeModes, path.child("volumeMode")) }
        return errs
    }

    static func validateVolumeUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        var errs = validateVolume(new)
        let newSpec = new["spec"] ?? [:], oldSpec = old["spec"] ?? [:]
        var newSource = JSON.object(JSONObject()), oldSource = JSON.object(JSONObject())
        for key in pvSourceKeys {
            newSource[key] = newSpec[key]
            oldSource[key] = oldSpec[key]
        }
        if newSource != oldSource {
            errs.append(.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation\n"
                + PodValidation.specDiff(old: oldSource, new: newSource)))
        }
        errs += StrategyCheck.immutable(newSpec["volumeMode"], oldSpec["volumeMode"], FieldPath("volumeMode"))
        if oldSpec.kHas("nodeAffinity") {
            errs += StrategyCheck.immutable(newSpec["nodeAffinity"], oldSpec["nodeAffinity"], FieldPath("nodeAffinity"), rendered: "core.VolumeNodeAffinity{...}")
        }
        return errs
    }

    static func validateStorageClass(_ sc: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let provisioner = sc.kStr("provisioner")
        if provisioner.isEmpty {
            errs.append(.required("provisioner"))
        } else {
            errs += StrategyCheck.qualifiedName(provisioner.lowercased(), FieldPath("provisioner"))
        }
        var size = 0
        for e in sc.kObject("parameters")?.entries ?? [] {
            if e.key.isEmpty { errs.append(.invalid("parameters", e.key, "field can not be empty.")) }
            size += e.key.utf8.count + (e.value.stringValue?.utf8.count ?? 0)
        }
        if size > 256 * 1024 { errs.append(.tooLong("parameters", 256 * 1024)) }
        if let policy = sc.kString("reclaimPolicy"), !policy.isEmpty {
            errs += StrategyCheck.oneOf(policy, ["Delete", "Retain"], FieldPath("reclaimPolicy"))
        }
        errs += StrategyCheck.oneOf(sc.kString("volumeBindingMode"), ["Immediate", "WaitForFirstConsumer"], FieldPath("volumeBindingMode"))
        return errs
    }

    static func validateStorageClassUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        var errs = validateStorageClass(new)
        if !CoreValidation.sameMap(new["parameters"], old["parameters"]) {
            errs.append(.forbidden("parameters", "updates to parameters are forbidden."))
        }
        if new.kStr("provisioner") != old.kStr("provisioner") {
            errs.append(.forbidden("provisioner", "updates to provisioner are forbidden."))
        }
        if new.kStr("reclaimPolicy") != old.kStr("reclaimPolicy") {
            errs.append(.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
        }
        errs += StrategyCheck.immutable(new["volumeBindingMode"], old["volumeBindingMode"], FieldPath("volumeBindingMode"))
        return errs
    }
}
