import KubeJSON

extension PodValidation {
    static let updatableFields = [
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    ]

    /// ValidatePodUpdate: a pod's spec is frozen except for images, the active deadline, added
    /// tolerations and removed scheduling gates.
    static func validateUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        let newSpec = new["spec"] ?? [:], oldSpec = old["spec"] ?? [:]
        let specPath = FieldPath("spec")
        var errs = validateSpec(newSpec, specPath, isPod: true)

        for list in ["containers", "initContainers"] {
            let n = newSpec.kArray(list), o = oldSpec.kArray(list)
            if n.count != o.count {
                errs.append(.forbidden(specPath.child(list).description, "pod updates may not add or remove containers"))
                return errs
            }
            for (i, c) in n.enumerated() {
                let image = c.kStr("image")
                let p = specPath.child(list).index(i).child("image")
                if image.isEmpty { errs.append(.required(p.description)) }
                if image != image.kTrimmed() {
                    errs.append(.invalid(p.description, image, "must not have leading or trailing whitespace"))
                }
            }
        }

        let adsPath = specPath.child("activeDeadlineSeconds").description
        if let ads = newSpec.kInt("activeDeadlineSeconds") {
            if ads < 0 || ads > maxInt32 {
                errs.append(.invalid(adsPath, .int(ads), "must be between 0 and 2147483647, inclusive"))
                return errs
            }
            if let oldAds = oldSpec.kInt("activeDeadlineSeconds"), oldAds < ads {
                errs.append(.invalid(adsPath, .int(ads), "must be less than or equal to previous value"))
                return errs
            }
        } else if oldSpec.kHas("activeDeadlineSeconds") {
            errs.append(.invalid(adsPath, .null, "must not update from a positive integer to nil value"))
        }

        errs += onlyAddedTolerations(newSpec.kArray("tolerations"), oldSpec.kArray("tolerations"), specPath.child("tolerations"))
        let oldGates = Set(oldSpec.kArray("schedulingGates").map { $0.kStr("name") })
        for (i, g) in newSpec.kArray("schedulingGates").enumerated() where !oldGates.contains(g.kStr("name")) {
            errs.append(.forbidden(specPath.child("schedulingGates").index(i).child("name").description,
                                   "only deletion is allowed, but found new scheduling gate '\(g.kStr("name"))'"))
        }

        if newSpec == oldSpec { return errs }
        var munged = newSpec
        for list in ["containers", "initContainers"] {
            let oldList = oldSpec.kArray(list)
            munged.kEachElement(list) { c, i in c["image"] = oldList[i]["image"] }
        }
        munged["activeDeadlineSeconds"] = oldSpec["activeDeadlineSeconds"]
        munged["schedulingGates"] = oldSpec["schedulingGates"]
        munged["tolerations"] = oldSpec["tolerations"]
        if let oldGrace = oldSpec.kInt("terminationGracePeriodSeconds"), oldGrace < 0,
           munged.kInt("terminationGracePeriodSeconds") == 1 {
            munged["terminationGracePeriodSeconds"] = .int(oldGrace)
        }
        if munged != oldSpec {
            let detail = "pod updates may not change fields other than " + updatableFields.joined(separator: ",")
                + "\n" + specDiff(old: oldSpec, new: munged)
            errs.append(.forbidden(specPath.description, detail))
        }
        return errs
    }

    private static func onlyAddedTolerations(_ new: [JSON], _ old: [JSON], _ path: FieldPath) -> [FieldError] {
        for o in old {
            var stripped = o
            stripped["tolerationSeconds"] = nil
            let found = new.contains { n in
                var m = n
                m["tolerationSeconds"] = nil
                return m == stripped
            }
            if !found { return [.forbidden(path.description, "existing toleration can not be modified except its tolerationSeconds")] }
        }
        return []
    }

    /// A short account of what changed, standing in for the Go struct diff kube-apiserver appends.
    static func specDiff(old: JSON, new: JSON) -> String {
        let keys = (old.objectValue?.keys ?? []) + (new.objectValue?.keys ?? []).filter { !(old.objectValue?.keys ?? []).contains($0) }
        var lines: [String] = []
        for k in keys where old[k] != new[k] {
            if let o = old[k] { lines.append("- \(k): \(o.jsonString)") }
            if let n = new[k] { lines.append("+ \(k): \(n.jsonString)") }
        }
        return lines.joined(separator: "\n")
    }
}
