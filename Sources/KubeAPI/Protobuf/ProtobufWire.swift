/// Malformed protobuf input: what was wrong and at which byte of the body.
struct ProtoWireError: Error, Sendable, CustomStringConvertible {
    var message: String
    var offset: Int

    var description: String { "\(message) at byte \(offset)" }
}

/// A bounds-checked cursor over one window of a protobuf buffer.
///
/// Request bodies come from clients, so every length and varint is checked against the window before use and
/// nothing here can trap: a bad byte sequence becomes a `ProtoWireError`. Nested messages are read by making a
/// new reader over the same array (copy-on-write, so no bytes are copied).
struct ProtoReader {
    /// The payload of one field, as the wire type delivers it.
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        /// Length-delimited: a string, bytes, an embedded message or a packed repeated scalar.
        case bytes(Range<Int>)
    }

    /// The largest field number protobuf allows (2^29 - 1).
    static let maxFieldNumber: UInt64 = (1 << 29) - 1

    let buffer: [UInt8]
    private(set) var position: Int
    let end: Int

    /// A reader over `range` of `buffer`; a range outside the buffer is clamped to it.
    init(_ buffer: [UInt8], range: Range<Int>? = nil) {
        self.buffer = buffer
        let whole = 0..<buffer.count
        let window = (range ?? whole).clamped(to: whole)
        position = window.lowerBound
        end = window.upperBound
    }

    var isAtEnd: Bool { position >= end }

    mutating func readVarint() throws(ProtoWireError) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw ProtoWireError(message: "truncated varint", offset: start) }
            let byte = buffer[position]
            position += 1
            // Bits past the 64th are dropped, as Go's decoders do; an 11th byte is malformed.
            if shift < 64 { result |= UInt64(byte & 0x7F) << shift }
            if byte < 0x80 { return result }
            shift += 7
            if shift >= 70 { throw ProtoWireError(message: "varint longer than 10 bytes", offset: start) }
        }
    }

    private mutating func readFixed(_ count: Int) throws(ProtoWireError) -> UInt64 {
        guard end - position >= count else {
            throw ProtoWireError(message: "truncated \(count * 8)-bit value", offset: position)
        }
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(buffer[position + i]) << (8 * UInt64(i)) }
        position += count
        return value
    }

    /// The next field of the window, or nil at its end.
    mutating func readField() throws(ProtoWireError) -> (number: Int, value: Value)? {
        guard !isAtEnd else { return nil }
        let start = position
        let key = try readVarint()
        let number = key >> 3
        guard number >= 1, number <= Self.maxFieldNumber else {
            throw ProtoWireError(message: "invalid field number \(number)", offset: start)
        }
        switch key & 7 {
        case 0:
            return (Int(number), .varint(try readVarint()))
        case 1:
            return (Int(number), .fixed64(try readFixed(8)))
        case 2:
            let lengthAt = position
            let length = try readVarint()
            guard length <= UInt64(end - position) else {
                throw ProtoWireError(message: "length \(length) runs past the end of the message", offset: lengthAt)
            }
            let range = position..<(position + Int(length))
            position = range.upperBound
            return (Int(number), .bytes(range))
        case 5:
            return (Int(number), .fixed32(UInt32(truncatingIfNeeded: try readFixed(4))))
        case 3, 4:
            throw ProtoWireError(message: "protobuf groups are not supported (field \(number))", offset: start)
        default:
            throw ProtoWireError(message: "invalid wire type \(key & 7) for field \(number)", offset: start)
        }
    }

    /// The bytes of a length-delimited payload.
    func bytes(_ range: Range<Int>) -> ArraySlice<UInt8> { buffer[range] }

    /// A length-delimited payload as text; invalid UTF-8 becomes U+FFFD, as Go's JSON encoder writes it.
    func string(_ range: Range<Int>) -> String { String(decoding: buffer[range], as: UTF8.self) }

    /// The varints of a packed repeated scalar.
    func packedVarints(_ range: Range<Int>) throws(ProtoWireError) -> [UInt64] {
        var inner = ProtoReader(buffer, range: range)
        var values: [UInt64] = []
        while !inner.isAtEnd { values.append(try inner.readVarint()) }
        return values
    }
}
