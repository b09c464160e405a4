import KubeJSON

/// Validation of the smaller core kinds (pkg/apis/core/validation).
enum CoreValidation {
    static let maxSecretSize = 1024 * 1024
    static let immutableWhenSet = "field is immutable when `immutable` is set"

    // MARK: Namespace

    static func validateNamespace(_ ns: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, f) in (ns["spec"]?.kArray("finalizers") ?? []).enumerated() {
            errs += finalizerName(f.stringValue ?? "", FieldPath("spec").child("finalizers").index(i))
        }
        return errs
    }

    /// Finalizer names are qualified names, with "kubernetes" allowed bare for namespaces.
    static func finalizerName(_ name: String, _ path: FieldPath) -> [FieldError] {
        var errs = StrategyCheck.qualifiedName(name, path)
        if errs.isEmpty && !name.contains("/") && name != "kubernetes" {
            errs.append(.invalid(path.description, name, "name is neither a standard finalizer name nor is it fully qualified"))
        }
        return errs
    }

    // MARK: ConfigMap and Secret

    static func validateConfigMap(_ cm: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        var total = 0
        let binary = cm.kObject("binaryData")
        for e in (cm.kObject("data")?.entries ?? []).sorted(by: { $0.key < $1.key }) {
            let p = FieldPath("data").key(e.key).description
            errs += StrategyFormat.isConfigMapKey(e.key).map { .invalid(p, e.key, $0) }
            if binary?[e.key] != nil { errs.append(.invalid(p, e.key, "duplicate of key present in binaryData")) }
            total += e.value.stringValue?.utf8.count ?? 0
        }
        for e in (binary?.entries ?? []).sorted(by: { $0.key < $1.key }) {
            let p = FieldPath("binaryData").key(e.key).description
            errs += StrategyFormat.isConfigMapKey(e.key).map { .invalid(p, e.key, $0) }
            switch SecretBase64.decode(e.value.stringValue ?? "") {
            case .success(let bytes): total += bytes.count
            case .failure(let err): errs.append(.invalid(p, "<value omitted>", err.message))
            }
        }
        if total > maxSecretSize { errs.append(.tooLong("", maxSecretSize)) }
        return errs
    }

    static func validateConfigMapUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        var errs = validateConfigMap(new)
        if old.kBool("immutable") == true {
            if new.kBool("immutable") != true { errs.append(.forbidden("immutable", immutableWhenSet)) }
            for field in ["data", "binaryData"] where !sameMap(new[field], old[field]) {
                errs.append(.forbidden(field, immutableWhenSet))
            }
        }
        return errs
    }

    /// nil and empty maps compare equal here: defaulting turns one into the other anyway.
    static func sameMap(_ a: JSON?, _ b: JSON?) -> Bool {
        let x = (a?.isNull ?? true) ? JSON.object(JSONObject()) : a!
        let y = (b?.isNull ?? true) ? JSON.object(JSONObject()) : b!
        return x == y
    }

    static func validateSecret(_ secret: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let dataPath = FieldPath("data")
        var total = 0
        var decoded: [String: [UInt8]] = [:]
        for e in (secret.kObject("data")?.entries ?? []).sorted(by: { $0.key < $1.key }) {
            let p = dataPath.key(e.key).description
            errs += StrategyFormat.isConfigMapKey(e.key).map { .invalid(p, e.key, $0) }
            switch SecretBase64.decode(e.value.stringValue ?? "") {
            case .success(let bytes):
                total += bytes.count
                decoded[e.key] = bytes
            case .failure(let err):
                errs.append(.invalid(p, "<secret contents redacted>", err.message))
            }
        }
        if total > maxSecretSize { errs.append(.tooLong(dataPath.description, maxSecretSize)) }
        switch secret.kStr("type") {
        case "kubernetes.io/service-account-token":
            let annotations = secret["metadata"]?["annotations"]
            if (annotations?.kStr("kubernetes.io/service-account.name") ?? "").isEmpty {
                errs.append(.required(FieldPath("metadata").child("annotations").key("kubernetes.io/service-account.name").description))
            }
        case "kubernetes.io/dockercfg":
            errs += jsonPayload(decoded, key: ".dockercfg", dataPath)
        case "kubernetes.io/dockerconfigjson":
            errs += jsonPayload(decoded, key: ".dockerconfigjson", dataPath)
        case "kubernetes.io/basic-auth":
            if decoded["username"] == nil && decoded["password"] == nil {
                errs.append(.required("data[%s][username]"))
                errs.append(.required("data[%s][password]"))
            }
        case "kubernetes.io/ssh-auth":
            if (decoded["ssh-privatekey"] ?? []).isEmpty { errs.append(.required("data[%s][ssh-privatekey]")) }
        case "kubernetes.io/tls":
            if decoded["tls.crt"] == nil { errs.append(.required(dataPath.key("tls.crt").description)) }
            if decoded["tls.key"] == nil { errs.append(.required(dataPath.key("tls.key").description)) }
        default: break
        }
        return errs
    }

    private static func jsonPayload(_ data: [String: [UInt8]], key: String, _ path: FieldPath) -> [FieldError] {
        guard let bytes = data[key] else { return [.required(path.key(key).description)] }
        do {
            let value = try JSONParser.parse(bytes)
            if !value.isObject {
                return [.invalid(path.key(key).description, "<secret contents redacted>", "json: cannot unmarshal \(value.typeName) into Go value of type map[string]interface {}")]
            }
        } catch {
            return [.invalid(path.key(key).description, "<secret contents redacted>", error.description)]
        }
        return []
    }

    static func validateSecretUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        errs += StrategyCheck.immutable(new["type"], old["type"], FieldPath("type"))
        errs += validateSecret(new)
        if old.kBool("immutable") == true {
            if new.kBool("immutable") != true { errs.append(.forbidden("immutable", immutableWhenSet)) }
            if !sameMap(new["data"], old["data"]) { errs.append(.forbidden("data", immutableWhenSet)) }
        }
        return errs
    }

    // MARK: Events

    /// legacyValidateEvent, plus the strict rules events.k8s.io/v1 adds on create. Paths use the
    /// core field names, as kube-apiserver validates the internal type for both groups.
    static func validateEvent(_ event: JSON, strict: Bool) -> [FieldError] {
        let namespace = event["metadata"]?.kStr("namespace") ?? ""
        let involved = strict ? event["regarding"] : event["involvedObject"]
        let involvedNamespace = involved?.kStr("namespace") ?? ""
        let hasEventTime = event.kHas("eventTime")
        var errs: [FieldError] = []
        if !hasEventTime {
            if involvedNamespace.isEmpty ? (namespace != "" && namespace != "default") : namespace != involvedNamespace {
                errs.append(.invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"))
            }
        } else {
            if involvedNamespace.isEmpty && namespace != "default" && namespace != "kube-system" {
                errs.append(.invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"))
            }
            let controller = event.kStr("reportingController")
            if controller.isEmpty { errs.append(.required("reportingController")) }
            errs += StrategyFormat.isQualifiedName(controller).map { .invalid("reportingController", controller, $0) }
            for (field, limit) in [("reportingInstance", 128), ("action", 128), ("reason", 128)] {
                let v = event.kStr(field)
                if v.isEmpty { errs.append(.required(field)) }
                if v.utf8.count > limit { errs.append(.invalid(field, "", "can have at most \(limit) characters")) }
            }
            if event.kStr(strict ? "note" : "message").utf8.count > 1024 {
                errs.append(.invalid("message", "", "can have at most 1024 characters"))
            }
        }
        errs += StrategyFormat.isDNS1123Subdomain(namespace).map { .invalid("namespace", namespace, $0) }
        guard strict else { return errs }
        if let series = event.kChild("series") {
            if (series.kInt("count") ?? 0) < 2 { errs.append(.invalid("series.count", "", "should be at least 2")) }
            if !series.kHas("lastObservedTime") { errs.append(.required("series.lastObservedTime")) }
        }
        if !hasEventTime { errs.append(.required("eventTime")) }
        let type = event.kStr("type")
        if type != "Normal" && type != "Warning" { errs.append(.invalid("type", "", "has invalid value: \(type)")) }
        if event.kHas("deprecatedFirstTimestamp") { errs.append(.invalid("firstTimestamp", "", "needs to be unset")) }
        if event.kHas("deprecatedLastTimestamp") { errs.append(.invalid("lastTimestamp", "", "needs to be unset")) }
        if (event.kInt("deprecatedCount") ?? 0) != 0 { errs.append(.invalid("count", "", "needs to be unset")) }
        if let source = event.kChild("deprecatedSource"), !source.kStr("component").isEmpty || !source.kStr("host").isEmpty {
            errs.append(.invalid("source", "", "needs to be unset"))
        }
        return errs
    }

    static func validateEventUpdate(_ new: JSON, old: JSON, strict: Bool) -> [FieldError] {
        var errs = validateEvent(new, strict: false)
        guard strict else { return errs }
        let fields: [(String, String)] = [
            ("regarding", "involvedObject"), ("reason", "reason"), ("note", "message"), ("deprecatedSource", "source"),
            ("deprecatedFirstTimestamp", "firstTimestamp"), ("deprecatedLastTimestamp", "lastTimestamp"),
            ("deprecatedCount", "count"), ("type", "type"), ("eventTime", "eventTime"), ("action", "action"),
            ("related", "related"), ("reportingController", "reportingController"), ("reportingInstance", "reportingInstance"),
        ]
        for (field, path) in fields {
            errs += StrategyCheck.immutable(new[field], old[field], FieldPath(path))
        }
        return errs
    }

    // MARK: Node

    static func validateNode(_ node: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = node["spec"] ?? [:]
        let specPath = FieldPath("spec")
        let cidrs = spec.kArray("podCIDRs")
        for (i, c) in cidrs.enumerated() where !StrategyFormat.isCIDR(c.stringValue ?? "") {
            errs.append(.invalid(specPath.child("podCIDRs").index(i).description, c.stringValue ?? "", StrategyFormat.cidrError))
        }
        if cidrs.count > 2 {
            errs.append(.invalidRendered(specPath.child("podCIDRs").description, GoRender.stringSlice(spec["podCIDRs"]), "may specify no more than one CIDR for each IP family"))
        }
        var seen = Set<String>()
        for (i, t) in spec.kArray("taints").enumerated() {
            let p = specPath.child("taints").index(i)
            let key = t.kStr("key"), effect = t.kStr("effect")
            errs += StrategyCheck.qualifiedName(key, p.child("key"))
            errs += StrategyFormat.isLabelValue(t.kStr("value")).map { .invalid(p.child("value").description, t.kStr("value"), $0) }
            errs += StrategyCheck.oneOf(effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"], p.child("effect"))
            if !seen.insert(key + "\u{0}" + effect).inserted {
                errs.append(.duplicate(p.description, .string(key)).replacingDetail("taints must be unique by key and effect pair"))
            }
        }
        for field in ["capacity", "allocatable"] {
            for e in node["status"]?.kObject(field)?.entries ?? [] {
                let p = FieldPath("status").child(field).key(e.key)
                errs += StrategyCheck.qualifiedName(e.key, p)
                if let q = Quantity.parse(json: e.value) {
                    if q.sign < 0 { errs.append(.invalid(p.description, q.description, StrategyCheck.nonNegativeMessage)) }
                } else {
                    errs.append(.invalid(p.description, e.value, Quantity.syntaxError))
                }
            }
        }
        return errs
    }

    static func validateNodeUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        var errs = validateNode(new)
        let newSpec = new["spec"] ?? [:], oldSpec = old["spec"] ?? [:]
        let oldCIDRs = oldSpec.kArray("podCIDRs")
        if !oldCIDRs.isEmpty && oldCIDRs != newSpec.kArray("podCIDRs") {
            errs.append(.forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"))
        }
        let oldProvider = oldSpec.kStr("providerID")
        if !oldProvider.isEmpty && oldProvider != newSpec.kStr("providerID") {
            errs.append(.forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"))
        }
        return errs
    }

    // MARK: LimitRange and ResourceQuota

    static func validateLimitRange(_ lr: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        var types = Set<String>()
        for (i, item) in (lr["spec"]?.kArray("limits") ?? []).enumerated() {
            let p = FieldPath("spec").child("limits").index(i)
            let type = item.kStr("type")
            let typeErrs = StrategyCheck.qualifiedName(type, p.child("type"))
            errs += typeErrs
            if typeErrs.isEmpty && !type.contains("/") && !["Pod", "Container", "PersistentVolumeClaim"].contains(type) {
                errs.append(.invalid(p.child("type").description, type, "must be a standard limit type or fully qualified"))
            }
            if !types.insert(type).inserted { errs.append(.duplicate(p.child("type").description, .string(type))) }
            var lists: [String: [String: Quantity]] = [:]
            for key in ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"] {
                let entries = item.kObject(key)?.entries ?? []
                if type == "Pod" && (key == "default" || key == "defaultRequest") && !entries.isEmpty {
                    errs.append(.forbidden(p.child(key).description, "may not be specified when `type` is 'Pod'"))
                    continue
                }
                for e in entries.sorted(by: { $0.key < $1.key }) {
                    let kp = p.child(key).key(e.key)
                    errs += type == "Pod" || type == "Container"
                        ? ContainerValidation.validateResourceName(e.key, kp) : StrategyCheck.qualifiedName(e.key, kp)
                    if let q = Quantity.parse(json: e.value) {
                        lists[key, default: [:]][e.key] = q
                    } else {
                        errs.append(.invalid(kp.description, e.value, Quantity.syntaxError))
                    }
                }
            }
            if type == "PersistentVolumeClaim" && lists["min"]?["storage"] == nil && lists["max"]?["storage"] == nil {
                errs.append(.required(p.child("limits").description, "either minimum or maximum storage value is required, but neither was provided"))
            }
            let keys = Set(lists.values.flatMap(\.keys)).sorted()
            for k in keys {
                let min = lists["min"]?[k], max = lists["max"]?[k], def = lists["default"]?[k], req = lists["defaultRequest"]?[k]
                func bad(_ list: String, _ q: Quantity, _ msg: String) {
                    errs.append(.invalid(p.child(list).key(k).description, q.description, msg))
                }
                if let min, let max, min > max { bad("min", min, "min value \(min) is greater than max value \(max)") }
                if let req, let min, min > req { bad("defaultRequest", req, "min value \(min) is greater than default request value \(req)") }
                if let req, let max, req > max { bad("defaultRequest", req, "default request value \(req) is greater than max value \(max)") }
                if let req, let def, req > def { bad("defaultRequest", req, "default request value \(req) is greater than default limit value \(def)") }
                if let def, let min, min > def { bad("default", min, "min value \(min) is greater than default value \(def)") }
                if let def, let max, def > max { bad("default", max, "default value \(def) is greater than max value \(max)") }
                if let ratio = lists["maxLimitRequestRatio"]?[k], ratio < Quantity(1) {
                    bad("maxLimitRequestRatio", ratio, "ratio \(ratio) is less than 1")
                }
            }
        }
        return errs
    }

    static let standardQuotaResources: Set<String> = [
        "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims",
        "services.nodeports", "services.loadbalancers", "cpu", "memory", "ephemeral-storage", "storage", "requests.cpu",
        "requests.memory", "requests.storage", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
        "limits.ephemeral-storage",
    ]
    static let integerQuotaResources: Set<String> = [
        "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims",
        "services.nodeports", "services.loadbalancers",
    ]

    static func validateResourceQuota(_ quota: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = quota["spec"] ?? [:]
        for e in (spec.kObject("hard")?.entries ?? []).sorted(by: { $0.key < $1.key }) {
            let p = FieldPath("spec").child("hard").key(e.key)
            var nameErrs = StrategyCheck.qualifiedName(e.key, p)
            if nameErrs.isEmpty && !e.key.contains("/") && !standardQuotaResources.contains(e.key)
                && !e.key.hasPrefix("hugepages-") && !e.key.hasPrefix("requests.hugepages-") {
                nameErrs.append(.invalid(p.description, e.key, "must be a standard resource for quota"))
            }
            errs += nameErrs
            guard let q = Quantity.parse(json: e.value) else {
                errs.append(.invalid(p.description, e.value, Quantity.syntaxError))
                continue
            }
            if q.sign < 0 {
                errs.append(.invalid(p.description, q.description, StrategyCheck.nonNegativeMessage))
            } else if (integerQuotaResources.contains(e.key) || e.key.hasPrefix("count/")) && q.milliValue % 1000 != 0 {
                errs.append(.invalid(p.description, q.description, "must be an integer"))
            }
        }
        let scopes = ["BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass", "Terminating", "VolumeAttributesClass"]
        for (i, s) in spec.kArray("scopes").enumerated() {
            errs += StrategyCheck.oneOf(s.stringValue, scopes, FieldPath("spec").child("scopes").index(i))
        }
        return errs
    }

    // MARK: Endpoints

    static func validateEndpoints(_ ep: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, subset) in ep.kArray("subsets").enumerated() {
            let sp = FieldPath("subsets").index(i)
            for list in ["addresses", "notReadyAddresses"] {
                for (j, a) in subset.kArray(list).enumerated() where !StrategyFormat.isIP(a.kStr("ip")) {
                    errs.append(.invalid(sp.child(list).index(j).child("ip").description, a.kStr("ip"), StrategyFormat.ipError))
                }
            }
            let ports = subset.kArray("ports")
            for (j, port) in ports.enumerated() {
                let pp = sp.child("ports").index(j)
                let name = port.kStr("name")
                if ports.count > 1 && name.isEmpty {
                    errs.append(.required(pp.child("name").description))
                } else if !name.isEmpty {
                    errs += StrategyCheck.dnsLabel(name, pp.child("name"))
                }
                let num = port.kInt("port") ?? 0
                errs += StrategyFormat.isValidPortNum(num).map { .invalid(pp.child("port").description, .int(num), $0) }
                errs += StrategyCheck.oneOf(port.kString("protocol"), ContainerValidation.portProtocols, pp.child("protocol"))
            }
        }
        return errs
    }
}

extension FieldError {
    func replacingDetail(_ detail: String) -> FieldError {
        var copy = self
        copy.detail = detail
        return copy
    }
}
