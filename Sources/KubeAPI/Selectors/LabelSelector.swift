import KubeJSON

/// The operators of a label requirement, with the spellings of apimachinery's `selection` package (they appear in
/// error messages: "expected: in, notin, =, ==, !=, gt, lt").
public enum LabelSelectorOperator: String, Sendable, CaseIterable {
    case equals = "="
    case doubleEquals = "=="
    case notEquals = "!="
    case `in` = "in"
    case notIn = "notin"
    case exists = "exists"
    case doesNotExist = "!"
    case greaterThan = "gt"
    case lessThan = "lt"
}

/// A label selector could not be parsed or built. `message` is what kube-apiserver puts in the 400 BadRequest.
public struct LabelSelectorError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One condition of a label selector: a key, an operator and the values it relates them to.
public struct LabelRequirement: Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let op: LabelSelectorOperator
    /// In the order given; the string form sorts them.
    public let values: [String]

    /// Builds a requirement with the checks of labels.NewRequirement, failing with its aggregated message.
    public init(key: String, op: LabelSelectorOperator, values: [String]) throws(LabelSelectorError) {
        var errors: [String] = []
        let keyProblems = NameValidation.isQualifiedName(key)
        if !keyProblems.isEmpty {
            errors.append("key: Invalid value: \(GoFormat.quote(key)): \(keyProblems.joined(separator: "; "))")
        }
        // Go renders the value list with json.Marshal; an empty list there is always a nil slice, hence "null".
        let renderedValues = values.isEmpty ? "null" : GoFormat.json(.array(values.map { .string($0) }))
        switch op {
        case .in, .notIn:
            if values.isEmpty {
                errors.append("values: Invalid value: \(renderedValues): for 'in', 'notin' operators, values set can't be empty")
            }
        case .equals, .doubleEquals, .notEquals:
            if values.count != 1 {
                errors.append("values: Invalid value: \(renderedValues): exact-match compatibility requires one single value")
            }
        case .exists, .doesNotExist:
            if !values.isEmpty {
                errors.append("values: Invalid value: \(renderedValues): values set must be empty for exists and does not exist")
            }
        case .greaterThan, .lessThan:
            if values.count != 1 {
                errors.append("values: Invalid value: \(renderedValues): for 'Gt', 'Lt' operators, exactly one value is required")
            }
            for (i, value) in values.enumerated() where Int64(value, radix: 10) == nil {
                errors.append("values[\(i)]: Invalid value: \(GoFormat.quote(value)): for 'Gt', 'Lt' operators, the value must be an integer")
            }
        }
        for (i, value) in values.enumerated() {
            let problems = NameValidation.isValidLabelValue(value)
            if !problems.isEmpty {
                errors.append("values[\(i)][\(key)]: Invalid value: \(GoFormat.quote(value)): \(problems.joined(separator: "; "))")
            }
        }
        if !errors.isEmpty { throw LabelSelectorError(GoFormat.aggregate(errors)) }
        self.key = key
        self.op = op
        self.values = values
    }

    /// For values already known to be valid (labels of a stored object, a selector we built ourselves).
    init(unchecked key: String, op: LabelSelectorOperator, values: [String]) {
        self.key = key
        self.op = op
        self.values = values
    }

    public func matches(_ lookup: (String) -> String?) -> Bool {
        switch op {
        case .in, .equals, .doubleEquals:
            guard let value = lookup(key) else { return false }
            return values.contains(value)
        case .notIn, .notEquals:
            guard let value = lookup(key) else { return true }
            return !values.contains(value)
        case .exists:
            return lookup(key) != nil
        case .doesNotExist:
            return lookup(key) == nil
        case .greaterThan, .lessThan:
            guard let value = lookup(key), let actual = Int64(value, radix: 10), values.count == 1,
                let bound = Int64(values[0], radix: 10)
            else { return false }
            return op == .greaterThan ? actual > bound : actual < bound
        }
    }

    public func matches(_ labels: [String: String]) -> Bool {
        matches { labels[$0] }
    }

    /// The query-string form: `a=b`, `a in (x,y)`, `!a`, `a>1`.
    public var description: String {
        switch op {
        case .exists: return key
        case .doesNotExist: return "!" + key
        default: break
        }
        let sorted = values.count == 1 ? values : values.sorted(by: GoFormat.bytewiseLess)
        let list = sorted.joined(separator: ",")
        switch op {
        case .equals: return key + "=" + list
        case .doubleEquals: return key + "==" + list
        case .notEquals: return key + "!=" + list
        case .in: return key + " in (" + list + ")"
        case .notIn: return key + " notin (" + list + ")"
        case .greaterThan: return key + ">" + list
        case .lessThan: return key + "<" + list
        case .exists, .doesNotExist: return key  // handled above
        }
    }
}

/// A label selector: requirements that must all hold, or the selector that matches nothing (what a null
/// `metav1.LabelSelector` means to most controllers).
public struct LabelSelector: Sendable, Equatable, CustomStringConvertible {
    /// Sorted by key, as upstream keeps them, so the string form is deterministic.
    public private(set) var requirements: [LabelRequirement]
    public private(set) var matchesNothing: Bool

    public init(_ requirements: [LabelRequirement]) {
        self.requirements = LabelSelector.sortedByKey(requirements)
        self.matchesNothing = false
    }

    public static let everything = LabelSelector([])
    public static let nothing: LabelSelector = {
        var selector = LabelSelector([])
        selector.matchesNothing = true
        return selector
    }()

    /// The selector that matches exactly these labels (labels.SelectorFromSet), without validating them.
    public static func matchingExactly(_ labels: [String: String]) -> LabelSelector {
        LabelSelector(labels.map { LabelRequirement(unchecked: $0.key, op: .equals, values: [$0.value]) })
    }

    /// Parses the `labelSelector` query parameter the way labels.Parse does; "" selects everything.
    public static func parse(_ text: String) throws(LabelSelectorError) -> LabelSelector {
        var parser = LabelSelectorParser(text)
        return LabelSelector(try parser.parse())
    }

    /// Builds a selector from a `metav1.LabelSelector` object (LabelSelectorAsSelector). A null or absent object
    /// gives `whenAbsent` (upstream: nothing); `{}` gives everything.
    public init(json: JSON?, whenAbsent: LabelSelector = .nothing) throws(LabelSelectorError) {
        guard let json, !json.isNull else {
            self = whenAbsent
            return
        }
        guard let object = json.objectValue else {
            throw LabelSelectorError("label selector must be an object, not \(json.typeName)")
        }
        let matchLabels = object["matchLabels"]?.objectValue ?? JSONObject()
        let expressions = object["matchExpressions"]?.arrayValue ?? []
        var requirements: [LabelRequirement] = []
        requirements.reserveCapacity(matchLabels.count + expressions.count)
        for (key, value) in matchLabels {
            guard let value = value.stringValue else {
                throw LabelSelectorError("matchLabels[\(key)] must be a string, not \(value.typeName)")
            }
            requirements.append(try LabelRequirement(key: key, op: .equals, values: [value]))
        }
        for expression in expressions {
            let key = expression["key"]?.stringValue ?? ""
            let operatorName = expression["operator"]?.stringValue ?? ""
            let op: LabelSelectorOperator
            switch operatorName {
            case "In": op = .in
            case "NotIn": op = .notIn
            case "Exists": op = .exists
            case "DoesNotExist": op = .doesNotExist
            default: throw LabelSelectorError("\(GoFormat.quote(operatorName)) is not a valid label selector operator")
            }
            let values = (expression["values"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
            requirements.append(try LabelRequirement(key: key, op: op, values: values))
        }
        self.init(requirements)
    }

    /// True when the selector does not restrict anything (the nothing selector is not empty).
    public var isEmpty: Bool { !matchesNothing && requirements.isEmpty }

    public func matches(_ lookup: (String) -> String?) -> Bool {
        if matchesNothing { return false }
        for requirement in requirements where !requirement.matches(lookup) { return false }
        return true
    }

    public func matches(_ labels: [String: String]) -> Bool {
        matches { labels[$0] }
    }

    /// Matches against a `metadata.labels` object as stored; members that are not strings count as absent.
    public func matches(labelsObject: JSONObject?) -> Bool {
        guard let labelsObject else { return matches { _ in nil } }
        return matches { labelsObject[$0]?.stringValue }
    }

    /// The value a selector pins `key` to with `=`, `==` or a one-value `in`, if it does (RequiresExactMatch).
    public func requiredValue(for key: String) -> String? {
        guard let requirement = requirements.first(where: { $0.key == key }) else { return nil }
        switch requirement.op {
        case .equals, .doubleEquals, .in: return requirement.values.count == 1 ? requirement.values[0] : nil
        default: return nil
        }
    }

    /// The query-string form, e.g. for `status.selector` of a Scale; "" for both everything and nothing.
    public var description: String {
        requirements.map(\.description).joined(separator: ",")
    }

    static func sortedByKey(_ requirements: [LabelRequirement]) -> [LabelRequirement] {
        // Stable, like Go's insertion sort for the short lists selectors are; equal keys keep their order.
        requirements.enumerated().sorted { a, b in
            if a.element.key != b.element.key { return GoFormat.bytewiseLess(a.element.key, b.element.key) }
            return a.offset < b.offset
        }.map(\.element)
    }
}

// MARK: - Validation of metav1.LabelSelector objects

/// ValidateLabelSelector: problems with a `metav1.LabelSelector` object in a spec, as 422 field errors.
/// `allowInvalidLabelValueInSelector` mirrors upstream's option of the same name (off for new objects).
public func validateLabelSelector(_ json: JSON?, path: FieldPath,
                                  allowInvalidLabelValueInSelector: Bool = false) -> [FieldError]
{
    guard let json, !json.isNull else { return [] }
    guard let object = json.objectValue else {
        return [FieldError(.typeInvalid, path.description, value: FieldError.render(json), "must be of type object")]
    }
    var errors = validateLabels(object["matchLabels"], path: path.child("matchLabels"))
    let expressionsPath = path.child("matchExpressions")
    switch object["matchExpressions"] {
    case nil, .null?:
        break
    case .array(let expressions)?:
        for (i, expression) in expressions.enumerated() {
            errors += validateLabelSelectorRequirement(expression, path: expressionsPath.index(i),
                                                       allowInvalidLabelValue: allowInvalidLabelValueInSelector)
        }
    case let other?:
        errors.append(FieldError(.typeInvalid, expressionsPath.description, value: FieldError.render(other),
                                 "must be of type array"))
    }
    return errors
}

private func validateLabelSelectorRequirement(_ json: JSON, path: FieldPath, allowInvalidLabelValue: Bool) -> [FieldError] {
    var errors: [FieldError] = []
    let operatorName = json["operator"]?.stringValue ?? ""
    let values = (json["values"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
    switch operatorName {
    case "In", "NotIn":
        if values.isEmpty {
            errors.append(.required(path.child("values").description, "must be specified when `operator` is 'In' or 'NotIn'"))
        }
    case "Exists", "DoesNotExist":
        if !values.isEmpty {
            errors.append(.forbidden(path.child("values").description,
                                     "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        }
    default:
        errors.append(.invalidQuoted(path.child("operator").description, operatorName, "not a valid selector operator"))
    }
    let key = json["key"]?.stringValue ?? ""
    for message in NameValidation.isQualifiedName(key) {
        errors.append(.invalidQuoted(path.child("key").description, key, message))
    }
    if !allowInvalidLabelValue {
        for (i, value) in values.enumerated() {
            for message in NameValidation.isValidLabelValue(value) {
                errors.append(.invalidQuoted(path.child("values").index(i).description, value, message))
            }
        }
    }
    return errors
}
