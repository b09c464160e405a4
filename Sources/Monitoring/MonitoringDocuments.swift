import Foundation
import KubeAPI
import KubeJSON

/// The documents the engine serves: the ECP-AI health document, Prometheus text and metrics.k8s.io lists.
public enum MonitoringDocuments {
    static func round(_ value: Double, _ places: Int) -> JSON {
        let scale = pow(10, Double(places))
        return .double((value * scale).rounded() / scale)
    }

    /// One service as the health document shows it.
    public static func serviceJSON(_ m: ServiceMetrics) -> JSON {
        var service: JSONObject = [
            "namespace": .string(m.workload.namespace),
            "cpu": ["usage_percent": round(m.cpuPercent, 1), "load_1m": round(m.load1m, 2)],
            "memory": ["usage_mb": round(m.memoryMiB, 1), "usage_percent": round(m.memoryPercent, 1)],
            "network": ["requests_per_second": round(m.requestsPerSecond, 1), "response_time_ms": round(m.responseTimeMs, 1),
                        "error_rate_percent": round(m.errorPercent, 2)],
            "health": ["status": .string(m.health.rawValue), "uptime_seconds": .int(Int64(m.uptimeSeconds.rounded()))],
        ]
        if let gpu = m.gpuPercent {
            service["gpu"] = ["usage_percent": round(gpu, 1), "memory_mb": round(m.gpuMemoryMiB ?? 0, 1)]
        }
        return .object(service)
    }

    /// The contract's health document (GET /monitoring/health and /monitoring/tenant/{id}).
    public static func health(_ services: [ServiceMetrics], sla: SLAWindow, now: Double) -> JSON {
        var byName = JSONObject()
        for m in services { byName[m.key] = serviceJSON(m) }
        let healthy = services.filter { $0.health == .healthy }.count
        return ["timestamp": .string(Timestamp.rfc3339(now)), "services": .object(byName),
                "summary": ["overall_health": .string(MonitoringModel.overallHealth(services).rawValue),
                            "sla_percentage": .double(sla.percentage), "sla_status": .string(sla.status.rawValue),
                            "total_services": .int(Int64(services.count)), "healthy_services": .int(Int64(healthy))]]
    }

    // MARK: - Prometheus

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func labels(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    static func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.6g", value) : "NaN"
    }

    /// Prometheus text exposition (version 0.0.4): per service, per pod, the SLA and incidents.
    public static func prometheus(_ services: [ServiceMetrics], sla: SLAWindow, activeIncidents: Int) -> String {
        var families: [(name: String, help: String, samples: [String])] = []
        func family(_ name: String, _ help: String, _ value: (ServiceMetrics) -> Double?) {
            var samples: [String] = []
            for m in services {
                guard let v = value(m) else { continue }
                let l = labels([("service", m.key), ("namespace", m.workload.namespace), ("kind", m.workload.kind),
                                ("tenant", m.workload.tenant ?? "")])
                samples.append("\(name)\(l) \(number(v))")
            }
            families.append((name, help, samples))
        }
        family("ecp_service_cpu_usage_percent", "CPU usage of the service's running pods, percent of their capacity.") { $0.cpuPercent }
        family("ecp_service_load_1m", "One-minute load (busy cores plus run queue).") { $0.load1m }
        family("ecp_service_memory_usage_mb", "Memory working set of the service's pods, MiB.") { $0.memoryMiB }
        family("ecp_service_memory_usage_percent", "Memory usage, percent of the pods' limits or requests.") { $0.memoryPercent }
        family("ecp_service_requests_per_second", "Requests served per second.") { $0.requestsPerSecond }
        family("ecp_service_response_time_ms", "Mean response time, milliseconds.") { $0.responseTimeMs }
        family("ecp_service_error_rate_percent", "Share of failed requests, percent.") { $0.errorPercent }
        family("ecp_service_gpu_usage_percent", "GPU utilisation of GPU workloads, percent.") { $0.gpuPercent }
        family("ecp_service_gpu_memory_mb", "GPU memory in use, MiB.") { $0.gpuMemoryMiB }
        family("ecp_service_replicas_desired", "Replicas the workload asks for.") { Double($0.workload.desired) }
        family("ecp_service_replicas_ready", "Replicas ready and serving.") { Double($0.workload.readyCount) }
        family("ecp_service_health", "Health: 0 healthy, 1 degraded, 2 unhealthy.") { Double($0.health.rank) }
        family("ecp_service_uptime_seconds", "Simulated seconds since the oldest ready pod started.") { $0.uptimeSeconds }

        var podCPU: [String] = [], podMemory: [String] = []
        for m in services where m.workload.kind != "ControlPlane" {
            for pod in m.pods {
                let l = labels([("namespace", pod.namespace), ("pod", pod.name), ("node", pod.nodeName ?? ""),
                                ("service", m.key)])
                podCPU.append("ecp_pod_cpu_usage_cores\(l) \(number(pod.milliCPU / 1000))")
                podMemory.append("ecp_pod_memory_working_set_bytes\(l) \(number((pod.memoryMiB * 1_048_576).rounded()))")
            }
        }
        families.append(("ecp_pod_cpu_usage_cores", "CPU usage of a pod, cores.", podCPU))
        families.append(("ecp_pod_memory_working_set_bytes", "Memory working set of a pod, bytes.", podMemory))
        families.append(("ecp_sla_percentage", "Share of healthy data points in the SLA window, percent.",
                         ["ecp_sla_percentage \(number(sla.percentage))"]))
        families.append(("ecp_sla_target_percentage", "SLA target, percent.", ["ecp_sla_target_percentage \(number(sla.target))"]))
        families.append(("ecp_sla_data_points", "Data points in the SLA window.", ["ecp_sla_data_points \(sla.dataPoints)"]))
        families.append(("ecp_incidents_active", "Incidents in progress.", ["ecp_incidents_active \(activeIncidents)"]))

        var out = ""
        for f in families {
            out += "# HELP \(f.name) \(f.help)\n# TYPE \(f.name) gauge\n"
            for s in f.samples { out += s + "\n" }
        }
        return out
    }

    // MARK: - metrics.k8s.io/v1beta1

    /// CPU as metrics-server writes it: nanocores with the `n` suffix.
    public static func cpuQuantity(milli: Double) -> String { "\(Int64(max(0, milli * 1_000_000).rounded()))n" }
    /// Memory as metrics-server writes it: kibibytes with the `Ki` suffix.
    public static func memoryQuantity(mib: Double) -> String { "\(Int64(max(0, mib * 1024).rounded()))Ki" }

    static func labelsJSON(_ labels: JSONLabels) -> JSON {
        .object(JSONObject(labels.map { (key: $0.key, value: JSON.string($0.value)) }))
    }

    public static func podMetrics(_ pod: PodUsage, now: Double) -> JSON {
        var metadata: JSONObject = ["name": .string(pod.name), "namespace": .string(pod.namespace)]
        if let created = pod.creationTimestamp { metadata["creationTimestamp"] = .string(created) }
        metadata["labels"] = labelsJSON(pod.labels)
        return ["kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": .object(metadata),
                "timestamp": .string(Timestamp.rfc3339(now)), "window": "10.0s",
                "containers": .array(pod.containers.map { c in
                    ["name": .string(c.name), "usage": ["cpu": .string(cpuQuantity(milli: c.milliCPU)),
                                                        "memory": .string(memoryQuantity(mib: c.memoryMiB))]]
                })]
    }

    public static func podMetricsList(_ pods: [PodUsage], now: Double) -> JSON {
        ["kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": [:],
         "items": .array(pods.map { podMetrics($0, now: now) })]
    }

    /// A node's usage: its pods plus what the kubelet, runtime and system daemons take.
    public static func nodeMetrics(_ node: NodeInput, pods: [PodUsage], now: Double) -> JSON {
        let onNode = pods.filter { $0.nodeName == node.name }
        let cpu = min(onNode.reduce(0) { $0 + $1.milliCPU } + 0.02 * node.allocatableCPUMilli + 40, node.allocatableCPUMilli)
        let memory = min(onNode.reduce(0) { $0 + $1.memoryMiB } + 0.04 * node.allocatableMemoryMiB + 300,
                         node.allocatableMemoryMiB)
        var metadata: JSONObject = ["name": .string(node.name)]
        if let created = node.creationTimestamp { metadata["creationTimestamp"] = .string(created) }
        metadata["labels"] = .object(node.labels)
        return ["kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": .object(metadata),
                "timestamp": .string(Timestamp.rfc3339(now)), "window": "20.0s",
                "usage": ["cpu": .string(cpuQuantity(milli: cpu)), "memory": .string(memoryQuantity(mib: memory))]]
    }

    /// Nodes whose kubelet is stopped report nothing, as metrics-server cannot scrape them.
    public static func nodeMetricsList(_ nodes: [NodeInput], pods: [PodUsage], now: Double) -> JSON {
        ["kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": [:],
         "items": .array(nodes.filter { !$0.failed }.map { nodeMetrics($0, pods: pods, now: now) })]
    }
}
