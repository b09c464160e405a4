import KubeAPI
import KubeJSON

/// kube-controller-manager's horizontal pod autoscaler (autoscaling/v2) on the simulated clock: every 15 s it
/// reads each autoscaler's target through the `/scale` subresource and the pods' usage through
/// `metrics.k8s.io`, proposes a size per metric (Resource and ContainerResource, by utilisation of requests or
/// by average value), takes the largest, stabilises and rate-limits it by `spec.behavior`, clamps it to
/// [minReplicas, maxReplicas], rescales the target and reports status, conditions and events.
struct HorizontalPodAutoscalerController: Controller {
    static let name = "horizontalpodautoscaling"
    static let component = "horizontal-pod-autoscaler"
    /// --horizontal-pod-autoscaler-sync-period
    static let syncPeriod = 15.0
    private typealias Kit = BatchAndServiceKit
    private typealias M = HorizontalPodAutoscalerMath
    private typealias Sources = HorizontalPodAutoscalerSources

    let context: ControllerContext
    let client: ClusterClient
    let memory = HorizontalPodAutoscalerMemory()

    init(context: ControllerContext) {
        self.context = context
        client = context.client.named(Self.component)
    }

    func run() async {
        while !Task.isCancelled {
            await syncAll(now: context.clock.now())
            do { try await context.clock.sleep(Self.syncPeriod) } catch { return }
        }
    }

    /// One resync: every autoscaler, at the simulated instant `now`.
    func syncAll(now: Double) async {
        let autoscalers = client.list(.horizontalPodAutoscalers)
        memory.retain(Set(autoscalers.map(Self.key)))
        for autoscaler in autoscalers { await reconcile(autoscaler, now: now) }
    }

    /// Syncs one autoscaler, as its work-queue key would.
    func sync(namespace: String, name: String, now: Double) async {
        guard let autoscaler = client.get(.horizontalPodAutoscalers, namespace: namespace, name: name) else { return }
        await reconcile(autoscaler, now: now)
    }

    static func key(_ hpa: JSON) -> String { "\(Kit.namespace(hpa))/\(Kit.name(hpa))" }

    /// The conditions of one reconciliation, set as it goes.
    private struct Conditions {
        var list: [JSON]
        let now: String

        mutating func set(_ type: String, _ status: String, _ reason: String, _ message: String) {
            M.setCondition(&list, type, status, reason, message, now: now)
        }
    }

    // MARK: - reconcileAutoscaler

    func reconcile(_ hpa: JSON, now: Double) async {
        let key = Self.key(hpa)
        let spec = hpa["spec"] ?? [:]
        let previousDesired = Int(hpa[path: "status", "desiredReplicas"]?.intValue ?? 0)
        var conditions = Conditions(list: hpa[path: "status", "conditions"]?.arrayValue ?? [], now: Kit.now())

        let target: Sources.ScaleTarget
        switch await Sources.scale(client, namespace: Kit.namespace(hpa), reference: spec["scaleTargetRef"] ?? [:]) {
        case .failure(let failure):
            await record(hpa, "Warning", "FailedGetScale", failure.message)
            conditions.set("AbleToScale", "False", "FailedGetScale",
                           "the HPA controller was unable to get the target's current scale: \(failure.message)")
            var status = hpa["status"]?.objectValue ?? JSONObject()
            status["conditions"] = .array(conditions.list)
            await writeStatus(hpa, .object(status))
            return
        case .success(let found):
            target = found
        }
        conditions.set("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale")
        let current = target.replicas
        memory.recordInitial(key, replicas: current, now: now)

        let minReplicas = Int(spec["minReplicas"]?.intValue ?? 1)
        let maxReplicas = Int(spec["maxReplicas"]?.intValue ?? 0)
        let up = M.rules(spec["behavior"], scaleUp: true), down = M.rules(spec["behavior"], scaleUp: false)
        var desired = 0
        var reason = ""
        var rescale = true
        var metricStatuses: [JSON] = []

        if current == 0 && minReplicas != 0 {
            rescale = false
            conditions.set("ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")
        } else if current > maxReplicas {
            reason = "Current number of replicas above Spec.MaxReplicas"
            desired = maxReplicas
        } else if current < minReplicas {
            reason = "Current number of replicas below Spec.MinReplicas"
            desired = minReplicas
        } else {
            let computed = await computeReplicas(hpa, target: target, conditions: &conditions, now: now)
            metricStatuses = computed.statuses
            guard let proposal = computed.replicas else {
                await writeStatus(hpa, status(hpa, current: current, desired: previousDesired, metrics: metricStatuses,
                                              conditions: conditions, rescaled: false))
                await record(hpa, "Warning", "FailedComputeMetricsReplicas", computed.error ?? "")
                return
            }
            if let error = computed.error { context.logger.debug("horizontal pod autoscaler \(key): \(error)") }
            desired = max(proposal, 0)
            if desired > current { reason = "\(computed.metric) above target" }
            if desired < current { reason = "All metrics below target" }
            let decision = memory.update(key) { history in
                M.normalize(&history, current: current, desired: desired, minReplicas: minReplicas,
                            maxReplicas: maxReplicas, up: up, down: down, now: now)
            }
            conditions.set("AbleToScale", "True", decision.ableReason, decision.ableMessage)
            conditions.set("ScalingLimited", decision.limited ? "True" : "False", decision.limitedReason, decision.limitedMessage)
            desired = decision.replicas
            rescale = desired != current
        }

        if rescale {
            do throws(M.Failure) {
                try await Sources.setReplicas(client, target, desired)
            } catch {
                await record(hpa, "Warning", "FailedRescale", "New size: \(desired); reason: \(reason); error: \(error.message)")
                conditions.set("AbleToScale", "False", "FailedUpdateScale",
                               "the HPA controller was unable to update the target scale: \(error.message)")
                await writeStatus(hpa, status(hpa, current: current, desired: previousDesired, metrics: metricStatuses,
                                              conditions: conditions, rescaled: false))
                return
            }
            conditions.set("AbleToScale", "True", "SucceededRescale", "the HPA controller was able to update the target scale to \(desired)")
            await record(hpa, "Normal", "SuccessfulRescale", "New size: \(desired); reason: \(reason)")
            let (from, to) = (current, desired)
            memory.update(key) { history in M.recordScale(&history, from: from, to: to, up: up, down: down, now: now) }
        } else {
            desired = current
        }
        await writeStatus(hpa, status(hpa, current: current, desired: desired, metrics: metricStatuses,
                                      conditions: conditions, rescaled: rescale))
    }

    private func status(_ hpa: JSON, current: Int, desired: Int, metrics: [JSON], conditions: Conditions, rescaled: Bool) -> JSON {
        M.status(previous: hpa["status"], currentReplicas: current, desiredReplicas: desired, currentMetrics: metrics,
                 conditions: conditions.list, rescaled: rescaled, generation: hpa[path: "metadata", "generation"]?.intValue,
                 now: conditions.now)
    }

    /// updateStatusIfNeeded: through the status subresource, only when something changed.
    private func writeStatus(_ hpa: JSON, _ status: JSON) async {
        do throws(APIError) {
            try await Kit.writeStatus(client, .horizontalPodAutoscalers, hpa, status)
        } catch {
            await record(hpa, "Warning", "FailedUpdateStatus", error.message)
        }
    }

    private func record(_ hpa: JSON, _ type: String, _ reason: String, _ message: String) async {
        await context.events.record(hpa, type: type, reason: reason, message: message, component: Self.component)
    }

    // MARK: - computeReplicasForMetrics

    private struct Computed {
        /// nil when no size could be computed.
        var replicas: Int?
        var metric = ""
        var statuses: [JSON] = []
        var error: String?
    }

    private struct Proposal {
        var replicas: Int
        var metric: String
        var status: JSON
    }

    /// A metric that could not be evaluated: the ScalingActive reason, the calculator's error, and the
    /// error as computeReplicasForMetric wraps it.
    private struct MetricFailure: Error {
        var reason: String
        var message: String
        var wrapped: String
    }

    private func computeReplicas(_ hpa: JSON, target: Sources.ScaleTarget, conditions: inout Conditions, now: Double) async -> Computed {
        let namespace = Kit.namespace(hpa)
        guard !target.selector.isEmpty else {
            await record(hpa, "Warning", "SelectorRequired", "selector is required")
            conditions.set("ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector")
            return Computed(error: "selector is required")
        }
        let selector: LabelSelector
        do throws(LabelSelectorError) {
            selector = try LabelSelector.parse(target.selector)
        } catch {
            let message = "couldn't convert selector into a corresponding internal selector object: \(error.message)"
            await record(hpa, "Warning", "InvalidSelector", message)
            conditions.set("ScalingActive", "False", "InvalidSelector", message)
            return Computed(error: message)
        }
        let pods = client.list(.pods, namespace: namespace, labelSelector: selector.isEmpty ? nil : selector.description)
        let selecting = memory.selecting(Self.key(hpa), namespace: namespace, selector: selector, pods: pods.map(Kit.labels))
        if selecting.count > 1 {
            let message = "pods by selector \(target.selector) are controlled by multiple HPAs: [\(selecting.joined(separator: " "))]"
            await record(hpa, "Warning", "AmbiguousSelector", message)
            conditions.set("ScalingActive", "False", "AmbiguousSelector", message)
            return Computed(error: message)
        }

        let specs = hpa[path: "spec", "metrics"]?.arrayValue ?? []
        let facts = pods.map { Sources.facts($0, clock: context.clock) }
        let needsSamples = specs.contains { ["Resource", "ContainerResource"].contains($0["type"]?.stringValue ?? "") }
        let samples: Result<[Sources.PodSample], M.Failure> = needsSamples
            ? await Sources.podSamples(client, namespace: namespace, selector: target.selector) : .success([])
        var computed = Computed(statuses: Array(repeating: ["type": ""], count: specs.count))
        var best = 0
        var invalid = 0
        var firstFailure: MetricFailure?
        for (index, spec) in specs.enumerated() {
            switch proposal(spec, current: target.replicas, pods: facts, samples: samples, podClock: context.clock.now()) {
            case .success(let proposal):
                computed.statuses[index] = proposal.status
                if best == 0 || proposal.replicas > best {
                    best = proposal.replicas
                    computed.metric = proposal.metric
                }
            case .failure(let failure):
                await record(hpa, "Warning", failure.reason, failure.message)
                if firstFailure == nil { firstFailure = failure }
                invalid += 1
            }
        }
        if let firstFailure {
            computed.error = "invalid metrics (\(invalid) invalid out of \(specs.count)), first error is: \(firstFailure.wrapped)"
        }
        if invalid >= specs.count || (invalid > 0 && best < target.replicas) {
            if let firstFailure {
                conditions.set("ScalingActive", "False", firstFailure.reason,
                               "the HPA was unable to compute the replica count: \(firstFailure.message)")
            }
            if computed.error == nil { computed.error = "invalid metrics (0 invalid out of 0)" }
            return computed
        }
        conditions.set("ScalingActive", "True", "ValidMetricFound",
                       "the HPA was able to successfully calculate a replica count from \(computed.metric)")
        computed.replicas = best
        return computed
    }

    /// computeReplicasForMetric for one metric spec.
    private func proposal(_ spec: JSON, current: Int, pods: [M.PodFacts], samples: Result<[Sources.PodSample], M.Failure>,
                          podClock: Double) -> Result<Proposal, MetricFailure>
    {
        let type = spec["type"]?.stringValue ?? ""
        switch type {
        case "Resource", "ContainerResource":
            let container = type == "ContainerResource"
            let source = spec[container ? "containerResource" : "resource"] ?? [:]
            let resource = source["name"]?.stringValue ?? ""
            let containerName = container ? source["container"]?.stringValue ?? "" : nil
            let reason = container ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric"
            let wrap = container ? "failed to get \(containerName ?? "") container metric value: "
                : "failed to get \(resource) resource metric value: "
            let targetSpec = source["target"] ?? [:]
            let averageValue = targetSpec["averageValue"].flatMap { $0.isNull ? nil : Quantity.parse(json: $0) }
            let utilization = targetSpec["averageUtilization"]?.intValue
            guard averageValue != nil || utilization != nil else {
                let message = "invalid resource metric source: neither an average utilization target nor an average value (usage) target was set"
                return .failure(MetricFailure(reason: reason, message: message, wrapped: wrap + message))
            }
            let what = averageValue != nil ? "usage" : "utilization"
            do throws(M.Failure) {
                let metrics: [String: M.PodMetric]
                do throws(M.Failure) {
                    metrics = Sources.metrics(try samples.get(), resource: resource, container: containerName)
                } catch {
                    throw M.Failure("unable to get metrics for resource \(resource): \(error.message)")
                }
                var reading: JSONObject
                let name: String
                let replicas: Int
                if let averageValue {
                    let result = try M.averageValueReplicas(current: current, target: averageValue.milliValue, resource: resource,
                                                            pods: pods, metrics: metrics, now: podClock)
                    replicas = result.replicas
                    reading = ["averageValue": Quantity(milli: result.average).json]
                    name = "\(resource) resource"
                } else {
                    let result = try M.utilizationReplicas(current: current, target: Int(utilization ?? 0), resource: resource,
                                                           container: containerName, pods: pods, metrics: metrics, now: podClock)
                    replicas = result.replicas
                    reading = ["averageUtilization": .int(Int64(result.utilization)),
                                "averageValue": Quantity(milli: result.average).json]
                    name = container ? "\(resource) container resource utilization (percentage of request)"
                        : "\(resource) resource utilization (percentage of request)"
                }
                var status: JSONObject = ["name": .string(resource)]
                if let containerName { status["container"] = .string(containerName) }
                status["current"] = .object(reading)
                let key = container ? "containerResource" : "resource"
                return .success(Proposal(replicas: replicas, metric: name,
                                         status: ["type": .string(type), key: .object(status)]))
            } catch {
                let message = "failed to get \(resource) \(what): \(error.message)"
                return .failure(MetricFailure(reason: reason, message: message, wrapped: wrap + message))
            }
        case "Pods", "Object", "External":
            let source = spec[type.lowercased()] ?? [:]
            let metric = source[path: "metric", "name"]?.stringValue ?? ""
            let api = type == "External" ? "external.metrics.k8s.io" : "custom.metrics.k8s.io"
            let message = "unable to get metric \(metric): no metrics API (\(api)) is served by this cluster"
            let wrapped = type == "External" ? "failed to get \(metric) external metric value: " : "failed to get \(type.lowercased()) metric value: "
            return .failure(MetricFailure(reason: "FailedGet\(type)Metric", message: message, wrapped: wrapped + message))
        default:
            let message = "unknown metric source type \"\(type)\""
            return .failure(MetricFailure(reason: "InvalidMetricSourceType", message: message, wrapped: message))
        }
    }
}
