import Foundation
import KubeJSON
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The real `k8s-simulator` binary, started as a child process on a free port.
// Its fields never change after start; Process itself may be used from any thread.
final class SimulatorProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let dataDir: String

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["K8S_SIMULATOR_BIN"] { return path }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0])
        var dir = testBinary.deletingLastPathComponent()
        // `swift test` runs .build/<config>/<package>PackageTests.xctest; the executable sits beside it.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("k8s-simulator").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("k8s-simulator").path
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "k8s-sim-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// API tests run without the simulated cluster (`cluster: false`), so no controller races their assertions.
    init(dataDir: String? = nil, port: Int? = nil, cluster: Bool = false, extraArguments: [String] = []) throws {
        self.port = port ?? Self.freePort()
        self.dataDir = dataDir ?? Self.temporaryDirectory()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        // Parallel test servers must not fight over the default TLS port.
        var secure = extraArguments.contains("--secure-port") ? [] : ["--secure-port", "0"]
        if !extraArguments.contains("--monitoring-port") { secure += ["--monitoring-port", "0"] }
        if !cluster, !extraArguments.contains(where: { $0.hasPrefix("--controllers") }) { secure.append("--controllers=-*") }
        process.arguments = ["serve", "--port", String(self.port), "--data-dir", self.dataDir, "--log-level", "warning"]
            + secure + extraArguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try waitReady()
    }

    func waitReady() throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let response = try? request("GET", "/readyz"), response.status == 200 { return }
            usleep(20_000)
        }
        throw TestHTTPError("simulator did not become ready on port \(port)")
    }

    func request(_ method: String, _ target: String, json: JSON? = nil, body: [UInt8]? = nil,
                 contentType: String? = nil, headers: [String: String] = [:]) throws -> TestResponse
    {
        let connection = try TestConnection(port: port)
        var headers = headers
        var payload: [UInt8] = body ?? []
        if let json { payload = json.serialized(); headers["Content-Type"] = contentType ?? "application/json" }
        else if let contentType { headers["Content-Type"] = contentType }
        try connection.send(method, target, headers: headers, body: payload)
        return try connection.readResponse()
    }

    func kill9() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
