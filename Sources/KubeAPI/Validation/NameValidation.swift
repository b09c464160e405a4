import KubeJSON

/// The string format checks of apimachinery's `pkg/util/validation`, with its exact messages (as of v1.32, the
/// version the simulator reports). Each check returns the list of problems, empty when the value is valid, so a
/// caller can attach every message to a field error the way kube-apiserver does.
///
/// The regexes upstream uses are written out as byte loops here: they are all anchored ASCII classes, and a loop
/// is faster than `Regex` and needs no shared mutable state.
public enum NameValidation {
    public static let dns1123LabelMaxLength = 63
    public static let dns1123SubdomainMaxLength = 253
    public static let dns1035LabelMaxLength = 63
    public static let qualifiedNameMaxLength = 63
    public static let labelValueMaxLength = 63

    static let dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let dns1123LabelErrMsg =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    static let dns1123SubdomainFmt = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
    static let dns1123SubdomainErrMsg =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
    static let dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?"
    static let dns1035LabelErrMsg =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
    static let qualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let qualifiedNameErrMsg =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let labelValueFmt = "(" + qualifiedNameFmt + ")?"
    static let labelValueErrMsg =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let cIdentifierFmt = "[A-Za-z_][A-Za-z0-9_]*"
    static let cIdentifierErrMsg =
        "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'"
    static let configMapKeyFmt = "[-._a-zA-Z0-9]+"
    static let configMapKeyErrMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
    static let envVarNameFmt = "[-._a-zA-Z][-._a-zA-Z0-9]*"
    static let envVarNameErrMsg =
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit"

    // MARK: - Message builders (validation.go's MaxLenError, RegexError, EmptyError)

    public static func maxLenError(_ length: Int) -> String {
        "must be no more than \(length) characters"
    }

    /// Upstream appends "', " after every example and " or " between them, hence the double space in
    /// `(e.g. 'MyName',  or 'my.name', ...)`; clients match these strings, so the quirk stays.
    public static func regexError(_ message: String, _ format: String, _ examples: String...) -> String {
        if examples.isEmpty { return message + " (regex used for validation is '" + format + "')" }
        var text = message + " (e.g. "
        for (i, example) in examples.enumerated() {
            if i > 0 { text += " or " }
            text += "'" + example + "', "
        }
        return text + "regex used for validation is '" + format + "')"
    }

    public static func emptyError() -> String { "must be non-empty" }

    public static func inclusiveRangeError(_ low: Int, _ high: Int) -> String {
        "must be between \(low) and \(high), inclusive"
    }

    // MARK: - DNS names

    public static func isDNS1123Label(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dns1123LabelMaxLength { errors.append(maxLenError(dns1123LabelMaxLength)) }
        if !matchesDNS1123Label(value.utf8[...]) {
            if matchesDNS1123Subdomain(value) {
                // Length was checked above, so a valid subdomain that is not a label can only be failing on dots.
                errors.append("must not contain dots")
            } else {
                errors.append(regexError(dns1123LabelErrMsg, dns1123LabelFmt, "my-name", "123-abc"))
            }
        }
        return errors
    }

    public static func isDNS1123Subdomain(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dns1123SubdomainMaxLength { errors.append(maxLenError(dns1123SubdomainMaxLength)) }
        if !matchesDNS1123Subdomain(value) {
            errors.append(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, "example.com"))
        }
        return errors
    }

    public static func isDNS1035Label(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dns1035LabelMaxLength { errors.append(maxLenError(dns1035LabelMaxLength)) }
        let bytes = value.utf8
        let valid = bytes.first.map(isLowerAlpha) == true && bytes.last.map(isLowerAlnum) == true
            && bytes.allSatisfy { isLowerAlnum($0) || $0 == dash }
        if !valid { errors.append(regexError(dns1035LabelErrMsg, dns1035LabelFmt, "my-name", "abc-123")) }
        return errors
    }

    // MARK: - Qualified names and label values

    /// A label key, annotation key or finalizer: an optional DNS-1123 subdomain prefix and '/', then a name part.
    public static func isQualifiedName(_ value: String) -> [String] {
        var errors: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errors.append("prefix part " + emptyError())
            } else {
                errors.append(contentsOf: isDNS1123Subdomain(String(prefix)).map { "prefix part " + $0 })
            }
        default:
            return ["a qualified name "
                + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errors.append("name part " + emptyError())
        } else if name.utf8.count > qualifiedNameMaxLength {
            errors.append("name part " + maxLenError(qualifiedNameMaxLength))
        }
        if !matchesQualifiedNamePart(name.utf8) {
            errors.append("name part " + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc"))
        }
        return errors
    }

    public static func isValidLabelValue(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > labelValueMaxLength { errors.append(maxLenError(labelValueMaxLength)) }
        if !value.isEmpty && !matchesQualifiedNamePart(value.utf8[...]) {
            errors.append(regexError(labelValueErrMsg, labelValueFmt, "MyValue", "my_value", "12345"))
        }
        return errors
    }

    // MARK: - Path segments (names of resources that only need to be safe in a URL path, e.g. RBAC objects)

    public static func isValidPathSegmentName(_ name: String) -> [String] {
        for illegal in [".", ".."] where name == illegal {
            return ["may not be '\(illegal)'"]
        }
        return isValidPathSegmentPrefix(name)
    }

    /// A prefix is checked without the '.'/'..' rule, since the generated suffix makes such a name valid.
    public static func isValidPathSegmentPrefix(_ name: String) -> [String] {
        var errors: [String] = []
        for illegal in ["/", "%"] where name.utf8.contains(illegal.utf8.first!) {
            errors.append("may not contain '\(illegal)'")
        }
        return errors
    }

    // MARK: - Other formats the built-in kinds use

    public static func isCIdentifier(_ value: String) -> [String] {
        let bytes = value.utf8
        let valid = bytes.first.map { isAlpha($0) || $0 == underscore } == true
            && bytes.allSatisfy { isAlnum($0) || $0 == underscore }
        return valid ? [] : [regexError(cIdentifierErrMsg, cIdentifierFmt, "my_name", "MY_NAME", "MyName")]
    }

    public static func isConfigMapKey(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dns1123SubdomainMaxLength { errors.append(maxLenError(dns1123SubdomainMaxLength)) }
        let valid = !value.isEmpty && value.utf8.allSatisfy { isAlnum($0) || $0 == dash || $0 == dot || $0 == underscore }
        if !valid { errors.append(regexError(configMapKeyErrMsg, configMapKeyFmt, "key.name", "KEY_NAME", "key-name")) }
        errors.append(contentsOf: chDirPrefixErrors(value))
        return errors
    }

    public static func isEnvVarName(_ value: String) -> [String] {
        var errors: [String] = []
        let bytes = value.utf8
        let valid = bytes.first.map { isAlpha($0) || $0 == dash || $0 == dot || $0 == underscore } == true
            && bytes.allSatisfy { isAlnum($0) || $0 == dash || $0 == dot || $0 == underscore }
        if !valid {
            errors.append(regexError(envVarNameErrMsg, envVarNameFmt, "my.env-name", "MY_ENV.NAME", "MyEnvName1"))
        }
        errors.append(contentsOf: chDirPrefixErrors(value))
        return errors
    }

    /// A named container port: at most 15 characters of `[-a-z0-9]`, at least one letter, no leading, trailing or
    /// doubled hyphen.
    public static func isValidPortName(_ port: String) -> [String] {
        var errors: [String] = []
        let bytes = port.utf8
        if bytes.count > 15 { errors.append(maxLenError(15)) }
        if bytes.isEmpty || !bytes.allSatisfy({ isLowerAlnum($0) || $0 == dash }) {
            errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if !bytes.contains(where: isLowerAlpha) { errors.append("must contain at least one letter (a-z)") }
        if port.contains("--") { errors.append("must not contain consecutive hyphens") }
        if bytes.first == dash || bytes.last == dash { errors.append("must not begin or end with a hyphen") }
        return errors
    }

    public static func isValidPortNum(_ port: Int64) -> [String] {
        (1...65535).contains(port) ? [] : [inclusiveRangeError(1, 65535)]
    }

    static func chDirPrefixErrors(_ value: String) -> [String] {
        if value == "." { return ["must not be '.'"] }
        if value == ".." { return ["must not be '..'"] }
        if value.hasPrefix("..") { return ["must not start with '..'"] }
        return []
    }

    // MARK: - Byte classes

    static let dash = UInt8(ascii: "-")
    static let dot = UInt8(ascii: ".")
    static let underscore = UInt8(ascii: "_")

    static func isLowerAlpha(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isLowerAlnum(_ b: UInt8) -> Bool { isLowerAlpha(b) || isDigit(b) }
    static func isAlpha(_ b: UInt8) -> Bool { isLowerAlpha(b) || (b >= 0x41 && b <= 0x5A) }
    static func isAlnum(_ b: UInt8) -> Bool { isAlpha(b) || isDigit(b) }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
    static func matchesDNS1123Label<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        guard let first = bytes.first, isLowerAlnum(first) else { return false }
        var last = first
        for b in bytes {
            guard isLowerAlnum(b) || b == dash else { return false }
            last = b
        }
        return isLowerAlnum(last)
    }

    /// Dot-separated DNS-1123 labels, none empty.
    static func matchesDNS1123Subdomain(_ value: String) -> Bool {
        value.utf8.split(separator: dot, omittingEmptySubsequences: false).allSatisfy { matchesDNS1123Label($0) }
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    static func matchesQualifiedNamePart<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> Bool {
        guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == dash || $0 == underscore || $0 == dot }
    }
}

/// Which rule `metadata.name` follows for a kind (apimachinery's ValidateNameFunc family).
public enum NameKind: Sendable, Equatable {
    /// Most kinds (NameIsDNSSubdomain).
    case dns1123Subdomain
    /// Namespaces, and kinds whose name becomes a DNS label (NameIsDNSLabel).
    case dns1123Label
    /// Services (NameIsDNS1035Label).
    case dns1035Label
    /// RBAC objects and others that only need a URL-safe name (ValidatePathSegmentName).
    case pathSegment
    /// Any name is accepted.
    case none

    /// The problems with `name`; `prefix` is true when the name is a `generateName` that will get a suffix.
    public func validate(_ name: String, prefix: Bool) -> [String] {
        switch self {
        case .dns1123Subdomain: return NameValidation.isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name)
        case .dns1123Label: return NameValidation.isDNS1123Label(prefix ? maskTrailingDash(name) : name)
        case .dns1035Label: return NameValidation.isDNS1035Label(prefix ? maskTrailingDash(name) : name)
        case .pathSegment:
            return prefix ? NameValidation.isValidPathSegmentPrefix(name) : NameValidation.isValidPathSegmentName(name)
        case .none: return []
        }
    }

    /// A generateName may end in '-', since the random suffix follows it. Upstream drops the last *two* bytes and
    /// appends 'a' (so "ab-" is checked as "aa"); that decides which prefixes pass, so it is reproduced.
    func maskTrailingDash(_ name: String) -> String {
        let bytes = Array(name.utf8)
        guard bytes.count > 1, bytes.last == NameValidation.dash else { return name }
        return String(decoding: bytes.dropLast(2), as: UTF8.self) + "a"
    }
}

/// Go's `%q` and the other formats validation messages use (see GoValueFormat.swift for values).
extension GoFormat {
    /// `%q` of a string: double-quoted, with Go's escapes for quotes, backslashes and unprintable characters.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value < 0x80 {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value < 0x10000 {
                    out += "\\u" + hex(scalar.value, width: 4)
                } else {
                    out += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
        return out + "\""
    }

    /// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value >= 0x20 && scalar.value < 0x7F { return true }  // the common case, without the Unicode tables
        if scalar.value < 0xA0 { return false }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark,
            .decimalNumber, .letterNumber, .otherNumber,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation,
            .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// `%#v` of a []string, as in `[]string{"a", "b"}`.
    static func stringSliceLiteral(_ values: [String]) -> String {
        "[]string{" + values.map(quote).joined(separator: ", ") + "}"
    }

    /// How a field error shows a value that Go would pass through json.Marshal (anything but a plain string or number).
    static func json(_ value: JSON?) -> String {
        guard let value else { return "null" }
        return value.jsonString
    }

    /// utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated inside brackets.
    static func aggregate(_ messages: [String]) -> String {
        if messages.count == 1 { return messages[0] }
        var seen = Set<String>()
        var unique: [String] = []
        for message in messages where seen.insert(message).inserted { unique.append(message) }
        if unique.count == 1 { return unique[0] }
        return "[" + unique.joined(separator: ", ") + "]"
    }

    /// Go compares strings bytewise; Swift's `<` compares by Unicode canonical ordering, which differs for non-ASCII.
    static func bytewiseLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}

extension FieldError {
    /// An Invalid error whose value Go renders with `%q`; FieldError.invalid(_:_:_:) does not escape.
    static func invalidQuoted(_ field: String, _ value: String, _ detail: String) -> FieldError {
        FieldError(.invalid, field, value: GoFormat.quote(value), detail)
    }

    /// An Invalid error whose value Go renders through json.Marshal (objects, lists, absent values).
    static func invalidJSON(_ field: String, _ value: JSON?, _ detail: String) -> FieldError {
        FieldError(.invalid, field, value: GoFormat.json(value), detail)
    }
}
