import Foundation
import XCTest

/// Runs a real kubectl against a simulator, with its own HOME, kubeconfig and discovery cache per run.
struct Kubectl {
    let binary: String
    let server: SimulatorProcess
    let home: String

    /// The versioned binaries installed beside the cloud SDK (`kubectl.1.27` ... `kubectl.1.33`).
    static func find(_ version: String) throws -> String {
        let name = "kubectl.\(version)"
        var dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        dirs.append("/usr/lib/google-cloud-sdk/bin")
        for dir in dirs where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
            return dir + "/" + name
        }
        throw TestHTTPError("\(name) is not installed on this machine")
    }

    init(version: String, server: SimulatorProcess, kubeconfig given: String? = nil) throws {
        binary = try Self.find(version)
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

    @discardableResult
    func run(_ arguments: String...) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--kubeconfig", home + "/kubeconfig"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home
        env["KUBECACHEDIR"] = home + "/cache-" + UUID().uuidString
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
