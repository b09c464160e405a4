import Foundation
import NIOCore
import NIOEmbedded
import NIOSSL
import NIOTLS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How connections to an https URL do TLS: one NIOSSL context for all of them (TLS 1.2 or 1.3, the CA, the
/// client certificate), and the name the server's certificate must carry.
struct TLSSettings: Sendable {
    let context: NIOSSLContext
    /// Sent as SNI and checked against the certificate's DNS names; nil for an IP address, which is checked
    /// against its IP SANs instead.
    let serverHostname: String?
    /// Where the trusted CA came from, for error messages and the report.
    let trust: String
    let clientCertificate: Bool
    let verifies: Bool

    /// Settings for `host` from a kubeconfig's cluster and user, or the system trust store without one.
    static func make(host: String, kubeconfig: KubeconfigCredentials?) throws -> TLSSettings {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        configuration.applicationProtocols = ["http/1.1"]
        var trust = "a CA of the system trust store"
        var verifies = true
        if let kubeconfig {
            if let ca = kubeconfig.certificateAuthority {
                do {
                    let certificates = try NIOSSLCertificate.fromPEMBytes(ca.pem)
                    guard !certificates.isEmpty else { throw HTTPError("no PEM certificate in it") }
                    configuration.trustRoots = .certificates(certificates)
                } catch {
                    throw HTTPError("cannot read the CA certificate from \(ca.source): \(error)")
                }
                trust = "the CA from \(ca.source)"
            }
            if kubeconfig.insecureSkipTLSVerify {
                configuration.certificateVerification = .none
                trust = "nothing (insecure-skip-tls-verify)"
                verifies = false
            }
            if let certificate = kubeconfig.clientCertificate {
                guard let key = kubeconfig.clientKey else {
                    throw HTTPError("\(kubeconfig.path): the user has a client certificate but no client key")
                }
                do {
                    configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate.pem)
                        .map { .certificate($0) }
                } catch {
                    throw HTTPError("cannot read the client certificate from \(certificate.source): \(error)")
                }
                do {
                    configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key.pem, format: .pem))
                } catch {
                    throw HTTPError("cannot read the client key from \(key.source): \(error)")
                }
            }
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw HTTPError("cannot set up TLS: \(error)")
        }
        let name = kubeconfig?.tlsServerName ?? host
        return TLSSettings(context: context, serverHostname: isIPAddress(name) ? nil : name, trust: trust,
                           clientCertificate: !configuration.certificateChain.isEmpty, verifies: verifies)
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

/// TLS over a blocking socket, on the thread that owns the connection. NIOSSL's handler runs in an
/// `EmbeddedChannel`: plaintext is written into it and the records it produces are sent on the socket; bytes
/// read from the socket are written into it and the plaintext it produces is handed to the HTTP framing. No
/// event loop thread, no hop between threads, and the socket's receive timeout and `shutdown` work as they do
/// for plain HTTP.
final class TLSStream: ByteStream {
    private let socket: SocketStream
    private let channel: EmbeddedChannel
    private let observer = ChannelObserver()
    /// Ciphertext read from the socket; reused between reads.
    private var incoming: ByteBuffer
    /// Plaintext decrypted and not yet handed out.
    private var plaintext = CircularBuffer<ByteBuffer>()
    private var closed = false
    private var finished = false

    /// Connects TLS over `socket` and completes the handshake; `peer` names the server in errors.
    init(socket: SocketStream, settings: TLSSettings, peer: String, handshakeTimeout: Double = 10) throws {
        self.socket = socket
        let handler: NIOSSLClientHandler
        do {
            handler = try NIOSSLClientHandler(context: settings.context, serverHostname: settings.serverHostname)
        } catch {
            throw HTTPError("TLS to \(peer): \(error)")
        }
        channel = EmbeddedChannel(handlers: [handler, observer])
        incoming = channel.allocator.buffer(capacity: 32 * 1024)
        do {
            try handshake(peer: peer, settings: settings, timeout: handshakeTimeout)
        } catch {
            tearDown(sendCloseNotify: false)
            throw error
        }
    }

    deinit { tearDown(sendCloseNotify: false) }

    private func handshake(peer: String, settings: TLSSettings, timeout: Double) throws {
        socket.setReceiveTimeout(timeout)
        defer { socket.setReceiveTimeout(nil) }
        do {
            // NIOSSL accepts a certificate whose IP SANs hold the peer's address even when a host name was
            // asked for. Like kubectl, check one or the other: with a host name, an address no certificate
            // names, so only its DNS names can match.
            let unspecified = try SocketAddress(ipAddress: "0.0.0.0", port: 0)
            let address = settings.serverHostname == nil ? socket.peerAddress(host: peer) ?? unspecified : unspecified
            channel.remoteAddress = address
            try channel.connect(to: address).wait()  // channelActive: NIOSSL writes the ClientHello
            try flushOutbound()
            while !observer.handshakeCompleted {
                let count = try readRecords()
                if observer.handshakeCompleted { break }
                guard let count else { throw HTTPError("no answer within \(Int(timeout)) s") }
                if count == 0 { throw HTTPError("the server closed the connection") }
            }
        } catch {
            throw HTTPError("TLS handshake with \(peer) failed: \(TLSStream.explain(error, settings: settings))")
        }
    }

    /// Names the usual causes, so a wrong CA or host does not read as a bare BoringSSL code.
    private static func explain(_ error: any Error, settings: TLSSettings) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's certificate is not signed by \(settings.trust) (\(text))"
        }
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "the server's certificate is not valid for "
                + "\(settings.serverHostname ?? "this IP address") (\(text))"
        }
        if text.contains("CERTIFICATE_REQUIRED") || text.contains("BAD_CERTIFICATE")
            || text.contains("UNKNOWN_CA") {
            return "the server refused the client certificate (\(text))"
        }
        return text
    }

    func send(_ bytes: UnsafeRawBufferPointer) throws {
        guard !closed, channel.isActive else { throw ConnectionClosed() }
        let buffer = channel.allocator.buffer(bytes: bytes)
        channel.writeAndFlush(buffer, promise: nil)
        try rethrowTLSError()
        try flushOutbound()
    }

    func receive(into buffer: UnsafeMutableRawBufferPointer) throws -> Int? {
        while true {
            if !plaintext.isEmpty {
                var copied = 0
                while copied < buffer.count, !plaintext.isEmpty {
                    let take = min(buffer.count - copied, plaintext[plaintext.startIndex].readableBytes)
                    plaintext[plaintext.startIndex].withUnsafeReadableBytes { source in
                        UnsafeMutableRawBufferPointer(rebasing: buffer[copied..<(copied + take)])
                            .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[..<take]))
                    }
                    plaintext[plaintext.startIndex].moveReaderIndex(forwardBy: take)
                    if plaintext[plaintext.startIndex].readableBytes == 0 { plaintext.removeFirst() }
                    copied += take
                }
                return copied
            }
            if closed { return 0 }
            let count: Int?
            do {
                count = try readRecords()
            } catch let error as HTTPError {
                throw error
            } catch {
                throw HTTPError("TLS: \(error)")
            }
            guard let count else { return nil }
            if count == 0 { return 0 }
        }
    }

    /// Reads once from the socket and feeds NIOSSL: the bytes read (0 at the end of the stream), nil on a
    /// receive timeout. Whatever plaintext they completed is queued; whatever NIOSSL wants to send is sent.
    /// NIOSSL's own errors (a failed handshake, a bad record) are thrown as they are.
    private func readRecords() throws -> Int? {
        incoming.clear()
        var failure: Int32 = 0
        let count = incoming.writeWithUnsafeMutableBytes(minimumWritableBytes: 16 * 1024 + 512) { raw -> Int in
            while true {
                let n = recv(socket.fd, raw.baseAddress!, raw.count, 0)
                if n >= 0 { return n }
                if errno == EINTR { continue }
                failure = errno
                return 0
            }
        }
        if failure == EAGAIN || failure == EWOULDBLOCK { return nil }
        if failure == ECONNRESET { closed = true; return 0 }
        if failure != 0 { throw HTTPError("recv: \(String(cString: strerror(failure)))") }
        if count == 0 { closed = true; return 0 }
        do {
            try channel.writeInbound(incoming)
        } catch {
            closed = true
            try? flushOutbound()  // the alert, if NIOSSL wrote one
            throw error
        }
        while let decrypted = try channel.readInbound(as: ByteBuffer.self) {
            if decrypted.readableBytes > 0 { plaintext.append(decrypted) }
        }
        // A failed send shows as the end of the stream on the next read.
        try? flushOutbound()
        // A close_notify from the server closes the channel: what it sent before is still handed out.
        if !channel.isActive { closed = true }
        return count
    }

    /// Sends on the socket what NIOSSL has written: records, alerts, the handshake's own messages.
    private func flushOutbound() throws {
        while let record = try channel.readOutbound(as: ByteBuffer.self) {
            try record.withUnsafeReadableBytes { try socket.send($0) }
        }
    }

    private func rethrowTLSError() throws {
        do {
            try channel.throwIfErrorCaught()
        } catch {
            closed = true
            throw HTTPError("TLS: \(error)")
        }
    }

    func setReceiveTimeout(_ seconds: Double?) { socket.setReceiveTimeout(seconds) }

    func close() { tearDown(sendCloseNotify: true) }

    func shutdownFromOtherThread() { socket.shutdownFromOtherThread() }

    /// Closes the channel so its pipeline is released. NIOSSL answers a close with close_notify (sent when the
    /// server may still read it) and then waits for the server's; the socket is closed instead, and moving the
    /// channel's clock past NIOSSL's shutdown timeout ends that wait at once.
    private func tearDown(sendCloseNotify: Bool) {
        if !observer.channelClosed {
            channel.close(promise: nil)
            if sendCloseNotify, socket.fd >= 0 { try? flushOutbound() }
            if !observer.channelClosed { channel.embeddedEventLoop.advanceTime(by: .hours(1)) }
        }
        socket.close()
        closed = true
        // Only once it is closed: finish() would wait for the close, and on this loop a wait does not return.
        if !finished, observer.channelClosed {
            finished = true
            _ = try? channel.finish(acceptAlreadyClosed: true)
        }
    }
}

/// Notes the end of the handshake, which the handshake loop waits for, and the channel's close.
private final class ChannelObserver: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    var handshakeCompleted = false
    var channelClosed = false

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { handshakeCompleted = true }
        context.fireUserInboundEventTriggered(event)
    }

    func channelUnregistered(context: ChannelHandlerContext) {
        channelClosed = true
        context.fireChannelUnregistered()
    }
}

extension SocketStream {
    /// The address connected to, for checking a certificate's IP SANs.
    func peerAddress(host: String) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        return withUnsafePointer(to: &storage) { pointer -> SocketAddress? in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: host) }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: host) }
            default:
                return nil
            }
        }
    }
}
