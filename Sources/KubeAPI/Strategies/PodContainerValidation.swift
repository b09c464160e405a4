import KubeJSON

/// Container-level validation (validateContainerCommon and what it calls in
/// pkg/apis/core/validation/validation.go).
enum ContainerValidation {
    static let pullPolicies = ["Always", "IfNotPresent", "Never"]
    static let portProtocols = ["SCTP", "TCP", "UDP"]
    static let envFieldPaths = [
        "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
        "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
    ]
    static let resourceFieldPaths = [
        "limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage",
        "requests.memory",
    ]

    static func validateCommon(_ c: JSON, _ path: FieldPath, volumes: Set<String>) -> [FieldError] {
        var errs: [FieldError] = []
        let name = c.kStr("name")
        if name.isEmpty {
            errs.append(.required(path.child("name").description))
        } else {
            errs += StrategyCheck.dnsLabel(name, path.child("name"))
        }
        if c.kStr("image").isEmpty { errs.append(.required(path.child("image").description)) }
        errs += StrategyCheck.oneOf(c.kString("terminationMessagePolicy"), ["File", "FallbackToLogsOnError"],
                             path.child("terminationMessagePolicy"))
        errs += validatePorts(c.kArray("ports"), path.child("ports"))
        errs += validateEnv(c.kArray("env"), path.child("env"))
        errs += validateEnvFrom(c.kArray("envFrom"), path.child("envFrom"))
        errs += validateVolumeMounts(c.kArray("volumeMounts"), volumes: volumes, path.child("volumeMounts"))
        errs += StrategyCheck.oneOf(c.kString("imagePullPolicy"), pullPolicies, path.child("imagePullPolicy"))
        errs += validateResources(c["resources"], path.child("resources"))
        errs += validateSecurityContext(c["securityContext"], path.child("securityContext"))
        return errs
    }

    static func validatePorts(_ ports: [JSON], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            let p = path.index(i)
            let name = port.kStr("name")
            if !name.isEmpty {
                let msgs = StrategyFormat.isValidPortName(name)
                if !msgs.isEmpty {
                    errs += msgs.map { .invalid(p.child("name").description, name, $0) }
                } else if names.contains(name) {
                    errs.append(.duplicate(p.child("name").description, .string(name)))
                } else {
                    names.insert(name)
                }
            }
            let cp = port.kInt("containerPort") ?? 0
            if cp == 0 {
                errs.append(.required(p.child("containerPort").description))
            } else {
                errs += StrategyFormat.isValidPortNum(cp).map { .invalid(p.child("containerPort").description, .int(cp), $0) }
            }
            if let hp = port.kInt("hostPort"), hp != 0 {
                errs += StrategyFormat.isValidPortNum(hp).map { .invalid(p.child("hostPort").description, .int(hp), $0) }
            }
            errs += StrategyCheck.oneOf(port.kString("protocol"), portProtocols, p.child("protocol"))
        }
        return errs
    }

    /// Host ports may not collide across a set of containers (protocol/hostIP/port).
    static func hostPortConflicts(_ containers: [JSON], _ path: FieldPath) -> [FieldError] {
        var seen = Set<String>()
        var errs: [FieldError] = []
        for (ci, c) in containers.enumerated() {
            for (pi, port) in c.kArray("ports").enumerated() {
                let hp = port.kInt("hostPort") ?? 0
                guard hp != 0 else { continue }
                let key = "\(port.kStr("protocol"))/\(port.kStr("hostIP"))/\(hp)"
                if !seen.insert(key).inserted {
                    errs.append(.duplicate(path.index(ci).child("ports").index(pi).child("hostPort").description, .string(key)))
                }
            }
        }
        return errs
    }

    static func validateEnv(_ vars: [JSON], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ev) in vars.enumerated() {
            let p = path.index(i)
            let name = ev.kStr("name")
            if name.isEmpty {
                errs.append(.required(p.child("name").description))
            } else {
                errs += StrategyFormat.isRelaxedEnvVarName(name).map { .invalid(p.child("name").description, name, $0) }
            }
            guard let vf = ev.kChild("valueFrom") else { continue }
            let vp = p.child("valueFrom")
            var sources = 0
            if let fr = vf.kChild("fieldRef") {
                sources += 1
                errs += validateFieldRef(fr, vp.child("fieldRef"))
            }
            if let rf = vf.kChild("resourceFieldRef") {
                sources += 1
                let resource = rf.kStr("resource")
                if resource.isEmpty {
                    errs.append(.required(vp.child("resourceFieldRef").child("resource").description))
                } else if !resourceFieldPaths.contains(resource) && !resource.hasPrefix("requests.hugepages-")
                    && !resource.hasPrefix("limits.hugepages-") {
                    errs.append(.notSupported(vp.child("resourceFieldRef").child("resource").description, .string(resource), resourceFieldPaths))
                }
            }
            for ref in ["configMapKeyRef", "secretKeyRef"] {
                guard let kr = vf.kChild(ref) else { continue }
                sources += 1
                let rp = vp.child(ref)
                errs += StrategyFormat.isDNS1123Subdomain(kr.kStr("name")).map { .invalid(rp.child("name").description, kr.kStr("name"), $0) }
                let key = kr.kStr("key")
                if key.isEmpty {
                    errs.append(.required(rp.child("key").description))
                } else {
                    errs += StrategyFormat.isConfigMapKey(key).map { .invalid(rp.child("key").description, key, $0) }
                }
            }
            if sources == 0 {
                errs.append(.invalid(vp.description, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
            } else if !ev.kStr("value").isEmpty {
                errs.append(.invalid(vp.description, "", "may not be specified when `value` is not empty"))
            } else if sources > 1 {
                errs.append(.invalid(vp.description, "", "may not have more than one field specified at a time"))
            }
        }
        return errs
    }

    static func validateFieldRef(_ fr: JSON, _ path: FieldPath) -> [FieldError] {
        if fr.kStr("apiVersion").isEmpty { return [.required(path.child("apiVersion").description)] }
        let fieldPath = fr.kStr("fieldPath")
        if fieldPath.isEmpty { return [.required(path.child("fieldPath").description)] }
        if let open = fieldPath.firstIndex(of: "["), fieldPath.hasSuffix("]") {
            let base = String(fieldPath[..<open])
            var key = String(fieldPath[fieldPath.index(after: open)..<fieldPath.index(before: fieldPath.endIndex)])
            if key.count >= 2, key.first == "'", key.last == "'" { key = String(key.dropFirst().dropLast()) }
            switch base {
            case "metadata.annotations": return StrategyCheck.qualifiedName(key.lowercased(), path)
            case "metadata.labels": return StrategyCheck.qualifiedName(key, path)
            default: return [.invalid(path.description, base, "does not support subscript")]
            }
        }
        guard envFieldPaths.contains(fieldPath) else {
            return [.notSupported(path.child("fieldPath").description, .string(fieldPath), envFieldPaths)]
        }
        return []
    }

    static func validateEnvFrom(_ sources: [JSON], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ev) in sources.enumerated() {
            let p = path.index(i)
            let prefix = ev.kStr("prefix")
            if !prefix.isEmpty {
                errs += StrategyFormat.isRelaxedEnvVarName(prefix).map { .invalid(p.child("prefix").description, prefix, $0) }
            }
            var count = 0
            for ref in ["configMapRef", "secretRef"] {
                guard let r = ev.kChild(ref) else { continue }
                count += 1
                let name = r.kStr("name")
                if name.isEmpty {
                    errs.append(.required(p.child(ref).child("name").description))
                } else {
                    errs += StrategyCheck.dnsSubdomain(name, p.child(ref).child("name"))
                }
            }
            if count == 0 {
                errs.append(.invalid(path.description, "", "must specify one of: `configMapRef` or `secretRef`"))
            } else if count > 1 {
                errs.append(.invalid(path.description, "", "may not have more than one field specified at a time"))
            }
        }
        return errs
    }

    static func validateVolumeMounts(_ mounts: [JSON], volumes: Set<String>, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        var mountPoints = Set<String>()
        for (i, m) in mounts.enumerated() {
            let p = path.index(i)
            let name = m.kStr("name"), mountPath = m.kStr("mountPath")
            if name.isEmpty { errs.append(.required(p.child("name").description)) }
            if !volumes.contains(name) { errs.append(FieldError(.notFound, p.child("name").description, value: FieldError.render(.string(name)))) }
            if mountPath.isEmpty { errs.append(.required(p.child("mountPath").description)) }
            if !mountPoints.insert(mountPath).inserted {
                errs.append(.invalid(p.child("mountPath").description, mountPath, "must be unique"))
            }
            let subPath = m.kStr("subPath")
            if !subPath.isEmpty { errs += localDescendingPath(subPath, path.child("subPath")) }
            let subPathExpr = m.kStr("subPathExpr")
            if !subPathExpr.isEmpty {
                if !subPath.isEmpty {
                    errs.append(.invalid(p.child("subPathExpr").description, subPathExpr, "subPathExpr and subPath are mutually exclusive"))
                }
                errs += localDescendingPath(subPathExpr, path.child("subPathExpr"))
            }
            if let mp = m.kString("mountPropagation") {
                errs += StrategyCheck.oneOf(mp, ["Bidirectional", "HostToContainer", "None"], p.child("mountPropagation"))
            }
        }
        return errs
    }

    static func localDescendingPath(_ value: String, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if value.hasPrefix("/") { errs.append(.invalid(path.description, value, "must be a relative path")) }
        if value.split(separator: "/").contains("..") { errs.append(.invalid(path.description, value, "must not contain '..'")) }
        return errs
    }

    static func validateProbe(_ probe: JSON?, _ path: FieldPath, kind: String, gracePeriod: Int64?) -> [FieldError] {
        guard let probe, probe.isObject else { return [] }
        var errs = validateHandler(probe, path, kinds: ["exec", "httpGet", "tcpSocket", "grpc"], gracePeriod: gracePeriod)
        for f in ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] {
            errs += StrategyCheck.nonNegative(probe[f], path.child(f))
        }
        if let t = probe.kInt("terminationGracePeriodSeconds") {
            if kind == "readiness" {
                errs.append(.invalid(path.child("terminationGracePeriodSeconds").description, .int(t), "must not be set for readinessProbes"))
            } else if t <= 0 {
                errs.append(.invalid(path.child("terminationGracePeriodSeconds").description, .int(t), "must be greater than 0"))
            }
        }
        if kind != "readiness", let st = probe.kInt("successThreshold"), st != 1 {
            errs.append(.invalid(path.child("successThreshold").description, .int(st), "must be 1"))
        }
        return errs
    }

    static func validateLifecycle(_ lifecycle: JSON?, _ path: FieldPath, gracePeriod: Int64?) -> [FieldError] {
        guard let lifecycle, lifecycle.isObject else { return [] }
        var errs: [FieldError] = []
        for hook in ["postStart", "preStop"] {
            if let h = lifecycle.kChild(hook) {
                errs += validateHandler(h, path.child(hook), kinds: ["exec", "httpGet", "tcpSocket", "sleep"], gracePeriod: gracePeriod)
            }
        }
        return errs
    }

    private static func validateHandler(_ h: JSON, _ path: FieldPath, kinds: [String], gracePeriod: Int64?) -> [FieldError] {
        var errs: [FieldError] = []
        var count = 0
        for kind in kinds {
            guard let action = h.kChild(kind) else { continue }
            let p = path.child(kind)
            if count > 0 {
                errs.append(.forbidden(p.description, "may not specify more than 1 handler type"))
                continue
            }
            count += 1
            switch kind {
            case "exec":
                if action.kArray("command").isEmpty { errs.append(.required(p.child("command").description)) }
            case "httpGet":
                if action.kStr("path").isEmpty { errs.append(.required(p.child("path").description)) }
                errs += StrategyCheck.portNumOrName(action["port"], p.child("port"))
                let scheme = action.kStr("scheme")
                if !["HTTP", "HTTPS"].contains(scheme) {
                    errs.append(.notSupported(p.child("scheme").description, .string(scheme), ["HTTP", "HTTPS"]))
                }
            case "tcpSocket":
                errs += StrategyCheck.portNumOrName(action["port"], p.child("port"))
            case "grpc":
                errs += StrategyCheck.portNumOrName(.int(action.kInt("port") ?? 0), p.child("port"))
            default:
                let seconds = action.kInt("seconds") ?? 0
                let grace = gracePeriod ?? 30
                if seconds <= 0 || seconds > grace {
                    errs.append(.invalid(p.description, .int(seconds), "must be greater than 0 and less than terminationGracePeriodSeconds (\(grace))"))
                }
            }
        }
        if count == 0 { errs.append(.required(path.description, "must specify a handler type")) }
        return errs
    }

    static func validateSecurityContext(_ sc: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let sc, sc.isObject else { return [] }
        var errs: [FieldError] = []
        for f in ["runAsUser", "runAsGroup"] {
            if let v = sc.kInt(f), v < 0 || v > 4_294_967_295 {
                errs.append(.invalid(path.child(f).description, .int(v), "must be between 0 and 4294967295, inclusive"))
            }
        }
        if sc.kBool("privileged") == true && sc.kBool("allowPrivilegeEscalation") == false {
            errs.append(.invalid(path.description, "", "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
        }
        return errs
    }

    // MARK: Resources

    static let standardContainerResources: Set<String> = ["cpu", "memory", "ephemeral-storage"]

    static func isNativeResource(_ name: String) -> Bool {
        !name.contains("/") || name.contains("kubernetes.io/")
    }

    static func isExtendedResource(_ name: String) -> Bool {
        if isNativeResource(name) || name.hasPrefix("requests.") { return false }
        return StrategyFormat.isQualifiedName("requests." + name).isEmpty
    }

    /// Extended resources cannot be overcommitted, so they count in whole units.
    static func overcommitAllowed(_ name: String) -> Bool {
        isNativeResource(name) && !name.hasPrefix("hugepages-")
    }

    static func validateResources(_ resources: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let res = resources, res.isObject else { return [] }
        var errs: [FieldError] = []
        let limPath = path.child("limits"), reqPath = path.child("requests")
        let limits = res.kObject("limits") ?? JSONObject()
        for e in limits.entries.sorted(by: { $0.key < $1.key }) {
            let p = limPath.key(e.key)
            errs += validateResourceName(e.key, p)
            errs += validateQuantityValue(e.key, e.value, p)
        }
        for e in (res.kObject("requests") ?? JSONObject()).entries.sorted(by: { $0.key < $1.key }) {
            let p = reqPath.key(e.key)
            errs += validateResourceName(e.key, p)
            errs += validateQuantityValue(e.key, e.value, p)
            guard let q = Quantity.parse(json: e.value) else { continue }
            if let limRaw = limits[e.key], let lim = Quantity.parse(json: limRaw) {
                if q != lim && !overcommitAllowed(e.key) {
                    errs.append(.invalid(reqPath.description, q.description, "must be equal to \(e.key) limit of \(lim)"))
                } else if q > lim {
                    errs.append(.invalid(reqPath.description, q.description, "must be less than or equal to \(e.key) limit of \(lim)"))
                }
            } else if limits[e.key] == nil && !overcommitAllowed(e.key) {
                errs.append(.required(limPath.description, "Limit must be set for non overcommitable resources"))
            }
        }
        return errs
    }

    static func validateResourceName(_ name: String, _ path: FieldPath) -> [FieldError] {
        var errs = StrategyCheck.qualifiedName(name, path)
        if !name.contains("/") {
            if !standardContainerResources.contains(name) && !name.hasPrefix("hugepages-") {
                errs.append(.invalid(path.description, name, "must be a standard resource for containers"))
            }
        } else if !isNativeResource(name) && !isExtendedResource(name) {
            errs.append(.invalid(path.description, name, "doesn't follow extended resource name standard"))
        }
        return errs
    }

    /// A quantity that parses, is not negative, and is whole where the resource demands it.
    static func validateQuantityValue(_ name: String, _ raw: JSON, _ path: FieldPath) -> [FieldError] {
        guard let q = Quantity.parse(json: raw) else {
            return [.invalid(path.description, raw, Quantity.syntaxError)]
        }
        if q.sign < 0 { return [.invalid(path.description, q.description, StrategyCheck.nonNegativeMessage)] }
        if isExtendedResource(name) && q.milliValue % 1000 != 0 {
            return [.invalid(path.description, q.description, "must be an integer")]
        }
        return []
    }
}
