import KubeJSON

/// apps/v1 validation (pkg/apis/apps/validation and the apps strategies' update rules).
enum AppsValidation {
    static let spec = FieldPath("spec")

    /// The selector checks Deployment and ReplicaSet share, then the template checks.
    private static func selectorAndTemplate(_ s: JSON, kindWord: String, workload: String) -> [FieldError] {
        var errs: [FieldError] = []
        let selector = s["selector"].flatMap { $0.isNull ? nil : $0 }
        if selector == nil {
            errs.append(.required(spec.child("selector").description))
        } else {
            errs += StrategyCheck.validateLabelSelector(selector, spec.child("selector"))
            if StrategyCheck.selectorIsEmpty(selector) {
                errs.append(.invalidRendered(spec.child("selector").description, GoRender.labelSelector(selector), "empty selector is invalid for \(kindWord)"))
            }
        }
        guard StrategyCheck.selectorConverts(selector) else {
            errs.append(.invalidRendered(spec.child("selector").description, GoRender.labelSelector(selector), "invalid label selector"))
            return errs
        }
        errs += templateForReplicas(s["template"], selector: selector, workload: workload)
        return errs
    }

    /// ValidatePodTemplateSpecForReplicaSet (also used for Deployments).
    private static func templateForReplicas(_ template: JSON?, selector: JSON?, workload: String) -> [FieldError] {
        let tp = spec.child("template")
        var errs: [FieldError] = []
        if !StrategyCheck.selectorIsEmpty(selector) {
            errs += StrategyCheck.selectorMatchesTemplate(selector, template: template, path: tp)
        }
        errs += PodValidation.validateTemplate(template, tp)
        errs += alwaysRestart(template, tp, workload: workload)
        return errs
    }

    private static func alwaysRestart(_ template: JSON?, _ tp: FieldPath, workload: String) -> [FieldError] {
        var errs: [FieldError] = []
        let podSpec = template?["spec"] ?? [:]
        let policy = podSpec.kStr("restartPolicy")
        if policy != "Always" {
            errs.append(.notSupported(tp.child("spec").child("restartPolicy").description, .string(policy), ["Always"]))
        }
        if podSpec.kHas("activeDeadlineSeconds") {
            errs.append(.forbidden(tp.child("spec").child("activeDeadlineSeconds").description, "activeDeadlineSeconds in \(workload) is not Supported"))
        }
        return errs
    }

    // MARK: Deployment

    static func validateDeployment(_ d: JSON) -> [FieldError] {
        let s = d["spec"] ?? [:]
        var errs = StrategyCheck.nonNegative(s["replicas"], spec.child("replicas"))
        errs += selectorAndTemplate(s, kindWord: "deployment", workload: "ReplicaSet")
        errs += validateDeploymentStrategy(s["strategy"] ?? [:], spec.child("strategy"))
        errs += StrategyCheck.nonNegative(s["minReadySeconds"], spec.child("minReadySeconds"))
        errs += StrategyCheck.nonNegative(s["revisionHistoryLimit"], spec.child("revisionHistoryLimit"))
        if let pds = s.kInt("progressDeadlineSeconds") {
            errs += StrategyCheck.nonNegative(.int(pds), spec.child("progressDeadlineSeconds"))
            if pds <= (s.kInt("minReadySeconds") ?? 0) {
                errs.append(.invalid(spec.child("progressDeadlineSeconds").description, .int(pds), "must be greater than minReadySeconds"))
            }
        }
        return errs
    }

    private static func validateDeploymentStrategy(_ strategy: JSON, _ path: FieldPath) -> [FieldError] {
        switch strategy.kStr("type") {
        case "Recreate":
            return strategy.kHas("rollingUpdate")
                ? [.forbidden(path.child("rollingUpdate").description, "may not be specified when strategy `type` is 'Recreate'")] : []
        case "RollingUpdate":
            guard let ru = strategy.kChild("rollingUpdate") else {
                return [.required(path.child("rollingUpdate").description, "this should be defaulted and never be nil")]
            }
            let rp = path.child("rollingUpdate")
            var errs = StrategyCheck.validateIntOrPercent(ru["maxUnavailable"], rp.child("maxUnavailable"))
            errs += StrategyCheck.validateIntOrPercent(ru["maxSurge"], rp.child("maxSurge"))
            if StrategyCheck.intOrPercentValue(ru["maxUnavailable"]) == 0 && StrategyCheck.intOrPercentValue(ru["maxSurge"]) == 0 {
                errs.append(.invalidRendered(rp.child("maxUnavailable").description, GoRender.intOrString(ru["maxUnavailable"]), "may not be 0 when `maxSurge` is 0"))
            }
            errs += StrategyCheck.notMoreThan100Percent(ru["maxUnavailable"], rp.child("maxUnavailable"))
            return errs
        default:
            return [.notSupported(path.description, .string(strategy.kStr("type")), ["Recreate", "RollingUpdate"])]
        }
    }

    static func validateDeploymentUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        validateDeployment(new) + immutableSelector(new, old)
    }

    private static func immutableSelector(_ new: JSON, _ old: JSON) -> [FieldError] {
        let n = new["spec"]?["selector"], o = old["spec"]?["selector"]
        return StrategyCheck.immutable(n, o, spec.child("selector"), rendered: GoRender.labelSelector(n))
    }

    // MARK: ReplicaSet

    static func validateReplicaSet(_ rs: JSON) -> [FieldError] {
        let s = rs["spec"] ?? [:]
        var errs = StrategyCheck.nonNegative(s["replicas"], spec.child("replicas"))
        errs += StrategyCheck.nonNegative(s["minReadySeconds"], spec.child("minReadySeconds"))
        // kube-apiserver's ReplicaSet message really does say "deployment".
        errs += selectorAndTemplate(s, kindWord: "deployment", workload: "ReplicaSet")
        return errs
    }

    static func validateReplicaSetUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        validateReplicaSet(new) + immutableSelector(new, old)
    }

    // MARK: StatefulSet

    static func validateStatefulSet(_ sts: JSON) -> [FieldError] {
        let s = sts["spec"] ?? [:]
        var errs: [FieldError] = []
        switch s.kStr("podManagementPolicy") {
        case "": errs.append(.required(spec.child("podManagementPolicy").description))
        case "OrderedReady", "Parallel": break
        case let other: errs.append(.invalid(spec.child("podManagementPolicy").description, other, "must be 'OrderedReady' or 'Parallel'"))
        }
        let strategy = s["updateStrategy"] ?? [:]
        let up = spec.child("updateStrategy")
        switch strategy.kStr("type") {
        case "": errs.append(.required(up.description))
        case "OnDelete":
            if strategy.kHas("rollingUpdate") {
                errs.append(.invalidRendered(up.child("rollingUpdate").description, "apps.RollingUpdateStatefulSetStrategy{...}", "only allowed for updateStrategy 'RollingUpdate'"))
            }
        case "RollingUpdate":
            if let ru = strategy.kChild("rollingUpdate") {
                let rp = up.child("rollingUpdate")
                errs += StrategyCheck.nonNegative(ru["partition"], rp.child("partition"))
                if let mu = ru["maxUnavailable"], !mu.isNull {
                    errs += StrategyCheck.validateIntOrPercent(mu, rp.child("maxUnavailable"))
                    if StrategyCheck.intOrPercentValue(mu) == 0 {
                        errs.append(.invalidRendered(rp.child("maxUnavailable").description, GoRender.intOrString(mu), "cannot be 0"))
                    }
                    errs += StrategyCheck.notMoreThan100Percent(mu, rp.child("maxUnavailable"))
                }
            }
        default:
            errs.append(.invalidRendered(up.description, "apps.StatefulSetUpdateStrategy{Type:\(GoRender.quoted(strategy.kStr("type")))}", "must be 'RollingUpdate' or 'OnDelete'"))
        }
        if let policy = s.kChild("persistentVolumeClaimRetentionPolicy") {
            let pp = spec.child("persistentVolumeClaimRetentionPolicy")
            for f in ["whenDeleted", "whenScaled"] {
                let v = policy.kStr(f)
                if v != "Retain" && v != "Delete" { errs.append(.notSupported(pp.child(f).description, .string(v), ["Retain", "Delete"])) }
            }
        }
        errs += StrategyCheck.nonNegative(s["replicas"], spec.child("replicas"))
        errs += StrategyCheck.nonNegative(s["minReadySeconds"], spec.child("minReadySeconds"))
        if let ordinals = s.kChild("ordinals") { errs += StrategyCheck.nonNegative(ordinals["start"], spec.child("ordinals.start")) }
        let selector = s["selector"].flatMap { $0.isNull ? nil : $0 }
        if selector == nil {
            errs.append(.required(spec.child("selector").description))
        } else {
            errs += StrategyCheck.validateLabelSelector(selector, spec.child("selector"))
            if StrategyCheck.selectorIsEmpty(selector) {
                errs.append(.invalidRendered(spec.child("selector").description, GoRender.labelSelector(selector), "empty selector is invalid for statefulset"))
            }
        }
        let tp = spec.child("template")
        if !StrategyCheck.selectorConverts(selector) {
            errs.append(.invalidRendered(spec.child("selector").description, GoRender.labelSelector(selector), ""))
        } else {
            if !StrategyCheck.selectorIsEmpty(selector) {
                errs += StrategyCheck.selectorMatchesTemplate(selector, template: s["template"], path: tp)
            }
            // Volume mounts may name a volumeClaimTemplate instead of a pod volume.
            let claims = Set(s.kArray("volumeClaimTemplates").compactMap { $0["metadata"]?.kString("name") })
            errs += PodValidation.validateTemplate(s["template"], tp, extraVolumes: claims)
        }
        for (i, claim) in s.kArray("volumeClaimTemplates").enumerated() {
            let cp = spec.child("volumeClaimTemplates").index(i)
            errs += StorageValidation.validateClaimSpec(claim["spec"] ?? [:], cp.child("spec"))
        }
        errs += alwaysRestart(s["template"], tp, workload: "StatefulSet")
        return errs
    }

    static func validateStatefulSetUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        var errs = validateStatefulSet(new)
        var n = new["spec"] ?? [:]
        let o = old["spec"] ?? [:]
        for f in ["replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"] {
            n[f] = o[f]
        }
        if n != o {
            errs.append(.forbidden(spec.description, "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
        }
        return errs
    }

    // MARK: DaemonSet

    static func validateDaemonSet(_ ds: JSON) -> [FieldError] {
        let s = ds["spec"] ?? [:]
        let selector = s["selector"].flatMap { $0.isNull ? nil : $0 }
        var errs = StrategyCheck.validateLabelSelector(selector, spec.child("selector"))
        let tp = spec.child("template")
        if StrategyCheck.selectorConverts(selector) {
            errs += StrategyCheck.selectorMatchesTemplate(selector, template: s["template"], path: tp)
        }
        if selector != nil && StrategyCheck.selectorIsEmpty(selector) {
            errs.append(.invalidRendered(spec.child("selector").description, GoRender.labelSelector(selector), "empty selector is invalid for daemonset"))
        }
        errs += PodValidation.validateTemplate(s["template"], tp)
        errs += alwaysRestart(s["template"], tp, workload: "DaemonSet")
        errs += StrategyCheck.nonNegative(s["minReadySeconds"], spec.child("minReadySeconds"))
        errs += StrategyCheck.nonNegative(s["templateGeneration"], spec.child("templateGeneration"))
        let strategy = s["updateStrategy"] ?? [:]
        let up = spec.child("updateStrategy")
        switch strategy.kStr("type") {
        case "OnDelete": break
        case "RollingUpdate":
            if let ru = strategy.kChild("rollingUpdate") {
                let rp = up.child("rollingUpdate")
                errs += StrategyCheck.validateIntOrPercent(ru["maxUnavailable"], rp.child("maxUnavailable"))
                errs += StrategyCheck.validateIntOrPercent(ru["maxSurge"], rp.child("maxSurge"))
                errs += StrategyCheck.notMoreThan100Percent(ru["maxUnavailable"], rp.child("maxUnavailable"))
                errs += StrategyCheck.notMoreThan100Percent(ru["maxSurge"], rp.child("maxSurge"))
                let hasUnavailable = StrategyCheck.intOrPercentValue(ru["maxUnavailable"]) != 0
                let hasSurge = StrategyCheck.intOrPercentValue(ru["maxSurge"]) != 0
                if hasUnavailable && hasSurge {
                    errs.append(.invalidRendered(rp.child("maxSurge").description, GoRender.intOrString(ru["maxSurge"]), "may not be set when maxUnavailable is non-zero"))
                } else if !hasUnavailable && !hasSurge {
                    errs.append(.required(rp.child("maxUnavailable").description, "cannot be 0 when maxSurge is 0"))
                }
            } else {
                errs.append(.required(up.child("rollingUpdate").description))
            }
        default:
            errs.append(.notSupported(up.description, .string(strategy.kStr("type")), ["RollingUpdate", "OnDelete"]))
        }
        errs += StrategyCheck.nonNegative(s["revisionHistoryLimit"], spec.child("revisionHistoryLimit"))
        return errs
    }

    static func validateDaemonSetUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        var errs = validateDaemonSet(new)
        let nt = new["spec"]?.kInt("templateGeneration") ?? 0, ot = old["spec"]?.kInt("templateGeneration") ?? 0
        if nt < ot {
            errs.append(.invalid(spec.child("templateGeneration").description, .int(nt), "must not be decremented"))
        }
        return errs + immutableSelector(new, old)
    }

    // MARK: ControllerRevision

    static func validateControllerRevision(_ cr: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        if !cr.kHas("data") { errs.append(.required("data", "data is mandatory")) }
        errs += StrategyCheck.nonNegative(cr["revision"], FieldPath("revision"))
        return errs
    }

    static func validateControllerRevisionUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        validateControllerRevision(new) + StrategyCheck.immutable(new["data"], old["data"], FieldPath("data"), rendered: "runtime.RawExtension{...}")
    }
}
