/// Compact JSON output in the form Go's encoding/json produces: HTML-significant characters and the
/// line separators escaped, integral floats without a fraction. Clients compare bytes (ETags, last-applied
/// annotations), so the form matters, not just the meaning.
public struct JSONWriter {
    public var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: JSON) {
        switch value {
        case .null: writeRaw("null")
        case .bool(let b): writeRaw(b ? "true" : "false")
        case .int(let i): writeInt(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let a):
            bytes.append(UInt8(ascii: "["))
            var first = true
            for element in a {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let o):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, element) in o.entries {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                write(element)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    public mutating func writeRaw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func writeRaw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func writeRaw(_ raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    public mutating func writeInt(_ value: Int64) {
        if value == 0 { bytes.append(UInt8(ascii: "0")); return }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
        }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        withUnsafeBytes(of: &digits) { buffer in
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[i]) }
        }
    }

    public mutating func writeDouble(_ value: Double) {
        guard value.isFinite else { writeRaw("null"); return }
        if value.rounded() == value, abs(value) < 1e21 {
            if abs(value) < 9.2e18 { writeInt(Int64(value)); return }
        }
        // Swift's shortest form matches Go's here: 0.1, 1e-07, 1.5e+22.
        writeRaw("\(value)")
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public mutating func writeString(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            var i = 0
            while i < utf8.count {
                let byte = utf8[i]
                var escape: StaticString? = nil
                var unicodeEscape = false
                switch byte {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case 0x0A: escape = "\\n"
                case 0x0D: escape = "\\r"
                case 0x09: escape = "\\t"
                case 0..<0x20, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"): unicodeEscape = true
                case 0xE2:
                    // U+2028 and U+2029 (E2 80 A8/A9) break JavaScript parsers; Go escapes them.
                    if i + 2 < utf8.count, utf8[i + 1] == 0x80, utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9 {
                        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                        bytes.append(contentsOf: utf8[i + 2] == 0xA8 ? Array("\\u2028".utf8) : Array("\\u2029".utf8))
                        i += 3
                        runStart = i
                        continue
                    }
                default: break
                }
                if escape != nil || unicodeEscape {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                    if let escape {
                        bytes.append(contentsOf: UnsafeBufferPointer(start: escape.utf8Start, count: escape.utf8CodeUnitCount))
                    } else {
                        bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                                  Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]])
                    }
                    runStart = i + 1
                }
                i += 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension JSON {
    /// The compact serialized form.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }

    public var jsonString: String { String(decoding: serialized(), as: UTF8.self) }
}
