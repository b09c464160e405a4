import KubeJSON

/// Renders values the way Go's `fmt` does in kube-apiserver's messages, so a client that compares our
/// `Status` text with a real cluster's sees the same characters.
enum GoFormat {
    /// A bad value as `field.Error` prints it: numbers and booleans bare (`%v`), strings quoted (`%q`),
    /// null as `null`, and maps and slices in Go syntax (`%#v`).
    static func fieldValue(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return float(d)
        case .string(let s): return quote(s)
        case .array, .object: return syntax(value)
        }
    }

    /// `%v` of a float64 (Go's `%g` with the shortest digits): exponent form below 1e-4 and from 1e6 up.
    static func float(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let (negative, digits, exponent) = decompose(d)
        let sign = negative ? "-" : ""
        if exponent < -4 || exponent >= 6 {
            var mantissa = String(digits.first!)
            if digits.count > 1 { mantissa += "." + digits.dropFirst() }
            let e = abs(exponent)
            return sign + mantissa + (exponent < 0 ? "e-" : "e+") + (e < 10 ? "0" : "") + String(e)
        }
        if exponent < 0 {
            return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
        }
        if digits.count <= exponent + 1 {
            return sign + digits + String(repeating: "0", count: exponent + 1 - digits.count)
        }
        let cut = digits.index(digits.startIndex, offsetBy: exponent + 1)
        return sign + digits[..<cut] + "." + digits[cut...]
    }

    /// Shortest round-trip decimal digits and the exponent of the first one, from Swift's own shortest form.
    private static func decompose(_ d: Double) -> (Bool, String, Int) {
        var text = d.magnitude.description
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts[0])
        let fracPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = intPart + fracPart
        var pointAfter = intPart.count  // digits before the decimal point
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            pointAfter -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (d.sign == .minus, digits, exponent + pointAfter - 1)
    }

    /// `%#v` of an unstructured value: `map[string]interface {}{"a":1}`, `[]interface {}{"x"}`.
    static func syntax(_ value: JSON) -> String {
        switch value {
        case .null: return "interface {}(nil)"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return float(d)
        case .string(let s): return quote(s)
        case .array(let a): return "[]interface {}{" + a.map { syntax($0) }.joined(separator: ", ") + "}"
        case .object(let o):
            let members = o.entries.sorted { $0.key < $1.key }.map { quote($0.key) + ":" + syntax($0.value) }
            return "map[string]interface {}{" + members.joined(separator: ", ") + "}"
        }
    }
}

/// Field errors built with Go's value rendering. The paths are kube-openapi's: an empty one prints as
/// `<nil>`, as a nil `*field.Path` does upstream.
enum SchemaErrors {
    static func fieldName(_ path: FieldPath) -> String {
        path.description.isEmpty ? "<nil>" : path.description
    }

    static func required(_ path: FieldPath, _ detail: String = "") -> FieldError {
        FieldError(.required, fieldName(path), detail)
    }
    static func invalid(_ path: FieldPath, _ value: JSON, _ detail: String) -> FieldError {
        FieldError(.invalid, fieldName(path), value: GoFormat.fieldValue(value), detail)
    }
    static func invalid(_ path: FieldPath, rendered: String, _ detail: String) -> FieldError {
        FieldError(.invalid, fieldName(path), value: rendered, detail)
    }
    static func typeInvalid(_ path: FieldPath, _ value: JSON, _ detail: String) -> FieldError {
        FieldError(.typeInvalid, fieldName(path), value: GoFormat.fieldValue(value), detail)
    }
    static func notSupported(_ path: FieldPath, _ value: JSON, _ supported: [String]) -> FieldError {
        let list = supported.map { GoFormat.quote($0) }.joined(separator: ", ")
        return FieldError(.notSupported, fieldName(path), value: GoFormat.fieldValue(value),
            supported.isEmpty ? "" : "supported values: \(list)")
    }
    static func forbidden(_ path: FieldPath, _ detail: String) -> FieldError {
        FieldError(.forbidden, fieldName(path), detail)
    }
    static func duplicate(_ path: FieldPath, _ value: JSON) -> FieldError {
        FieldError(.duplicate, fieldName(path), value: GoFormat.fieldValue(value), "")
    }
    /// `Too long: may not be more than N bytes` (the value itself is never shown).
    static func tooLong(_ path: FieldPath, _ max: Int64) -> FieldError {
        let detail = max >= 0 ? "may not be more than \(max) \(max == 1 ? "byte" : "bytes")" : "value is too long"
        return FieldError(.tooLong, fieldName(path), detail)
    }
    /// `Too many: 5: must have at most 3 items`.
    static func tooMany(_ path: FieldPath, actual: Int64, max: Int64) -> FieldError {
        let detail = max >= 0 ? "must have at most \(max) \(max == 1 ? "item" : "items")" : "has too many items"
        return FieldError(.tooMany, fieldName(path), value: actual >= 0 ? String(actual) : nil, detail)
    }
}
