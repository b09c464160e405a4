import KubeJSON

/// batch/v1 Job and CronJob: defaults (pkg/apis/batch/v1/defaults.go), the Job strategy's selector
/// generation, and validation (pkg/apis/batch/validation).
enum BatchStrategies {
    static let controllerUIDLabel = "batch.kubernetes.io/controller-uid"
    static let jobNameLabel = "batch.kubernetes.io/job-name"
    static let legacyControllerUIDLabel = "controller-uid"
    static let legacyJobNameLabel = "job-name"
    static let spec = FieldPath("spec")

    // MARK: Defaults

    static func applyJob(_ job: inout JSON) {
        let templateLabels = job["spec"]?["template"]?["metadata"]?["labels"]
        if let labels = templateLabels, labels.isObject, job["metadata"]?.kObject("labels")?.isEmpty ?? true {
            job.kEdit("metadata", create: true) { $0["labels"] = labels }
        }
        job.kEdit("spec", create: true) { spec in
            applyJobSpec(&spec)
            spec.kEdit("template", create: true) { PodDefaults.applyTemplate(&$0) }
        }
        job.kDefault("status", .object(JSONObject()))
    }

    private static func applyJobSpec(_ spec: inout JSON) {
        if !spec.kHas("completions") && !spec.kHas("parallelism") {
            spec["completions"] = 1
            spec["parallelism"] = 1
        }
        spec.kDefault("parallelism", 1)
        spec.kDefault("backoffLimit", spec.kHas("backoffLimitPerIndex") ? 2_147_483_647 : 6)
        spec.kDefault("completionMode", "NonIndexed")
        spec.kDefault("suspend", false)
        spec.kDefault("podReplacementPolicy", spec.kHas("podFailurePolicy") ? "Failed" : "TerminatingOrFailed")
        spec.kEdit("podFailurePolicy") { policy in
            policy.kEachElement("rules") { rule, _ in
                rule.kEachElement("onPodConditions") { c, _ in c.kDefault("status", "True") }
            }
        }
    }

    static func applyCronJob(_ cj: inout JSON) {
        cj.kEdit("spec", create: true) { spec in
            if spec.kStr("concurrencyPolicy").isEmpty { spec["concurrencyPolicy"] = "Allow" }
            spec.kDefault("suspend", false)
            spec.kDefault("successfulJobsHistoryLimit", 3)
            spec.kDefault("failedJobsHistoryLimit", 1)
            spec.kEdit("jobTemplate", create: true) { jt in
                jt.kEdit("spec", create: true) { js in js.kEdit("template", create: true) { PodDefaults.applyTemplate(&$0) } }
            }
        }
        cj.kDefault("status", .object(JSONObject()))
    }

    /// The Job strategy's generateSelector: unless spec.manualSelector is true, label the pod
    /// template with the job's uid and name and select on the uid. A job created without labels
    /// then carries the template's labels, as kube-apiserver's read-back defaulting leaves it.
    static func generateSelector(_ job: inout JSON, uid: String) {
        guard job["spec"]?.kBool("manualSelector") != true else { return }
        let name = job["metadata"]?.kStr("name") ?? ""
        let before = job["spec"]?["template"]?["metadata"]?["labels"]
        let jobLabels = job["metadata"]?["labels"]
        let labelsFollowTemplate = jobLabels == nil || jobLabels == .null || jobLabels?.objectValue?.isEmpty == true || jobLabels == before
        job.kEdit("spec", create: true) { spec in
            spec.kEdit("template", create: true) { t in
                t.kEdit("metadata", create: true) { meta in
                    meta.kEdit("labels", create: true) { labels in
                        for (key, value) in [(legacyJobNameLabel, name), (jobNameLabel, name),
                                             (legacyControllerUIDLabel, uid), (controllerUIDLabel, uid)]
                        where !labels.kHas(key) {
                            labels[key] = .string(value)
                        }
                    }
                }
            }
            spec.kEdit("selector", create: true) { sel in
                sel.kEdit("matchLabels", create: true) { ml in
                    if !ml.kHas(controllerUIDLabel) { ml[controllerUIDLabel] = .string(uid) }
                }
            }
        }
        if labelsFollowTemplate, let labels = job["spec"]?["template"]?["metadata"]?["labels"] {
            job.kEdit("metadata", create: true) { $0["labels"] = labels }
        }
    }

    // MARK: Job validation

    static func validateJob(_ job: JSON) -> [FieldError] {
        let s = job["spec"] ?? [:]
        var errs = generatedSelector(job)
        errs += validateJobSpec(s, spec)
        let selector = s["selector"].flatMap { $0.isNull ? nil : $0 }
        if selector == nil {
            errs.append(.required(spec.child("selector").description))
        } else {
            errs += StrategyCheck.validateLabelSelector(selector, spec.child("selector"))
        }
        if StrategyCheck.selectorConverts(selector) {
            errs += StrategyCheck.selectorMatchesTemplate(selector, template: s["template"], path: spec.child("template"))
        }
        return errs
    }

    /// With a generated selector the template must carry the uid and name labels it selects on.
    private static func generatedSelector(_ job: JSON) -> [FieldError] {
        let s = job["spec"] ?? [:]
        guard s.kBool("manualSelector") != true, let selector = s.kChild("selector") else { return [] }
        let uid = job["metadata"]?.kStr("uid") ?? "", name = job["metadata"]?.kStr("name") ?? ""
        var errs: [FieldError] = []
        if uid.isEmpty { errs.append(.required("metadata.uid")) }
        let meta = s["template"]?["metadata"] ?? [:]
        let mp = spec.child("template").child("metadata")
        var expected: JSONObject = [:]
        for (key, value) in [(legacyControllerUIDLabel, uid), (legacyJobNameLabel, name), (controllerUIDLabel, uid), (jobNameLabel, name)] {
            expected[key] = .string(value)
            let p = mp.child("labels").key(key).description
            if let actual = meta["labels"]?[key] {
                if actual.stringValue != value {
                    errs.append(.invalidRendered(p, GoRender.stringMap(meta["labels"]), "must be '\(value)'"))
                }
            } else {
                errs.append(.required(p, "must be '\(value)'"))
            }
        }
        if StrategyCheck.selectorConverts(selector) && !StrategyCheck.selectorMatches(selector, .object(expected)) {
            errs.append(.invalidRendered(spec.child("selector").description, GoRender.labelSelector(selector), "`selector` not auto-generated"))
        }
        return errs
    }

    /// validateJobSpec: everything but the selector, shared with CronJob job templates.
    static func validateJobSpec(_ s: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for f in ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"] {
            errs += StrategyCheck.nonNegative(s[f], path.child(f))
        }
        if let mode = s.kString("completionMode") {
            errs += StrategyCheck.oneOf(mode, ["NonIndexed", "Indexed"], path.child("completionMode"))
            if mode == "Indexed" {
                if !s.kHas("completions") {
                    errs.append(.required(path.child("completions").description, "when completion mode is Indexed"))
                } else if let c = s.kInt("completions"), c > 100_000 {
                    errs.append(.invalid(path.child("completions").description, .int(c), "must be less than or equal to 100000 when completion mode is Indexed"))
                }
            } else if s.kHas("backoffLimitPerIndex") {
                errs.append(.invalid(path.child("backoffLimitPerIndex").description, s["backoffLimitPerIndex"], "requires indexed completion mode"))
            }
        }
        if let policy = s.kString("podReplacementPolicy") {
            errs += StrategyCheck.oneOf(policy, ["Failed", "TerminatingOrFailed"], path.child("podReplacementPolicy"))
        }
        let tp = path.child("template")
        errs += PodValidation.validateTemplate(s["template"], tp)
        let restart = s["template"]?["spec"]?.kStr("restartPolicy") ?? ""
        if restart != "OnFailure" && restart != "Never" {
            errs.append(.notSupported(tp.child("spec").child("restartPolicy").description, .string(restart), ["OnFailure", "Never"]))
        }
        return errs
    }

    static func validateJobUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        var errs = validateJob(new)
        let n = new["spec"] ?? [:], o = old["spec"] ?? [:]
        let elastic = n.kStr("completionMode") == "Indexed" && o.kStr("completionMode") == "Indexed"
            && n["completions"] == n["parallelism"] && o["completions"] == o["parallelism"]
        if !elastic { errs += StrategyCheck.immutable(n["completions"], o["completions"], spec.child("completions")) }
        errs += StrategyCheck.immutable(n["selector"], o["selector"], spec.child("selector"), rendered: GoRender.labelSelector(n["selector"]))
        // A suspended job that never started may still be retargeted.
        var oldTemplate = o["template"] ?? [:]
        if o.kBool("suspend") == true && !(old["status"]?.kHas("startTime") ?? false) {
            let nt = n["template"] ?? [:]
            oldTemplate.kEdit("metadata", create: true) { meta in
                meta["labels"] = nt["metadata"]?["labels"]
                meta["annotations"] = nt["metadata"]?["annotations"]
            }
            oldTemplate.kEdit("spec", create: true) { ps in
                for f in ["nodeSelector", "tolerations", "affinity", "schedulingGates"] { ps[f] = nt["spec"]?[f] }
            }
        }
        errs += StrategyCheck.immutable(n["template"], oldTemplate, spec.child("template"), rendered: "core.PodTemplateSpec{...}")
        errs += StrategyCheck.immutable(n["completionMode"], o["completionMode"], spec.child("completionMode"))
        errs += StrategyCheck.immutable(n["podFailurePolicy"], o["podFailurePolicy"], spec.child("podFailurePolicy"), rendered: "batch.PodFailurePolicy{...}")
        return errs
    }

    // MARK: CronJob validation

    static func validateCronJob(_ cj: JSON, creating: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        let name = cj["metadata"]?.kStr("name") ?? ""
        if creating && name.utf8.count > 52 {
            errs.append(.invalid("metadata.name", name, "must be no more than 52 characters"))
        }
        let s = cj["spec"] ?? [:]
        let schedule = s.kStr("schedule")
        if schedule.isEmpty {
            errs.append(.required(spec.child("schedule").description))
        } else {
            do throws(CronSchedule.ParseError) {
                _ = try CronSchedule.parse(schedule)
            } catch {
                errs.append(.invalid(spec.child("schedule").description, schedule, error.message))
            }
            if schedule.contains("TZ") {
                errs.append(.invalid(spec.child("schedule").description, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
            }
        }
        if let tz = s.kString("timeZone") {
            let tp = spec.child("timeZone").description
            if tz.isEmpty {
                errs.append(.invalid(tp, tz, "timeZone must be nil or non-empty string"))
            } else if tz.lowercased() == "local" {
                errs.append(.invalid(tp, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
            } else if !plausibleTimeZone(tz) {
                errs.append(.invalid(tp, tz, "unknown time zone \(tz)"))
            }
        }
        errs += StrategyCheck.nonNegative(s["startingDeadlineSeconds"], spec.child("startingDeadlineSeconds"))
        errs += StrategyCheck.oneOf(s.kString("concurrencyPolicy"), ["Allow", "Forbid", "Replace"], spec.child("concurrencyPolicy"))
        let jp = spec.child("jobTemplate").child("spec")
        let js = s["jobTemplate"]?["spec"] ?? [:]
        errs += validateJobSpec(js, jp)
        if let sel = js["selector"], !sel.isNull {
            errs.append(.invalidRendered(jp.child("selector").description, GoRender.labelSelector(sel), "`selector` will be auto-generated"))
        }
        if js.kBool("manualSelector") == true {
            errs.append(.notSupported(jp.child("manualSelector").description, .bool(true), ["nil", "false"]))
        }
        errs += StrategyCheck.nonNegative(s["successfulJobsHistoryLimit"], spec.child("successfulJobsHistoryLimit"))
        errs += StrategyCheck.nonNegative(s["failedJobsHistoryLimit"], spec.child("failedJobsHistoryLimit"))
        return errs
    }

    /// Without a tz database, accept names shaped like IANA zones ("Europe/Paris", "UTC", "Etc/GMT+3").
    private static func plausibleTimeZone(_ tz: String) -> Bool {
        let parts = tz.split(separator: "/", omittingEmptySubsequences: false)
        return parts.allSatisfy { p in
            guard let f = p.first, f.isLetter, f.isASCII else { return false }
            return p.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_+-".contains($0)) }
        }
    }
}
