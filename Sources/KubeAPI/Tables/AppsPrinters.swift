import KubeJSON

/// Printers of workload kinds (apps, batch, autoscaling), after pkg/printers/internalversion/printers.go.
enum AppsPrinters {
    static let all: [String: TablePrinter] = [
        "apps/Deployment": deployment,
        "apps/ReplicaSet": replicaSet,
        "apps/StatefulSet": statefulSet,
        "apps/DaemonSet": daemonSet,
        "apps/ControllerRevision": controllerRevision,
        "batch/Job": job,
        "batch/CronJob": cronJob,
        "autoscaling/HorizontalPodAutoscaler": horizontalPodAutoscaler,
    ]

    static let containersColumn = tableColumn("Containers", "string", priority: 1, ColumnDoc.containers)
    static let imagesColumn = tableColumn("Images", "string", priority: 1, ColumnDoc.images)

    /// `spec.replicas` of the apps kinds, which apps/v1 defaults to 1.
    static func replicas(_ object: JSON) -> Int64 { object.tpOptionalInt("spec", "replicas") ?? 1 }

    static let deployment = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Ready", "string", "Number of the pod with ready state"),
            tableColumn("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
            tableColumn("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
            ColumnDoc.ageColumn,
            containersColumn, imagesColumn,
            tableColumn("Selector", "string", priority: 1, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."),
        ],
        cells: { d, now in
            let (names, images) = PrintFormat.containers(d.tpArray("spec", "template", "spec", "containers"))
            return [
                d.tpName, .string("\(d.tpInt("status", "readyReplicas"))/\(replicas(d))"),
                .int(d.tpInt("status", "updatedReplicas")), .int(d.tpInt("status", "availableReplicas")), d.tpAge(now),
                .string(names), .string(images), .string(PrintFormat.selectorString(d[path: "spec", "selector"])),
            ]
        })

    static let replicaSet = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Desired", "integer", "Replicas is the number of desired replicas."),
            tableColumn("Current", "integer", "Replicas is the most recently observed number of replicas."),
            tableColumn("Ready", "integer", "The number of ready replicas for this replica set."),
            ColumnDoc.ageColumn,
            containersColumn, imagesColumn,
            tableColumn("Selector", "string", priority: 1, "Selector is a label query over pods that should match the replica count."),
        ],
        cells: { rs, now in
            let (names, images) = PrintFormat.containers(rs.tpArray("spec", "template", "spec", "containers"))
            return [
                rs.tpName, .int(replicas(rs)), .int(rs.tpInt("status", "replicas")), .int(rs.tpInt("status", "readyReplicas")),
                rs.tpAge(now), .string(names), .string(images),
                .string(PrintFormat.labelSelector(rs[path: "spec", "selector"])),
            ]
        })

    static let statefulSet = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Ready", "string", "Number of the pod with ready state"),
            ColumnDoc.ageColumn,
            containersColumn, imagesColumn,
        ],
        cells: { sts, now in
            let (names, images) = PrintFormat.containers(sts.tpArray("spec", "template", "spec", "containers"))
            return [
                sts.tpName, .string("\(sts.tpInt("status", "readyReplicas"))/\(replicas(sts))"), sts.tpAge(now),
                .string(names), .string(images),
            ]
        })

    static let daemonSet = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
            tableColumn("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
            tableColumn("Ready", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
            tableColumn("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
            tableColumn("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
            tableColumn("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
            ColumnDoc.ageColumn,
            containersColumn, imagesColumn,
            tableColumn("Selector", "string", priority: 1, "A label query over pods that are managed by the daemon set."),
        ],
        cells: { ds, now in
            let (names, images) = PrintFormat.containers(ds.tpArray("spec", "template", "spec", "containers"))
            return [
                ds.tpName, .int(ds.tpInt("status", "desiredNumberScheduled")), .int(ds.tpInt("status", "currentNumberScheduled")),
                .int(ds.tpInt("status", "numberReady")), .int(ds.tpInt("status", "updatedNumberScheduled")),
                .int(ds.tpInt("status", "numberAvailable")),
                .string(PrintFormat.labels(ds.tpObject("spec", "template", "spec", "nodeSelector"))), ds.tpAge(now),
                .string(names), .string(images), .string(PrintFormat.labelSelector(ds[path: "spec", "selector"])),
            ]
        })

    static let controllerRevision = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Controller", "string", "Controller of the object"),
            tableColumn("Revision", "string", "Revision indicates the revision of the state represented by Data."),
            ColumnDoc.ageColumn,
        ],
        cells: { cr, now in
            var controller = "<none>"
            if let ref = cr.tpArray("metadata", "ownerReferences").first(where: { $0.tpBool("controller") }) {
                // formatResourceName: lower-cased Kind.group, then the name.
                let apiVersion = ref.tpString("apiVersion")
                let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
                let kind = ref.tpString("kind")
                let groupKind = group.isEmpty ? kind : kind + "." + group
                controller = groupKind.isEmpty ? ref.tpString("name") : groupKind.lowercased() + "/" + ref.tpString("name")
            }
            return [cr.tpName, .string(controller), .int(cr.tpInt("revision")), cr.tpAge(now)]
        })

    // MARK: batch

    static let job = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Status", "string", "Status of the job."),
            tableColumn("Completions", "string", "The number of pods which reached phase Succeeded."),
            tableColumn("Duration", "string", "Time required to complete the job."),
            ColumnDoc.ageColumn,
            containersColumn, imagesColumn,
            tableColumn("Selector", "string", priority: 1, "A label query over pods that should match the pod count."),
        ],
        cells: { job, now in
            let succeeded = job.tpInt("status", "succeeded")
            let completions: String
            if let wanted = job.tpOptionalInt("spec", "completions") {
                completions = "\(succeeded)/\(wanted)"
            } else {
                let parallelism = job.tpOptionalInt("spec", "parallelism") ?? 0
                completions = parallelism > 1 ? "\(succeeded)/1 of \(parallelism)" : "\(succeeded)/1"
            }
            var duration = ""
            if let start = TableTime.seconds(job[path: "status", "startTime"]) {
                let end = TableTime.seconds(job[path: "status", "completionTime"]) ?? now
                duration = HumanDuration.format(seconds: end - start)
            }
            let conditions = job.tpArray("status", "conditions")
            func has(_ type: String) -> Bool {
                conditions.first { $0.tpString("type") == type }?.tpString("status") == "True"
            }
            let status: String
            if has("Complete") {
                status = "Complete"
            } else if has("Failed") {
                status = "Failed"
            } else if job.tpHas("metadata", "deletionTimestamp") {
                status = "Terminating"
            } else if has("Suspended") {
                status = "Suspended"
            } else if has("FailureTarget") {
                status = "FailureTarget"
            } else {
                status = "Running"
            }
            let (names, images) = PrintFormat.containers(job.tpArray("spec", "template", "spec", "containers"))
            return [
                job.tpName, .string(status), .string(completions), .string(duration), job.tpAge(now),
                .string(names), .string(images), .string(PrintFormat.labelSelector(job[path: "spec", "selector"])),
            ]
        })

    static let cronJob = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
            tableColumn("Timezone", "string", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
            tableColumn("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions. Defaults to false."),
            tableColumn("Active", "integer", "A list of pointers to currently running jobs."),
            tableColumn("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
            ColumnDoc.ageColumn,
            containersColumn, imagesColumn,
            tableColumn("Selector", "string", priority: 1, "A label query over pods that should match the pod count."),
        ],
        cells: { cj, now in
            let lastSchedule = cj.tpHas("status", "lastScheduleTime")
                ? TableTime.since(cj[path: "status", "lastScheduleTime"], now: now) : "<none>"
            let template = cj[path: "spec", "jobTemplate", "spec"] ?? .null
            let (names, images) = PrintFormat.containers(template.tpArray("template", "spec", "containers"))
            return [
                cj.tpName, .string(cj.tpString("spec", "schedule")), .string(cj.tpOptionalString("spec", "timeZone") ?? "<none>"),
                .string(PrintFormat.boolPointer(cj[path: "spec", "suspend"])), .int(Int64(cj.tpArray("status", "active").count)),
                .string(lastSchedule), cj.tpAge(now), .string(names), .string(images),
                .string(PrintFormat.labelSelector(template["selector"])),
            ]
        })

    // MARK: autoscaling

    static let horizontalPodAutoscaler = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Reference", "string", "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource."),
            tableColumn("Targets", "string", "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used)."),
            tableColumn("MinPods", "string", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down. It defaults to 1 pod."),
            tableColumn("MaxPods", "string", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas."),
            tableColumn("Replicas", "string", "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler."),
            ColumnDoc.ageColumn,
        ],
        cells: { hpa, now in
            let reference = hpa.tpString("spec", "scaleTargetRef", "kind") + "/" + hpa.tpString("spec", "scaleTargetRef", "name")
            let minPods = hpa.tpOptionalInt("spec", "minReplicas").map(String.init) ?? "<unset>"
            return [
                hpa.tpName, .string(reference), .string(hpaTargets(hpa)), .string(minPods),
                .int(hpa.tpInt("spec", "maxReplicas")), .int(hpa.tpInt("status", "currentReplicas")), hpa.tpAge(now),
            ]
        })

    /// The metric specs and current values of an HPA in the internal (v2) shape. autoscaling/v1 objects carry
    /// only the CPU utilization target, which converts to one Resource metric.
    static func hpaMetrics(_ hpa: JSON) -> (specs: [JSON], statuses: [JSON]) {
        let v1Shape = !hpa.tpHas("spec", "metrics")
            && (hpa.tpHas("spec", "targetCPUUtilizationPercentage") || hpa.tpString("apiVersion") == "autoscaling/v1")
        if !v1Shape { return (hpa.tpArray("spec", "metrics"), hpa.tpArray("status", "currentMetrics")) }
        // The stored v2 object defaults an HPA without metrics to 80% CPU, which is what v1 then shows.
        let target = hpa.tpOptionalInt("spec", "targetCPUUtilizationPercentage") ?? 80
        let spec: JSON = ["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": .int(target)]]]
        var statuses: [JSON] = []
        if let current = hpa.tpOptionalInt("status", "currentCPUUtilizationPercentage") {
            statuses.append(["type": "Resource", "resource": ["name": "cpu", "current": ["averageUtilization": .int(current)]]])
        }
        return ([spec], statuses)
    }

    /// `formatHPAMetrics`: `cpu: 40%/80%`, `<unknown>/80%` before the first measurement, two metrics at most.
    static func hpaTargets(_ hpa: JSON) -> String {
        let (specs, statuses) = hpaMetrics(hpa)
        if specs.isEmpty { return "<none>" }
        var list: [String] = []
        for (i, spec) in specs.enumerated() {
            let status: JSON? = i < statuses.count ? statuses[i] : nil
            func current(_ source: String) -> JSON? {
                guard let status, status.tpHas(source) else { return nil }
                return status[source]
            }
            switch spec.tpString("type") {
            case "External", "Object":
                let key = spec.tpString("type") == "External" ? "external" : "object"
                let target = spec[path: key, "target"] ?? .null
                if target.tpHas("averageValue") {
                    var now = "<unknown>"
                    if let c = current(key), c.tpHas("current", "averageValue") {
                        now = PrintFormat.quantity(c[path: "current", "averageValue"])
                    }
                    list.append("\(now)/\(PrintFormat.quantity(target["averageValue"])) (avg)")
                } else {
                    let now = current(key).map { PrintFormat.quantityPointer($0[path: "current", "value"]) } ?? "<unknown>"
                    list.append("\(now)/\(PrintFormat.quantityPointer(target["value"]))")
                }
            case "Pods":
                let now = current("pods").map { PrintFormat.quantityPointer($0[path: "current", "averageValue"]) } ?? "<unknown>"
                list.append("\(now)/\(PrintFormat.quantityPointer(spec[path: "pods", "target", "averageValue"]))")
            case "Resource", "ContainerResource":
                let key = spec.tpString("type") == "Resource" ? "resource" : "containerResource"
                let name = spec.tpString(key, "name")
                let target = spec[path: key, "target"] ?? .null
                if target.tpHas("averageValue") {
                    let now = current(key).map { PrintFormat.quantityPointer($0[path: "current", "averageValue"]) } ?? "<unknown>"
                    list.append("\(name): \(now)/\(PrintFormat.quantity(target["averageValue"]))")
                } else {
                    var now = "<unknown>"
                    if let c = current(key), let utilization = c.tpOptionalInt("current", "averageUtilization") {
                        now = "\(utilization)%"
                    }
                    let goal = target.tpOptionalInt("averageUtilization").map { "\($0)%" } ?? "<auto>"
                    list.append("\(name): \(now)/\(goal)")
                }
            default:
                list.append("<unknown type>")
            }
        }
        if list.count > 2 { return list.prefix(2).joined(separator: ", ") + " + \(list.count - 2) more..." }
        return list.joined(separator: ", ")
    }
}
