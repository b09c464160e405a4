import KubeJSON

/// The string formats kube-apiserver checks (k8s.io/apimachinery/pkg/util/validation), each
/// returning the same explanatory messages. Kept private to the strategies; a shared copy lives in
/// Validation/ once that settles.
enum StrategyFormat {
    static func maxLen(_ n: Int) -> String { "must be no more than \(n) characters" }

    static func regexError(_ msg: String, _ fmt: String, _ examples: [String]) -> String {
        if examples.isEmpty { return msg + " (regex used for validation is '\(fmt)')" }
        var out = msg + " (e.g. "
        for (i, e) in examples.enumerated() {
            if i > 0 { out += " or " }
            out += "'\(e)', "
        }
        return out + "regex used for validation is '\(fmt)')"
    }

    static let dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let dns1123SubdomainFmt = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
    static let dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?"
    static let labelKeyFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"

    private static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
    private static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (c >= 65 && c <= 90) }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
    static func matchesDNSLabel(_ s: Substring.UTF8View) -> Bool {
        guard let f = s.first, let l = s.last, isLowerAlnum(f), isLowerAlnum(l) else { return false }
        return s.allSatisfy { isLowerAlnum($0) || $0 == 45 }
    }

    static func matchesSubdomain(_ s: String) -> Bool {
        let parts = s.utf8.split(separator: 46, omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { matchesDNSLabel(Substring($0).utf8) }
    }

    static func isDNS1123Label(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 63 { errs.append(maxLen(63)) }
        if !matchesDNSLabel(Substring(s).utf8) {
            if matchesSubdomain(s) {
                errs.append("must not contain dots")
            } else {
                errs.append(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", dns1123LabelFmt, ["my-name", "123-abc"]))
            }
        }
        return errs
    }

    static func isDNS1123Subdomain(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 253 { errs.append(maxLen(253)) }
        if !matchesSubdomain(s) {
            errs.append(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", dns1123SubdomainFmt, ["example.com"]))
        }
        return errs
    }

    static func isDNS1035Label(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 63 { errs.append(maxLen(63)) }
        let u = s.utf8
        let ok = u.first.map { $0 >= 97 && $0 <= 122 } == true && matchesDNSLabel(Substring(s).utf8)
        if !ok {
            errs.append(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", dns1035LabelFmt, ["my-name", "abc-123"]))
        }
        return errs
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    static func matchesLabelKeyName(_ s: Substring.UTF8View) -> Bool {
        guard let f = s.first, let l = s.last, isAlnum(f), isAlnum(l) else { return false }
        return s.allSatisfy { isAlnum($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    /// A label key, also called a qualified name: an optional DNS subdomain prefix and a name.
    static func isQualifiedName(_ value: String) -> [String] {
        var errs: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1: name = parts[0]
        case 2:
            let prefix = String(parts[0])
            name = parts[1]
            if prefix.isEmpty {
                errs.append("prefix part must be non-empty")
            } else {
                errs += isDNS1123Subdomain(prefix).map { "prefix part " + $0 }
            }
        default:
            return ["a valid label key " + regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", labelKeyFmt, ["MyName", "my.name", "123-abc"]) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errs.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errs.append("name part " + maxLen(63))
        }
        if !matchesLabelKeyName(name.utf8) {
            errs.append("name part " + regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", labelKeyFmt, ["MyName", "my.name", "123-abc"]))
        }
        return errs
    }

    static func isLabelValue(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > 63 { errs.append(maxLen(63)) }
        if !value.isEmpty && !matchesLabelKeyName(Substring(value).utf8) {
            errs.append(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", "(" + labelKeyFmt + ")?", ["MyValue", "my_value", "12345"]))
        }
        return errs
    }

    static func isConfigMapKey(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > 253 { errs.append(maxLen(253)) }
        let ok = !value.isEmpty && value.utf8.allSatisfy { isAlnum($0) || $0 == 45 || $0 == 95 || $0 == 46 }
        if !ok {
            errs.append(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", "[-._a-zA-Z0-9]+", ["key.name", "KEY_NAME", "key-name"]))
        }
        if value == "." {
            errs.append("must not be '.'")
        } else if value == ".." {
            errs.append("must not be '..'")
        } else if value.hasPrefix("..") {
            errs.append("must not start with '..'")
        }
        return errs
    }

    static func isValidPortName(_ port: String) -> [String] {
        var errs: [String] = []
        let u = port.utf8
        if u.count > 15 { errs.append(maxLen(15)) }
        if u.isEmpty || !u.allSatisfy({ isLowerAlnum($0) || $0 == 45 }) {
            errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if !u.contains(where: { $0 >= 97 && $0 <= 122 }) { errs.append("must contain at least one letter (a-z)") }
        if port.contains("--") { errs.append("must not contain consecutive hyphens") }
        if u.first == 45 || u.last == 45 { errs.append("must not begin or end with a hyphen") }
        return errs
    }

    static func isValidPortNum(_ port: Int64) -> [String] {
        (1...65535).contains(port) ? [] : ["must be between 1 and 65535, inclusive"]
    }

    /// `[0-9]+%`
    static func isValidPercent(_ s: String) -> Bool {
        guard s.hasSuffix("%") else { return false }
        let digits = s.utf8.dropLast()
        return !digits.isEmpty && digits.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    static let percentError = regexError("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", ["1%", "93%"])

    /// Printable ASCII other than '=' (RelaxedEnvironmentVariableValidation, on by default).
    static func isRelaxedEnvVarName(_ s: String) -> [String] {
        var errs: [String] = []
        if s.isEmpty { errs.append("environment variable name must be non-empty") }
        if s.utf8.contains(where: { $0 < 32 || $0 > 126 || $0 == 61 }) {
            errs.append("a valid environment variable name must consist only of printable ASCII characters other than '='")
        }
        return errs
    }

    /// RFC 3986 path segment rules kube-apiserver applies to names used in URLs.
    static func isValidPathSegmentName(_ s: String) -> [String] {
        if s == "." || s == ".." { return ["may not be '\(s)'"] }
        var errs: [String] = []
        if s.contains("/") { errs.append("may not contain '/'") }
        if s.contains("%") { errs.append("may not contain '%'") }
        return errs
    }

    // MARK: IP addresses

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } && Int(p)! <= 255
                && !(p.count > 1 && p.first == "0")
        }
    }

    static func isIPv6(_ s: String) -> Bool {
        guard s.contains(":") else { return false }
        var text = Substring(s)
        var groupsAvailable = 8
        if let lastColon = text.lastIndex(of: ":") {
            let tail = text[text.index(after: lastColon)...]
            if tail.contains(".") {
                guard isIPv4(String(tail)) else { return false }
                groupsAvailable = 6
                // The colon before the embedded IPv4 address only stays when it is part of "::".
                let head = text[..<lastColon]
                text = head.hasSuffix(":") ? text[...lastColon] : head
            }
        }
        let halves = text.components(separatedByDoubleColon: ())
        func groups(_ part: Substring) -> Int? {
            if part.isEmpty { return 0 }
            let gs = part.split(separator: ":", omittingEmptySubsequences: false)
            for g in gs where g.isEmpty || g.count > 4 || !g.allSatisfy({ $0.isHexDigit }) { return nil }
            return gs.count
        }
        switch halves.count {
        case 1:
            return groups(halves[0]) == groupsAvailable
        case 2:
            guard let a = groups(halves[0]), let b = groups(halves[1]) else { return false }
            return a + b < groupsAvailable
        default:
            return false
        }
    }

    static func isIP(_ s: String) -> Bool { isIPv4(s) || isIPv6(s) }

    static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), parts[1].allSatisfy({ $0.isNumber }) else { return false }
        let ip = String(parts[0])
        if isIPv4(ip) { return bits >= 0 && bits <= 32 }
        if isIPv6(ip) { return bits >= 0 && bits <= 128 }
        return false
    }

    static let ipError = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
    static let cidrError = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
}

extension Substring {
    /// Splits on the first "::" only; a second "::" yields three parts, which callers reject.
    fileprivate func components(separatedByDoubleColon _: ()) -> [Substring] {
        var parts: [Substring] = []
        var rest = self[...]
        while let r = rest.firstRange(of: "::") {
            parts.append(rest[..<r.lowerBound])
            rest = rest[r.upperBound...]
        }
        parts.append(rest)
        return parts
    }
}
