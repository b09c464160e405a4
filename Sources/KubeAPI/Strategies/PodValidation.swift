import KubeJSON

/// Pod and pod-template validation (ValidatePodCreate, ValidatePodUpdate, ValidatePodTemplateSpec,
/// ValidatePodSpec in pkg/apis/core/validation).
enum PodValidation {
    static let restartPolicies = ["Always", "OnFailure", "Never"]
    static let dnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
    static let maxInt32: Int64 = 2_147_483_647

    static func validateCreate(_ pod: JSON) -> [FieldError] {
        let spec = pod["spec"] ?? [:]
        let specPath = FieldPath("spec")
        var errs = validateSpec(spec, specPath, isPod: true)
        errs += imageWhitespace(spec, specPath)
        if !spec.kArray("ephemeralContainers").isEmpty {
            errs.append(.forbidden(specPath.child("ephemeralContainers").description, "cannot be set on create"))
        }
        if !spec.kStr("nodeName").isEmpty && !spec.kArray("schedulingGates").isEmpty {
            errs.append(.forbidden(specPath.child("nodeName").description, "cannot be set until all schedulingGates have been cleared"))
        }
        return errs
    }

    /// ValidatePodTemplateSpec: labels, annotations and the spec of a template inside a workload.
    static func validateTemplate(_ template: JSON?, _ path: FieldPath, extraVolumes: Set<String> = []) -> [FieldError] {
        let t = template ?? [:]
        let meta = t["metadata"] ?? [:]
        var errs = StrategyCheck.validateLabels(meta["labels"], path.child("labels"))
        errs += StrategyCheck.validateAnnotations(meta["annotations"], path.child("annotations"))
        let spec = t["spec"] ?? [:]
        errs += validateSpec(spec, path.child("spec"), isPod: false, extraVolumes: extraVolumes)
        if !spec.kArray("ephemeralContainers").isEmpty {
            errs.append(.forbidden(path.child("spec").child("ephemeralContainers").description, "ephemeral containers not allowed in pod template"))
        }
        return errs
    }

    /// `extraVolumes` are names mounts may use besides the pod's volumes (StatefulSet claim templates).
    static func validateSpec(_ spec: JSON, _ path: FieldPath, isPod: Bool, extraVolumes: Set<String> = []) -> [FieldError] {
        var errs: [FieldError] = []
        let grace = spec.kInt("terminationGracePeriodSeconds")
        if !spec.kHas("terminationGracePeriodSeconds") {
            errs.append(.required(path.child("terminationGracePeriodSeconds").description))
        }
        var (volumes, volErrs) = validateVolumes(spec.kArray("volumes"), path.child("volumes"))
        errs += volErrs
        volumes.formUnion(extraVolumes)

        let containers = spec.kArray("containers")
        let cPath = path.child("containers")
        if containers.isEmpty {
            errs.append(.required(cPath.description))
        } else {
            var names = Set<String>()
            for (i, c) in containers.enumerated() {
                let p = cPath.index(i)
                errs += ContainerValidation.validateCommon(c, p, volumes: volumes)
                if !names.insert(c.kStr("name")).inserted {
                    errs.append(.duplicate(p.child("name").description, .string(c.kStr("name"))))
                }
                errs += ContainerValidation.validateLifecycle(c["lifecycle"], p.child("lifecycle"), gracePeriod: grace)
                errs += ContainerValidation.validateProbe(c["livenessProbe"], p.child("livenessProbe"), kind: "liveness", gracePeriod: grace)
                errs += ContainerValidation.validateProbe(c["readinessProbe"], p.child("readinessProbe"), kind: "readiness", gracePeriod: grace)
                errs += ContainerValidation.validateProbe(c["startupProbe"], p.child("startupProbe"), kind: "startup", gracePeriod: grace)
                if c.kHas("restartPolicy") {
                    errs.append(.forbidden(p.child("restartPolicy").description, "may not be set for non-init containers"))
                }
            }
            errs += ContainerValidation.hostPortConflicts(containers, cPath)
        }
        errs += validateInitContainers(spec, path, volumes: volumes, grace: grace)
        if spec.kBool("hostNetwork") == true {
            for (i, c) in containers.enumerated() {
                for (j, port) in c.kArray("ports").enumerated() {
                    let hp = port.kInt("hostPort") ?? 0, cp = port.kInt("containerPort") ?? 0
                    if (isPod || hp != 0) && hp != cp {
                        errs.append(.invalid(cPath.index(i).child("ports").index(j).child("hostPort").description, .int(hp),
                                             "must match `containerPort` when `hostNetwork` is true"))
                    }
                }
            }
        }
        errs += StrategyCheck.oneOf(spec.kString("restartPolicy"), restartPolicies, path.child("restartPolicy"))
        errs += StrategyCheck.oneOf(spec.kString("dnsPolicy"), dnsPolicies, path.child("dnsPolicy"))
        errs += StrategyCheck.validateLabels(spec["nodeSelector"], path.child("nodeSelector"))
        errs += validatePodSecurityContext(spec["securityContext"], path.child("securityContext"))
        for (i, s) in spec.kArray("imagePullSecrets").enumerated() where (s.objectValue?.keys.contains { $0 != "name" } ?? false) {
            errs.append(.invalid(path.child("imagePullSecrets").index(i).description, s, "only name may be set"))
        }
        errs += validateAffinity(spec["affinity"], path.child("affinity"))
        errs += validateDNSConfig(spec, path.child("dnsConfig"))
        for (i, g) in spec.kArray("readinessGates").enumerated() {
            errs += StrategyCheck.qualifiedName(g.kStr("conditionType"), path.child("readinessGates").index(i).child("conditionType"))
        }
        var gates = Set<String>()
        for (i, g) in spec.kArray("schedulingGates").enumerated() {
            let name = g.kStr("name")
            errs += StrategyCheck.qualifiedName(name, path.child("schedulingGates").index(i))
            if !gates.insert(name).inserted { errs.append(.duplicate(path.child("schedulingGates").index(i).description, .string(name))) }
        }
        errs += validateTopologySpread(spec.kArray("topologySpreadConstraints"), path.child("topologySpreadConstraints"))
        for field in ["serviceAccountName", "nodeName", "priorityClassName", "runtimeClassName"] {
            let v = spec.kStr(field)
            if !v.isEmpty { errs += StrategyCheck.dnsSubdomain(v, path.child(field)) }
        }
        if let ads = spec.kInt("activeDeadlineSeconds"), ads < 1 || ads > maxInt32 {
            errs.append(.invalid(path.child("activeDeadlineSeconds").description, .int(ads), "must be between 1 and 2147483647, inclusive"))
        }
        for field in ["hostname", "subdomain"] where !spec.kStr(field).isEmpty {
            errs += StrategyCheck.dnsLabel(spec.kStr(field), path.child(field))
        }
        errs += validateTolerations(spec.kArray("tolerations"), path.child("tolerations"))
        for (i, alias) in spec.kArray("hostAliases").enumerated() {
            let p = path.child("hostAliases").index(i)
            if !StrategyFormat.isIP(alias.kStr("ip")) { errs.append(.invalid(p.child("ip").description, alias.kStr("ip"), StrategyFormat.ipError)) }
            for (j, h) in alias.kArray("hostnames").enumerated() {
                errs += StrategyCheck.dnsSubdomain(h.stringValue ?? "", p.child("hostnames").index(j))
            }
        }
        if let pp = spec.kString("preemptionPolicy") {
            errs += StrategyCheck.oneOf(pp, ["PreemptLowerPriority", "Never"], path.child("preemptionPolicy"))
        }
        if let overhead = spec.kObject("overhead") {
            for e in overhead.entries {
                errs += ContainerValidation.validateQuantityValue(e.key, e.value, path.child("overhead").key(e.key))
            }
        }
        if let os = spec.kChild("os") {
            errs += StrategyCheck.oneOf(os.kString("name"), ["linux", "windows"], path.child("os").child("name"))
        }
        return errs
    }

    private static func validateInitContainers(_ spec: JSON, _ path: FieldPath, volumes: Set<String>, grace: Int64?) -> [FieldError] {
        var errs: [FieldError] = []
        var names = Set(spec.kArray("containers").map { $0.kStr("name") })
        let ip = path.child("initContainers")
        for (i, c) in spec.kArray("initContainers").enumerated() {
            let p = ip.index(i)
            errs += ContainerValidation.validateCommon(c, p, volumes: volumes)
            var restartAlways = false
            if let rp = c.kString("restartPolicy") {
                if rp == "Always" {
                    restartAlways = true
                } else {
                    errs.append(.notSupported(p.child("restartPolicy").description, .string(rp), ["Always"]))
                }
            }
            let name = c.kStr("name")
            if names.contains(name) {
                errs.append(.duplicate(p.child("name").description, .string(name)))
            } else if !name.isEmpty {
                names.insert(name)
            }
            errs += ContainerValidation.hostPortConflicts([c], ip)
            if restartAlways {
                errs += ContainerValidation.validateLifecycle(c["lifecycle"], p.child("lifecycle"), gracePeriod: grace)
                errs += ContainerValidation.validateProbe(c["livenessProbe"], p.child("livenessProbe"), kind: "liveness", gracePeriod: grace)
                errs += ContainerValidation.validateProbe(c["readinessProbe"], p.child("readinessProbe"), kind: "readiness", gracePeriod: grace)
                errs += ContainerValidation.validateProbe(c["startupProbe"], p.child("startupProbe"), kind: "startup", gracePeriod: grace)
            } else {
                for f in ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"] where c.kHas(f) {
                    errs.append(.forbidden(p.child(f).description, "may not be set for init containers without restartPolicy=Always"))
                }
            }
        }
        return errs
    }

    /// Pods (not templates) reject images with surrounding whitespace.
    private static func imageWhitespace(_ spec: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for list in ["containers", "initContainers"] {
            for (i, c) in spec.kArray(list).enumerated() {
                let image = c.kStr("image")
                if image != image.kTrimmed() {
                    errs.append(.invalid(path.child(list).index(i).child("image").description, image, "must not have leading or trailing whitespace"))
                }
            }
        }
        return errs
    }

    // MARK: Volumes

    static func validateVolumes(_ volumes: [JSON], _ path: FieldPath) -> (Set<String>, [FieldError]) {
        var names = Set<String>()
        var errs: [FieldError] = []
        for (i, v) in volumes.enumerated() {
            let p = path.index(i)
            var el = validateVolumeSource(v, p)
            let name = v.kStr("name")
            if name.isEmpty {
                el.append(.required(p.child("name").description))
            } else {
                el += StrategyCheck.dnsLabel(name, p.child("name"))
            }
            if names.contains(name) { el.append(.duplicate(p.child("name").description, .string(name))) }
            if el.isEmpty { names.insert(name) } else { errs += el }
        }
        return (names, errs)
    }

    private static func validateVolumeSource(_ v: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        var count = 0
        for key in PodDefaults.volumeSourceKeys {
            guard let src = v[key], !src.isNull else { continue }
            let p = path.child(key)
            if count > 0 {
                errs.append(.forbidden(p.description, "may not specify more than 1 volume type"))
                continue
            }
            count += 1
            func required(_ field: String) {
                if src.kStr(field).isEmpty { errs.append(.required(p.child(field).description)) }
            }
            switch key {
            case "secret":
                required("secretName")
                errs += fileMode(src["defaultMode"], p.child("defaultMode"))
                errs += keyToPaths(src.kArray("items"), p.child("items"))
            case "configMap":
                required("name")
                errs += fileMode(src["defaultMode"], p.child("defaultMode"))
                errs += keyToPaths(src.kArray("items"), p.child("items"))
            case "persistentVolumeClaim": required("claimName")
            case "hostPath":
                required("path")
                if let t = src.kString("type"), !t.isEmpty {
                    errs += StrategyCheck.oneOf(t, ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"], p.child("type"))
                }
            case "nfs":
                required("server")
                required("path")
                if !src.kStr("path").isEmpty && !src.kStr("path").hasPrefix("/") {
                    errs.append(.invalid(p.child("path").description, src.kStr("path"), "must be an absolute path"))
                }
            case "csi": required("driver")
            case "ephemeral":
                if !src.kHas("volumeClaimTemplate") { errs.append(.required(p.child("volumeClaimTemplate").description)) }
            case "emptyDir":
                if let limit = src["sizeLimit"], !limit.isNull, Quantity.parse(json: limit) == nil {
                    errs.append(.invalid(p.child("sizeLimit").description, limit, Quantity.syntaxError))
                }
            case "projected":
                errs += fileMode(src["defaultMode"], p.child("defaultMode"))
                for (j, s) in src.kArray("sources").enumerated() {
                    let sp = p.child("sources").index(j)
                    if let token = s.kChild("serviceAccountToken") {
                        if token.kStr("path").isEmpty { errs.append(.required(sp.child("serviceAccountToken").child("path").description)) }
                        if let exp = token.kInt("expirationSeconds") {
                            if exp < 600 {
                                errs.append(.invalid(sp.child("serviceAccountToken").child("expirationSeconds").description, .int(exp), "may not specify a duration less than 10 minutes"))
                            } else if exp > 1 << 32 {
                                errs.append(.invalid(sp.child("serviceAccountToken").child("expirationSeconds").description, .int(exp), "may not specify a duration larger than 2^32 seconds"))
                            }
                        }
                    }
                }
            default: break
            }
        }
        if count == 0 { errs.append(.required(path.description, "must specify a volume type")) }
        return errs
    }

    private static func fileMode(_ mode: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let m = mode?.intValue, m < 0 || m > 0o777 else { return [] }
        return [.invalid(path.description, .int(m), "must be a number between 0 and 0777 (octal), both inclusive")]
    }

    private static func keyToPaths(_ items: [JSON], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, item) in items.enumerated() {
            let p = path.index(i)
            if item.kStr("key").isEmpty { errs.append(.required(p.child("key").description)) }
            let target = item.kStr("path")
            if target.isEmpty {
                errs.append(.required(p.child("path").description))
            } else {
                errs += ContainerValidation.localDescendingPath(target, p.child("path"))
            }
            errs += fileMode(item["mode"], p.child("mode"))
        }
        return errs
    }

    // MARK: Scheduling

    static func validateTolerations(_ tolerations: [JSON], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, t) in tolerations.enumerated() {
            let p = path.index(i)
            let key = t.kStr("key"), op = t.kStr("operator"), effect = t.kStr("effect"), value = t.kStr("value")
            if !key.isEmpty { errs += StrategyCheck.qualifiedName(key, p.child("key")) }
            if key.isEmpty && op != "Exists" {
                errs.append(.invalid(p.child("operator").description, op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
            }
            if t.kHas("tolerationSeconds") && effect != "NoExecute" {
                errs.append(.invalid(p.child("effect").description, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
            }
            switch op {
            case "Equal", "":
                let msgs = StrategyFormat.isLabelValue(value)
                if !msgs.isEmpty { errs.append(.invalid(p.child("operator").description, value, msgs.joined(separator: ";"))) }
            case "Exists":
                if !value.isEmpty {
                    let seconds = t.kInt("tolerationSeconds").map { "(*int64)(\($0))" } ?? "(*int64)(nil)"
                    let rendered = "core.Toleration{Key:\(GoRender.quoted(key)), Operator:\(GoRender.quoted(op)), Value:\(GoRender.quoted(value)), Effect:\(GoRender.quoted(effect)), TolerationSeconds:\(seconds)}"
                    errs.append(.invalidRendered(p.child("operator").description, rendered, "value must be empty when `operator` is 'Exists'"))
                }
            default:
                errs.append(.notSupported(p.child("operator").description, .string(op), ["Equal", "Exists"]))
            }
            if !effect.isEmpty {
                errs += StrategyCheck.oneOf(effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"], p.child("effect"))
            }
        }
        return errs
    }

    private static func validatePodSecurityContext(_ sc: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let sc, sc.isObject else { return [] }
        var errs: [FieldError] = []
        for f in ["fsGroup", "runAsUser", "runAsGroup"] {
            if let v = sc.kInt(f), v < 0 || v > 4_294_967_295 {
                errs.append(.invalid(path.child(f).description, .int(v), "must be between 0 and 4294967295, inclusive"))
            }
        }
        for (i, g) in sc.kArray("supplementalGroups").enumerated() {
            if let v = g.intValue, v < 0 || v > 4_294_967_295 {
                errs.append(.invalid(path.child("supplementalGroups").index(i).description, .int(v), "must be between 0 and 4294967295, inclusive"))
            }
        }
        if let p = sc.kString("fsGroupChangePolicy") {
            errs += StrategyCheck.oneOf(p, ["Always", "OnRootMismatch"], path.child("fsGroupChangePolicy"))
        }
        return errs
    }

    private static func validateAffinity(_ affinity: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let a = affinity, a.isObject else { return [] }
        var errs: [FieldError] = []
        if let na = a.kChild("nodeAffinity"), let req = na.kChild("requiredDuringSchedulingIgnoredDuringExecution") {
            let tp = path.child("nodeAffinity").child("requiredDuringSchedulingIgnoredDuringExecution").child("nodeSelectorTerms")
            if req.kArray("nodeSelectorTerms").isEmpty {
                errs.append(.required(tp.description, "must have at least one node selector term"))
            }
            for (i, term) in req.kArray("nodeSelectorTerms").enumerated() {
                for (j, expr) in term.kArray("matchExpressions").enumerated() {
                    let p = tp.index(i).child("matchExpressions").index(j)
                    let values = expr.kArray("values")
                    switch expr.kStr("operator") {
                    case "In", "NotIn":
                        if values.isEmpty { errs.append(.required(p.child("values").description, "must be specified when `operator` is 'In' or 'NotIn'")) }
                    case "Exists", "DoesNotExist":
                        if !values.isEmpty { errs.append(.forbidden(p.child("values").description, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")) }
                    case "Gt", "Lt":
                        if values.count != 1 { errs.append(.required(p.child("values").description, "must be specified single value when `operator` is 'Lt' or 'Gt'")) }
                    default:
                        errs.append(.invalid(p.child("operator").description, expr.kStr("operator"), "not a valid selector operator"))
                    }
                    errs += StrategyCheck.qualifiedName(expr.kStr("key"), p.child("key"))
                }
            }
        }
        for kind in ["podAffinity", "podAntiAffinity"] {
            guard let pa = a.kChild(kind) else { continue }
            let kp = path.child(kind)
            for (i, term) in pa.kArray("requiredDuringSchedulingIgnoredDuringExecution").enumerated() {
                errs += affinityTerm(term, kp.child("requiredDuringSchedulingIgnoredDuringExecution").index(i))
            }
            for (i, w) in pa.kArray("preferredDuringSchedulingIgnoredDuringExecution").enumerated() {
                let p = kp.child("preferredDuringSchedulingIgnoredDuringExecution").index(i)
                if let weight = w.kInt("weight"), weight <= 0 || weight > 100 {
                    errs.append(.invalid(p.child("weight").description, .int(weight), "must be in the range 1-100"))
                }
                errs += affinityTerm(w["podAffinityTerm"] ?? [:], p.child("podAffinityTerm"))
            }
        }
        return errs
    }

    private static func affinityTerm(_ term: JSON, _ path: FieldPath) -> [FieldError] {
        var errs = StrategyCheck.validateLabelSelector(term["labelSelector"], path.child("labelSelector"))
        errs += StrategyCheck.validateLabelSelector(term["namespaceSelector"], path.child("namespaceSelector"))
        for (i, ns) in term.kArray("namespaces").enumerated() {
            errs += StrategyCheck.dnsLabel(ns.stringValue ?? "", path.child("namespace").index(i))
        }
        let key = term.kStr("topologyKey")
        if key.isEmpty {
            errs.append(.required(path.child("topologyKey").description, "can not be empty"))
        } else {
            errs += StrategyCheck.qualifiedName(key, path.child("topologyKey"))
        }
        return errs
    }

    private static func validateDNSConfig(_ spec: JSON, _ path: FieldPath) -> [FieldError] {
        let config = spec.kChild("dnsConfig")
        if spec.kStr("dnsPolicy") == "None" {
            guard let config else { return [.required(path.description, "must provide `dnsConfig` when `dnsPolicy` is None")] }
            if config.kArray("nameservers").isEmpty {
                return [.required(path.child("nameservers").description, "must provide at least one DNS nameserver when `dnsPolicy` is None")]
            }
        }
        guard let config else { return [] }
        var errs: [FieldError] = []
        let ns = config.kArray("nameservers")
        if ns.count > 3 {
            errs.append(.invalidRendered(path.child("nameservers").description, GoRender.stringSlice(config["nameservers"]), "must not have more than 3 nameservers"))
        }
        for (i, n) in ns.enumerated() where !StrategyFormat.isIP(n.stringValue ?? "") {
            errs.append(.invalid(path.child("nameservers").index(i).description, n.stringValue ?? "", StrategyFormat.ipError))
        }
        for (i, s) in config.kArray("searches").enumerated() {
            var name = s.stringValue ?? ""
            if name.hasSuffix(".") { name.removeLast() }
            errs += StrategyCheck.dnsSubdomain(name, path.child("searches").index(i))
        }
        for (i, o) in config.kArray("options").enumerated() where o.kStr("name").isEmpty {
            errs.append(.required(path.child("options").index(i).description, "must not be empty"))
        }
        return errs
    }

    private static func validateTopologySpread(_ constraints: [JSON], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, c) in constraints.enumerated() {
            let p = path.index(i)
            let skew = c.kInt("maxSkew") ?? 0
            if skew <= 0 { errs.append(.invalid(p.child("maxSkew").description, .int(skew), "must be greater than zero")) }
            let key = c.kStr("topologyKey")
            if key.isEmpty {
                errs.append(.required(p.child("topologyKey").description, "can not be empty"))
            } else {
                errs += StrategyCheck.qualifiedName(key, p.child("topologyKey"))
            }
            errs += StrategyCheck.oneOf(c.kString("whenUnsatisfiable"), ["DoNotSchedule", "ScheduleAnyway"], p.child("whenUnsatisfiable"))
            errs += StrategyCheck.validateLabelSelector(c["labelSelector"], p.child("labelSelector"))
            if let m = c.kInt("minDomains"), m <= 0 {
                errs.append(.invalid(p.child("minDomains").description, .int(m), "must be greater than 0"))
            }
        }
        return errs
    }
}
