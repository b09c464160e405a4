import KubeJSON

/// Defaulting of pods and pod templates: SetDefaults_PodSpec, SetDefaults_Container and the other
/// nested SetDefaults_* of pkg/apis/core/v1/defaults.go, plus, for pods only, SetDefaults_Pod and
/// what the ServiceAccount, DefaultTolerationSeconds and Priority admission plugins add.
enum PodDefaults {
    static let volumeSourceKeys = [
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
        "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
        "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
        "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
    ]

    /// A pod template (`{metadata, spec}`) inside a workload: only the PodSpec-level defaults, as
    /// kube-apiserver leaves SetDefaults_Pod and admission to the pods the controllers create.
    static func applyTemplate(_ template: inout JSON) {
        template.kEdit("spec", create: true) { applyPodSpec(&$0) }
    }

    /// Everything a Pod gets on create and update.
    static func applyPod(_ pod: inout JSON) {
        pod.kEdit("spec", create: true) { spec in
            applyPodSpec(&spec)
            for list in ["containers", "initContainers"] {
                spec.kEachElement(list) { c, _ in requestsFromLimits(&c) }
            }
            spec.kDefault("enableServiceLinks", true)
            if spec.kBool("hostNetwork") == true {
                for list in ["containers", "initContainers"] {
                    spec.kEachElement(list) { c, _ in
                        c.kEachElement("ports") { p, _ in
                            if (p.kInt("hostPort") ?? 0) == 0, let cp = p["containerPort"] { p["hostPort"] = cp }
                        }
                    }
                }
            }
            admit(&spec)
        }
        let qos = qosClass(pod["spec"] ?? [:])
        pod.kEdit("status", create: true) { status in
            status.kDefault("phase", "Pending")
            status.kDefault("qosClass", .string(qos))
        }
    }

    /// What the admission plugins kube-apiserver enables by default add to a new pod.
    private static func admit(_ spec: inout JSON) {
        // ServiceAccount: every pod runs as some account, "default" unless told otherwise.
        if spec.kStr("serviceAccountName").isEmpty {
            spec["serviceAccountName"] = "default"
            spec["serviceAccount"] = "default"
        }
        // Priority: without a class the pod gets the cluster default, 0 when none exists; the two
        // system classes are built in. Other classes need a lookup the server does.
        if !spec.kHas("priority") {
            switch spec.kStr("priorityClassName") {
            case "": spec["priority"] = 0
            case "system-node-critical": spec["priority"] = 2_000_001_000
            case "system-cluster-critical": spec["priority"] = 2_000_000_000
            default: break
            }
        }
        if spec.kHas("priority") { spec.kDefault("preemptionPolicy", "PreemptLowerPriority") }
        // DefaultTolerationSeconds: ride out a node going NotReady or Unreachable for five minutes.
        var tolerations = spec.kArray("tolerations")
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            let covered = tolerations.contains { t in
                let k = t.kStr("key"), e = t.kStr("effect")
                return (k == key || k.isEmpty) && (e == "NoExecute" || e.isEmpty)
            }
            if !covered {
                tolerations.append(["key": .string(key), "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300])
            }
        }
        spec["tolerations"] = .array(tolerations)
    }

    /// SetDefaults_PodSpec and the defaults of everything it contains.
    static func applyPodSpec(_ spec: inout JSON) {
        spec.kDefault("dnsPolicy", "ClusterFirst")
        spec.kDefault("restartPolicy", "Always")
        spec.kDefault("securityContext", .object(JSONObject()))
        spec.kDefault("terminationGracePeriodSeconds", 30)
        spec.kDefault("schedulerName", "default-scheduler")
        // v1 carries the account name twice; conversion keeps them in step.
        let sa = spec.kStr("serviceAccountName"), deprecated = spec.kStr("serviceAccount")
        if sa.isEmpty && !deprecated.isEmpty {
            spec["serviceAccountName"] = .string(deprecated)
        } else if !sa.isEmpty {
            spec["serviceAccount"] = .string(sa)
        }
        for list in ["containers", "initContainers", "ephemeralContainers"] {
            spec.kEachElement(list) { c, _ in applyContainer(&c) }
        }
        spec.kEachElement("volumes") { v, _ in applyVolume(&v) }
        if spec.kHas("overhead") { spec.kEdit("overhead") { canonicalizeResourceList(&$0) } }
        spec.kEdit("resources") { r in
            r.kEdit("limits") { canonicalizeResourceList(&$0) }
            r.kEdit("requests") { canonicalizeResourceList(&$0) }
        }
    }

    static func applyContainer(_ c: inout JSON) {
        if !c.kHas("imagePullPolicy") || c.kStr("imagePullPolicy").isEmpty {
            c["imagePullPolicy"] = imageTag(c.kStr("image")) == "latest" ? "Always" : "IfNotPresent"
        }
        c.kDefault("terminationMessagePath", "/dev/termination-log")
        c.kDefault("terminationMessagePolicy", "File")
        c.kDefault("resources", .object(JSONObject()))
        c.kEdit("resources") { r in
            r.kEdit("limits") { canonicalizeResourceList(&$0) }
            r.kEdit("requests") { canonicalizeResourceList(&$0) }
        }
        c.kEachElement("ports") { p, _ in p.kDefault("protocol", "TCP") }
        c.kEachElement("env") { e, _ in
            e.kEdit("valueFrom") { vf in vf.kEdit("fieldRef") { $0.kDefault("apiVersion", "v1") } }
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            c.kEdit(probe) { p in
                p.kDefault("timeoutSeconds", 1)
                p.kDefault("periodSeconds", 10)
                p.kDefault("successThreshold", 1)
                p.kDefault("failureThreshold", 3)
                p.kEdit("httpGet") { applyHTTPGet(&$0) }
            }
        }
        c.kEdit("lifecycle") { l in
            for hook in ["postStart", "preStop"] { l.kEdit(hook) { h in h.kEdit("httpGet") { applyHTTPGet(&$0) } } }
        }
    }

    private static func applyHTTPGet(_ h: inout JSON) {
        h.kDefault("path", "/")
        h.kDefault("scheme", "HTTP")
    }

    static func applyVolume(_ v: inout JSON) {
        if !volumeSourceKeys.contains(where: { v.kHas($0) }) {
            v["emptyDir"] = .object(JSONObject())
        }
        v.kEdit("secret") { $0.kDefault("defaultMode", 420) }
        v.kEdit("configMap") { $0.kDefault("defaultMode", 420) }
        v.kEdit("hostPath") { $0.kDefault("type", "") }
        v.kEdit("downwardAPI") { d in
            d.kDefault("defaultMode", 420)
            d.kEachElement("items") { i, _ in i.kEdit("fieldRef") { $0.kDefault("apiVersion", "v1") } }
        }
        v.kEdit("projected") { p in
            p.kDefault("defaultMode", 420)
            p.kEachElement("sources") { s, _ in
                s.kEdit("serviceAccountToken") { $0.kDefault("expirationSeconds", 3600) }
                s.kEdit("downwardAPI") { d in
                    d.kEachElement("items") { i, _ in i.kEdit("fieldRef") { $0.kDefault("apiVersion", "v1") } }
                }
            }
        }
        v.kEdit("emptyDir") { e in
            if let limit = e["sizeLimit"], let q = Quantity.parse(json: limit) { e["sizeLimit"] = q.json }
        }
        v.kEdit("ephemeral") { e in
            e.kEdit("volumeClaimTemplate") { t in t.kEdit("spec", create: true) { StorageDefaults.applyClaimSpec(&$0) } }
        }
    }

    /// Requests default to limits for any resource that has a limit and no request (pods only).
    private static func requestsFromLimits(_ c: inout JSON) {
        guard let limits = c["resources"]?.kObject("limits") else { return }
        c.kEdit("resources") { r in
            var requests = r.kObject("requests") ?? JSONObject()
            for e in limits.entries where requests[e.key] == nil { requests[e.key] = e.value }
            r["requests"] = .object(requests)
        }
    }

    /// Rounds every quantity up to milli precision and writes it canonically (SetDefaults_ResourceList
    /// plus Quantity's JSON form). Values that do not parse stay for validation to report.
    static func canonicalizeResourceList(_ list: inout JSON) {
        guard case .object(var o) = list else { return }
        list = .null
        for i in o.entries.indices {
            if let q = Quantity.parse(json: o.entries[i].value) {
                o.entries[i].value = q.roundedUp(toExponent: -3).json
            }
        }
        list = .object(o)
    }

    /// The tag docker reference parsing finds: "latest" when neither tag nor digest is given.
    static func imageTag(_ image: String) -> String {
        guard !image.isEmpty else { return "" }
        var ref = Substring(image)
        var digested = false
        if let at = ref.firstIndex(of: "@") {
            digested = true
            ref = ref[..<at]
        }
        let tail = ref.lastIndex(of: "/").map { ref[ref.index(after: $0)...] } ?? ref
        if let colon = tail.lastIndex(of: ":") { return String(tail[tail.index(after: colon)...]) }
        return digested ? "" : "latest"
    }

    /// The pod's QoS class from its containers' cpu and memory requests and limits.
    static func qosClass(_ spec: JSON) -> String {
        var requests: [String: Quantity] = [:], limits: [String: Quantity] = [:]
        var guaranteed = true
        let containers = spec.kArray("containers") + spec.kArray("initContainers")
        for c in containers {
            let res = c["resources"] ?? [:]
            for (name, raw) in res.kObject("requests")?.entries.map({ ($0.key, $0.value) }) ?? []
            where name == "cpu" || name == "memory" {
                guard let q = Quantity.parse(json: raw), !q.isZero else { continue }
                requests[name] = requests[name].flatMap { $0.adding(q) } ?? q
            }
            var limitsFound = Set<String>()
            for (name, raw) in res.kObject("limits")?.entries.map({ ($0.key, $0.value) }) ?? []
            where name == "cpu" || name == "memory" {
                guard let q = Quantity.parse(json: raw), !q.isZero else { continue }
                limitsFound.insert(name)
                limits[name] = limits[name].flatMap { $0.adding(q) } ?? q
            }
            if limitsFound.count < 2 { guaranteed = false }
        }
        if requests.isEmpty && limits.isEmpty { return "BestEffort" }
        if guaranteed {
            for (name, req) in requests where limits[name] != req { guaranteed = false }
        }
        return guaranteed && requests.count == limits.count ? "Guaranteed" : "Burstable"
    }
}
