/// A field selector could not be parsed. `message` is what kube-apiserver puts in the 400 BadRequest.
public struct FieldSelectorError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One `field=value` or `field!=value` term. `==` parses to `.equals`, as upstream's Requirements() reports it.
public struct FieldRequirement: Sendable, Equatable, CustomStringConvertible {
    public enum Operator: String, Sendable {
        case equals = "="
        case notEquals = "!="
    }

    public var field: String
    public var op: Operator
    /// Unescaped.
    public var value: String

    public init(field: String, op: Operator, value: String) {
        self.field = field
        self.op = op
        self.value = value
    }

    /// A field the object does not have counts as "".
    public func matches(_ lookup: (String) -> String?) -> Bool {
        let actual = lookup(field) ?? ""
        return op == .equals ? actual == value : actual != value
    }

    public var description: String {
        field + op.rawValue + FieldSelector.escapeValue(value)
    }
}

/// A field selector (apimachinery's fields.ParseSelector): comma-separated terms that must all hold. Which fields
/// exist is the resource's business: a caller checks `requirements` and answers `field label not supported: <field>`
/// itself, in the order the requirements come (upstream's order, sorted by raw term).
public struct FieldSelector: Sendable, Equatable, CustomStringConvertible {
    public private(set) var requirements: [FieldRequirement]

    public init(_ requirements: [FieldRequirement]) {
        self.requirements = requirements
    }

    public static let everything = FieldSelector([])

    /// Parses the `fieldSelector` query parameter; "" selects everything.
    public static func parse(_ text: String) throws(FieldSelectorError) -> FieldSelector {
        var requirements: [FieldRequirement] = []
        // Upstream sorts the raw terms (escapes included) before parsing, which decides which bad term is reported.
        for term in splitTerms(text).sorted(by: GoFormat.bytewiseLess) where !term.isEmpty {
            guard let (field, op, rawValue) = splitTerm(term) else {
                throw FieldSelectorError("invalid selector: '\(text)'; can't understand '\(term)'")
            }
            let value = try unescapeValue(rawValue)
            // A term with neither field nor value ("=") selects everything, so it is dropped.
            if field.isEmpty && value.isEmpty { continue }
            requirements.append(FieldRequirement(field: field, op: op, value: value))
        }
        return FieldSelector(requirements)
    }

    public var isEmpty: Bool { requirements.isEmpty }

    public func matches(_ lookup: (String) -> String?) -> Bool {
        for requirement in requirements where !requirement.matches(lookup) { return false }
        return true
    }

    public func matches(_ fields: [String: String]) -> Bool {
        matches { fields[$0] }
    }

    /// The value a selector pins `field` to with `=`, if any (RequiresExactMatch), e.g. to look up one name.
    public func requiredValue(for field: String) -> String? {
        requirements.first { $0.field == field && $0.op == .equals }?.value
    }

    public var description: String {
        requirements.map(\.description).joined(separator: ",")
    }

    // MARK: - Escaping

    /// Escapes `\`, `,` and `=` so any value can be written into a selector.
    public static func escapeValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x2C || $0 == 0x3D }) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 4)
        for scalar in value.unicodeScalars {
            if scalar == "\\" || scalar == "," || scalar == "=" { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// The inverse of `escapeValue`, rejecting unknown escapes and bare `,`/`=` with upstream's messages.
    public static func unescapeValue(_ value: String) throws(FieldSelectorError) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x2C || $0 == 0x3D }) else { return value }
        var out = ""
        var inSlash = false
        for scalar in value.unicodeScalars {
            if inSlash {
                guard scalar == "\\" || scalar == "," || scalar == "=" else {
                    throw FieldSelectorError("invalid field selector: invalid escape sequence: \\\(Character(scalar))")
                }
                out.unicodeScalars.append(scalar)
                inSlash = false
                continue
            }
            switch scalar {
            case "\\":
                inSlash = true
            case ",", "=":
                // Go formats the rune with %v, which prints its code point.
                throw FieldSelectorError("invalid field selector: unescaped character in value: \(scalar.value)")
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        if inSlash { throw FieldSelectorError("invalid field selector: invalid escape sequence: \\") }
        return out
    }

    // MARK: - Splitting

    /// Splits at commas not escaped by a backslash; escapes stay in the terms.
    static func splitTerms(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        let bytes = Array(text.utf8)
        var terms: [String] = []
        var start = 0
        var inSlash = false
        for (i, b) in bytes.enumerated() {
            if inSlash {
                inSlash = false
            } else if b == 0x5C {
                inSlash = true
            } else if b == 0x2C {
                terms.append(String(decoding: bytes[start..<i], as: UTF8.self))
                start = i + 1
            }
        }
        terms.append(String(decoding: bytes[start...], as: UTF8.self))
        return terms
    }

    /// Splits at the first operator; "!=" and "==" are tried before "=" at each position. The field part is not
    /// unescaped: upstream supports no escapes there.
    static func splitTerm(_ term: String) -> (String, FieldRequirement.Operator, String)? {
        let bytes = Array(term.utf8)
        for i in bytes.indices {
            let next: UInt8? = i + 1 < bytes.count ? bytes[i + 1] : nil
            let length: Int
            let op: FieldRequirement.Operator
            if bytes[i] == 0x21, next == 0x3D {
                (length, op) = (2, .notEquals)
            } else if bytes[i] == 0x3D, next == 0x3D {
                (length, op) = (2, .equals)
            } else if bytes[i] == 0x3D {
                (length, op) = (1, .equals)
            } else {
                continue
            }
            return (String(decoding: bytes[..<i], as: UTF8.self), op,
                    String(decoding: bytes[(i + length)...], as: UTF8.self))
        }
        return nil
    }
}
