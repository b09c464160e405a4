import KubeJSON

/// A Kubernetes resource quantity ("100m", "1Gi", "2", "1e3"), as k8s.io/apimachinery's
/// resource.Quantity parses, compares and prints it.
///
/// The value is `mantissa × 10^exponent` with trailing zeros folded into the exponent, so two
/// quantities with the same value have the same representation whatever suffix they came with.
/// `format` only decides how the value is printed, as in Go.
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Format: Sendable, Hashable {
        case decimalSI, binarySI, decimalExponent
    }

    public private(set) var mantissa: Int128
    public private(set) var exponent: Int
    public var format: Format

    /// The message kube-apiserver answers with when a quantity does not parse.
    public static let syntaxError =
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

    public init(mantissa: Int128, exponent: Int = 0, format: Format = .decimalSI) {
        self.mantissa = mantissa
        self.exponent = exponent
        self.format = format
        normalize()
    }

    public init(milli: Int64, format: Format = .decimalSI) {
        self.init(mantissa: Int128(milli), exponent: -3, format: format)
    }

    public init(_ value: Int64, format: Format = .decimalSI) {
        self.init(mantissa: Int128(value), exponent: 0, format: format)
    }

    public static let zero = Quantity(0)

    private mutating func normalize() {
        if mantissa == 0 { exponent = 0; return }
        while mantissa % 10 == 0 {
            mantissa /= 10
            exponent += 1
        }
    }

    // MARK: Parsing

    private static let decimalSuffixes: [String: Int] = [
        "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
    ]
    private static let binarySuffixes: [String: Int] = ["Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60]
    /// Mantissas stay well inside Int128 so comparisons can align exponents without overflow.
    private static let maxMantissaDigits = 36

    /// Parses a quantity string; nil when it is not one.
    public static func parse(_ s: String) -> Quantity? {
        let bytes = Array(s.utf8)
        guard !bytes.isEmpty else { return nil }
        var i = 0
        var negative = false
        if bytes[0] == 43 || bytes[0] == 45 {  // + -
            negative = bytes[0] == 45
            i = 1
        }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var sawDigit = false, sawDot = false
        while i < bytes.count {
            let c = bytes[i]
            if c >= 48 && c <= 57 {
                sawDigit = true
                if !(digits.isEmpty && c == 48) { digits.append(c) }
                if sawDot { fractionDigits += 1 }
            } else if c == 46 && !sawDot {
                sawDot = true
            } else {
                break
            }
            i += 1
        }
        guard sawDigit else { return nil }
        var exponent = -fractionDigits
        // Trailing zeros carry no information; dropping them keeps long inputs like "1.000000000" in range.
        while let last = digits.last, last == 48 {
            digits.removeLast()
            exponent += 1
        }
        guard digits.count <= maxMantissaDigits else { return nil }
        var mantissa: Int128 = 0
        for d in digits { mantissa = mantissa * 10 + Int128(d - 48) }

        let suffix = String(decoding: bytes[i...], as: UTF8.self)
        var format = Format.decimalSI
        if let e = decimalSuffixes[suffix] {
            exponent += e
        } else if let b = binarySuffixes[suffix] {
            format = .binarySI
            let (m, overflow) = mantissa.multipliedReportingOverflow(by: Int128(1) << b)
            guard !overflow else { return nil }
            mantissa = m
        } else if let first = suffix.first, first == "e" || first == "E", suffix.count > 1 {
            let rest = suffix.dropFirst()
            let body = rest.first == "+" || rest.first == "-" ? rest.dropFirst() : rest
            guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }), let e = Int(rest), abs(e) <= 1000
            else { return nil }
            format = .decimalExponent
            exponent += e
        } else {
            return nil
        }
        var q = Quantity(mantissa: negative ? -mantissa : mantissa, exponent: exponent, format: format)
        // Go rounds anything finer than a nano up to the next nano: asking for a sliver of a
        // resource should still get some of it.
        q = q.roundedUp(toExponent: -9)
        if q.format == .binarySI, q.mantissa != 0, q < Quantity(1), q > .zero {
            q.format = .decimalSI
        }
        return q
    }

    /// Reads a quantity from JSON: a string, or a bare number as Go's decoder also accepts.
    public static func parse(json: JSON) -> Quantity? {
        switch json {
        case .string(let s): return parse(s)
        case .int(let i): return parse(String(i))
        case .double(let d): return parse("\(d)")
        default: return nil
        }
    }

    // MARK: Values

    public var isZero: Bool { mantissa == 0 }
    public var sign: Int { mantissa == 0 ? 0 : (mantissa < 0 ? -1 : 1) }

    /// The value rounded away from zero to a multiple of 10^e (Go's inf.RoundUp).
    public func roundedUp(toExponent e: Int) -> Quantity {
        guard exponent < e, mantissa != 0 else { return self }
        let shift = e - exponent
        guard shift <= Self.maxMantissaDigits + 2 else {
            return Quantity(mantissa: mantissa < 0 ? -1 : 1, exponent: e, format: format)
        }
        let p = Self.pow10(shift)
        var m = mantissa / p
        if mantissa % p != 0 { m += mantissa < 0 ? -1 : 1 }
        return Quantity(mantissa: m, exponent: e, format: format)
    }

    /// The value scaled by 10^-scale and rounded up, saturating at the Int64 range; Go's ScaledValue.
    public func scaledValue(_ scale: Int) -> Int64 {
        let r = roundedUp(toExponent: scale)
        let shift = r.exponent - scale
        if r.mantissa == 0 { return 0 }
        if shift > 20 { return r.mantissa > 0 ? Int64.max : Int64.min }
        let (v, overflow) = r.mantissa.multipliedReportingOverflow(by: Self.pow10(shift))
        if overflow || v > Int128(Int64.max) { return r.mantissa > 0 ? Int64.max : Int64.min }
        if v < Int128(Int64.min) { return Int64.min }
        return Int64(v)
    }

    /// Thousandths of a unit, rounded up: "100m" is 100, "1" is 1000.
    public var milliValue: Int64 { scaledValue(-3) }
    /// Whole units, rounded up: "1500m" is 2, "1Ki" is 1024.
    public var value: Int64 { scaledValue(0) }

    public var doubleValue: Double {
        var d = Double(mantissa)
        if exponent >= 0 {
            for _ in 0..<exponent { d *= 10 }
        } else {
            for _ in 0..<(-exponent) { d /= 10 }
        }
        return d
    }

    static func pow10(_ n: Int) -> Int128 {
        var r: Int128 = 1
        for _ in 0..<max(0, n) { r *= 10 }
        return r
    }

    private var magnitude: Int {
        var digits = 0
        var m = mantissa.magnitude
        while m > 0 { m /= 10; digits += 1 }
        return digits + exponent
    }

    public static func == (a: Quantity, b: Quantity) -> Bool {
        a.mantissa == b.mantissa && a.exponent == b.exponent
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(mantissa)
        hasher.combine(exponent)
    }

    public static func < (a: Quantity, b: Quantity) -> Bool {
        if a.sign != b.sign { return a.sign < b.sign }
        if a.sign == 0 { return false }
        let ma = a.magnitude, mb = b.magnitude
        if ma != mb { return a.sign > 0 ? ma < mb : ma > mb }
        // Same order of magnitude: the exponents differ by at most the mantissa digit count.
        if a.exponent >= b.exponent {
            return a.mantissa * pow10(a.exponent - b.exponent) < b.mantissa
        }
        return a.mantissa < b.mantissa * pow10(b.exponent - a.exponent)
    }

    /// The sum, or nil when it does not fit.
    public func adding(_ other: Quantity) -> Quantity? {
        let e = min(exponent, other.exponent)
        guard exponent - e <= 30, other.exponent - e <= 30 else { return nil }
        let (a, o1) = mantissa.multipliedReportingOverflow(by: Self.pow10(exponent - e))
        let (b, o2) = other.mantissa.multipliedReportingOverflow(by: Self.pow10(other.exponent - e))
        let (s, o3) = a.addingReportingOverflow(b)
        guard !o1, !o2, !o3 else { return nil }
        return Quantity(mantissa: s, exponent: e, format: format)
    }

    public var negated: Quantity { Quantity(mantissa: -mantissa, exponent: exponent, format: format) }

    // MARK: Printing

    /// The canonical form kube-apiserver writes back: "1000m" prints as "1", "1024Mi" as "1Gi",
    /// "0.5" as "500m", "1536Mi" stays "1536Mi".
    public var description: String {
        if mantissa == 0 { return "0" }
        var fmt = format
        if fmt == .binarySI {
            let small = self > Quantity(-1024) && self < Quantity(1024)
            if small || exponent < 0 { fmt = .decimalSI }
        }
        if fmt == .binarySI {
            var m = mantissa * Self.pow10(exponent)
            var power = 0
            while power < 6 && m % 1024 == 0 {
                m /= 1024
                power += 1
            }
            let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
            return String(m) + suffixes[power]
        }
        // Move the exponent to a multiple of three, growing the mantissa.
        var m = mantissa
        var e = exponent
        while e % 3 != 0 {
            m *= 10
            e -= 1
        }
        if fmt == .decimalExponent {
            return e == 0 ? String(m) : "\(m)e\(e)"
        }
        let suffixes: [Int: String] = [-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"]
        if let s = suffixes[e] { return String(m) + s }
        return "\(m)e\(e)"
    }

    /// The canonical form as JSON, as quantities are always serialized as strings.
    public var json: JSON { .string(description) }
}
