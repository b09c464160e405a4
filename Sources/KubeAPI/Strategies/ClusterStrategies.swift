import KubeJSON

/// RBAC, PodDisruptionBudget, Lease and PriorityClass (rbac/v1 defaults; rbac, policy,
/// coordination and scheduling validation).
enum ClusterStrategies {
    static let rbacGroup = "rbac.authorization.k8s.io"

    // MARK: RBAC

    static func applyBinding(_ binding: inout JSON) {
        binding.kEdit("roleRef", create: true) { ref in
            if ref.kStr("apiGroup").isEmpty { ref["apiGroup"] = .string(rbacGroup) }
        }
        binding.kEachElement("subjects") { subject, _ in
            guard subject.kStr("apiGroup").isEmpty else { return }
            switch subject.kStr("kind") {
            case "User", "Group": subject["apiGroup"] = .string(rbacGroup)
            default: break
            }
        }
    }

    static func validatePolicyRules(_ rules: [JSON], namespaced: Bool, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, rule) in rules.enumerated() {
            let p = path.index(i)
            if rule.kArray("verbs").isEmpty { errs.append(.required(p.child("verbs").description, "verbs must contain at least one value")) }
            let urls = rule.kArray("nonResourceURLs")
            if !urls.isEmpty {
                let rendered = GoRender.stringSlice(rule["nonResourceURLs"])
                if namespaced {
                    errs.append(.invalidRendered(p.child("nonResourceURLs").description, rendered, "namespaced rules cannot apply to non-resource URLs"))
                }
                if !rule.kArray("apiGroups").isEmpty || !rule.kArray("resources").isEmpty || !rule.kArray("resourceNames").isEmpty {
                    errs.append(.invalidRendered(p.child("nonResourceURLs").description, rendered, "rules cannot apply to both regular resources and non-resource URLs"))
                }
                continue
            }
            if rule.kArray("apiGroups").isEmpty {
                errs.append(.required(p.child("apiGroups").description, "resource rules must supply at least one api group"))
            }
            if rule.kArray("resources").isEmpty {
                errs.append(.required(p.child("resources").description, "resource rules must supply at least one resource"))
            }
        }
        return errs
    }

    static func validateRole(_ role: JSON, namespaced: Bool) -> [FieldError] {
        var errs = validatePolicyRules(role.kArray("rules"), namespaced: namespaced, FieldPath("rules"))
        if !namespaced, let aggregation = role.kChild("aggregationRule") {
            let ap = FieldPath("aggregationRule").child("clusterRoleSelectors")
            let selectors = aggregation.kArray("clusterRoleSelectors")
            if selectors.isEmpty {
                errs.append(.required(ap.description, "at least one clusterRoleSelector required if aggregationRule is non-nil"))
            }
            for (i, sel) in selectors.enumerated() {
                errs += StrategyCheck.validateLabelSelector(sel, ap.index(i))
            }
        }
        return errs
    }

    static func validateBinding(_ binding: JSON, namespaced: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        let ref = binding["roleRef"] ?? [:]
        let apiGroup = ref.kStr("apiGroup")
        if apiGroup != rbacGroup { errs.append(.notSupported("roleRef.apiGroup", .string(apiGroup), [rbacGroup])) }
        let kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"]
        if !kinds.contains(ref.kStr("kind")) { errs.append(.notSupported("roleRef.kind", .string(ref.kStr("kind")), kinds)) }
        let name = ref.kStr("name")
        if name.isEmpty {
            errs.append(.required("roleRef.name"))
        } else {
            errs += StrategyFormat.isValidPathSegmentName(name).map { .invalid("roleRef.name", name, $0) }
        }
        for (i, subject) in binding.kArray("subjects").enumerated() {
            let p = FieldPath("subjects").index(i)
            let subjectName = subject.kStr("name"), group = subject.kStr("apiGroup")
            if subjectName.isEmpty { errs.append(.required(p.child("name").description)) }
            switch subject.kStr("kind") {
            case "ServiceAccount":
                if !subjectName.isEmpty { errs += StrategyCheck.dnsSubdomain(subjectName, p.child("name")) }
                if !group.isEmpty { errs.append(.notSupported(p.child("apiGroup").description, .string(group), [""])) }
                if !namespaced && subject.kStr("namespace").isEmpty { errs.append(.required(p.child("namespace").description)) }
            case "User", "Group":
                if group != rbacGroup { errs.append(.notSupported(p.child("apiGroup").description, .string(group), [rbacGroup])) }
            case let kind:
                errs.append(.notSupported(p.child("kind").description, .string(kind), ["ServiceAccount", "User", "Group"]))
            }
        }
        return errs
    }

    static func validateBindingUpdate(_ new: JSON, old: JSON, namespaced: Bool) -> [FieldError] {
        var errs = validateBinding(new, namespaced: namespaced)
        if new["roleRef"] != old["roleRef"] {
            let ref = new["roleRef"] ?? [:]
            let rendered = "rbac.RoleRef{APIGroup:\(GoRender.quoted(ref.kStr("apiGroup"))), Kind:\(GoRender.quoted(ref.kStr("kind"))), Name:\(GoRender.quoted(ref.kStr("name")))}"
            errs.append(.invalidRendered("roleRef", rendered, "cannot change roleRef"))
        }
        return errs
    }

    // MARK: PodDisruptionBudget

    static func applyPDB(_ pdb: inout JSON) {
        pdb.kEdit("status", create: true) { status in
            for f in ["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"] { status.kDefault(f, 0) }
        }
    }

    static func validatePDB(_ pdb: JSON) -> [FieldError] {
        let s = pdb["spec"] ?? [:]
        let sp = FieldPath("spec")
        var errs: [FieldError] = []
        if s.kHas("minAvailable") && s.kHas("maxUnavailable") {
            errs.append(.invalidRendered(sp.description, "policy.PodDisruptionBudgetSpec{...}", "minAvailable and maxUnavailable cannot be both set"))
        }
        for f in ["minAvailable", "maxUnavailable"] where s.kHas(f) {
            errs += StrategyCheck.validateIntOrPercent(s[f], sp.child(f))
            errs += StrategyCheck.notMoreThan100Percent(s[f], sp.child(f))
        }
        errs += StrategyCheck.validateLabelSelector(s["selector"], sp.child("selector"), allowInvalidValues: true)
        if let policy = s.kString("unhealthyPodEvictionPolicy") {
            errs += StrategyCheck.oneOf(policy, ["AlwaysAllow", "IfHealthyBudget"], sp.child("unhealthyPodEvictionPolicy"), required: false)
        }
        return errs
    }

    // MARK: Lease

    static func validateLease(_ lease: JSON) -> [FieldError] {
        let s = lease["spec"] ?? [:]
        var errs = StrategyCheck.positive(s["leaseDurationSeconds"], FieldPath("spec").child("leaseDurationSeconds"))
        errs += StrategyCheck.nonNegative(s["leaseTransitions"], FieldPath("spec").child("leaseTransitions"))
        return errs
    }

    // MARK: PriorityClass

    static let systemClasses: [String: Int64] = ["system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000]

    static func applyPriorityClass(_ pc: inout JSON) {
        pc.kDefault("preemptionPolicy", "PreemptLowerPriority")
    }

    static func validatePriorityClass(_ pc: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let name = pc["metadata"]?.kStr("name") ?? ""
        let value = pc.kInt("value") ?? 0
        if name.hasPrefix("system-") {
            var problem: String?
            if let expected = systemClasses[name] {
                if expected != value { problem = "value of \(name) PriorityClass must be \(expected)" }
            } else {
                problem = "\(name) is not a known system priority class"
            }
            if let problem {
                errs.append(.forbidden("metadata.name", "priority class names with 'system-' prefix are reserved for system use only. error: \(problem)"))
            }
        } else if value > 1_000_000_000 {
            errs.append(.forbidden("value", "maximum allowed value of a user defined priority is 1000000000"))
        }
        if let policy = pc.kString("preemptionPolicy") {
            errs += StrategyCheck.oneOf(policy, ["PreemptLowerPriority", "Never"], FieldPath("preemptionPolicy"))
        }
        return errs
    }

    static func validatePriorityClassUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        var errs = validatePriorityClass(new)
        if new.kInt("value") != old.kInt("value") { errs.append(.forbidden("value", "may not be changed in an update.")) }
        errs += StrategyCheck.immutable(new["preemptionPolicy"], old["preemptionPolicy"], FieldPath("preemptionPolicy"))
        return errs
    }
}
