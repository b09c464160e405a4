import KubeJSON

/// Service and EndpointSlice defaults and validation (SetDefaults_Service, the service strategy's
/// clusterIPs normalisation, ValidateService*, discovery's ValidateEndpointSlice*).
enum ServiceStrategies {
    static let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]

    static func externallyAccessible(_ spec: JSON) -> Bool {
        let type = spec.kStr("type")
        return type == "LoadBalancer" || type == "NodePort" || (type == "ClusterIP" && !spec.kArray("externalIPs").isEmpty)
    }

    static func isHeadless(_ spec: JSON) -> Bool {
        spec.kArray("clusterIPs").first?.stringValue == "None" || spec.kStr("clusterIP") == "None"
    }

    // MARK: Defaults

    static func apply(_ svc: inout JSON) {
        svc.kEdit("spec", create: true) { spec in
            if spec.kStr("sessionAffinity").isEmpty { spec["sessionAffinity"] = "None" }
            if spec.kStr("sessionAffinity") == "None" { spec["sessionAffinityConfig"] = nil }
            if spec.kStr("sessionAffinity") == "ClientIP" && spec["sessionAffinityConfig"]?["clientIP"]?["timeoutSeconds"] == nil {
                spec["sessionAffinityConfig"] = ["clientIP": ["timeoutSeconds": 10800]]
            }
            if spec.kStr("type").isEmpty { spec["type"] = "ClusterIP" }
            let type = spec.kStr("type")
            spec.kEachElement("ports") { p, _ in
                p.kDefault("protocol", "TCP")
                let target = p["targetPort"]
                if target == nil || target == .null || target?.intValue == 0 || target?.stringValue == "" {
                    p["targetPort"] = p["port"] ?? 0
                }
            }
            if externallyAccessible(spec) && spec.kStr("externalTrafficPolicy").isEmpty {
                spec["externalTrafficPolicy"] = "Cluster"
            }
            if ["NodePort", "LoadBalancer", "ClusterIP"].contains(type) { spec.kDefault("internalTrafficPolicy", "Cluster") }
            if type == "LoadBalancer" { spec.kDefault("allocateLoadBalancerNodePorts", true) }
            guard type != "ExternalName" else { return }
            // The strategy keeps clusterIP and clusterIPs in step; allocation of a fresh address
            // is the server's business.
            let ip = spec.kStr("clusterIP"), ips = spec.kArray("clusterIPs")
            if !ip.isEmpty && ips.isEmpty {
                spec["clusterIPs"] = [.string(ip)]
            } else if ip.isEmpty, let first = ips.first {
                spec["clusterIP"] = first
            }
            if spec.kArray("ipFamilies").isEmpty { spec["ipFamilies"] = ["IPv4"] }
            spec.kDefault("ipFamilyPolicy", "SingleStack")
        }
        let isLoadBalancer = svc["spec"]?.kStr("type") == "LoadBalancer"
        svc.kEdit("status", create: true) { status in
            status.kDefault("loadBalancer", .object(JSONObject()))
            if isLoadBalancer {
                status.kEdit("loadBalancer") { lb in
                    lb.kEachElement("ingress") { ing, _ in
                        if !ing.kStr("ip").isEmpty { ing.kDefault("ipMode", "VIP") }
                    }
                }
            }
        }
    }

    /// What the service REST update does before validation: values the server allocated (cluster
    /// IPs, node ports, the health-check port) survive an update that leaves them out, so
    /// `kubectl apply` of a manifest without them keeps working.
    static func carryOver(_ new: inout JSON, old: JSON) {
        let oldSpec = old["spec"] ?? [:]
        new.kEdit("spec", create: true) { spec in
            let type = spec.kStr("type").isEmpty ? "ClusterIP" : spec.kStr("type")
            let oldType = oldSpec.kStr("type")
            if type != "ExternalName" && oldType != "ExternalName" {
                if spec.kStr("clusterIP").isEmpty, oldSpec.kHas("clusterIP") { spec["clusterIP"] = oldSpec["clusterIP"] }
                if spec.kArray("clusterIPs").isEmpty, !oldSpec.kArray("clusterIPs").isEmpty { spec["clusterIPs"] = oldSpec["clusterIPs"] }
                if spec.kArray("ipFamilies").isEmpty, !oldSpec.kArray("ipFamilies").isEmpty { spec["ipFamilies"] = oldSpec["ipFamilies"] }
                if !spec.kHas("ipFamilyPolicy"), oldSpec.kHas("ipFamilyPolicy") { spec["ipFamilyPolicy"] = oldSpec["ipFamilyPolicy"] }
            }
            let needsNodePort: (String) -> Bool = { $0 == "NodePort" || $0 == "LoadBalancer" }
            if needsNodePort(type) && needsNodePort(oldType) {
                let used = Set(spec.kArray("ports").compactMap { $0.kInt("nodePort") }.filter { $0 != 0 })
                var byPort: [Int64: Int64] = [:]
                for p in oldSpec.kArray("ports") { byPort[p.kInt("port") ?? 0] = p.kInt("nodePort") ?? 0 }
                spec.kEachElement("ports") { p, _ in
                    if (p.kInt("nodePort") ?? 0) == 0, let np = byPort[p.kInt("port") ?? 0], np != 0, !used.contains(np) {
                        p["nodePort"] = .int(np)
                    }
                }
            } else if needsNodePort(oldType) && !needsNodePort(type) {
                // Dropping to ClusterIP releases the node ports the old type held.
                let oldPorts = Set(oldSpec.kArray("ports").compactMap { $0.kInt("nodePort") })
                spec.kEachElement("ports") { p, _ in
                    if let np = p.kInt("nodePort"), oldPorts.contains(np) { p["nodePort"] = nil }
                }
            }
            if type == "LoadBalancer" && oldType == "LoadBalancer" && (spec.kInt("healthCheckNodePort") ?? 0) == 0,
               spec.kStr("externalTrafficPolicy") == "Local", let hc = oldSpec["healthCheckNodePort"] {
                spec["healthCheckNodePort"] = hc
            }
            if type == "ExternalName" {
                for f in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] { spec[f] = nil }
            }
        }
    }

    // MARK: Validation

    static func validate(_ svc: JSON) -> [FieldError] {
        let spec = svc["spec"] ?? [:]
        let sp = FieldPath("spec")
        let type = spec.kStr("type")
        let headless = isHeadless(spec)
        let ports = spec.kArray("ports")
        var errs: [FieldError] = []
        if ports.isEmpty && !headless && type != "ExternalName" { errs.append(.required(sp.child("ports").description)) }
        switch type {
        case "LoadBalancer":
            for (i, p) in ports.enumerated() where p.kInt("port") == 10250 {
                errs.append(.invalid(sp.child("ports").index(i).description, .int(10250), "may not expose port 10250 externally since it is used by kubelet"))
            }
            if headless { errs.append(.invalid(sp.child("clusterIPs").index(0).description, "None", "may not be set to 'None' for LoadBalancer services")) }
        case "NodePort":
            if headless { errs.append(.invalid(sp.child("clusterIPs").index(0).description, "None", "may not be set to 'None' for NodePort services")) }
        case "ExternalName":
            if !spec.kArray("clusterIPs").isEmpty { errs.append(.forbidden(sp.child("clusterIPs").description, "may not be set for ExternalName services")) }
            if !spec.kArray("ipFamilies").isEmpty { errs.append(.forbidden(sp.child("ipFamilies").description, "may not be set for ExternalName services")) }
            if spec.kHas("ipFamilyPolicy") { errs.append(.forbidden(sp.child("ipFamilyPolicy").description, "may not be set for ExternalName services")) }
            var cname = spec.kStr("externalName")
            if cname.hasSuffix(".") { cname.removeLast() }
            if cname.isEmpty {
                errs.append(.required(sp.child("externalName").description))
            } else {
                errs += StrategyCheck.dnsSubdomain(cname, sp.child("externalName"))
            }
        default: break
        }
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            let p = sp.child("ports").index(i)
            let name = port.kStr("name")
            if ports.count > 1 && name.isEmpty {
                errs.append(.required(p.child("name").description))
            } else if !name.isEmpty {
                errs += StrategyCheck.dnsLabel(name, p.child("name"))
                if !names.insert(name).inserted { errs.append(.duplicate(p.child("name").description, .string(name))) }
            }
            let num = port.kInt("port") ?? 0
            errs += StrategyFormat.isValidPortNum(num).map { .invalid(p.child("port").description, .int(num), $0) }
            errs += StrategyCheck.oneOf(port.kString("protocol"), ContainerValidation.portProtocols, p.child("protocol"))
            errs += StrategyCheck.portNumOrName(port["targetPort"], p.child("targetPort"))
            if let ap = port.kString("appProtocol") { errs += StrategyCheck.qualifiedName(ap, p.child("appProtocol")) }
        }
        errs += StrategyCheck.validateLabels(spec["selector"], sp.child("selector"))
        let affinity = spec.kStr("sessionAffinity")
        errs += StrategyCheck.oneOf(affinity, ["ClientIP", "None"], sp.child("sessionAffinity"))
        if affinity == "ClientIP" {
            let cp = sp.child("sessionAffinityConfig")
            if let t = spec["sessionAffinityConfig"]?["clientIP"]?["timeoutSeconds"]?.intValue {
                if t <= 0 || t > 86400 {
                    errs.append(.invalid(cp.child("clientIP").child("timeoutSeconds").description, .int(t), "must be greater than 0 and less than 86400"))
                }
            } else {
                errs.append(.required(cp.child("clientIP").child("timeoutSeconds").description, "when session affinity type is ClientIP"))
            }
        } else if affinity == "None" && spec.kHas("sessionAffinityConfig") {
            errs.append(.forbidden(sp.child("sessionAffinityConfig").description, "must not be set when session affinity is None"))
        }
        if type != "ExternalName" { errs += validateClusterIPs(spec, sp) }
        for (i, ip) in spec.kArray("externalIPs").enumerated() where !StrategyFormat.isIP(ip.stringValue ?? "") {
            errs.append(.invalid(sp.child("externalIPs").index(i).description, ip.stringValue ?? "", StrategyFormat.ipError))
        }
        errs += StrategyCheck.oneOf(type, types, sp.child("type"))
        if type == "ClusterIP" {
            for (i, p) in ports.enumerated() where (p.kInt("nodePort") ?? 0) != 0 {
                errs.append(.forbidden(sp.child("ports").index(i).child("nodePort").description, "may not be used when `type` is 'ClusterIP'"))
            }
        }
        var nodePorts = Set<String>(), seenPorts = Set<String>()
        for (i, p) in ports.enumerated() {
            let proto = p.kStr("protocol"), np = p.kInt("nodePort") ?? 0, num = p.kInt("port") ?? 0
            if np != 0 && !nodePorts.insert("\(proto)/\(np)").inserted {
                errs.append(.duplicate(sp.child("ports").index(i).child("nodePort").description, .int(np)))
            }
            if !seenPorts.insert("\(proto)/\(num)").inserted {
                let rendered = "core.ServicePort{Name:\"\", Protocol:\(GoRender.quoted(proto)), AppProtocol:(*string)(nil), Port:\(num), TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"
                errs.append(FieldError(.duplicate, sp.child("ports").index(i).description, value: rendered, ""))
            }
        }
        let ranges = spec.kArray("loadBalancerSourceRanges")
        if !ranges.isEmpty {
            let rp = sp.child("LoadBalancerSourceRanges")
            if type != "LoadBalancer" { errs.append(.forbidden(rp.description, "may only be used when `type` is 'LoadBalancer'")) }
            for (i, r) in ranges.enumerated() where !StrategyFormat.isCIDR((r.stringValue ?? "").kTrimmed()) {
                errs.append(.invalid(rp.index(i).description, r.stringValue ?? "", StrategyFormat.cidrError))
            }
        }
        if spec.kHas("allocateLoadBalancerNodePorts") && type != "LoadBalancer" {
            errs.append(.forbidden(sp.child("allocateLoadBalancerNodePorts").description, "may only be used when `type` is 'LoadBalancer'"))
        }
        if type == "LoadBalancer" && !spec.kHas("allocateLoadBalancerNodePorts") {
            errs.append(.required("allocateLoadBalancerNodePorts"))
        }
        let etp = spec.kStr("externalTrafficPolicy")
        if !externallyAccessible(spec) {
            if !etp.isEmpty { errs.append(.invalid(sp.child("externalTrafficPolicy").description, etp, "may only be set for externally-accessible services")) }
        } else {
            errs += StrategyCheck.oneOf(etp, ["Cluster", "Local"], sp.child("externalTrafficPolicy"))
        }
        let hc = spec.kInt("healthCheckNodePort") ?? 0
        if !(type == "LoadBalancer" && etp == "Local") && hc != 0 {
            errs.append(.invalid(sp.child("healthCheckNodePort").description, .int(hc), "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
        }
        if let itp = spec.kString("internalTrafficPolicy") {
            errs += StrategyCheck.oneOf(itp, ["Cluster", "Local"], sp.child("internalTrafficPolicy"))
        } else if ["NodePort", "LoadBalancer", "ClusterIP"].contains(type) {
            errs.append(.required(sp.child("internalTrafficPolicy").description))
        }
        if let td = spec.kString("trafficDistribution") {
            errs += StrategyCheck.oneOf(td, ["PreferClose", "PreferSameNode", "PreferSameZone"], sp.child("trafficDistribution"), required: false)
        }
        return errs
    }

    private static func validateClusterIPs(_ spec: JSON, _ sp: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let ips = spec.kArray("clusterIPs").map { $0.stringValue ?? "" }
        let ipsPath = sp.child("clusterIPs")
        if let first = ips.first, spec.kStr("clusterIP") != first {
            errs.append(.invalidRendered(ipsPath.description, GoRender.stringSlice(spec["clusterIPs"]), "first value must match `clusterIP`"))
        }
        for (i, ip) in ips.enumerated() {
            if ip == "None" {
                if i != 0 || ips.count > 1 { errs.append(.invalid(ipsPath.index(i).description, ip, "'None' must be the first and only value")) }
            } else if !StrategyFormat.isIP(ip) {
                errs.append(.invalid(ipsPath.index(i).description, ip, StrategyFormat.ipError))
            }
        }
        let families = spec.kArray("ipFamilies").map { $0.stringValue ?? "" }
        var seen = Set<String>()
        for (i, f) in families.enumerated() {
            errs += StrategyCheck.oneOf(f, ["IPv4", "IPv6"], sp.child("ipFamilies").index(i))
            if !seen.insert(f).inserted { errs.append(.duplicate(sp.child("ipFamilies").index(i).description, .string(f))) }
        }
        if let policy = spec.kString("ipFamilyPolicy") {
            errs += StrategyCheck.oneOf(policy, ["PreferDualStack", "RequireDualStack", "SingleStack"], sp.child("ipFamilyPolicy"))
            if policy == "SingleStack" && (families.count > 1 || ips.count > 1) {
                errs.append(.invalid(sp.child("ipFamilyPolicy").description, policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"))
            }
        }
        return errs
    }

    static func validateUpdate(_ new: JSON, old: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let ns = new["spec"] ?? [:], os = old["spec"] ?? [:]
        if ns.kStr("type") != "ExternalName" && os.kStr("type") != "ExternalName" && !(isHeadless(ns) && isHeadless(os)) {
            let n = ns.kArray("clusterIPs"), o = os.kArray("clusterIPs")
            if !o.isEmpty && n.isEmpty {
                errs.append(.invalidRendered(FieldPath("spec").child("clusterIPs").index(0).description, GoRender.stringSlice(ns["clusterIPs"]), "primary clusterIP can not be unset"))
            }
            for i in 0..<min(n.count, o.count) where n[i] != o[i] {
                errs.append(.invalidRendered(FieldPath("spec").child("clusterIPs").index(i).description, GoRender.stringSlice(ns["clusterIPs"]), "may not change once set"))
            }
            let nf = ns.kArray("ipFamilies"), of = os.kArray("ipFamilies")
            for i in 0..<min(nf.count, of.count) where nf[i] != of[i] {
                errs.append(.invalid(FieldPath("spec").child("ipFamilies").index(i).description, nf[i], "may not change once set"))
            }
        }
        let lbLocal: (JSON) -> Bool = { $0.kStr("type") == "LoadBalancer" && $0.kStr("externalTrafficPolicy") == "Local" }
        if lbLocal(ns) && lbLocal(os) && ns.kInt("healthCheckNodePort") != os.kInt("healthCheckNodePort") {
            errs.append(.forbidden("spec.healthCheckNodePort", "field is immutable"))
        }
        return errs + validate(new)
    }

    // MARK: EndpointSlice

    static func applyEndpointSlice(_ slice: inout JSON) {
        slice.kEachElement("ports") { p, _ in
            p.kDefault("name", "")
            p.kDefault("protocol", "TCP")
        }
    }

    static func validateEndpointSlice(_ slice: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let addressType = slice.kStr("addressType")
        errs += StrategyCheck.oneOf(addressType, ["FQDN", "IPv4", "IPv6"], FieldPath("addressType"))
        let endpoints = slice.kArray("endpoints")
        if endpoints.count > 1000 { errs.append(FieldError(.tooMany, "endpoints", "must have at most 1000 items")) }
        for (i, ep) in endpoints.enumerated() {
            let p = FieldPath("endpoints").index(i)
            let addresses = ep.kArray("addresses")
            if addresses.isEmpty {
                errs.append(.required(p.child("addresses").description, "must contain at least 1 address"))
            } else if addresses.count > 100 {
                errs.append(FieldError(.tooMany, p.child("addresses").description, "must have at most 100 items"))
            }
            for (j, a) in addresses.enumerated() {
                let s = a.stringValue ?? "", ap = p.child("addresses").index(j).description
                switch addressType {
                case "IPv4": if !StrategyFormat.isIPv4(s) { errs.append(.invalid(ap, s, "must be a valid IPv4 address")) }
                case "IPv6": if !StrategyFormat.isIPv6(s) { errs.append(.invalid(ap, s, "must be a valid IPv6 address")) }
                case "FQDN": errs += StrategyCheck.dnsSubdomain(s, p.child("addresses").index(j))
                default: break
                }
            }
            if let node = ep.kString("nodeName"), !node.isEmpty { errs += StrategyCheck.dnsSubdomain(node, p.child("nodeName")) }
            if let host = ep.kString("hostname"), !host.isEmpty { errs += StrategyCheck.dnsLabel(host, p.child("hostname")) }
        }
        var names = Set<String>()
        for (i, port) in slice.kArray("ports").enumerated() {
            let p = FieldPath("ports").index(i)
            let name = port.kStr("name")
            if !name.isEmpty { errs += StrategyCheck.dnsLabel(name, p.child("name")) }
            if !names.insert(name).inserted { errs.append(.duplicate(p.child("name").description, .string(name))) }
            if let num = port.kInt("port") {
                errs += StrategyFormat.isValidPortNum(num).map { .invalid(p.child("port").description, .int(num), $0) }
            }
            errs += StrategyCheck.oneOf(port.kString("protocol"), ContainerValidation.portProtocols, p.child("protocol"))
        }
        return errs
    }
}
