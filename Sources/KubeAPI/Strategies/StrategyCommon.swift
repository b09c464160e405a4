import KubeJSON

/// Validators several kinds share (apimachinery's meta/v1/validation and core's helpers).
enum StrategyCheck {
    static let nonNegativeMessage = "must be greater than or equal to 0"
    static let immutableMessage = "field is immutable"

    static func nonNegative(_ value: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let v = value?.intValue, v < 0 else { return [] }
        return [.invalid(path.description, .int(v), nonNegativeMessage)]
    }

    static func positive(_ value: JSON?, _ path: FieldPath, _ message: String = "must be greater than 0") -> [FieldError] {
        guard let v = value?.intValue, v <= 0 else { return [] }
        return [.invalid(path.description, .int(v), message)]
    }

    static func dnsLabel(_ value: String, _ path: FieldPath) -> [FieldError] {
        StrategyFormat.isDNS1123Label(value).map { .invalid(path.description, value, $0) }
    }

    static func dnsSubdomain(_ value: String, _ path: FieldPath) -> [FieldError] {
        StrategyFormat.isDNS1123Subdomain(value).map { .invalid(path.description, value, $0) }
    }

    static func qualifiedName(_ value: String, _ path: FieldPath) -> [FieldError] {
        StrategyFormat.isQualifiedName(value).map { .invalid(path.description, value, $0) }
    }

    /// A string enum: Required when empty, Unsupported when not one of `supported`.
    static func oneOf(_ value: String?, _ supported: [String], _ path: FieldPath, required: Bool = true) -> [FieldError] {
        guard let value, !value.isEmpty else { return required ? [.required(path.description)] : [] }
        return supported.contains(value) ? [] : [.notSupported(path.description, .string(value), supported)]
    }

    static func validateLabels(_ labels: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let o = labels?.objectValue else { return [] }
        var errs: [FieldError] = []
        for e in o.entries.sorted(by: { $0.key < $1.key }) {
            errs += qualifiedName(e.key, path)
            let v = e.value.stringValue ?? ""
            errs += StrategyFormat.isLabelValue(v).map { .invalid(path.description, v, $0) }
        }
        return errs
    }

    static func validateAnnotations(_ annotations: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let o = annotations?.objectValue else { return [] }
        var errs: [FieldError] = []
        var total = 0
        for e in o.entries.sorted(by: { $0.key < $1.key }) {
            errs += StrategyFormat.isQualifiedName(e.key.lowercased()).map { .invalid(path.description, e.key, $0) }
            total += e.key.utf8.count + (e.value.stringValue?.utf8.count ?? 0)
        }
        if total > 256 * 1024 {
            errs.append(FieldError(.tooLong, path.description, "must have at most 262144 bytes"))
        }
        return errs
    }

    static let selectorOperators = ["In", "NotIn", "Exists", "DoesNotExist"]

    static func validateLabelSelector(_ selector: JSON?, _ path: FieldPath, allowInvalidValues: Bool = false) -> [FieldError] {
        guard let sel = selector, sel.isObject else { return [] }
        var errs = validateLabels(sel["matchLabels"], path.child("matchLabels"))
        for (i, expr) in sel.kArray("matchExpressions").enumerated() {
            let p = path.child("matchExpressions").index(i)
            let values = expr.kArray("values")
            switch expr.kStr("operator") {
            case "In", "NotIn":
                if values.isEmpty {
                    errs.append(.required(p.child("values").description, "must be specified when `operator` is 'In' or 'NotIn'"))
                }
            case "Exists", "DoesNotExist":
                if !values.isEmpty {
                    errs.append(.forbidden(p.child("values").description, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
                }
            default:
                errs.append(.invalid(p.child("operator").description, .string(expr.kStr("operator")), "not a valid selector operator"))
            }
            errs += qualifiedName(expr.kStr("key"), p.child("key"))
            if !allowInvalidValues {
                for (j, v) in values.enumerated() {
                    let s = v.stringValue ?? ""
                    errs += StrategyFormat.isLabelValue(s).map { .invalid(p.child("values").index(j).description, s, $0) }
                }
            }
        }
        return errs
    }

    /// Whether metav1.LabelSelectorAsSelector would accept the selector.
    static func selectorConverts(_ selector: JSON?) -> Bool {
        guard let sel = selector, sel.isObject else { return true }
        for (k, v) in sel.kStringMap("matchLabels") where !StrategyFormat.isQualifiedName(k).isEmpty || !StrategyFormat.isLabelValue(v).isEmpty {
            return false
        }
        for expr in sel.kArray("matchExpressions") {
            let values = expr.kArray("values")
            switch expr.kStr("operator") {
            case "In", "NotIn": if values.isEmpty { return false }
            case "Exists", "DoesNotExist": if !values.isEmpty { return false }
            default: return false
            }
            if !StrategyFormat.isQualifiedName(expr.kStr("key")).isEmpty { return false }
        }
        return true
    }

    /// `{}` selects everything; nil selects nothing (labels.Nothing()).
    static func selectorIsEmpty(_ selector: JSON?) -> Bool {
        guard let sel = selector, sel.isObject else { return false }
        return (sel.kObject("matchLabels")?.isEmpty ?? true) && sel.kArray("matchExpressions").isEmpty
    }

    static func selectorMatches(_ selector: JSON?, _ labels: JSON?) -> Bool {
        guard let sel = selector, sel.isObject else { return false }
        let set = labels?.objectValue
        for (k, v) in sel.kStringMap("matchLabels") where set?[k]?.stringValue != v { return false }
        for expr in sel.kArray("matchExpressions") {
            let key = expr.kStr("key")
            let have = set?[key]?.stringValue
            let values = expr.kArray("values").compactMap(\.stringValue)
            switch expr.kStr("operator") {
            case "In": if have == nil || !values.contains(have!) { return false }
            case "NotIn": if let have, values.contains(have) { return false }
            case "Exists": if have == nil { return false }
            case "DoesNotExist": if have != nil { return false }
            default: return false
            }
        }
        return true
    }

    /// The selector/template agreement every workload checks.
    static func selectorMatchesTemplate(_ selector: JSON?, template: JSON?, path: FieldPath) -> [FieldError] {
        let labels = template?["metadata"]?["labels"]
        guard !selectorMatches(selector, labels) else { return [] }
        return [.invalidRendered(path.child("metadata").child("labels").description, GoRender.stringMap(labels),
                                 "`selector` does not match template `labels`")]
    }

    static func immutable(_ new: JSON?, _ old: JSON?, _ path: FieldPath, rendered: String? = nil) -> [FieldError] {
        let n = new ?? .null, o = old ?? .null
        guard n != o else { return [] }
        let value = rendered ?? FieldError.render(n)
        return [.invalidRendered(path.description, value, immutableMessage)]
    }

    // MARK: IntOrString

    static func validateIntOrPercent(_ value: JSON?, _ path: FieldPath) -> [FieldError] {
        switch value {
        case nil, .some(.null): return []
        case .some(.string(let s)):
            return StrategyFormat.isValidPercent(s) ? [] : [.invalidRendered(path.description, GoRender.intOrString(value), StrategyFormat.percentError)]
        case .some(let v):
            if let i = v.intValue { return i < 0 ? [.invalid(path.description, .int(i), nonNegativeMessage)] : [] }
            return [.invalid(path.description, v, "must be an integer or percentage (e.g '5%%')")]
        }
    }

    /// The number in an int or "N%" value; 0 for anything else.
    static func intOrPercentValue(_ value: JSON?) -> Int64 {
        if case .string(let s)? = value {
            return StrategyFormat.isValidPercent(s) ? Int64(s.dropLast()) ?? 0 : 0
        }
        return value?.intValue ?? 0
    }

    static func notMoreThan100Percent(_ value: JSON?, _ path: FieldPath) -> [FieldError] {
        guard case .string(let s)? = value, StrategyFormat.isValidPercent(s), let n = Int64(s.dropLast()), n > 100 else { return [] }
        return [.invalidRendered(path.description, GoRender.intOrString(value), "must not be greater than 100%")]
    }

    static func portNumOrName(_ value: JSON?, _ path: FieldPath) -> [FieldError] {
        switch value {
        case .some(.string(let s)): return StrategyFormat.isValidPortName(s).map { .invalid(path.description, s, $0) }
        case .some(let v) where v.intValue != nil:
            return StrategyFormat.isValidPortNum(v.intValue!).map { .invalid(path.description, .int(v.intValue!), $0) }
        default: return StrategyFormat.isValidPortNum(0).map { .invalid(path.description, .int(0), $0) }
        }
    }
}
