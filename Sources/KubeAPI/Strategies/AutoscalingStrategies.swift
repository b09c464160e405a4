import KubeJSON

/// autoscaling/v2 HorizontalPodAutoscaler (pkg/apis/autoscaling/v2/defaults.go and
/// pkg/apis/autoscaling/validation).
enum AutoscalingStrategies {
    static let spec = FieldPath("spec")
    static let metricTypes = ["ContainerResource", "External", "Object", "Pods", "Resource"]

    static func applyHPA(_ hpa: inout JSON) {
        hpa.kEdit("spec", create: true) { spec in
            spec.kDefault("minReplicas", 1)
            if spec.kArray("metrics").isEmpty {
                spec["metrics"] = [[
                    "type": "Resource",
                    "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 80]],
                ]]
            }
            spec.kEdit("behavior") { behavior in
                behavior.kEdit("scaleUp", create: true) { up in
                    up.kDefault("stabilizationWindowSeconds", 0)
                    up.kDefault("selectPolicy", "Max")
                    up.kDefault("policies", [
                        ["type": "Pods", "value": 4, "periodSeconds": 15],
                        ["type": "Percent", "value": 100, "periodSeconds": 15],
                    ])
                }
                behavior.kEdit("scaleDown", create: true) { down in
                    down.kDefault("selectPolicy", "Max")
                    down.kDefault("policies", [["type": "Percent", "value": 100, "periodSeconds": 15]])
                }
            }
        }
        hpa.kEdit("status", create: true) { $0.kDefault("desiredReplicas", 0) }
    }

    static func validateHPA(_ hpa: JSON) -> [FieldError] {
        let s = hpa["spec"] ?? [:]
        var errs: [FieldError] = []
        let minReplicas = s.kInt("minReplicas"), maxReplicas = s.kInt("maxReplicas") ?? 0
        if let minReplicas, minReplicas < 1 {
            errs.append(.invalid(spec.child("minReplicas").description, .int(minReplicas), "must be greater than or equal to 1"))
        }
        if maxReplicas < 1 { errs.append(.invalid(spec.child("maxReplicas").description, .int(maxReplicas), "must be greater than 0")) }
        if let minReplicas, maxReplicas < minReplicas {
            errs.append(.invalid(spec.child("maxReplicas").description, .int(maxReplicas), "must be greater than or equal to `minReplicas`"))
        }
        errs += objectReference(s["scaleTargetRef"] ?? [:], spec.child("scaleTargetRef"))
        for (i, m) in s.kArray("metrics").enumerated() { errs += validateMetric(m, spec.child("metrics").index(i)) }
        if let behavior = s.kChild("behavior") {
            for dir in ["scaleUp", "scaleDown"] {
                if let rules = behavior.kChild(dir) { errs += scalingRules(rules, spec.child("behavior").child(dir)) }
            }
        }
        return errs
    }

    private static func objectReference(_ ref: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for f in ["kind", "name"] {
            let v = ref.kStr(f)
            if v.isEmpty {
                errs.append(.required(path.child(f).description))
            } else {
                errs += StrategyFormat.isValidPathSegmentName(v).map { .invalid(path.child(f).description, v, $0) }
            }
        }
        return errs
    }

    private static let sourceFields = [
        "Object": "object", "Pods": "pods", "Resource": "resource", "ContainerResource": "containerResource", "External": "external",
    ]

    private static func validateMetric(_ m: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let type = m.kStr("type")
        if type.isEmpty { errs.append(.required(path.child("type").description, "must specify a metric source type")) }
        if !metricTypes.contains(type) { errs.append(.notSupported(path.child("type").description, .string(type), metricTypes)) }
        let present = ["object", "pods", "resource", "containerResource", "external"].filter { m.kHas($0) }
        if let first = present.first { errs += validateSource(first, m[first] ?? [:], path.child(first)) }
        let expected = sourceFields[type] ?? type.lowercased()
        if !present.contains(expected) {
            errs.append(.required(path.child(expected).description, "must populate information for the given metric source"))
        }
        if present.count > 1 {
            for other in present where other != expected {
                errs.append(.forbidden(path.child(other).description, "must populate the given metric source only"))
            }
        }
        return errs
    }

    private static func validateSource(_ kind: String, _ src: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let target = src["target"] ?? [:]
        let tp = path.child("target")
        switch kind {
        case "resource", "containerResource":
            if src.kStr("name").isEmpty { errs.append(.required(path.child("name").description, "must specify a resource name")) }
            if kind == "containerResource" && src.kStr("container").isEmpty {
                errs.append(.required(path.child("container").description, "must specify a container"))
            }
            errs += metricTarget(target, tp)
            let util = target.kHas("averageUtilization"), avg = target.kHas("averageValue")
            if !util && !avg {
                errs.append(.required(tp.child("averageUtilization").description, "must set either a target raw value or a target utilization"))
            } else if util && avg {
                errs.append(.forbidden(tp.child("averageValue").description, "may not set both a target raw value and a target utilization"))
            }
        case "pods":
            errs += metricIdentifier(src["metric"] ?? [:], path.child("metric"))
            errs += metricTarget(target, tp)
            if !target.kHas("averageValue") {
                errs.append(.required(tp.child("averageValue").description, "must specify a positive target averageValue"))
            }
        case "object":
            errs += objectReference(src["describedObject"] ?? [:], path.child("describedObject"))
            errs += metricIdentifier(src["metric"] ?? [:], path.child("metric"))
            errs += metricTarget(target, tp)
            if !target.kHas("value") && !target.kHas("averageValue") {
                errs.append(.required(tp.child("averageValue").description, "must set either a target value or averageValue"))
            }
        default:
            errs += metricIdentifier(src["metric"] ?? [:], path.child("metric"))
            errs += metricTarget(target, tp)
            let value = target.kHas("value"), avg = target.kHas("averageValue")
            if !value && !avg {
                errs.append(.required(tp.child("averageValue").description, "must set either a target value for metric or a per-pod target"))
            } else if value && avg {
                errs.append(.forbidden(tp.child("value").description, "may not set both a target value for metric and a per-pod target"))
            }
        }
        return errs
    }

    private static func metricIdentifier(_ id: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if id.kStr("name").isEmpty { errs.append(.required(path.child("name").description, "must specify a metric name")) }
        errs += StrategyCheck.validateLabelSelector(id["selector"], path.child("selector"))
        return errs
    }

    private static func metricTarget(_ t: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let type = t.kStr("type")
        if type.isEmpty { errs.append(.required(path.child("type").description, "must specify a metric target type")) }
        if !["Utilization", "Value", "AverageValue"].contains(type) {
            errs.append(.invalid(path.child("type").description, type, "must be either Utilization, Value, or AverageValue"))
        }
        for f in ["value", "averageValue"] {
            guard let raw = t[f], !raw.isNull else { continue }
            if let q = Quantity.parse(json: raw) {
                if q.sign != 1 { errs.append(.invalid(path.child(f).description, q.description, "must be positive")) }
            } else {
                errs.append(.invalid(path.child(f).description, raw, Quantity.syntaxError))
            }
        }
        if let u = t.kInt("averageUtilization"), u < 1 {
            errs.append(.invalid(path.child("averageUtilization").description, .int(u), "must be greater than 0"))
        }
        return errs
    }

    private static func scalingRules(_ rules: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if let w = rules.kInt("stabilizationWindowSeconds") {
            if w < 0 {
                errs.append(.invalid(path.child("stabilizationWindowSeconds").description, .int(w), "must be greater than or equal to zero"))
            } else if w > 3600 {
                errs.append(.invalid(path.child("stabilizationWindowSeconds").description, .int(w), "must be less than or equal to 3600"))
            }
        }
        if let select = rules.kString("selectPolicy") {
            errs += StrategyCheck.oneOf(select, ["Disabled", "Max", "Min"], path.child("selectPolicy"), required: false)
        }
        let policies = rules.kArray("policies")
        if policies.isEmpty { errs.append(.required(path.child("policies").description, "must specify at least one Policy")) }
        for (i, p) in policies.enumerated() {
            let pp = path.child("policies").index(i)
            errs += StrategyCheck.oneOf(p.kString("type"), ["Percent", "Pods"], pp.child("type"))
            let value = p.kInt("value") ?? 0, period = p.kInt("periodSeconds") ?? 0
            if value <= 0 { errs.append(.invalid(pp.child("value").description, .int(value), "must be greater than zero")) }
            if period <= 0 {
                errs.append(.invalid(pp.child("periodSeconds").description, .int(period), "must be greater than zero"))
            } else if period > 1800 {
                errs.append(.invalid(pp.child("periodSeconds").description, .int(period), "must be less than or equal to 1800"))
            }
        }
        return errs
    }
}
