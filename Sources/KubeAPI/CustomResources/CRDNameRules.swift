/// The name rules of apimachinery's `util/validation` that CRDs and embedded resources use, with the exact
/// messages kube-apiserver returns.
enum CRDNameRules {
    static let dns1035LabelMessage = regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        "[a-z]([-a-z0-9]*[a-z0-9])?", ["my-name", "abc-123"])
    static let dns1123LabelMessage = regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        "[a-z0-9]([-a-z0-9]*[a-z0-9])?", ["my-name", "123-abc"])
    static let dns1123SubdomainMessage = regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        #"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"#, ["example.com"])

    /// apimachinery's `RegexError`, including its `'a', or 'b', ` punctuation.
    static func regexError(_ message: String, _ format: String, _ examples: [String]) -> String {
        var text = message + " (e.g. "
        for (i, example) in examples.enumerated() {
            if i > 0 { text += " or " }
            text += "'" + example + "', "
        }
        return text + "regex used for validation is '" + format + "')"
    }

    static func maxLenError(_ n: Int) -> String { "must be no more than \(n) characters" }

    private static func isLower(_ b: UInt8) -> Bool { b >= 97 && b <= 122 }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?` or, with `alphaStart`, `[a-z]([-a-z0-9]*[a-z0-9])?`.
    private static func isLabel<S: BidirectionalCollection>(_ u: S, alphaStart: Bool) -> Bool where S.Element == UInt8 {
        guard let first = u.first, let last = u.last else { return false }
        guard isLower(first) || (!alphaStart && isDigit(first)) else { return false }
        guard isLower(last) || isDigit(last) else { return false }
        return u.allSatisfy { isLower($0) || isDigit($0) || $0 == 45 }
    }

    static func isDNS1035Label(_ s: String) -> Bool { s.utf8.count <= 63 && isLabel(s.utf8, alphaStart: true) }

    static func dns1035LabelErrors(_ s: String) -> [String] {
        var errors: [String] = []
        if s.utf8.count > 63 { errors.append(maxLenError(63)) }
        if !isLabel(s.utf8, alphaStart: true) { errors.append(dns1035LabelMessage) }
        return errors
    }

    static func dns1123LabelErrors(_ s: String) -> [String] {
        var errors: [String] = []
        if s.utf8.count > 63 { errors.append(maxLenError(63)) }
        if !isLabel(s.utf8, alphaStart: false) { errors.append(dns1123LabelMessage) }
        return errors
    }

    static func isDNS1123SubdomainFormat(_ s: String) -> Bool {
        let labels = s.utf8.split(separator: 46, omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { isLabel($0, alphaStart: false) }
    }

    static func dns1123SubdomainErrors(_ s: String) -> [String] {
        var errors: [String] = []
        if s.utf8.count > 253 { errors.append(maxLenError(253)) }
        if !isDNS1123SubdomainFormat(s) { errors.append(dns1123SubdomainMessage) }
        return errors
    }

    /// `NameIsDNSSubdomain`: a generateName prefix may end in a dash.
    static func nameIsDNSSubdomain(_ name: String, prefix: Bool) -> [String] {
        var n = name
        if prefix && n.utf8.count > 1 && n.hasSuffix("-") { n = String(n.dropLast()) + "a" }
        return dns1123SubdomainErrors(n)
    }

    /// `ValidatePathSegmentName`: names that must work as one URL path segment.
    static func pathSegmentNameErrors(_ name: String, prefix: Bool = false) -> [String] {
        if !prefix {
            for bad in [".", ".."] where name == bad { return ["may not be '\(bad)'"] }
        }
        var errors: [String] = []
        for bad in ["/", "%"] where name.contains(bad) { errors.append("may not contain '\(bad)'") }
        return errors
    }
}
