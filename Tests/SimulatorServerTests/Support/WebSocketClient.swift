import Foundation
import KubeJSON
#if canImport(Glibc)
import Glibc
#endif

/// A blocking RFC 6455 client on `TestConnection`: the handshake, text messages (reassembled from fragments),
/// answers to pings, and a close. Small on purpose, so tests see exactly what the server sends.
final class WebSocketClient {
    let connection: TestConnection
    let handshakeStatus: Int
    let handshakeHeaders: [String: String]

    /// Connects and upgrades; `receiveBuffer` shrinks the socket's receive buffer (a client that will stall).
    init(port: Int, path: String, receiveBuffer: Int32? = nil) throws {
        connection = try TestConnection(port: port, receiveBuffer: receiveBuffer)
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        try connection.send("GET", path, headers: ["Upgrade": "websocket", "Connection": "Upgrade",
                                                   "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13"])
        (handshakeStatus, handshakeHeaders) = try connection.readHead()
    }

    /// The next text message, as JSON.
    func nextJSON(timeout: Double = 10) throws -> JSON {
        let text = try nextText(timeout: timeout)
        return try JSONParser.parse(Array(text.utf8))
    }

    func nextText(timeout: Double = 10) throws -> String {
        connection.setTimeout(timeout)
        var message: [UInt8] = []
        while true {
            let (fin, opcode, payload) = try readFrame()
            switch opcode {
            case 0x1, 0x0:
                message += payload
                if fin { return String(decoding: message, as: UTF8.self) }
            case 0x8:
                throw TestHTTPError("server closed the WebSocket")
            case 0x9:
                try write(opcode: 0xA, payload: payload)
            default:
                continue
            }
        }
    }

    private func readFrame() throws -> (fin: Bool, opcode: UInt8, payload: [UInt8]) {
        let head = try connection.readBytes(2)
        var length = Int(head[1] & 0x7F)
        if length == 126 {
            let ext = try connection.readBytes(2)
            length = Int(ext[0]) << 8 | Int(ext[1])
        } else if length == 127 {
            length = try connection.readBytes(8).reduce(0) { $0 << 8 | Int($1) }
        }
        let mask = head[1] & 0x80 != 0 ? try connection.readBytes(4) : nil
        var payload = try connection.readBytes(length)
        if let mask { for i in payload.indices { payload[i] ^= mask[i % 4] } }
        return (head[0] & 0x80 != 0, head[0] & 0x0F, payload)
    }

    /// Client frames are masked, as the protocol requires.
    func write(opcode: UInt8, payload: [UInt8]) throws {
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try connection.sendRaw(frame)
    }

    func close() throws {
        try write(opcode: 0x8, payload: [0x03, 0xE8])
    }
}
