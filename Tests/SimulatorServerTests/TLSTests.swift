import Foundation
import KubeJSON
import XCTest

/// The TLS port: the generated PKI and kubeconfig work with real kubectl; client certificates and bearer tokens
/// authenticate; anything else is 401 with no data.
final class TLSTests: XCTestCase {
    func testKubectlOverTLSWithGeneratedKubeconfig() throws {
        let dataDir = SimulatorProcess.temporaryDirectory()
        let tokens = dataDir + "-tokens.csv"
        try "s3cret-token,alice,1001,\"dev,ops\"\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        let securePort = SimulatorProcess.freePort()
        let server = try SimulatorProcess(dataDir: dataDir, extraArguments: [
            "--secure-port", String(securePort), "--token-auth-file", tokens, "--tls-san", "sim.example.test",
        ])
        defer { server.stop() }
        let kubeconfigPath = dataDir + "/kubeconfig"
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: kubeconfigPath), Date() < deadline { usleep(20_000) }
        let kubeconfig = try String(contentsOfFile: kubeconfigPath, encoding: .utf8)
        XCTAssertTrue(kubeconfig.contains("server: https://127.0.0.1:\(securePort)"))
        XCTAssertTrue(kubeconfig.contains("client-certificate-data:"))

        for version in ["1.27", "1.33"] {
            let kubectl = try Kubectl(version: version, server: server, kubeconfig: kubeconfig)
            let namespaces = try kubectl.run("get", "namespaces", "-o", "name")
            XCTAssertEqual(namespaces.status, 0, namespaces.err)
            XCTAssertTrue(namespaces.out.contains("namespace/default"), namespaces.out)
            let create = try kubectl.run("create", "-f", try kubectl.write("cm.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: tls-\(version.replacingOccurrences(of: ".", with: "-"))}
                data: {a: b}
                """), "--validate=false")
            XCTAssertEqual(create.status, 0, create.err)
        }

        // No credentials: 401, and nothing of the cluster in the answer. (kubectl itself would prompt for a
        // password here, so a plain HTTPS client asks.)
        let denied = try curl(["--cacert", dataDir + "/pki/ca.crt", "https://127.0.0.1:\(securePort)/api/v1/configmaps"])
        XCTAssertTrue(denied.hasSuffix("401"), denied)
        XCTAssertTrue(denied.contains("\"reason\":\"Unauthorized\""), denied)
        XCTAssertFalse(denied.contains("tls-1-33"))
        let admin = try curl(["--cacert", dataDir + "/pki/ca.crt", "--cert", dataDir + "/pki/admin.crt", "--key",
                              dataDir + "/pki/admin.key", "https://127.0.0.1:\(securePort)/api/v1/configmaps"])
        XCTAssertTrue(admin.hasSuffix("200") && admin.contains("tls-1-33"), admin)

        // A bearer token from the token file authenticates.
        let withToken = withUser(kubeconfig, "{token: s3cret-token}")
        let alice = try Kubectl(version: "1.33", server: server, kubeconfig: withToken)
        let list = try alice.run("get", "configmaps", "-o", "name")
        XCTAssertEqual(list.status, 0, list.err)
        XCTAssertTrue(list.out.contains("configmap/tls-1-33"), list.out)
        let wrongToken = try Kubectl(version: "1.33", server: server, kubeconfig: withToken.replacingOccurrences(of: "s3cret-token", with: "nope"))
        let rejected = try wrongToken.run("get", "configmaps")
        XCTAssertNotEqual(rejected.status, 0)
        XCTAssertTrue(rejected.err.contains("You must be logged in to the server"), rejected.err)

        // `k8s-simulator kubeconfig` prints the same identity, and a plain-port one with --insecure.
        let printed = try runSimulatorCommand(["kubeconfig", "--data-dir", dataDir])
        XCTAssertEqual(printed, kubeconfig)
        let insecure = try runSimulatorCommand(["kubeconfig", "--data-dir", dataDir, "--insecure"])
        XCTAssertTrue(insecure.contains("server: http://127.0.0.1:\(server.port)"), insecure)
        let serving = try String(contentsOfFile: dataDir + "/pki/apiserver.crt", encoding: .utf8)
        XCTAssertTrue(serving.hasPrefix("-----BEGIN CERTIFICATE-----"))
    }

    /// The kubeconfig with the admin's client certificate replaced by another identity.
    func withUser(_ kubeconfig: String, _ user: String) -> String {
        kubeconfig.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("client-certificate-data:") && !$0.contains("client-key-data:") }
            .map { $0 == "  user:" ? "  user: \(user)" : String($0) }
            .joined(separator: "\n")
    }

    /// The body and status code of an HTTPS request made by curl.
    func curl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-w", "\n%{http_code}"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    func runSimulatorCommand(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SimulatorProcess.binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return String(decoding: data, as: UTF8.self)
    }
}
