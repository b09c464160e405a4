import Foundation
import KubeJSON
import XCTest

/// The integration guide's Python `K8sSimulatorClient`, unchanged, against the real binary (needs python3 with
/// httpx, which `.ci/run` installs).
final class GuideClientTests: XCTestCase {
    func testTheGuidesClientCallsSucceed() throws {
        let server = try SimulatorProcess(cluster: true, extraArguments: ["--in-memory", "--time-scale", "20"])
        defer { server.stop() }
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("GuideClient")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory.appendingPathComponent("guide_scenario.py").path, "http://127.0.0.1:\(server.port)"]
        process.currentDirectoryURL = directory
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: out, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, text + String(decoding: err, as: UTF8.self))
        let report = (try? JSONParser.parse(Array(out))) ?? .null
        XCTAssertEqual(report["ok"], true, text)
        XCTAssertEqual(report["tenant_services"], ["callbot-pod", "chatbot"], text)
        XCTAssertEqual(report["service"], "K8S Simulator", text)
        XCTAssertTrue(report["deployment_id"]?.stringValue?.hasPrefix("dep-") ?? false, text)
    }
}
