import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct HTTPError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Where the server listens: a base URL split into what a socket needs, with what TLS and authentication need
/// when the URL is https or a kubeconfig gave a token.
struct Endpoint: Sendable, CustomStringConvertible {
    var host: String
    var port: UInt16
    /// Prepended to every path, for servers behind a prefix (`kubectl proxy --api-prefix`).
    var pathPrefix: String
    /// Set for an https URL: every connection does TLS with these settings.
    var tls: TLSSettings? = nil
    /// The `Authorization` header of every request (`Bearer <token>` from a kubeconfig).
    var authorization: String? = nil

    var scheme: String { tls == nil ? "http" : "https" }
    var description: String { "\(scheme)://\(hostHeader)\(pathPrefix)" }
    var hostHeader: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Splits an http:// or https:// URL; `secure` tells which. TLS settings are the caller's to add.
    static func parse(_ url: String) throws -> (endpoint: Endpoint, secure: Bool) {
        let secure = url.hasPrefix("https://")
        guard secure || url.hasPrefix("http://") else {
            throw HTTPError("the server URL must be http:// or https://, got \(url)")
        }
        var rest = url.dropFirst(secure ? "https://".count : "http://".count)
        var prefix = ""
        if let slash = rest.firstIndex(of: "/") {
            prefix = String(rest[slash...])
            rest = rest[..<slash]
            while prefix.hasSuffix("/") { prefix.removeLast() }
        }
        var host = String(rest)
        var port: UInt16 = secure ? 443 : 80
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            let after = host[host.index(after: end)...]
            if after.hasPrefix(":"), let p = UInt16(after.dropFirst()) { port = p }
            host = String(host[host.index(after: host.startIndex)..<end])
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = UInt16(host[host.index(after: colon)...]) else { throw HTTPError("bad port in \(url)") }
            port = p
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { throw HTTPError("no host in \(url)") }
        return (Endpoint(host: host, port: port, pathPrefix: prefix), secure)
    }
}

struct HTTPResponse {
    var status: Int
    var body: [UInt8]
    var bodyText: String { String(decoding: body, as: UTF8.self) }
    var ok: Bool { (200..<300).contains(status) }
}

/// One keep-alive HTTP/1.1 connection on a blocking socket, owned by one client thread. Deliberately small:
/// the `ceiling` scenario measures this client against `/healthz`, so its cost is part of every ratio. The bytes
/// go through a `ByteStream`: the socket itself for http, TLS over it for https; the framing is the same.
final class HTTPConnection {
    let endpoint: Endpoint
    private var stream: (any ByteStream)?
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var requestsOnSocket = 0
    /// `Host`, `User-Agent`, `Accept` and `Authorization`, the same on every request.
    private let fixedHeaders: String
    /// Times a reused connection had been closed by the server and was opened again.
    private(set) var reconnects = 0
    /// For streams: a wait for the next frame longer than this throws `ReceiveTimeout`, so the reader can
    /// look at its deadline.
    var receiveTimeout: Double? { didSet { stream?.setReceiveTimeout(receiveTimeout) } }
    /// Only between frames may a receive timeout surface; inside one it would lose the framing.
    private var timeoutMayEscape = false

    init(_ endpoint: Endpoint) {
        self.endpoint = endpoint
        buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var headers = "Host: \(endpoint.hostHeader)\r\nUser-Agent: k8s-simulator-bench\r\nAccept: application/json\r\n"
        if let authorization = endpoint.authorization { headers += "Authorization: \(authorization)\r\n" }
        fixedHeaders = headers
    }

    deinit { close() }

    var isOpen: Bool { stream != nil }

    /// Opens the socket and, for https, completes the TLS handshake, so a certificate problem shows here.
    func connect() throws {
        close()
        let socket = try SocketStream.connect(host: endpoint.host, port: endpoint.port)
        if let tls = endpoint.tls {
            do {
                stream = try TLSStream(socket: socket, settings: tls, peer: endpoint.hostHeader)
            } catch {
                socket.close()
                throw error
            }
        } else {
            stream = socket
        }
        start = 0
        end = 0
        requestsOnSocket = 0
        if receiveTimeout != nil { stream?.setReceiveTimeout(receiveTimeout) }
    }

    func close() {
        stream?.close()
        stream = nil
    }

    /// Unblocks a reader parked in recv from another thread, without racing on the descriptor number.
    func shutdownFromOtherThread() {
        stream?.shutdownFromOtherThread()
    }

    // MARK: Requests

    func get(_ path: String) throws -> HTTPResponse { try request("GET", path) }

    /// Sends one request and reads the whole response. A reused connection the server closed while idle
    /// is reopened once; any other failure is the caller's error.
    func request(_ method: String, _ path: String, body: [UInt8]? = nil,
                 contentType: String = "application/json") throws -> HTTPResponse {
        let message = encode(method, path, body: body, contentType: contentType)
        if stream == nil { try connect() }
        let reused = requestsOnSocket > 0
        do {
            try sendAll(message)
            return try readResponse(isHead: method == "HEAD")
        } catch is ConnectionClosed {
            close()
            guard reused else { throw HTTPError("the server closed the connection without answering") }
        } catch {
            close()  // the framing is lost; the next request starts on a new socket
            throw error
        }
        reconnects += 1
        try connect()
        do {
            try sendAll(message)
            return try readResponse(isHead: method == "HEAD")
        } catch is ConnectionClosed {
            close()
            throw HTTPError("the server closed the connection without answering")
        } catch {
            close()
            throw error
        }
    }

    private func encode(_ method: String, _ path: String, body: [UInt8]?, contentType: String) -> [UInt8] {
        var head = "\(method) \(endpoint.pathPrefix)\(path) HTTP/1.1\r\n" + fixedHeaders
        if let body {
            head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if let body { bytes.append(contentsOf: body) }
        return bytes
    }

    private func sendAll(_ bytes: [UInt8]) throws {
        guard let stream else { throw ConnectionClosed() }
        try bytes.withUnsafeBytes { try stream.send($0) }
    }

    /// Reads more bytes into the buffer; false at end of stream. Throws `ReceiveTimeout` when a receive
    /// timeout is set and nothing came.
    private func fill() throws -> Bool {
        if start == end { start = 0; end = 0 }
        if end == buffer.count {
            if start > 0 {
                buffer.withUnsafeMutableBufferPointer { b in
                    b.baseAddress!.update(from: b.baseAddress! + start, count: end - start)
                }
                end -= start
                start = 0
            } else {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
        }
        guard let stream else { return false }
        while true {
            let received = try buffer.withUnsafeMutableBytes { raw in
                try stream.receive(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...]))
            }
            guard let n = received else {
                if timeoutMayEscape { throw ReceiveTimeout() }
                continue
            }
            if n == 0 { return false }
            end += n
            return true
        }
    }

    struct ReceiveTimeout: Error {}

    /// Index just past the next CRLF at or after `from`, reading more as needed; nil at end of stream.
    private func lineEnd(from: Int) throws -> Int? {
        // Kept relative to `start`: fill() may move the unread bytes to the front of the buffer.
        var offset = from - start
        while true {
            var i = start + offset
            while i + 1 < end {
                if buffer[i] == 0x0D, buffer[i + 1] == 0x0A { return i + 2 }
                i += 1
            }
            offset = max(0, end - 1 - start)
            guard try fill() else { return nil }
        }
    }

    private struct Head {
        var status: Int
        var contentLength: Int?
        var chunked: Bool
        var close: Bool
    }

    private func readHead() throws -> Head {
        var head = Head(status: 0, contentLength: nil, chunked: false, close: false)
        var firstLine = true
        while true {
            guard let next = try lineEnd(from: start) else {
                if firstLine && start == end { throw ConnectionClosed() }
                throw HTTPError("connection closed in the middle of a response head")
            }
            let lineStart = start
            let lineStop = next - 2
            start = next
            if firstLine {
                firstLine = false
                // "HTTP/1.1 200 OK"
                guard lineStop - lineStart >= 12 else { throw HTTPError("malformed status line") }
                var status = 0
                for i in (lineStart + 9)..<(lineStart + 12) {
                    let digit = buffer[i]
                    guard digit >= 0x30, digit <= 0x39 else { throw HTTPError("malformed status line") }
                    status = status * 10 + Int(digit - 0x30)
                }
                head.status = status
                if buffer[lineStart + 5] == UInt8(ascii: "1"), buffer[lineStart + 7] == UInt8(ascii: "0") {
                    head.close = true  // HTTP/1.0 closes unless told otherwise
                }
                continue
            }
            if lineStop == lineStart { return head }
            guard let colon = buffer[lineStart..<lineStop].firstIndex(of: UInt8(ascii: ":")) else { continue }
            var valueStart = colon + 1
            while valueStart < lineStop, buffer[valueStart] == 0x20 || buffer[valueStart] == 0x09 { valueStart += 1 }
            let name = lineStart..<colon
            if headerName(name, equals: "content-length") {
                var length = 0
                for i in valueStart..<lineStop where buffer[i] >= 0x30 && buffer[i] <= 0x39 {
                    length = length * 10 + Int(buffer[i] - 0x30)
                }
                head.contentLength = length
            } else if headerName(name, equals: "transfer-encoding") {
                head.chunked = lowercased(valueStart..<lineStop).contains("chunked")
            } else if headerName(name, equals: "connection") {
                let value = lowercased(valueStart..<lineStop)
                if value.contains("close") { head.close = true }
                if value.contains("keep-alive") { head.close = false }
            }
        }
    }

    private func headerName(_ range: Range<Int>, equals name: StaticString) -> Bool {
        guard range.count == name.utf8CodeUnitCount else { return false }
        let expected = name.utf8Start
        // Setting bit 5 lower-cases letters and leaves '-' as it is: enough for these ASCII names.
        for (offset, i) in range.enumerated() where buffer[i] | 0x20 != expected[offset] { return false }
        return true
    }

    private func lowercased(_ range: Range<Int>) -> String {
        String(decoding: buffer[range], as: UTF8.self).lowercased()
    }

    private func readExactly(_ count: Int, into body: inout [UInt8]) throws {
        var remaining = count
        while remaining > 0 {
            if start == end { guard try fill() else { throw HTTPError("connection closed in the middle of a body") } }
            let take = min(remaining, end - start)
            body.append(contentsOf: buffer[start..<(start + take)])
            start += take
            remaining -= take
        }
    }

    /// Reads one chunk of a chunked body into `body`; false after the last (empty) chunk and its trailers.
    private func readChunk(into body: inout [UInt8]) throws -> Bool {
        guard let next = try lineEnd(from: start) else { throw HTTPError("connection closed before a chunk size") }
        var size = 0
        var i = start
        while i < next - 2 {
            let c = buffer[i]
            let digit: Int
            switch c {
            case 0x30...0x39: digit = Int(c - 0x30)
            case 0x61...0x66: digit = Int(c - 0x61 + 10)
            case 0x41...0x46: digit = Int(c - 0x41 + 10)
            default: digit = -1
            }
            if digit < 0 { break }  // chunk extensions follow ';'
            size = size * 16 + digit
            i += 1
        }
        start = next
        if size == 0 {
            while true {  // trailers end with an empty line
                guard let trailerEnd = try lineEnd(from: start) else { return false }
                let empty = trailerEnd - start == 2
                start = trailerEnd
                if empty { return false }
            }
        }
        try readExactly(size, into: &body)
        var crlf: [UInt8] = []
        try readExactly(2, into: &crlf)
        return true
    }

    private func readResponse(isHead: Bool) throws -> HTTPResponse {
        let head = try readHead()
        requestsOnSocket += 1
        var body: [UInt8] = []
        if isHead || head.status == 204 || head.status == 304 || (100..<200).contains(head.status) {
            // no body
        } else if head.chunked {
            while try readChunk(into: &body) {}
        } else if let length = head.contentLength {
            body.reserveCapacity(length)
            try readExactly(length, into: &body)
        } else {
            while true {
                if start < end { body.append(contentsOf: buffer[start..<end]); start = end }
                guard try fill() else { break }
            }
            close()
            return HTTPResponse(status: head.status, body: body)
        }
        if head.close { close() }
        return HTTPResponse(status: head.status, body: body)
    }

    // MARK: Streams (watch)

    /// Starts a streaming GET. On a non-2xx answer the whole error body is read and returned as the response.
    func openStream(_ path: String) throws -> HTTPResponse? {
        if stream == nil { try connect() }
        try sendAll(encode("GET", path, body: nil, contentType: ""))
        let head = try readHead()
        guard (200..<300).contains(head.status) else {
            var body: [UInt8] = []
            if head.chunked { while try readChunk(into: &body) {} }
            else if let length = head.contentLength { try readExactly(length, into: &body) }
            close()
            return HTTPResponse(status: head.status, body: body)
        }
        streamChunked = head.chunked
        streamRemaining = head.contentLength
        return nil
    }

    private var streamChunked = false
    private var streamRemaining: Int?

    /// Appends the next piece of a stream's body to `into`; false at its end. Throws `ReceiveTimeout` when
    /// nothing arrived within `receiveTimeout`, leaving the stream intact.
    func readStream(into: inout [UInt8]) throws -> Bool {
        if let remaining = streamRemaining, remaining == 0, !streamChunked { return false }
        if start == end {
            timeoutMayEscape = true
            defer { timeoutMayEscape = false }
            guard try fill() else { return false }
        }
        if streamChunked { return try readChunk(into: &into) }
        var take = end - start
        if let remaining = streamRemaining { take = min(take, remaining); streamRemaining = remaining - take }
        into.append(contentsOf: buffer[start..<(start + take)])
        start += take
        return true
    }
}

/// The stream connections of a scenario, so the coordinator can free a reader stuck in a blocking call
/// (a server that never answers a watch) once the scenario is over. A reader unregisters before it closes
/// its socket, under the same lock, so a descriptor number is never shut down after it was reused.
final class StreamRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var connections: [ObjectIdentifier: HTTPConnection] = [:]

    func register(_ connection: HTTPConnection) {
        lock.lock()
        connections[ObjectIdentifier(connection)] = connection
        lock.unlock()
    }

    func closeAndUnregister(_ connection: HTTPConnection) {
        lock.lock()
        connections[ObjectIdentifier(connection)] = nil
        connection.close()
        lock.unlock()
    }

    func shutdownAll() {
        lock.lock()
        for connection in connections.values { connection.shutdownFromOtherThread() }
        lock.unlock()
    }
}

// MARK: - Byte streams

/// The bytes under HTTP. Owned by one thread; `shutdownFromOtherThread` is the only call another may make.
protocol ByteStream: AnyObject {
    /// Sends all of `bytes`; throws `ConnectionClosed` when the peer has closed the connection.
    func send(_ bytes: UnsafeRawBufferPointer) throws
    /// Reads into `buffer`: the count read, 0 at the end of the stream, nil when the receive timeout passed.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws -> Int?
    /// nil waits without limit.
    func setReceiveTimeout(_ seconds: Double?)
    func close()
    func shutdownFromOtherThread()
}

/// The peer closed the connection before the exchange began: a reused connection is opened again.
struct ConnectionClosed: Error {}

/// A connected TCP socket, used as it is for http and under TLS for https.
final class SocketStream: ByteStream {
    private(set) var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close() }

    static func connect(host: String, port: UInt16) throws -> SocketStream {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw HTTPError("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = ECONNREFUSED
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let socketFD = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if socketFD < 0 { lastError = errno; continue }
            if systemConnect(socketFD, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                var one: Int32 = 1
                setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                #if canImport(Darwin)
                setsockopt(socketFD, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
                #endif
                return SocketStream(fd: socketFD)
            }
            lastError = errno
            _ = systemClose(socketFD)
        }
        let shown = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        throw HTTPError("connect to \(shown): \(String(cString: strerror(lastError)))")
    }

    func send(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            #if os(Linux)
            let n = systemSend(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            #else
            let n = systemSend(fd, bytes.baseAddress! + offset, bytes.count - offset, 0)
            #endif
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE || errno == ECONNRESET { throw ConnectionClosed() }
                throw HTTPError("send: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    func receive(into buffer: UnsafeMutableRawBufferPointer) throws -> Int? {
        while true {
            let n = recv(fd, buffer.baseAddress!, buffer.count, 0)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            if errno == ECONNRESET { return 0 }
            throw HTTPError("recv: \(String(cString: strerror(errno)))")
        }
    }

    func setReceiveTimeout(_ seconds: Double?) {
        guard fd >= 0 else { return }
        let seconds = seconds ?? 0
        var tv = timeval()
        tv.tv_sec = .init(seconds)
        tv.tv_usec = .init((seconds - seconds.rounded(.down)) * 1_000_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func close() {
        if fd >= 0 { _ = systemClose(fd) }
        fd = -1
    }

    func shutdownFromOtherThread() {
        if fd >= 0 { _ = shutdown(fd, Int32(SHUT_RDWR)) }
    }
}

// The class's own close/connect/send would otherwise shadow the C functions inside it.
@inline(__always) private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
@inline(__always) private func systemConnect(_ fd: Int32, _ addr: UnsafePointer<sockaddr>!, _ len: socklen_t) -> Int32 {
    connect(fd, addr, len)
}
@inline(__always) private func systemSend(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    send(fd, bytes, count, flags)
}
