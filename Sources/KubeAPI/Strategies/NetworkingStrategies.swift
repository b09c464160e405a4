import KubeJSON

/// networking.k8s.io/v1 Ingress, IngressClass and NetworkPolicy (pkg/apis/networking/v1/defaults.go
/// and pkg/apis/networking/validation).
enum NetworkingStrategies {
    static let spec = FieldPath("spec")

    // MARK: Defaults

    static func applyNetworkPolicy(_ np: inout JSON) {
        np.kEdit("spec", create: true) { spec in
            spec.kDefault("podSelector", .object(JSONObject()))
            for direction in ["ingress", "egress"] {
                spec.kEachElement(direction) { rule, _ in
                    rule.kEachElement("ports") { p, _ in p.kDefault("protocol", "TCP") }
                }
            }
            if spec.kArray("policyTypes").isEmpty {
                spec["policyTypes"] = spec.kArray("egress").isEmpty ? ["Ingress"] : ["Ingress", "Egress"]
            }
        }
    }

    static func applyIngressClass(_ ic: inout JSON) {
        ic.kEdit("spec") { spec in spec.kEdit("parameters") { $0.kDefault("scope", "Cluster") } }
    }

    static func applyIngress(_ ing: inout JSON) {
        ing.kDefault("status", ["loadBalancer": .object(JSONObject())])
    }

    // MARK: Ingress

    static func validateIngress(_ ing: JSON) -> [FieldError] {
        let s = ing["spec"] ?? [:]
        var errs: [FieldError] = []
        let rules = s.kArray("rules")
        if rules.isEmpty && !s.kHas("defaultBackend") {
            errs.append(.invalidRendered(spec.description, "[]networking.IngressRule(nil)", "either `defaultBackend` or `rules` must be specified"))
        }
        if let backend = s.kChild("defaultBackend") { errs += validateBackend(backend, spec.child("defaultBackend")) }
        for (i, rule) in rules.enumerated() {
            let rp = spec.child("rules").index(i)
            let host = rule.kStr("host")
            if !host.isEmpty {
                if StrategyFormat.isIP(host) { errs.append(.invalid(rp.child("host").description, host, "must be a DNS name, not an IP address")) }
                errs += hostErrors(host).map { .invalid(rp.child("host").description, host, $0) }
            }
            guard let http = rule.kChild("http") else { continue }
            let hp = rp.child("http")
            let paths = http.kArray("paths")
            if paths.isEmpty { errs.append(.required(hp.child("paths").description)) }
            for (j, p) in paths.enumerated() {
                errs += validatePath(p, hp.child("paths").index(j))
            }
        }
        for (i, tls) in s.kArray("tls").enumerated() {
            let tp = spec.child("tls").index(i)
            for (j, h) in tls.kArray("hosts").enumerated() {
                let host = h.stringValue ?? ""
                errs += hostErrors(host).map { .invalid(tp.child("hosts").index(j).description, host, $0) }
            }
            if let secret = tls.kString("secretName"), !secret.isEmpty {
                errs += StrategyCheck.dnsSubdomain(secret, tp.child("secretName"))
            }
        }
        if let cls = s.kString("ingressClassName") {
            errs += StrategyCheck.dnsSubdomain(cls, spec.child("ingressClassName"))
            if let annotated = ing["metadata"]?["annotations"]?.kString("kubernetes.io/ingress.class") {
                errs.append(.invalid("annotations.kubernetes.io/ingress.class", annotated, "can not be set when the class field is also set"))
            }
        }
        return errs
    }

    private static func hostErrors(_ host: String) -> [String] {
        guard host.contains("*") else { return StrategyFormat.isDNS1123Subdomain(host) }
        let ok = host.hasPrefix("*.") && StrategyFormat.matchesSubdomain(String(host.dropFirst(2))) && host.utf8.count <= 253
        return ok ? [] : [StrategyFormat.regexError("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character", "\\*\\." + StrategyFormat.dns1123SubdomainFmt, ["*.example.com"])]
    }

    private static func validatePath(_ p: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let value = p.kStr("path")
        if let type = p.kString("pathType") {
            switch type {
            case "Exact", "Prefix":
                if !value.hasPrefix("/") { errs.append(.invalid(path.child("path").description, value, "must be an absolute path")) }
                for seq in ["//", "/./", "/../", "%2f", "%2F"] where value.contains(seq) {
                    errs.append(.invalid(path.child("path").description, value, "must not contain '\(seq)'"))
                }
                for suffix in ["/..", "/."] where value.hasSuffix(suffix) {
                    errs.append(.invalid(path.child("path").description, value, "cannot end with '\(suffix)'"))
                }
            case "ImplementationSpecific":
                if !value.isEmpty && !value.hasPrefix("/") {
                    errs.append(.invalid(path.child("path").description, value, "must be an absolute path"))
                }
            default:
                errs.append(.notSupported(path.child("pathType").description, .string(type), ["Exact", "ImplementationSpecific", "Prefix"]))
            }
        } else {
            errs.append(.required(path.child("pathType").description, "pathType must be specified"))
        }
        errs += validateBackend(p["backend"] ?? [:], path.child("backend"))
        return errs
    }

    private static func validateBackend(_ b: JSON, _ path: FieldPath) -> [FieldError] {
        let resource = b.kChild("resource"), service = b.kChild("service")
        switch (resource, service) {
        case (.some, .some):
            return [.invalid(path.description, "", "cannot set both resource and service backends")]
        case (.some(let r), nil):
            var errs: [FieldError] = []
            if r.kStr("kind").isEmpty { errs.append(.required(path.child("resource").child("kind").description)) }
            if r.kStr("name").isEmpty { errs.append(.required(path.child("resource").child("name").description)) }
            return errs
        case (nil, .some(let s)):
            var errs: [FieldError] = []
            let sp = path.child("service")
            let name = s.kStr("name")
            if name.isEmpty {
                errs.append(.required(sp.child("name").description))
            } else {
                errs += StrategyFormat.isDNS1035Label(name).map { .invalid(sp.child("name").description, name, $0) }
            }
            let portName = s["port"]?.kStr("name") ?? "", number = s["port"]?.kInt("number") ?? 0
            if !portName.isEmpty && number != 0 {
                errs.append(.invalid(path.description, "", "cannot set both port name & port number"))
            } else if !portName.isEmpty {
                errs += StrategyFormat.isValidPortName(portName).map { .invalid(sp.child("port").child("name").description, portName, $0) }
            } else if number != 0 {
                errs += StrategyFormat.isValidPortNum(number).map { .invalid(sp.child("port").child("number").description, .int(number), $0) }
            } else {
                errs.append(.required(path.description, "port name or number is required"))
            }
            return errs
        default:
            return [.invalid(path.description, "", "resource or service backend is required")]
        }
    }

    // MARK: IngressClass

    static func validateIngressClass(_ ic: JSON) -> [FieldError] {
        let s = ic["spec"] ?? [:]
        var errs: [FieldError] = []
        let controller = s.kStr("controller")
        let cp = spec.child("controller").description
        if controller.isEmpty {
            errs.append(.required(cp))
        } else {
            if controller.utf8.count > 250 { errs.append(.tooLong(cp, 250)) }
            let parts = controller.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count != 2 || parts[0].isEmpty || parts[1].isEmpty {
                errs.append(.invalid(cp, controller, "must be a domain-prefixed path (such as \"acme.io/foo\")"))
            } else {
                errs += StrategyFormat.isDNS1123Subdomain(String(parts[0])).map { .invalid(cp, String(parts[0]), $0) }
            }
        }
        if let params = s.kChild("parameters") {
            let pp = spec.child("parameters")
            if params.kStr("kind").isEmpty { errs.append(.required(pp.child("kind").description)) }
            if params.kStr("name").isEmpty { errs.append(.required(pp.child("name").description)) }
            let scope = params.kStr("scope")
            errs += StrategyCheck.oneOf(scope, ["Cluster", "Namespace"], pp.child("scope"))
            if scope == "Namespace" && params.kStr("namespace").isEmpty {
                errs.append(.required(pp.child("namespace").description, "`parameters.scope` is set to 'Namespace'"))
            }
            if scope == "Cluster" && params.kHas("namespace") {
                errs.append(.forbidden(pp.child("namespace").description, "`parameters.scope` is set to 'Cluster'"))
            }
        }
        return errs
    }

    static func validateIngressClassUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        validateIngressClass(new) + StrategyCheck.immutable(new["spec"]?["controller"], old["spec"]?["controller"], spec.child("controller"))
    }

    // MARK: NetworkPolicy

    static func validateNetworkPolicy(_ np: JSON) -> [FieldError] {
        let s = np["spec"] ?? [:]
        var errs = StrategyCheck.validateLabelSelector(s["podSelector"], spec.child("podSelector"))
        for (direction, peers) in [("ingress", "from"), ("egress", "to")] {
            for (i, rule) in s.kArray(direction).enumerated() {
                let rp = spec.child(direction).index(i)
                for (j, port) in rule.kArray("ports").enumerated() { errs += validatePort(port, rp.child("ports").index(j)) }
                for (j, peer) in rule.kArray(peers).enumerated() { errs += validatePeer(peer, rp.child(peers).index(j)) }
            }
        }
        let types = s.kArray("policyTypes")
        for (i, t) in types.enumerated() {
            errs += StrategyCheck.oneOf(t.stringValue, ["Egress", "Ingress"], spec.child("policyTypes").index(i))
        }
        if types.count > 2 {
            errs.append(.invalidRendered(spec.child("policyTypes").description, "[]networking.PolicyType{...}", "may not specify more than two policyTypes"))
        }
        return errs
    }

    private static func validatePort(_ port: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if let proto = port.kString("protocol") {
            errs += StrategyCheck.oneOf(proto, ["TCP", "UDP", "SCTP"], path.child("protocol"))
        }
        let endPort = port.kInt("endPort")
        switch port["port"] {
        case .some(.string(let name)):
            if endPort != nil { errs.append(.invalid(path.child("endPort").description, .int(endPort!), "may not be specified when `port` is non-numeric")) }
            errs += StrategyFormat.isValidPortName(name).map { .invalid(path.child("port").description, name, $0) }
        case .some(let v) where v.intValue != nil:
            let n = v.intValue!
            errs += StrategyFormat.isValidPortNum(n).map { .invalid(path.child("port").description, .int(n), $0) }
            if let endPort {
                if endPort < n { errs.append(.invalid(path.child("endPort").description, .int(endPort), "must be greater than or equal to `port`")) }
                errs += StrategyFormat.isValidPortNum(endPort).map { .invalid(path.child("endPort").description, .int(endPort), $0) }
            }
        default:
            if let endPort { errs.append(.invalid(path.child("endPort").description, .int(endPort), "may not be specified when `port` is not specified")) }
        }
        return errs
    }

    private static func validatePeer(_ peer: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        var count = 0
        for key in ["podSelector", "namespaceSelector"] where peer.kHas(key) {
            count += 1
            errs += StrategyCheck.validateLabelSelector(peer[key], path.child(key))
        }
        if let block = peer.kChild("ipBlock") {
            count += 1
            let bp = path.child("ipBlock")
            let cidr = block.kStr("cidr")
            if cidr.isEmpty {
                errs.append(.required(bp.child("cidr").description))
            } else if !StrategyFormat.isCIDR(cidr) {
                errs.append(.invalid(bp.child("cidr").description, cidr, StrategyFormat.cidrError))
            }
            for (i, e) in block.kArray("except").enumerated() where !StrategyFormat.isCIDR(e.stringValue ?? "") {
                errs.append(.invalid(bp.child("except").index(i).description, e.stringValue ?? "", StrategyFormat.cidrError))
            }
        }
        if count == 0 {
            errs.append(.required(path.description, "must specify a peer"))
        } else if count > 1 && peer.kHas("ipBlock") {
            errs.append(.forbidden(path.description, "may not specify both ipBlock and another peer"))
        }
        return errs
    }
}
