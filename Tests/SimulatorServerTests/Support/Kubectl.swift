import Foundation
import XCTest

/// Runs a real kubectl against a simulator, with its own HOME, kubeconfig and discovery cache per run.
struct Kubectl {
    let binary: String
    let server: SimulatorProcess
    let home: String

    /// The versioned binaries installed beside the cloud SDK (`kubectl.1.27` ... `kubectl.1.33`).
    static func find(_ name: String) throws -> String {
        var dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        dirs.append("/usr/lib/google-cloud-sdk/bin")
        for dir in dirs where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
            return dir + "/" + name
        }
        throw TestHTTPError("\(name) is not installed on this machine")
    }

    init(version: String, server: SimulatorProcess, kubeconfig given: String? = nil) throws {
        try self.init(binary: "kubectl.\(version)", server: server, kubeconfig: given)
    }

    /// `binary` is a file name looked up on the PATH (`kubectl` is the gcloud dispatcher here).
    init(binary name: String, server: SimulatorProcess, kubeconfig given: String? = nil) throws {
        binary = try Self.find(name)
        self.server = server
        home = SimulatorProcess.temporaryDirectory()
        let kubeconfig = given ?? """
            apiVersion: v1
            kind: Config
            clusters:
            - name: sim
              cluster:
                server: http://127.0.0.1:\(server.port)
            users:
            - name: admin
              user: {}
            contexts:
            - name: sim
              context: {cluster: sim, user: admin, namespace: default}
            current-context: sim
            """
        try kubeconfig.write(toFile: home + "/kubeconfig", atomically: true, encoding: .utf8)
    }

    func write(_ name: String, _ content: String) throws -> String {
        let path = home + "/" + name
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func process(_ arguments: [String], environment: [String: String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--kubeconfig", home + "/kubeconfig"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home
        env["KUBECACHEDIR"] = home + "/cache-" + UUID().uuidString
        for (k, v) in environment { env[k] = v }
        process.environment = env
        return process
    }

    @discardableResult
    func run(_ arguments: String...) throws -> (status: Int32, out: String, err: String) {
        try run(arguments)
    }

    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let process = process(arguments, environment: environment)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes concurrently so a chatty stderr cannot block the process.
        let errData = ReadBuffer()
        let errReader = Thread { errData.append(err.fileHandleForReading.readDataToEndOfFile()) }
        errReader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.done { usleep(1000) }
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), errData.text)
    }

    /// Starts a long-running kubectl (`get -w`) whose output can be awaited.
    func start(_ arguments: [String]) throws -> BackgroundKubectl {
        let process = process(arguments, environment: [:])
        let background = BackgroundKubectl(process: process)
        try background.start()
        return background
    }
}

final class ReadBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var finished = false
    func append(_ more: Data) { lock.lock(); data.append(more); finished = true; lock.unlock() }
    var done: Bool { lock.lock(); defer { lock.unlock() }; return finished }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}

/// A kubectl that keeps running; its stdout accumulates as it arrives.
final class BackgroundKubectl: @unchecked Sendable {
    let process: Process
    private let lock = NSLock()
    private var collected = Data()

    init(process: Process) { self.process = process }

    func start() throws {
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.lock.lock()
            self.collected.append(data)
            self.lock.unlock()
        }
        try process.run()
    }

    var output: String { lock.lock(); defer { lock.unlock() }; return String(decoding: collected, as: UTF8.self) }

    func waitFor(_ text: String, timeout: Double = 15) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
