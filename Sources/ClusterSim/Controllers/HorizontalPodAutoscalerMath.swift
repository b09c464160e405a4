import KubeAPI
import KubeJSON

/// The arithmetic of kube-controller-manager's horizontal pod autoscaler: the replica calculator (pods grouped
/// into ready, unready, missing and ignored, the 10% tolerance, the second pass that treats missing pods as
/// idle or saturated), and the normalisation of a recommendation by the stabilisation windows and scaling
/// policies of `spec.behavior`. Times are simulated seconds; nothing here reads a clock.
enum HorizontalPodAutoscalerMath {
    static let tolerance = 0.1
    /// Pods younger than this have their CPU samples checked against their readiness (cpuInitializationPeriod).
    static let cpuInitializationPeriod = 300.0
    /// A pod not ready this soon after starting has never been ready (delayOfInitialReadinessStatus).
    static let delayOfInitialReadinessStatus = 30.0

    struct Failure: Error, Equatable {
        var message: String
        init(_ message: String) { self.message = message }
    }

    // MARK: - Pods and their metrics

    /// One pod's summed usage of a resource (milli-units), with the sample's simulated time and window.
    struct PodMetric: Sendable, Equatable {
        var value: Int64
        var timestamp: Double?
        var window: Double
    }

    /// What the calculator reads from a pod. Instants are simulated seconds.
    struct PodFacts: Sendable {
        var name: String
        var labels: [String: String] = [:]
        var phase: String
        var deleting = false
        /// The Ready condition's status, nil when the pod has none.
        var ready: String?
        var readyTransition: Double?
        var startTime: Double?
        /// Containers (and restartable init containers) with their requests in milli-units.
        var containers: [(name: String, requests: [String: Int64])] = []
    }

    struct PodGroups: Equatable {
        var readyCount = 0
        var unready: Set<String> = []
        var missing: Set<String> = []
        var ignored: Set<String> = []
    }

    /// groupPods: deleted and failed pods are ignored, pending ones unready, pods without a sample missing; for
    /// CPU, a sample taken before the pod was ready for a whole window (while it initialises), or of a pod that
    /// never became ready, does not count.
    static func groupPods(_ pods: [PodFacts], metrics: [String: PodMetric], resource: String, now: Double) -> PodGroups {
        var groups = PodGroups()
        for pod in pods {
            if pod.deleting || pod.phase == "Failed" {
                groups.ignored.insert(pod.name)
                continue
            }
            if pod.phase == "Pending" {
                groups.unready.insert(pod.name)
                continue
            }
            guard let metric = metrics[pod.name] else {
                groups.missing.insert(pod.name)
                continue
            }
            if resource == "cpu" {
                let unready: Bool
                if let ready = pod.ready, let start = pod.startTime {
                    let transition = pod.readyTransition ?? start
                    if start + cpuInitializationPeriod > now {
                        let sampledTooEarly = metric.timestamp.map { $0 < transition + metric.window } ?? false
                        unready = ready == "False" || sampledTooEarly
                    } else {
                        unready = ready == "False" && start + delayOfInitialReadinessStatus > transition
                    }
                } else {
                    unready = true
                }
                if unready {
                    groups.unready.insert(pod.name)
                    continue
                }
            }
            groups.readyCount += 1
        }
        return groups
    }

    /// calculatePodRequests: each pod's summed request of `resource` (of one container when named).
    static func requests(_ pods: [PodFacts], resource: String, container: String?) throws(Failure) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for pod in pods {
            var sum: Int64 = 0
            for c in pod.containers where container == nil || container == c.name {
                guard let request = c.requests[resource] else {
                    throw Failure("missing request for \(resource) in container \(c.name) of Pod \(pod.name)")
                }
                sum += request
            }
            out[pod.name] = sum
        }
        return out
    }

    /// GetResourceUtilizationRatio: (usage ratio, utilisation in percent of requests, average raw usage).
    static func utilizationRatio(_ metrics: [String: Int64], requests: [String: Int64],
                                 target: Int) throws(Failure) -> (ratio: Double, utilization: Int, average: Int64)
    {
        var used: Int64 = 0, requested: Int64 = 0, counted: Int64 = 0
        for (name, value) in metrics {
            guard let request = requests[name] else { continue }
            used += value
            requested += request
            counted += 1
        }
        guard requested > 0 else { throw Failure("no metrics returned matched known pods") }
        let utilization = Int(used * 100 / requested)
        return (Double(utilization) / Double(target), utilization, used / counted)
    }

    /// GetMetricUsageRatio: (usage ratio, average usage).
    static func usageRatio(_ metrics: [String: Int64], target: Int64) -> (ratio: Double, average: Int64) {
        let average = metrics.values.reduce(0, +) / Int64(max(metrics.count, 1))
        return (Double(average) / Double(target), average)
    }

    /// GetResourceReplicas: the proposal for an averageUtilization target.
    static func utilizationReplicas(current: Int, target: Int, resource: String, container: String?, pods: [PodFacts],
                                    metrics: [String: PodMetric], now: Double) throws(Failure) -> (replicas: Int, utilization: Int, average: Int64)
    {
        guard !pods.isEmpty else { throw Failure("no pods returned by selector while calculating replica count") }
        let groups = groupPods(pods, metrics: metrics, resource: resource, now: now)
        let values = usable(metrics, groups)
        let requests = try requests(pods, resource: resource, container: container)
        guard !values.isEmpty else { throw Failure("did not receive metrics for any ready pods") }
        let first = try utilizationRatio(values, requests: requests, target: target)
        let fallback = Int64(max(100, target))
        let replicas = try recalculate(current: current, ratio: first.ratio, groups: groups, metrics: values,
                                       saturated: { requests[$0, default: 0] * fallback / 100 },
                                       ratioOf: { (m) throws(Failure) -> Double in try utilizationRatio(m, requests: requests, target: target).ratio })
        return (replicas, first.utilization, first.average)
    }

    /// GetRawResourceReplicas (calcPlainMetricReplicas): the proposal for an averageValue target.
    static func averageValueReplicas(current: Int, target: Int64, resource: String, pods: [PodFacts],
                                     metrics: [String: PodMetric], now: Double) throws(Failure) -> (replicas: Int, average: Int64)
    {
        guard !pods.isEmpty else { throw Failure("no pods returned by selector while calculating replica count") }
        let groups = groupPods(pods, metrics: metrics, resource: resource, now: now)
        let values = usable(metrics, groups)
        guard !values.isEmpty else { throw Failure("did not receive metrics for any ready pods") }
        let first = usageRatio(values, target: target)
        let replicas = try recalculate(current: current, ratio: first.ratio, groups: groups, metrics: values,
                                       saturated: { _ in target },
                                       ratioOf: { (m) throws(Failure) -> Double in usageRatio(m, target: target).ratio })
        return (replicas, first.average)
    }

    private static func usable(_ metrics: [String: PodMetric], _ groups: PodGroups) -> [String: Int64] {
        var values: [String: Int64] = [:]
        for (name, metric) in metrics where !groups.ignored.contains(name) && !groups.unready.contains(name) {
            values[name] = metric.value
        }
        return values
    }

    /// The shared tail of the calculator: within tolerance nothing changes; otherwise missing pods count as
    /// saturated on a scale-down and idle on a scale-up, unready pods as idle on a scale-up, and a second pass
    /// must still point the same way.
    private static func recalculate(current: Int, ratio: Double, groups: PodGroups, metrics: [String: Int64],
                                    saturated: (String) -> Int64,
                                    ratioOf: ([String: Int64]) throws(Failure) -> Double) throws(Failure) -> Int
    {
        let scaleUpWithUnready = !groups.unready.isEmpty && ratio > 1
        if !scaleUpWithUnready && groups.missing.isEmpty {
            if abs(1 - ratio) <= tolerance { return current }
            return Int((ratio * Double(groups.readyCount)).rounded(.up))
        }
        var filled = metrics
        if ratio < 1 {
            for name in groups.missing { filled[name] = saturated(name) }
        } else if ratio > 1 {
            for name in groups.missing { filled[name] = 0 }
        }
        if scaleUpWithUnready {
            for name in groups.unready { filled[name] = 0 }
        }
        let second = try ratioOf(filled)
        if abs(1 - second) <= tolerance || (ratio < 1 && second > 1) || (ratio > 1 && second < 1) { return current }
        let proposal = Int((second * Double(filled.count)).rounded(.up))
        if (second < 1 && proposal > current) || (second > 1 && proposal < current) { return current }
        return proposal
    }

    // MARK: - Behaviour

    struct Policy: Sendable, Equatable {
        var type: String
        var value: Int
        var periodSeconds: Int
    }

    struct ScalingRules: Sendable, Equatable {
        var stabilizationWindowSeconds: Int
        var selectPolicy: String
        var policies: [Policy]
    }

    static let defaultScaleUp = ScalingRules(stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [
        Policy(type: "Pods", value: 4, periodSeconds: 15), Policy(type: "Percent", value: 100, periodSeconds: 15),
    ])
    static let defaultScaleDown = ScalingRules(stabilizationWindowSeconds: 300, selectPolicy: "Max", policies: [
        Policy(type: "Percent", value: 100, periodSeconds: 15),
    ])

    /// The rules of one direction of `spec.behavior`, with the documented defaults for whatever is absent.
    static func rules(_ behavior: JSON?, scaleUp: Bool) -> ScalingRules {
        let defaults = scaleUp ? defaultScaleUp : defaultScaleDown
        guard let json = behavior?[scaleUp ? "scaleUp" : "scaleDown"], json.isObject else { return defaults }
        var rules = defaults
        if let window = json["stabilizationWindowSeconds"]?.intValue { rules.stabilizationWindowSeconds = Int(window) }
        if let select = json["selectPolicy"]?.stringValue { rules.selectPolicy = select }
        let policies = (json["policies"]?.arrayValue ?? []).compactMap { policy -> Policy? in
            guard let type = policy["type"]?.stringValue, let value = policy["value"]?.intValue,
                  let period = policy["periodSeconds"]?.intValue else { return nil }
            return Policy(type: type, value: Int(value), periodSeconds: Int(period))
        }
        if !policies.isEmpty { rules.policies = policies }
        return rules
    }

    struct Recommendation: Sendable, Equatable {
        var replicas: Int
        var at: Double
    }

    struct ScaleEvent: Sendable, Equatable {
        var change: Int
        var at: Double
        var outdated = false
    }

    /// What the controller remembers of one autoscaler between syncs.
    struct History: Sendable, Equatable {
        var recommendations: [Recommendation] = []
        var scaleUps: [ScaleEvent] = []
        var scaleDowns: [ScaleEvent] = []
    }

    struct Decision: Equatable {
        var replicas: Int
        /// AbleToScale reason and message (ReadyForNewScale, ScaleUpStabilized, ScaleDownStabilized).
        var ableReason: String
        var ableMessage: String
        var limited: Bool
        var limitedReason: String
        var limitedMessage: String
    }

    /// normalizeDesiredReplicasWithBehaviors: stabilise, then limit the rate and clamp to [min, max].
    static func normalize(_ history: inout History, current: Int, desired: Int, minReplicas: Int, maxReplicas: Int,
                          up: ScalingRules, down: ScalingRules, now: Double) -> Decision
    {
        let stabilized = stabilize(&history, current: current, desired: desired, up: up, down: down, now: now)
        let limited = limitRate(history, current: current, desired: stabilized.replicas, minReplicas: minReplicas,
                                maxReplicas: maxReplicas, up: up, down: down, now: now)
        let changed = stabilized.replicas != desired
        return Decision(replicas: limited.replicas,
                        ableReason: changed ? stabilized.reason : "ReadyForNewScale",
                        ableMessage: changed ? stabilized.message : "recommended size matches current size",
                        limited: limited.replicas != stabilized.replicas, limitedReason: limited.reason,
                        limitedMessage: limited.message)
    }

    /// stabilizeRecommendationWithBehaviors: no higher than the lowest recommendation of the scale-up window,
    /// no lower than the highest of the scale-down window; records the unstabilised recommendation.
    static func stabilize(_ history: inout History, current: Int, desired: Int, up: ScalingRules, down: ScalingRules,
                          now: Double) -> (replicas: Int, reason: String, message: String)
    {
        let upCutoff = now - Double(up.stabilizationWindowSeconds)
        let downCutoff = now - Double(down.stabilizationWindowSeconds)
        var upLimit = desired, downLimit = desired
        var oldIndex: Int?
        for (index, recommendation) in history.recommendations.enumerated() {
            if recommendation.at > upCutoff { upLimit = min(upLimit, recommendation.replicas) }
            if recommendation.at > downCutoff { downLimit = max(downLimit, recommendation.replicas) }
            if recommendation.at < upCutoff && recommendation.at < downCutoff { oldIndex = index }
        }
        let replicas = min(max(current, upLimit), downLimit)
        let entry = Recommendation(replicas: desired, at: now)
        if let oldIndex { history.recommendations[oldIndex] = entry } else { history.recommendations.append(entry) }
        if desired >= current {
            return (replicas, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation")
        }
        return (replicas, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
    }

    /// convertDesiredReplicasWithBehaviorRate: the policies' limit on this period's change, and min/max.
    static func limitRate(_ history: History, current: Int, desired: Int, minReplicas: Int, maxReplicas: Int,
                          up: ScalingRules, down: ScalingRules, now: Double) -> (replicas: Int, reason: String, message: String)
    {
        if desired > current {
            let limit = max(scaleUpLimit(history, current: current, rules: up, now: now), current)
            let (allowed, reason, message) = maxReplicas > limit
                ? (limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
                : (maxReplicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count")
            if desired > allowed { return (allowed, reason, message) }
        } else if desired < current {
            let limit = min(scaleDownLimit(history, current: current, rules: down, now: now), current)
            let (allowed, reason, message) = minReplicas < limit
                ? (limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
                : (minReplicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count")
            if desired < allowed { return (allowed, reason, message) }
        }
        return (desired, "DesiredWithinRange", "the desired count is within the acceptable range")
    }

    /// The replicas added (or removed) by the events of the last `period` seconds.
    static func change(in period: Int, _ events: [ScaleEvent], now: Double) -> Int {
        let cutoff = now - Double(period)
        return events.filter { $0.at > cutoff }.reduce(0) { $0 + $1.change }
    }

    static func scaleUpLimit(_ history: History, current: Int, rules: ScalingRules, now: Double) -> Int {
        limit(history, current: current, rules: rules, now: now, up: true)
    }

    static func scaleDownLimit(_ history: History, current: Int, rules: ScalingRules, now: Double) -> Int {
        limit(history, current: current, rules: rules, now: now, up: false)
    }

    /// calculateScaleUpLimitWithScalingRules and its scale-down twin: each policy allows a step from the size
    /// the period started at; `Max` takes the most generous step (the largest size up, the smallest down).
    private static func limit(_ history: History, current: Int, rules: ScalingRules, now: Double, up: Bool) -> Int {
        if rules.selectPolicy == "Disabled" { return current }
        var result: Int?
        for policy in rules.policies {
            let start = current - change(in: policy.periodSeconds, history.scaleUps, now: now)
                + change(in: policy.periodSeconds, history.scaleDowns, now: now)
            let proposed: Int
            if up {
                proposed = policy.type == "Pods" ? start + policy.value
                    : Int((Double(start) * (1 + Double(policy.value) / 100)).rounded(.up))
            } else {
                proposed = policy.type == "Pods" ? start - policy.value : Int(Double(start) * (1 - Double(policy.value) / 100))
            }
            let larger = (rules.selectPolicy == "Min") != up
            result = result.map { larger ? max($0, proposed) : min($0, proposed) } ?? proposed
        }
        return result ?? current
    }

    /// storeScaleEvent: remembers a rescale for the policies, reusing a slot older than the longest period.
    static func recordScale(_ history: inout History, from previous: Int, to replicas: Int, up: ScalingRules,
                            down: ScalingRules, now: Double)
    {
        let growing = replicas > previous
        let longest = (growing ? up : down).policies.map(\.periodSeconds).max() ?? 0
        var events = growing ? history.scaleUps : history.scaleDowns
        var reusable: Int?
        for index in events.indices {
            if events[index].at < now - Double(longest) { events[index].outdated = true }
            if events[index].outdated { reusable = index }
        }
        let event = ScaleEvent(change: abs(replicas - previous), at: now)
        if let reusable { events[reusable] = event } else { events.append(event) }
        if growing { history.scaleUps = events } else { history.scaleDowns = events }
    }

    // MARK: - Status

    /// setConditionInList: the condition's time moves only when its status does.
    static func setCondition(_ conditions: inout [JSON], _ type: String, _ status: String, _ reason: String,
                             _ message: String, now: String)
    {
        let index = conditions.firstIndex { $0["type"]?.stringValue == type }
        let previous = index.map { conditions[$0] }
        let transition = previous.flatMap { $0["status"]?.stringValue == status ? $0["lastTransitionTime"] : nil }
        let condition: JSON = [
            "type": .string(type), "status": .string(status), "lastTransitionTime": transition ?? .string(now),
            "reason": .string(reason), "message": .string(message),
        ]
        if let index { conditions[index] = condition } else { conditions.append(condition) }
    }

    /// The status setStatus writes: lastScaleTime moves only on a rescale; empty fields are omitted.
    static func status(previous: JSON?, currentReplicas: Int, desiredReplicas: Int, currentMetrics: [JSON],
                       conditions: [JSON], rescaled: Bool, generation: Int64?, now: String) -> JSON
    {
        var status = JSONObject()
        if let generation { status["observedGeneration"] = .int(generation) }
        if rescaled {
            status["lastScaleTime"] = .string(now)
        } else if let last = previous?["lastScaleTime"], !last.isNull {
            status["lastScaleTime"] = last
        }
        if currentReplicas != 0 { status["currentReplicas"] = .int(Int64(currentReplicas)) }
        status["desiredReplicas"] = .int(Int64(desiredReplicas))
        if !currentMetrics.isEmpty { status["currentMetrics"] = .array(currentMetrics) }
        if !conditions.isEmpty { status["conditions"] = .array(conditions) }
        return .object(status)
    }

    /// A Go duration as metrics-server writes windows ("10.0s", "1m0s", "500ms"); nil when it is not one.
    static func duration(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("h", 3600), ("m", 60), ("s", 1)]
        var rest = Substring(text), total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            total += value * unit.1
            rest = rest.dropFirst(unit.0.count)
        }
        return total
    }
}
