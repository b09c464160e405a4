import Foundation
import KubeJSON

/// Turns a protobuf message into the JSON object kube-apiserver would have produced for the same Go value.
///
/// gogo-protobuf writes every non-pointer field, zero or not, and a pointer field only when it is set, so a
/// field on the wire means "the Go field holds this". JSON then follows the json tags: zero scalars are dropped
/// unless the table marks the field `!` (pointer or no `omitempty`), empty lists and maps are dropped (nil and
/// empty are one thing on the wire), and a present message is always written, even empty — Go never omits a
/// struct. Unknown field numbers are skipped, as gogo's generated decoders do.
struct ProtoJSONDecoder {
    let schemas: ProtoSchemaSet
    /// Kubernetes types nest about a dozen levels deep (CronJob → … → labelSelector); this only stops a body
    /// from making the decoder recurse without end.
    var maxDepth = 32

    func decode(_ buffer: [UInt8], range: Range<Int>, as message: ProtoMessage) throws(ProtoWireError) -> JSONObject {
        var object = JSONObject()
        try decodeFields(buffer, ranges: [range], message: message, depth: 1, into: &object)
        return object
    }

    /// What has been read for each field of one message so far, indexed like `ProtoMessage.fields`. Kept as
    /// separate arrays so appends happen in place: a body of a million tiny list elements stays linear.
    private struct Slots {
        /// Singular values; a later occurrence replaces an earlier one (protobuf's "last one wins").
        var values: [JSON?]
        var lists: [[JSON]]
        var entries: [[String: JSON]]
        /// Singular and inline messages: every occurrence is decoded together, which is protobuf's merge.
        var ranges: [[Range<Int>]]

        init(count: Int) {
            values = Array(repeating: nil, count: count)
            lists = Array(repeating: [], count: count)
            entries = Array(repeating: [:], count: count)
            ranges = Array(repeating: [], count: count)
        }
    }

    private func decodeFields(_ buffer: [UInt8], ranges: [Range<Int>], message: ProtoMessage, depth: Int,
                              into object: inout JSONObject) throws(ProtoWireError) {
        guard depth <= maxDepth else {
            throw ProtoWireError(message: "messages nested deeper than \(maxDepth) levels",
                                 offset: ranges.first?.lowerBound ?? 0)
        }
        var slots = Slots(count: message.fields.count)
        for range in ranges {
            var reader = ProtoReader(buffer, range: range)
            while true {
                let fieldStart = reader.position
                guard let (number, value) = try reader.readField() else { break }
                guard let index = message.indexByNumber[number] else { continue }
                try accumulate(value, into: &slots, index: index, message: message, buffer: buffer, depth: depth,
                               at: fieldStart)
            }
        }
        for (index, field) in message.fields.enumerated() {
            switch field.shape {
            case .single where !field.kind.isMessage:
                guard let value = slots.values[index], !value.isNull else { continue }
                if !field.keepZero && Self.isZeroScalar(value, kind: field.kind) { continue }
                object.entries.append((field.jsonName, value))
            case .repeated:
                let values = slots.lists[index]
                if !values.isEmpty { object.entries.append((field.jsonName, .array(values))) }
            case .map:
                let entries = slots.entries[index]
                if entries.isEmpty { continue }
                // Go writes map keys sorted byte-wise.
                let sorted = entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                let members = sorted.map { (key: $0.key, value: $0.value) }
                object.entries.append((field.jsonName, .object(JSONObject(members))))
            case .single, .inline:
                let messageRanges = slots.ranges[index]
                guard !messageRanges.isEmpty, case .message(let name) = field.kind,
                      let nested = schemas.messages[name] else { continue }
                if field.shape == .inline {
                    try decodeFields(buffer, ranges: messageRanges, message: nested, depth: depth + 1, into: &object)
                } else {
                    var child = JSONObject()
                    try decodeFields(buffer, ranges: messageRanges, message: nested, depth: depth + 1, into: &child)
                    object.entries.append((field.jsonName, .object(child)))
                }
            }
        }
    }

    private func accumulate(_ value: ProtoReader.Value, into slots: inout Slots, index: Int, message: ProtoMessage,
                            buffer: [UInt8], depth: Int, at offset: Int) throws(ProtoWireError) {
        let field = message.fields[index]
        switch field.shape {
        case .single, .inline:
            if field.kind.isMessage {
                guard case .bytes(let range) = value else { throw wrongWireType(field, message, offset) }
                slots.ranges[index].append(range)
            } else {
                slots.values[index] = try decodeValue(field.kind, value, field: field, message: message,
                                                      buffer: buffer, depth: depth, at: offset)
            }
        case .repeated:
            if case .bytes(let range) = value, let packed = try unpack(field.kind, range, buffer: buffer) {
                slots.lists[index] += packed
            } else {
                slots.lists[index].append(try decodeValue(field.kind, value, field: field, message: message,
                                                          buffer: buffer, depth: depth, at: offset))
            }
        case .map:
            guard case .bytes(let range) = value else { throw wrongWireType(field, message, offset) }
            var key = ""
            var entryValue: JSON?
            var reader = ProtoReader(buffer, range: range)
            while true {
                let entryOffset = reader.position
                guard let (number, part) = try reader.readField() else { break }
                if number == 1 {
                    guard case .bytes(let keyRange) = part else { throw wrongWireType(field, message, entryOffset) }
                    key = reader.string(keyRange)
                } else if number == 2 {
                    entryValue = try decodeValue(field.kind, part, field: field, message: message, buffer: buffer,
                                                 depth: depth, at: entryOffset)
                }
            }
            slots.entries[index][key] = entryValue ?? Self.zeroValue(field.kind)
        }
    }

    /// The elements of a packed repeated scalar, or nil when the kind is not packable (strings, messages).
    private func unpack(_ kind: ProtoValueKind, _ range: Range<Int>,
                        buffer: [UInt8]) throws(ProtoWireError) -> [JSON]? {
        let reader = ProtoReader(buffer, range: range)
        switch kind {
        case .int32: return try reader.packedVarints(range).map { .int(Int64(Int32(truncatingIfNeeded: $0))) }
        case .int64: return try reader.packedVarints(range).map { .int(Int64(bitPattern: $0)) }
        case .bool: return try reader.packedVarints(range).map { .bool($0 != 0) }
        case .double:
            guard range.count % 8 == 0 else {
                throw ProtoWireError(message: "packed doubles are not a multiple of 8 bytes", offset: range.lowerBound)
            }
            var values: [JSON] = []
            for start in stride(from: range.lowerBound, to: range.upperBound, by: 8) {
                var bits: UInt64 = 0
                for i in 0..<8 { bits |= UInt64(buffer[start + i]) << (8 * UInt64(i)) }
                values.append(try Self.finite(Double(bitPattern: bits), at: start))
            }
            return values
        default:
            return nil
        }
    }

    private func decodeValue(_ kind: ProtoValueKind, _ value: ProtoReader.Value, field: ProtoField,
                             message: ProtoMessage, buffer: [UInt8], depth: Int,
                             at offset: Int) throws(ProtoWireError) -> JSON {
        switch (kind, value) {
        case (.string, .bytes(let range)):
            return .string(String(decoding: buffer[range], as: UTF8.self))
        case (.bytes, .bytes(let range)):
            return .string(Self.base64(buffer[range]))
        case (.int32, .varint(let raw)):
            return .int(Int64(Int32(truncatingIfNeeded: raw)))
        case (.int64, .varint(let raw)):
            return .int(Int64(bitPattern: raw))
        case (.bool, .varint(let raw)):
            return .bool(raw != 0)
        case (.double, .fixed64(let bits)):
            return try Self.finite(Double(bitPattern: bits), at: offset)
        case (.time, .bytes(let range)), (.microTime, .bytes(let range)):
            return try Self.timestamp(buffer, range, micro: kind == .microTime)
        case (.quantity, .bytes(let range)):
            var text = "0"
            try Self.eachField(buffer, range) { (number, part, reader) throws(ProtoWireError) in
                if number == 1, case .bytes(let r) = part { text = reader.string(r) }
            }
            return .string(text)
        case (.intOrString, .bytes(let range)):
            var type: UInt64 = 0
            var intVal: Int64 = 0
            var strVal = ""
            try Self.eachField(buffer, range) { (number, part, reader) throws(ProtoWireError) in
                switch (number, part) {
                case (1, .varint(let v)): type = v
                case (2, .varint(let v)): intVal = Int64(Int32(truncatingIfNeeded: v))
                case (3, .bytes(let r)): strVal = reader.string(r)
                default: break
                }
            }
            return type == 1 ? .string(strVal) : .int(intVal)
        case (.rawExtension, .bytes(let range)), (.fieldsV1, .bytes(let range)):
            var raw: Range<Int>?
            try Self.eachField(buffer, range) { (number, part, _) throws(ProtoWireError) in
                if number == 1, case .bytes(let r) = part { raw = r }
            }
            guard let raw, !raw.isEmpty else { return .null }
            do {
                return try JSONParser.parse(Array(buffer[raw]))
            } catch {
                throw ProtoWireError(message: "\(field.jsonName) does not hold JSON: \(error.message)",
                                     offset: raw.lowerBound + error.offset)
            }
        case (.stringList, .bytes(let range)):
            var items: [JSON] = []
            try Self.eachField(buffer, range) { (number, part, reader) throws(ProtoWireError) in
                if number == 1, case .bytes(let r) = part { items.append(.string(reader.string(r))) }
            }
            return .array(items)
        case (.message(let name), .bytes(let range)):
            guard let nested = schemas.messages[name] else {
                throw ProtoWireError(message: "no schema for message \(name)", offset: offset)
            }
            var child = JSONObject()
            try decodeFields(buffer, ranges: [range], message: nested, depth: depth + 1, into: &child)
            return .object(child)
        default:
            throw wrongWireType(field, message, offset)
        }
    }

    private static func eachField(_ buffer: [UInt8], _ range: Range<Int>,
                                  _ body: (Int, ProtoReader.Value, ProtoReader) throws(ProtoWireError) -> Void)
        throws(ProtoWireError)
    {
        var reader = ProtoReader(buffer, range: range)
        while let (number, value) = try reader.readField() { try body(number, value, reader) }
    }

    /// Go's zero time (0001-01-01) marshals to no bytes and to JSON null; JSON cannot carry years past 9999.
    private static let zeroTimeSeconds: Int64 = -62_135_596_800
    private static let maxTimeSeconds: Int64 = 253_402_300_799

    private static func timestamp(_ buffer: [UInt8], _ range: Range<Int>, micro: Bool) throws(ProtoWireError) -> JSON {
        if range.isEmpty { return .null }
        var seconds: Int64 = 0
        var nanos: Int64 = 0
        try eachField(buffer, range) { (number, part, _) throws(ProtoWireError) in
            switch (number, part) {
            case (1, .varint(let v)): seconds = Int64(bitPattern: v)
            case (2, .varint(let v)): nanos = Int64(Int32(truncatingIfNeeded: v))
            default: break
            }
        }
        // metav1.Time keeps whole seconds only (its Unmarshal drops nanos); MicroTime keeps microseconds.
        if !micro { nanos = 0 }
        if seconds == zeroTimeSeconds && nanos == 0 { return .null }
        guard seconds >= zeroTimeSeconds, seconds <= maxTimeSeconds, (0..<1_000_000_000).contains(nanos) else {
            throw ProtoWireError(message: "timestamp \(seconds)s \(nanos)ns is out of range", offset: range.lowerBound)
        }
        let text = Timestamp.rfc3339(Double(seconds))
        guard micro else { return .string(text) }
        let micros = String(nanos / 1000)
        return .string(text.dropLast() + "." + String(repeating: "0", count: 6 - micros.count) + micros + "Z")
    }

    private static func finite(_ value: Double, at offset: Int) throws(ProtoWireError) -> JSON {
        guard value.isFinite else {
            throw ProtoWireError(message: "\(value) cannot be written as JSON", offset: offset)
        }
        return .double(value)
    }

    /// Zero scalars that `omitempty` drops. Struct-backed kinds (Time, Quantity, IntOrString) are never dropped
    /// by Go's encoder, so they are not zero here.
    private static func isZeroScalar(_ value: JSON, kind: ProtoValueKind) -> Bool {
        switch (kind, value) {
        case (.string, .string(let s)), (.bytes, .string(let s)): return s.isEmpty
        case (.int32, .int(let n)), (.int64, .int(let n)): return n == 0
        case (.bool, .bool(let b)): return !b
        case (.double, .double(let d)): return d == 0
        default: return false
        }
    }

    /// The value of a map entry whose value field is missing: the Go zero value of the element type.
    private static func zeroValue(_ kind: ProtoValueKind) -> JSON {
        switch kind {
        case .string, .bytes: return .string("")
        case .int32, .int64: return .int(0)
        case .bool: return .bool(false)
        case .double: return .double(0)
        case .quantity: return .string("0")
        case .intOrString: return .int(0)
        case .stringList: return .array([])
        case .message: return .object(JSONObject())
        case .time, .microTime, .rawExtension, .fieldsV1: return .null
        }
    }

    private func wrongWireType(_ field: ProtoField, _ message: ProtoMessage, _ offset: Int) -> ProtoWireError {
        let name = field.shape == .inline ? "inline field \(field.number)" : "field \(field.jsonName)"
        return ProtoWireError(message: "wrong wire type for \(name) of \(message.name)", offset: offset)
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding, as Go's encoding/json writes `[]byte`.
    static func base64(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let remaining = bytes.endIndex - i
            let b0 = UInt32(bytes[i])
            let b1 = remaining > 1 ? UInt32(bytes[i + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[i + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            out.append(base64Alphabet[Int(triple >> 18 & 63)])
            out.append(base64Alphabet[Int(triple >> 12 & 63)])
            out.append(remaining > 1 ? base64Alphabet[Int(triple >> 6 & 63)] : UInt8(ascii: "="))
            out.append(remaining > 2 ? base64Alphabet[Int(triple & 63)] : UInt8(ascii: "="))
            i += min(3, remaining)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
