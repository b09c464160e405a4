import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A server the tool started itself: for `startup`, for `scale`, and for everything when no `--server` is
/// given. Its output goes to a log file in its data directory so a failed start can be explained.
final class ServerProcess {
    let binary: String
    let arguments: [String]
    let port: UInt16
    let dataDirectory: String
    let logPath: String
    private(set) var pid: Int32 = 0
    private(set) var running = false

    /// `template` holds `{port}` and `{data}` placeholders, e.g. `serve --port {port} --data-dir {data}`.
    init(binary: String, template: [String], extra: [String] = [], port: UInt16, dataDirectory: String) {
        self.binary = binary
        self.port = port
        self.dataDirectory = dataDirectory
        logPath = dataDirectory + "/bench-server.log"
        arguments = (template + extra).map {
            $0.replacingOccurrences(of: "{port}", with: String(port))
                .replacingOccurrences(of: "{data}", with: dataDirectory)
        }
    }

    var endpoint: Endpoint { Endpoint(host: "127.0.0.1", port: port, pathPrefix: "") }

    /// Starts the process and returns the monotonic time taken just before the exec, the start of every
    /// startup figure.
    @discardableResult
    func spawn() throws -> UInt64 {
        precondition(!running)
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        let argv: [UnsafeMutablePointer<CChar>?] = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var child: pid_t = 0
        let started = monotonicNanos()
        let rc = argv.withUnsafeBufferPointer { args in
            posix_spawn(&child, binary, &actions, nil, args.baseAddress!, environ)
        }
        guard rc == 0 else { throw HTTPError("cannot start \(binary): \(String(cString: strerror(rc)))") }
        pid = child
        running = true
        ChildProcesses.shared.add(child)
        return started
    }

    /// Polls until `/readyz` answers 200 and returns the monotonic time it did. Connection attempts are
    /// cheap and refused at once while nothing listens, so a tight poll costs little and adds under a
    /// millisecond to the figure.
    func waitUntilReady(timeout: Double = 120) throws -> UInt64 {
        let deadline = monotonicNanos() + UInt64(timeout * 1e9)
        let connection = HTTPConnection(endpoint)
        while monotonicNanos() < deadline {
            if let status = exitStatus() {
                throw HTTPError("the server exited (\(status)) before it was ready; log: \(logTail())")
            }
            if !connection.isOpen, (try? connection.connect()) == nil {
                sleepNanos(200_000)
                continue
            }
            if let response = try? connection.get("/readyz"), response.status == 200 {
                return monotonicNanos()
            }
            sleepNanos(500_000)
        }
        throw HTTPError("the server was not ready within \(Int(timeout)) s; log: \(logTail())")
    }

    /// Non-nil once the process has exited, reaping it.
    func exitStatus() -> String? {
        guard running else { return "not running" }
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        guard rc == pid else { return nil }
        running = false
        ChildProcesses.shared.remove(pid)
        return describe(status)
    }

    private func describe(_ status: Int32) -> String {
        let signal = status & 0x7F
        if signal == 0 { return "exit code \((status >> 8) & 0xFF)" }
        return "signal \(signal)"
    }

    /// Sends `signal` and waits for the process to end; SIGKILL after `grace` seconds if it has not.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, grace: Double = 30) -> String {
        guard running else { return "not running" }
        kill(pid, signal)
        let deadline = monotonicNanos() + UInt64(grace * 1e9)
        while monotonicNanos() < deadline {
            if let status = exitStatus() { return status }
            sleepNanos(2_000_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        running = false
        ChildProcesses.shared.remove(pid)
        return "did not stop within \(Int(grace)) s after signal \(signal); killed"
    }

    func logTail(lines: Int = 8) -> String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "(no log)" }
        return text.split(separator: "\n").suffix(lines).joined(separator: " | ")
    }

    /// A port nothing listens on now. Another process could take it before the server binds; the server's
    /// own error then says so.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM_VALUE), 0)
        guard fd >= 0 else { throw HTTPError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw HTTPError("bind: \(String(cString: strerror(errno)))") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw HTTPError("getsockname: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }

    static func makeTemporaryDirectory(_ label: String) throws -> String {
        var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("k8s-bench-\(label)-XXXXXX")).utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw HTTPError("mkdtemp: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The servers now running, so an interrupted run does not leave them behind.
final class ChildProcesses: @unchecked Sendable {
    static let shared = ChildProcesses()
    private let lock = NSLock()
    private var pids = Set<Int32>()

    func add(_ pid: Int32) { lock.lock(); pids.insert(pid); lock.unlock() }
    func remove(_ pid: Int32) { lock.lock(); pids.remove(pid); lock.unlock() }

    func killAll() {
        lock.lock()
        for pid in pids { kill(pid, SIGKILL) }
        pids.removeAll()
        lock.unlock()
    }

    /// On SIGINT or SIGTERM: kill the servers, then exit as the signal would have.
    func installSignalHandlers() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                killAll()
                exit(128 + number)
            }
            source.resume()
            return source
        }
    }
}

#if os(Linux)
private let SOCK_STREAM_VALUE = SOCK_STREAM.rawValue
#else
private let SOCK_STREAM_VALUE = SOCK_STREAM
#endif
