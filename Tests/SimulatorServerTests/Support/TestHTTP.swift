import Foundation
import KubeJSON
#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 client over a POSIX socket, so tests see exactly what goes over the wire:
/// status, headers, chunked framing and the timing of watch events.
final class TestConnection {
    let fd: Int32
    private var buffer: [UInt8] = []

    /// `receiveBuffer` is set before connecting, so the window the kernel advertises really is that small.
    init(port: Int, timeout: Double = 10, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestHTTPError("socket failed") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { close(fd); throw TestHTTPError("connect to \(port) failed") }
        setTimeout(timeout)
    }

    deinit { close(fd) }

    func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ method: String, _ target: String, headers: [String: String] = [:], body: [UInt8] = []) throws {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if !body.isEmpty || ["POST", "PUT", "PATCH"].contains(method) { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestHTTPError("send failed") }
            sent += n
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n == 0 { throw TestHTTPError("connection closed") }
        if n < 0 { throw TestHTTPError(errno == EAGAIN || errno == EWOULDBLOCK ? "receive timed out" : "connection reset") }
        buffer.append(contentsOf: chunk[0..<n])
    }

    func readLine() throws -> String {
        while true {
            if let i = buffer.firstIndex(of: 0x0A) {
                var line = Array(buffer[..<i])
                buffer.removeFirst(i + 1)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            try fill()
        }
    }

    func readBytes(_ count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        let out = Array(buffer[..<count])
        buffer.removeFirst(count)
        return out
    }

    /// Reads the status line and headers.
    func readHead() throws -> (status: Int, headers: [String: String]) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestHTTPError("bad status line: \(statusLine)") }
        var headers: [String: String] = [:]
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                headers[name] = headers[name].map { $0 + ", " + value } ?? value
            }
        }
        return (status, headers)
    }

    /// The next chunk of a chunked body; nil at its end.
    func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else { throw TestHTTPError("bad chunk size \(sizeLine)") }
        if size == 0 { _ = try readLine(); return nil }
        let data = try readBytes(size)
        _ = try readLine()
        return data
    }

    func readResponse() throws -> TestResponse {
        let (status, headers) = try readHead()
        var body: [UInt8] = []
        if headers["transfer-encoding"]?.contains("chunked") == true {
            while let chunk = try readChunk() { body += chunk }
        } else if let length = headers["content-length"].flatMap(Int.init) {
            body = try readBytes(length)
        }
        return TestResponse(status: status, headers: headers, body: body)
    }
}

struct TestHTTPError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct TestResponse {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSON { (try? JSONParser.parse(body)) ?? .null }
}

/// Reads a watch stream event by event.
final class WatchReader {
    let connection: TestConnection
    let status: Int
    private var pending: [UInt8] = []
    private(set) var ended = false

    init(port: Int, path: String, headers: [String: String] = [:]) throws {
        connection = try TestConnection(port: port)
        try connection.send("GET", path, headers: headers)
        let head = try connection.readHead()
        status = head.status
    }

    /// The next event, or nil when the server ended the stream. Throws on timeout.
    func next(timeout: Double = 10) throws -> JSON? {
        connection.setTimeout(timeout)
        while true {
            if let i = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<i])
                pending.removeFirst(i + 1)
                return try JSONParser.parse(line)
            }
            if ended { return nil }
            guard let chunk = try connection.readChunk() else { ended = true; continue }
            pending += chunk
        }
    }

    /// Asserts nothing arrives within `seconds`.
    func expectSilence(_ seconds: Double) -> Bool {
        do {
            _ = try next(timeout: seconds)
            return false
        } catch {
            return true
        }
    }
}

extension TestConnection {
    func sendRaw(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestHTTPError("send failed") }
            sent += n
        }
    }
}
