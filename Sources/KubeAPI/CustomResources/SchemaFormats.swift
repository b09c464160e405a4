import KubeJSON

/// The string formats a CRD schema may name, and their checks, as kube-openapi's `strfmt.Default` registry
/// defines them (names compared without dashes, so `date-time` is `datetime`).
enum SchemaFormats {
    static let supported: Set<String> = [
        "bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6", "cidr", "mac", "uuid", "uuid3", "uuid4",
        "uuid5", "isbn", "isbn10", "isbn13", "creditcard", "ssn", "hexcolor", "rgbcolor", "byte", "password",
        "date", "duration", "datetime", "quantity", "k8sshortname", "k8slongname",
    ]

    /// True when `value` is valid for `format` (already known to be supported).
    static func validates(_ format: String, _ value: String) -> Bool {
        switch format.filter({ $0 != "-" }).lowercased() {
        case "bsonobjectid": return value.utf8.count == 24 && value.utf8.allSatisfy(isHex)
        case "uri": return isRequestURI(value)
        case "email": return isEmail(value)
        case "hostname": return isHostname(value)
        case "ipv4": return value.contains(".") && parseIP(value) != nil
        case "ipv6": return value.contains(":") && parseIP(value) != nil
        case "cidr": return isCIDR(value)
        case "mac": return isMAC(value)
        case "uuid": return patterns.uuid.matches(value)
        case "uuid3": return patterns.uuid3.matches(value)
        case "uuid4": return patterns.uuid4.matches(value)
        case "uuid5": return patterns.uuid5.matches(value)
        case "isbn": return isISBN10(value) || isISBN13(value)
        case "isbn10": return isISBN10(value)
        case "isbn13": return isISBN13(value)
        case "creditcard": return isCreditCard(value)
        case "ssn": return value.utf8.count == 11 && patterns.ssn.matches(value)
        case "hexcolor": return patterns.hexColor.matches(value)
        case "rgbcolor": return patterns.rgbColor.matches(value)
        case "byte": return patterns.base64.matches(value)
        case "password": return true
        case "date": return isDate(value)
        case "duration": return isDuration(value)
        case "datetime": return isDateTime(value)
        case "quantity": return patterns.quantity.matches(value)
        case "k8sshortname": return value.utf8.count <= 63 && patterns.dns1123Label.matches(value)
        case "k8slongname": return value.utf8.count <= 253 && patterns.k8sLongName.matches(value)
        default: return true
        }
    }

    /// Compiled once for the process; the format checks run on every request.
    struct Patterns: Sendable {
        let uuid = SchemaPattern(#"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$"#)
        let uuid3 = SchemaPattern(#"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$"#)
        let uuid4 = SchemaPattern(#"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"#)
        let uuid5 = SchemaPattern(#"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"#)
        let ssn = SchemaPattern(#"^\d{3}[- ]?\d{2}[- ]?\d{4}$"#)
        let hexColor = SchemaPattern(#"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"#)
        let rgbColor = SchemaPattern(
            #"^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$"#
        )
        let base64 = SchemaPattern(#"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$"#)
        let hostname = SchemaPattern(
            #"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z0-9\p{S}\p{L}])(-?[a-zA-Z0-9\p{S}\p{L}]){1,62})$"#
        )
        let quantity = SchemaPattern(#"^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?\d+))?$"#)
        let dns1123Label = SchemaPattern(#"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"#)
        let k8sLongName = SchemaPattern(#"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#)
        let creditCard = SchemaPattern(
            #"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}|6[27][0-9]{14})$"#
        )
        let durationUnit = SchemaPattern(#"^(\d+\s*[A-Za-zµ]+\s*)+$"#)
        let goDuration = SchemaPattern(#"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$"#)
        let timeOfDay = SchemaPattern(#"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$"#)
    }
    static let patterns = Patterns()

    private static func isHex(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102)
    }

    /// Go's `url.ParseRequestURI`: an absolute URI or an absolute path, without spaces or control characters.
    static func isRequestURI(_ s: String) -> Bool {
        guard !s.isEmpty, !s.utf8.contains(where: { $0 < 0x21 || $0 == 0x7f }) else { return false }
        if s.hasPrefix("/") { return true }
        guard let colon = s.firstIndex(of: ":"), colon != s.startIndex else { return false }
        let scheme = s[..<colon]
        guard let first = scheme.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII else { return false }
        return scheme.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0))
        }
    }

    /// A loose `net/mail.ParseAddress`: `local@domain`, optionally as `Name <local@domain>`.
    static func isEmail(_ s: String) -> Bool {
        var address = Substring(s.trimmingSpaces)
        if address.hasSuffix(">"), let open = address.lastIndex(of: "<") {
            address = address[address.index(after: open)..<address.index(before: address.endIndex)]
        }
        guard let at = address.lastIndex(of: "@") else { return false }
        let local = address[..<at], domain = address[address.index(after: at)...]
        let bad: Set<Character> = [" ", "<", ">", "(", ")", ",", ";", ":", "\\", "[", "]"]
        guard !local.isEmpty, !domain.isEmpty, !domain.hasPrefix("."), !domain.hasSuffix("."),
            !domain.contains(".."), !local.contains(where: { bad.contains($0) || $0 == "@" }),
            !domain.contains(where: { bad.contains($0) || $0 == "@" })
        else { return false }
        return true
    }

    static func isHostname(_ s: String) -> Bool {
        guard patterns.hostname.matches(s), s.utf8.count <= 255 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 63 }
    }

    /// Go's `net.ParseIP`: dotted IPv4, or IPv6 (with `::` and an optional trailing IPv4).
    static func parseIP(_ s: String) -> [UInt8]? {
        if !s.contains(":") { return parseIPv4(Substring(s)) }
        return parseIPv6(s)
    }

    private static func parseIPv4(_ s: Substring) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCIIDigit), !(p.count > 1 && p.hasPrefix("0")),
                let v = Int(p), v <= 255
            else { return nil }
            out.append(UInt8(v))
        }
        return out
    }

    private static func parseIPv6(_ s: String) -> [UInt8]? {
        var text = Substring(s)
        var tail: [UInt8] = []
        if let lastColon = text.lastIndex(of: ":"), text[lastColon...].contains(".") {
            guard let v4 = parseIPv4(text[text.index(after: lastColon)...]) else { return nil }
            tail = v4
            text = text[...lastColon]
            if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for g in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, g.utf8.allSatisfy(isHex), let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        let rest = halves.count == 2 ? groups(halves[1]) : []
        guard let rest else { return nil }
        let total = head.count + rest.count + tail.count / 2
        if halves.count == 2 {
            guard total < 8 else { return nil }
        } else {
            guard total == 8 else { return nil }
        }
        var words = head + Array(repeating: 0, count: 8 - total) + rest
        if tail.count == 4 {
            words.append(UInt16(tail[0]) << 8 | UInt16(tail[1]))
            words.append(UInt16(tail[2]) << 8 | UInt16(tail[3]))
        }
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    static func isCIDR(_ s: String) -> Bool {
        guard let slash = s.lastIndex(of: "/") else { return false }
        let ip = String(s[..<slash]), bits = s[s.index(after: slash)...]
        guard let addr = parseIP(ip), !bits.isEmpty, bits.allSatisfy(\.isASCIIDigit),
            !(bits.count > 1 && bits.hasPrefix("0")), let n = Int(bits)
        else { return false }
        return n <= (ip.contains(":") ? 128 : 32) && (addr.count == 4 || addr.count == 16)
    }

    /// Go's `net.ParseMAC`: 6, 8 or 20 octets as `aa:bb:..`, `aa-bb-..` or `aabb.ccdd.eeff`.
    static func isMAC(_ s: String) -> Bool {
        let n = s.utf8.count
        guard n >= 14 else { return false }
        if s.contains(":") || s.contains("-") {
            let sep: Character = s.contains(":") ? ":" : "-"
            let parts = s.split(separator: sep, omittingEmptySubsequences: false)
            guard [6, 8, 20].contains(parts.count) else { return false }
            return parts.allSatisfy { $0.utf8.count == 2 && $0.utf8.allSatisfy(isHex) }
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard [3, 4, 10].contains(parts.count) else { return false }
        return parts.allSatisfy { $0.utf8.count == 4 && $0.utf8.allSatisfy(isHex) }
    }

    static func isISBN10(_ s: String) -> Bool {
        let c = Array(s.filter { $0 != " " && $0 != "-" })
        guard c.count == 10, c[0..<9].allSatisfy(\.isASCIIDigit), c[9].isASCIIDigit || c[9] == "X" else { return false }
        var sum = 0
        for i in 0..<9 { sum += (i + 1) * Int(String(c[i]))! }
        sum += c[9] == "X" ? 100 : 10 * Int(String(c[9]))!
        return sum % 11 == 0
    }

    static func isISBN13(_ s: String) -> Bool {
        let c = Array(s.filter { $0 != " " && $0 != "-" })
        guard c.count == 13, c.allSatisfy(\.isASCIIDigit) else { return false }
        var sum = 0
        for i in 0..<12 { sum += Int(String(c[i]))! * (i % 2 == 0 ? 1 : 3) }
        return (10 - sum % 10) % 10 == Int(String(c[12]))!
    }

    static func isCreditCard(_ s: String) -> Bool {
        let digits = s.filter(\.isASCIIDigit)
        guard patterns.creditCard.matches(digits) else { return false }
        var sum = 0, double = false
        for ch in digits.reversed() {
            var d = Int(String(ch))!
            if double { d *= 2; if d > 9 { d -= 9 } }
            sum += d
            double.toggle()
        }
        return sum % 10 == 0
    }

    /// `2006-01-02` with a real calendar date, as Go's `time.Parse` checks it.
    static func isDate(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == 45, u[7] == 45 else { return false }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10), (1...12).contains(m), d >= 1 else {
            return false
        }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }

    /// strfmt's `IsDateTime`: a valid date, `t`, then `hh:mm:ss[.frac](z|±hh:mm)`, case-insensitive.
    static func isDateTime(_ s: String) -> Bool {
        guard s.utf8.count >= 4 else { return false }
        let parts = s.lowercased().split(separator: "t", omittingEmptySubsequences: false)
        guard parts.count >= 2, isDate(String(parts[0])) else { return false }
        let time = String(parts[1])
        guard patterns.timeOfDay.matches(time) else { return false }
        let u = Array(time.utf8)
        func two(_ i: Int) -> Int { Int(u[i] - 48) * 10 + Int(u[i + 1] - 48) }
        return two(0) <= 23 && two(3) <= 59 && two(6) <= 59
    }

    /// strfmt's `ParseDuration`: Go's duration syntax, or `<n> <unit>` groups such as `3 days`.
    static func isDuration(_ s: String) -> Bool {
        if s == "0" || patterns.goDuration.matches(s) { return true }
        guard patterns.durationUnit.matches(s) else { return false }
        let units = ["ns", "us", "µs", "ms", "s", "m", "h", "d", "w", "sec", "second", "min", "minute", "hour",
            "day", "week", "nanosecond", "microsecond", "millisecond"]
        var unit = ""
        var sawDigit = false
        for ch in s + "0" {
            if ch.isASCIIDigit || ch == " " {
                if !unit.isEmpty {
                    let u = unit.lowercased()
                    let bare = u.hasSuffix("s") && u.count > 2 ? String(u.dropLast()) : u
                    guard units.contains(u) || units.contains(bare) else { return false }
                    unit = ""
                }
                if ch.isASCIIDigit { sawDigit = true }
            } else {
                unit.append(ch)
            }
        }
        return sawDigit
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}

extension Substring {
    fileprivate func components(separatedBy separator: String) -> [Substring] {
        var out: [Substring] = []
        var rest = self
        while let r = rest.firstRange(of: separator) {
            out.append(rest[..<r.lowerBound])
            rest = rest[r.upperBound...]
        }
        out.append(rest)
        return out
    }
}
