import KubeJSON

/// Printers of the core (`v1`) kinds, after pkg/printers/internalversion/printers.go.
enum CorePrinters {
    static let all: [String: TablePrinter] = [
        "/Pod": pod,
        "/Service": service,
        "/Endpoints": endpoints,
        "/Node": node,
        "/Namespace": namespace,
        "/Event": event,
        "events.k8s.io/Event": eventsV1Event,
        "/ConfigMap": configMap,
        "/Secret": secret,
        "/ServiceAccount": serviceAccount,
        "/PersistentVolumeClaim": persistentVolumeClaim,
        "/PersistentVolume": persistentVolume,
        "/ResourceQuota": resourceQuota,
    ]

    // MARK: Pod

    static let pod = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
            tableColumn("Status", "string", "The aggregate status of the containers in this pod."),
            tableColumn("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
            ColumnDoc.ageColumn,
            tableColumn("IP", "string", priority: 1, "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
            tableColumn("Node", "string", priority: 1, "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename"),
            tableColumn("Nominated Node", "string", priority: 1, "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled."),
            tableColumn("Readiness Gates", "string", priority: 1, "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"),
        ],
        cells: { pod, now in podCells(pod, now) },
        conditions: { pod in
            switch pod.tpString("status", "phase") {
            case "Succeeded":
                return [["type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."]]
            case "Failed":
                return [["type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."]]
            default:
                return nil
            }
        })

    /// `printPod`: the status kubectl shows is the most telling container reason, not just the phase.
    static func podCells(_ pod: JSON, _ now: Double) -> [JSON] {
        let spec = pod["spec"] ?? .null
        let status = pod["status"] ?? .null
        var restarts: Int64 = 0
        var restartableInitRestarts: Int64 = 0
        var readyContainers = 0
        var totalContainers = spec.tpArray("containers").count
        var lastRestart: Double?
        var lastRestartableInitRestart: Double?
        func later(_ a: Double?, _ b: Double?) -> Double? {
            guard let b, b != TableTime.zeroTime else { return a }
            guard let a else { return b }
            return max(a, b)
        }

        let phase = status.tpString("phase")
        var reason = phase
        if !status.tpString("reason").isEmpty { reason = status.tpString("reason") }
        for condition in status.tpArray("conditions")
        where condition.tpString("type") == "PodScheduled" && condition.tpString("reason") == "SchedulingGated" {
            reason = "SchedulingGated"
        }

        // Sidecars (init containers with restartPolicy Always) count as containers of the pod.
        var restartableInit = Set<String>()
        for container in spec.tpArray("initContainers") where container.tpString("restartPolicy") == "Always" {
            restartableInit.insert(container.tpString("name"))
            totalContainers += 1
        }
        let initContainerCount = spec.tpArray("initContainers").count

        var initializing = false
        for (i, container) in status.tpArray("initContainerStatuses").enumerated() {
            let isRestartable = restartableInit.contains(container.tpString("name"))
            restarts += container.tpInt("restartCount")
            let finishedAt = TableTime.seconds(container[path: "lastState", "terminated", "finishedAt"])
            if container.tpHas("lastState", "terminated") { lastRestart = later(lastRestart, finishedAt) }
            if isRestartable {
                restartableInitRestarts += container.tpInt("restartCount")
                if container.tpHas("lastState", "terminated") {
                    lastRestartableInitRestart = later(lastRestartableInitRestart, finishedAt)
                }
            }
            let terminated = container.tpHas("state", "terminated") ? container[path: "state", "terminated"] : nil
            let waitingReason = container.tpString("state", "waiting", "reason")
            if let terminated, terminated.tpInt("exitCode") == 0 { continue }
            if isRestartable && container.tpBool("started") {
                if container.tpBool("ready") { readyContainers += 1 }
                continue
            }
            if let terminated {
                if terminated.tpString("reason").isEmpty {
                    let signal = terminated.tpInt("signal")
                    reason = signal != 0 ? "Init:Signal:\(signal)" : "Init:ExitCode:\(terminated.tpInt("exitCode"))"
                } else {
                    reason = "Init:" + terminated.tpString("reason")
                }
            } else if container.tpHas("state", "waiting"), !waitingReason.isEmpty, waitingReason != "PodInitializing" {
                reason = "Init:" + waitingReason
            } else {
                reason = "Init:\(i)/\(initContainerCount)"
            }
            initializing = true
            break
        }

        let initialized = status.tpArray("conditions").first { $0.tpString("type") == "Initialized" }
            .map { $0.tpString("status") == "True" } ?? false
        if !initializing || initialized {
            restarts = restartableInitRestarts
            lastRestart = lastRestartableInitRestart
            var hasRunning = false
            for container in status.tpArray("containerStatuses").reversed() {
                restarts += container.tpInt("restartCount")
                if container.tpHas("lastState", "terminated") {
                    lastRestart = later(lastRestart, TableTime.seconds(container[path: "lastState", "terminated", "finishedAt"]))
                }
                let waitingReason = container.tpString("state", "waiting", "reason")
                let terminated = container.tpHas("state", "terminated") ? container[path: "state", "terminated"] : nil
                if container.tpHas("state", "waiting"), !waitingReason.isEmpty {
                    reason = waitingReason
                } else if let terminated, !terminated.tpString("reason").isEmpty {
                    reason = terminated.tpString("reason")
                } else if let terminated {
                    let signal = terminated.tpInt("signal")
                    reason = signal != 0 ? "Signal:\(signal)" : "ExitCode:\(terminated.tpInt("exitCode"))"
                } else if container.tpBool("ready") && container.tpHas("state", "running") {
                    hasRunning = true
                    readyContainers += 1
                }
            }
            // A pod whose last container completed but another is still running is still running.
            if reason == "Completed" && hasRunning {
                let ready = status.tpArray("conditions").contains {
                    $0.tpString("type") == "Ready" && $0.tpString("status") == "True"
                }
                reason = ready ? "Running" : "NotReady"
            }
        }

        let deleting = pod.tpHas("metadata", "deletionTimestamp")
        if deleting && status.tpString("reason") == "NodeLost" {
            reason = "Unknown"
        } else if deleting && phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating"
        }

        var restartsText = String(restarts)
        if restarts != 0, let lastRestart {
            restartsText = "\(restarts) (\(HumanDuration.format(seconds: now - lastRestart)) ago)"
        }

        // As the v1 to internal conversion has it: podIP is authoritative, podIPs[0] fills in when it is empty.
        var podIP = status.tpString("podIP")
        if podIP.isEmpty { podIP = status.tpArray("podIPs").first?.tpString("ip") ?? "" }
        if podIP.isEmpty { podIP = "<none>" }
        let nodeName = spec.tpString("nodeName")
        let nominated = status.tpString("nominatedNodeName")
        var readinessGates = "<none>"
        let gates = spec.tpArray("readinessGates")
        if !gates.isEmpty {
            var trueConditions = 0
            for gate in gates {
                let type = gate.tpString("conditionType")
                if let condition = status.tpArray("conditions").first(where: { $0.tpString("type") == type }),
                   condition.tpString("status") == "True"
                {
                    trueConditions += 1
                }
            }
            readinessGates = "\(trueConditions)/\(gates.count)"
        }
        return [
            pod.tpName, .string("\(readyContainers)/\(totalContainers)"), .string(reason), .string(restartsText),
            pod.tpAge(now), .string(podIP), .string(nodeName.isEmpty ? "<none>" : nodeName),
            .string(nominated.isEmpty ? "<none>" : nominated), .string(readinessGates),
        ]
    }

    // MARK: Service and Endpoints

    static let service = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Type", "string", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer."),
            tableColumn("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
            tableColumn("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
            tableColumn("Port(s)", "string", "The list of ports that are exposed by this service."),
            ColumnDoc.ageColumn,
            tableColumn("Selector", "string", priority: 1, "Route service traffic to pods with label keys and values matching this selector."),
        ],
        cells: { svc, now in
            let spec = svc["spec"] ?? .null
            // clusterIP and clusterIPs[0] agree on stored objects; the singular field is the older, always-set one.
            var clusterIP = spec.tpString("clusterIP")
            if clusterIP.isEmpty { clusterIP = spec.tpArray("clusterIPs").first?.stringValue ?? "" }
            if clusterIP.isEmpty { clusterIP = "<none>" }
            let ports = spec.tpArray("ports").map { port -> String in
                let proto = port.tpString("protocol")
                let nodePort = port.tpInt("nodePort")
                return nodePort > 0 ? "\(port.tpInt("port")):\(nodePort)/\(proto)" : "\(port.tpInt("port"))/\(proto)"
            }.joined(separator: ",")
            return [
                svc.tpName, .string(spec.tpString("type")),
                .string(clusterIP),
                .string(serviceExternalIP(svc)), .string(ports.isEmpty ? "<none>" : ports), svc.tpAge(now),
                .string(PrintFormat.labels(spec.tpObject("selector"))),
            ]
        })

    /// `getServiceExternalIP` with wide output (the server never clips load-balancer addresses).
    static func serviceExternalIP(_ svc: JSON) -> String {
        let externalIPs = svc.tpArray("spec", "externalIPs").compactMap(\.stringValue)
        switch svc.tpString("spec", "type") {
        case "ClusterIP", "NodePort":
            return externalIPs.isEmpty ? "<none>" : externalIPs.joined(separator: ",")
        case "LoadBalancer":
            let lb = PrintFormat.loadBalancerIngress(svc.tpArray("status", "loadBalancer", "ingress"))
            if !externalIPs.isEmpty {
                let fromLB = lb.isEmpty ? [] : lb.split(separator: ",").map(String.init)
                return (fromLB + externalIPs).joined(separator: ",")
            }
            return lb.isEmpty ? "<pending>" : lb
        case "ExternalName":
            return svc.tpString("spec", "externalName")
        default:
            return "<unknown>"
        }
    }

    static let endpoints = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Endpoints", "string", "The set of all endpoints is the union of all subsets."),
            ColumnDoc.ageColumn,
        ],
        cells: { ep, now in [ep.tpName, .string(formatEndpoints(ep)), ep.tpAge(now)] })

    /// `formatEndpoints`: the first three `ip:port` pairs, then a count of the rest.
    static func formatEndpoints(_ ep: JSON) -> String {
        let subsets = ep.tpArray("subsets")
        if subsets.isEmpty { return "<none>" }
        var list: [String] = []
        var count = 0
        for subset in subsets {
            let addresses = subset.tpArray("addresses")
            let ports = subset.tpArray("ports")
            if ports.isEmpty {
                count += addresses.count
                for address in addresses where list.count < 3 { list.append(address.tpString("ip")) }
                continue
            }
            for port in ports {
                count += addresses.count
                for address in addresses where list.count < 3 {
                    list.append(PrintFormat.joinHostPort(address.tpString("ip"), port.tpInt("port")))
                }
            }
        }
        let joined = list.joined(separator: ",")
        return count > 3 ? "\(joined) + \(count - 3) more..." : joined
    }

    // MARK: Node and Namespace

    static let node = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Status", "string", "The status of the node"),
            tableColumn("Roles", "string", "The roles of the node"),
            ColumnDoc.ageColumn,
            tableColumn("Version", "string", "Kubelet Version reported by the node."),
            tableColumn("Internal-IP", "string", priority: 1, "List of addresses reachable to the node."),
            tableColumn("External-IP", "string", priority: 1, "List of addresses reachable to the node."),
            tableColumn("OS-Image", "string", priority: 1, "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
            tableColumn("Kernel-Version", "string", priority: 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
            tableColumn("Container-Runtime", "string", priority: 1, "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."),
        ],
        cells: { node, now in
            // The last Ready condition wins, as the printer indexes conditions by type.
            var status: [String] = []
            if let ready = node.tpArray("status", "conditions").last(where: { $0.tpString("type") == "Ready" }) {
                status.append(ready.tpString("status") == "True" ? "Ready" : "NotReady")
            }
            if status.isEmpty { status.append("Unknown") }
            if node.tpBool("spec", "unschedulable") { status.append("SchedulingDisabled") }

            var roles = Set<String>()
            for (key, value) in node.tpObject("metadata", "labels") {
                if key.hasPrefix("node-role.kubernetes.io/") {
                    let role = String(key.dropFirst("node-role.kubernetes.io/".count))
                    if !role.isEmpty { roles.insert(role) }
                } else if key == "kubernetes.io/role", let v = value.stringValue, !v.isEmpty {
                    roles.insert(v)
                }
            }
            let roleText = roles.sorted(by: GoFormat.bytewiseLess).joined(separator: ",")
            func address(_ type: String) -> String {
                node.tpArray("status", "addresses").first { $0.tpString("type") == type }?.tpString("address") ?? "<none>"
            }
            func info(_ key: String) -> String {
                let value = node.tpString("status", "nodeInfo", key)
                return value.isEmpty ? "<unknown>" : value
            }
            return [
                node.tpName, .string(status.joined(separator: ",")), .string(roleText.isEmpty ? "<none>" : roleText),
                node.tpAge(now), .string(node.tpString("status", "nodeInfo", "kubeletVersion")),
                .string(address("InternalIP")), .string(address("ExternalIP")), .string(info("osImage")),
                .string(info("kernelVersion")), .string(info("containerRuntimeVersion")),
            ]
        })

    static let namespace = TablePrinter(
        columns: [ColumnDoc.nameColumn, tableColumn("Status", "string", "The status of the namespace"), ColumnDoc.ageColumn],
        cells: { ns, now in [ns.tpName, .string(ns.tpString("status", "phase")), ns.tpAge(now)] })

    // MARK: Event

    static let eventColumns: [JSON] = [
        tableColumn("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
        tableColumn("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
        tableColumn("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        tableColumn("Object", "string", "The object that this event is about."),
        tableColumn("Subobject", "string", priority: 1, "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]."),
        tableColumn("Source", "string", priority: 1, "The component reporting this event. Should be a short machine understandable string."),
        tableColumn("Message", "string", "A human-readable description of the status of this operation."),
        tableColumn("First Seen", "string", priority: 1, "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
        tableColumn("Count", "string", priority: 1, "The number of times this event has occurred."),
        tableColumn("Name", "string", format: "name", priority: 1, ColumnDoc.name),
    ]

    static let event = TablePrinter(columns: eventColumns, cells: { ev, now in
        eventCells(ev, involved: ev["involvedObject"], message: ev.tpString("message"),
                   first: ev["firstTimestamp"], last: ev["lastTimestamp"], count: ev.tpInt("count"),
                   component: ev.tpString("source", "component"), host: ev.tpString("source", "host"), now: now)
    })

    /// events.k8s.io/v1 Events print through the same internal type, so their fields map onto the core ones.
    static let eventsV1Event = TablePrinter(columns: eventColumns, cells: { ev, now in
        eventCells(ev, involved: ev["regarding"], message: ev.tpString("note"),
                   first: ev["deprecatedFirstTimestamp"], last: ev["deprecatedLastTimestamp"],
                   count: ev.tpInt("deprecatedCount"), component: ev.tpString("deprecatedSource", "component"),
                   host: ev.tpString("deprecatedSource", "host"), now: now)
    })

    static func eventCells(_ ev: JSON, involved: JSON?, message: String, first: JSON?, last: JSON?, count: Int64,
                           component: String, host: String, now: Double) -> [JSON]
    {
        var firstSeen = TableTime.since(first, now: now)
        if !TableTime.isSet(first) { firstSeen = TableTime.since(ev["eventTime"], now: now) }
        var lastSeen = TableTime.since(last, now: now)
        if !TableTime.isSet(last) { lastSeen = firstSeen }
        var count = count
        if ev.tpHas("series") {
            lastSeen = TableTime.since(ev[path: "series", "lastObservedTime"], now: now)
            count = ev.tpInt("series", "count")
        } else if count == 0 {
            // Singleton events of the new API carry no count.
            count = 1
        }
        let involved = involved ?? .null
        let kind = involved.tpString("kind").lowercased()
        let target = involved.tpString("name").isEmpty ? kind : kind + "/" + involved.tpString("name")
        let sourceComponent = component.isEmpty ? ev.tpString("reportingController") : component
        let sourceInstance = host.isEmpty ? ev.tpString("reportingInstance") : host
        let source = sourceInstance.isEmpty ? sourceComponent : sourceComponent + ", " + sourceInstance
        return [
            .string(lastSeen), .string(ev.tpString("type")), .string(ev.tpString("reason")), .string(target),
            .string(involved.tpString("fieldPath")), .string(source),
            .string(PrintFormat.trimSpace(message)), .string(firstSeen), .int(count),
            ev.tpName,
        ]
    }

    // MARK: Config and identity

    static let configMap = TablePrinter(
        columns: [ColumnDoc.nameColumn, tableColumn("Data", "string", "Data contains the configuration data."), ColumnDoc.ageColumn],
        cells: { cm, now in
            [cm.tpName, .int(Int64(cm.tpObject("data").count + cm.tpObject("binaryData").count)), cm.tpAge(now)]
        })

    static let secret = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Type", "string", "Used to facilitate programmatic handling of secret data."),
            tableColumn("Data", "string", "Data contains the secret data."),
            ColumnDoc.ageColumn,
        ],
        cells: { s, now in [s.tpName, .string(s.tpString("type")), .int(Int64(s.tpObject("data").count)), s.tpAge(now)] })

    static let serviceAccount = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."),
            ColumnDoc.ageColumn,
        ],
        cells: { sa, now in [sa.tpName, .int(Int64(sa.tpArray("secrets").count)), sa.tpAge(now)] })

    // MARK: Storage

    static let persistentVolumeClaim = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
            tableColumn("Volume", "string", "volumeName is the binding reference to the PersistentVolume backing this claim."),
            tableColumn("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
            tableColumn("Access Modes", "string", "accessModes contains the actual access modes the volume backing the PVC has."),
            tableColumn("StorageClass", "string", "StorageClass of the pvc"),
            tableColumn("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
            ColumnDoc.ageColumn,
            tableColumn("VolumeMode", "string", priority: 1, "volumeMode defines what type of volume is required by the claim."),
        ],
        cells: { pvc, now in
            let phase = pvc.tpHas("metadata", "deletionTimestamp") ? "Terminating" : pvc.tpString("status", "phase")
            let volumeName = pvc.tpString("spec", "volumeName")
            var capacity = "", accessModes = ""
            if !volumeName.isEmpty {
                accessModes = PrintFormat.accessModes(pvc.tpArray("status", "accessModes"))
                capacity = PrintFormat.quantity(pvc[path: "status", "capacity", "storage"])
            }
            return [
                pvc.tpName, .string(phase), .string(volumeName), .string(capacity), .string(accessModes),
                .string(storageClass(pvc)), .string(pvc.tpOptionalString("spec", "volumeAttributesClassName") ?? "<unset>"),
                pvc.tpAge(now), .string(pvc.tpOptionalString("spec", "volumeMode") ?? "<unset>"),
            ]
        })

    static let persistentVolume = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Capacity", "string", "capacity is the description of the persistent volume's resources and capacity."),
            tableColumn("Access Modes", "string", "accessModes contains all ways the volume can be mounted."),
            tableColumn("Reclaim Policy", "string", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
            tableColumn("Status", "string", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
            tableColumn("Claim", "string", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
            tableColumn("StorageClass", "string", "StorageClass of the pv"),
            tableColumn("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
            tableColumn("Reason", "string", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
            ColumnDoc.ageColumn,
            tableColumn("VolumeMode", "string", priority: 1, "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state."),
        ],
        cells: { pv, now in
            var claim = ""
            if pv.tpHas("spec", "claimRef") {
                claim = pv.tpString("spec", "claimRef", "namespace") + "/" + pv.tpString("spec", "claimRef", "name")
            }
            let phase = pv.tpHas("metadata", "deletionTimestamp") ? "Terminating" : pv.tpString("status", "phase")
            return [
                pv.tpName, .string(PrintFormat.quantity(pv[path: "spec", "capacity", "storage"])),
                .string(PrintFormat.accessModes(pv.tpArray("spec", "accessModes"))),
                .string(pv.tpString("spec", "persistentVolumeReclaimPolicy")), .string(phase), .string(claim),
                .string(storageClass(pv)), .string(pv.tpOptionalString("spec", "volumeAttributesClassName") ?? "<unset>"),
                .string(pv.tpString("status", "reason")), pv.tpAge(now),
                .string(pv.tpOptionalString("spec", "volumeMode") ?? "<unset>"),
            ]
        })

    /// `GetPersistentVolumeClass` / `GetPersistentVolumeClaimClass`: the beta annotation still wins.
    static func storageClass(_ object: JSON) -> String {
        if let annotated = object.tpOptionalString("metadata", "annotations", "volume.beta.kubernetes.io/storage-class") {
            return annotated
        }
        return object.tpString("spec", "storageClassName")
    }

    static let resourceQuota = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."),
            tableColumn("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
            ColumnDoc.ageColumn,
        ],
        cells: { quota, now in
            let hard = quota.tpObject("status", "hard")
            let used = quota.tpObject("status", "used")
            var requests: [String] = [], limits: [String] = []
            for name in hard.keys.sorted(by: GoFormat.bytewiseLess) {
                let entry = "\(name): \(PrintFormat.quantity(used[name]))/\(PrintFormat.quantity(hard[name]))"
                let pieces = name.split(separator: ".", omittingEmptySubsequences: false)
                if pieces.count > 1 && pieces[0] == "limits" { limits.append(entry) } else { requests.append(entry) }
            }
            return [quota.tpName, .string(requests.joined(separator: ", ")), .string(limits.joined(separator: ", ")),
                    quota.tpAge(now)]
        })
}
