import Foundation
import KubeJSON
import XCTest

/// Bad input to the ECP-AI endpoints: a 4xx in ECP-AI's error shape, nothing created by a parse, only the valid
/// documents by a deploy (reported one by one).
final class ECPBadInputTests: XCTestCase {
    func testBadManifestsAndBodies() throws {
        let server = try SimulatorProcess(cluster: true, extraArguments: ["--in-memory", "--time-scale", "20"])
        defer { server.stop() }
        func parse(_ manifest: String) throws -> TestResponse {
            try server.request("POST", "/k8s/manifest/parse", json: ["manifest": .string(manifest), "tenant_id": "t"])
        }
        // Not YAML at all.
        let malformed = try parse("apiVersion: v1\nkind: [ConfigMap\nmetadata: {name: x")
        XCTAssertEqual(malformed.status, 400, malformed.text)
        XCTAssertEqual(malformed.json["status"], "error")
        XCTAssertNotNil(malformed.json["message"]?.stringValue)

        // An alias bomb: a few hundred bytes that would expand to 10^9 nodes.
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            bomb += "l\(level): &l\(level) [" + Array(repeating: level == 1 ? "*a" : "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let bombed = try parse(bomb)
        XCTAssertEqual(bombed.status, 400, bombed.text)
        XCTAssertEqual(bombed.json["status"], "error")

        // An unknown kind and an invalid name: the parse names each bad document and creates nothing.
        let mixed = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: good-config}
            data: {a: b}
            ---
            apiVersion: v1
            kind: Gadget
            metadata: {name: g}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: Not_A_Valid_Name}
            """
        let parsed = try parse(mixed)
        XCTAssertEqual(parsed.status, 400, parsed.text)
        XCTAssertEqual(Set((parsed.json["errors"]?.arrayValue ?? []).compactMap { $0["index"]?.intValue }), [1, 2])
        XCTAssertEqual(try server.request("GET", "/api/v1/namespaces/default/configmaps/good-config").status, 404)

        // The same manifest deployed: the valid document lands, the others are reported by index.
        let deploy = try server.request("POST", "/k8s/manifest/deploy",
                                        json: ["manifest": .string(mixed), "tenant_id": "t", "deployment_mode": "demo"])
        XCTAssertEqual(deploy.status, 200, deploy.text)
        XCTAssertEqual(deploy.json["status"], "partial")
        XCTAssertEqual(deploy.json["deployed_count"], 1)
        XCTAssertEqual(deploy.json["failed_count"], 2)
        XCTAssertEqual(Set((deploy.json["errors"]?.arrayValue ?? []).compactMap { $0["index"]?.intValue }), [1, 2])
        XCTAssertEqual(try server.request("GET", "/api/v1/namespaces/default/configmaps/good-config").status, 200)
        let configMaps = try server.request("GET", "/api/v1/namespaces/default/configmaps").json["items"]?.arrayValue ?? []
        XCTAssertFalse(configMaps.contains { $0[path: "metadata", "name"]?.stringValue?.lowercased() == "not_a_valid_name" })

        // A body over 3 MiB: 413 in ECP-AI's shape on its endpoints, a Status on the Kubernetes API.
        let huge = Array(repeating: UInt8(ascii: "x"), count: 4 * 1024 * 1024)
        let tooLarge = try server.request("POST", "/k8s/manifest/parse", body: huge, contentType: "application/json")
        XCTAssertEqual(tooLarge.status, 413)
        XCTAssertEqual(tooLarge.json["status"], "error", tooLarge.text)
        let apiTooLarge = try server.request("POST", "/api/v1/namespaces/default/configmaps", body: huge, contentType: "application/json")
        XCTAssertEqual(apiTooLarge.status, 413)
        XCTAssertEqual(apiTooLarge.json["kind"], "Status")

        // Not JSON, a missing tenant, an unknown mode.
        XCTAssertEqual(try server.request("POST", "/k8s/manifest/deploy", body: Array("{".utf8), contentType: "application/json").status, 400)
        XCTAssertEqual(try server.request("POST", "/k8s/manifest/deploy", json: ["manifest": "apiVersion: v1"]).status, 400)
        let mode = try server.request("POST", "/k8s/manifest/deploy",
                                      json: ["manifest": .string(mixed), "tenant_id": "t", "deployment_mode": "fast"])
        XCTAssertEqual(mode.status, 400)
        XCTAssertEqual(mode.json["message"], "invalid deployment_mode")
        // An incident of no known kind.
        let incident = try server.request("POST", "/simulator/incidents", json: ["type": "meteor"])
        XCTAssertEqual(incident.status, 400)
        XCTAssertEqual(incident.json["status"], "error")
    }
}
