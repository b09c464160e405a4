@testable import ECPCompat
import KubeAPI
import KubeJSON
import XCTest

final class ManifestValidationTests: XCTestCase {
    let registry = ResourceRegistry()

    func body(_ json: JSON) -> [UInt8] { json.serialized() }

    func testGuideParseExample() throws {
        let request = try ManifestRequest.decode(body([
            "manifest": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ecp-ai-tenant-123",
            "tenant_id": "tenant-123", "deployment_mode": "demo",
        ]), requireTenant: false)
        let documents = try ManifestValidation.documents(request.manifest)
        let (status, json) = ManifestValidation.parseResponse(documents: documents, tenantID: request.tenantID, registry: registry)
        XCTAssertEqual(status, 200)
        XCTAssertEqual(json["status"], "success")
        XCTAssertEqual(json["count"], 1)
        XCTAssertEqual(json["tenant_id"], "tenant-123")
        XCTAssertEqual(json["resources"], [["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "ecp-ai-tenant-123"]]])
    }

    func testMultiDocumentYAMLAndJSON() throws {
        let manifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: nginx}]}
        ---
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}}
        ---
        """
        let documents = try ManifestValidation.documents(manifest)
        XCTAssertEqual(documents.count, 2)
        let (valid, problems) = ManifestValidation.checkAll(documents, registry: registry)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(valid.map(\.kind), ["Deployment", "Service"])
        XCTAssertEqual(valid[0].namespace, "shop")
        XCTAssertNil(valid[1].namespace)
        XCTAssertEqual(valid[0].apiVersion, "apps/v1")
    }

    func testInvalidDocumentsAreReportedByIndex() throws {
        let documents: [JSON] = [
            ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "ok"]],
            ["kind": "Pod", "metadata": ["name": "no-version"]],
            ["apiVersion": "v1", "metadata": ["name": "no-kind"]],
            ["apiVersion": "v1", "kind": "Pod", "metadata": [:]],
            ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w"]],
            ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "Bad_Name"]],
            ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "1svc"]],
            "just a string",
            ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "metadata": ["name": "t"]],
        ]
        let (status, json) = ManifestValidation.parseResponse(documents: documents, tenantID: nil, registry: registry)
        XCTAssertEqual(status, 400)
        XCTAssertEqual(json["status"], "error")
        XCTAssertEqual(json["tenant_id"], .null)
        let errors = json["errors"]?.arrayValue ?? []
        XCTAssertEqual(errors.compactMap { $0["index"]?.intValue }, [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(errors[0]["message"], "apiVersion is required")
        XCTAssertEqual(errors[1]["message"], "kind is required")
        XCTAssertEqual(errors[2]["message"], "metadata.name is required")
        XCTAssertEqual(errors[3]["message"], "no matches for kind \"Widget\" in version \"example.com/v1\"")
        XCTAssertTrue(errors[4]["message"]?.stringValue?.hasPrefix("metadata.name: Invalid value: \"Bad_Name\"") == true)
        // Services follow the DNS-1035 rule: no leading digit.
        XCTAssertTrue(errors[5]["message"]?.stringValue?.contains("DNS-1035") == true)
        XCTAssertEqual(errors[6]["message"], "document is not an object (got string)")
        XCTAssertEqual(errors[7]["message"], "TokenReview objects cannot be created or applied")
        XCTAssertEqual(errors[3]["kind"], "Widget")
        XCTAssertEqual(errors[3]["name"], "w")
    }

    func testInvalidNamespace() {
        let document: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c", "namespace": "Not_OK"]]
        guard case .failure(let problem) = ManifestValidation.check(document, index: 0, registry: registry) else {
            return XCTFail("expected a problem")
        }
        XCTAssertTrue(problem.message.hasPrefix("metadata.namespace: Invalid value"))
    }

    func testNotYAMLAndEmptyManifests() {
        XCTAssertThrowsError(try ManifestValidation.documents("a: [unclosed")) { error in
            XCTAssertEqual((error as? ECPError)?.code, 400)
        }
        XCTAssertThrowsError(try ManifestValidation.documents("---\n---\n")) { error in
            XCTAssertEqual((error as? ECPError)?.message, "manifest is empty")
        }
    }

    func testAliasBombIsRejected() {
        var yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for level in 1...8 {
            let name = "l\(level)"
            yaml += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        XCTAssertThrowsError(try ManifestValidation.documents(yaml))
    }

    func testRequestDecoding() throws {
        let request = try ManifestRequest.decode(body(["manifest": "x: 1", "tenant_id": "t1", "deployment_mode": "dry-run",
                                                       "wait_seconds": 5]), requireTenant: true)
        XCTAssertEqual(request, ManifestRequest(manifest: "x: 1", tenantID: "t1", mode: .dryRun, waitSeconds: 5))
        let defaults = try ManifestRequest.decode(body(["manifest": "x: 1", "tenant_id": 123]), requireTenant: true)
        XCTAssertEqual(defaults.mode, .demo)
        XCTAssertEqual(defaults.waitSeconds, 30)
        XCTAssertEqual(defaults.tenantID, "123")

        func code(_ json: JSON, requireTenant: Bool = true) -> Int? {
            do { _ = try ManifestRequest.decode(body(json), requireTenant: requireTenant); return nil } catch { return error.code }
        }
        XCTAssertEqual(code(["manifest": "x: 1", "tenant_id": "t", "deployment_mode": "fast"]), 400)
        XCTAssertEqual(code(["manifest": "x: 1", "deployment_mode": "demo"]), 400)
        XCTAssertNil(code(["manifest": "x: 1"], requireTenant: false))
        XCTAssertEqual(code(["tenant_id": "t"]), 400)
        XCTAssertEqual(code(["manifest": "x: 1", "tenant_id": "has space"]), 400)
        XCTAssertEqual(code(["manifest": "x: 1", "tenant_id": "t", "wait_seconds": -1]), 400)
        XCTAssertEqual(code(["manifest": "x: 1", "tenant_id": "t", "wait_seconds": "ten"]), 400)
        XCTAssertThrowsError(try ManifestRequest.decode(Array("not json".utf8), requireTenant: false))
        let huge = [UInt8](repeating: UInt8(ascii: " "), count: ManifestRequest.maxBodySize + 1)
        XCTAssertThrowsError(try ManifestRequest.decode(huge, requireTenant: false)) { error in
            XCTAssertEqual((error as? ECPError)?.code, 413)
        }
    }

    func testResourceIDs() {
        XCTAssertEqual(ResourceID.format(namespace: "default", kind: "Pod", name: "callbot-pod"), "default/Pod/callbot-pod")
        XCTAssertEqual(ResourceID.format(namespace: nil, kind: "Namespace", name: "ecp-ai-tenant-123"), "Namespace/ecp-ai-tenant-123")
        XCTAssertEqual(ResourceID.format(namespace: "", kind: "ClusterRole", name: "view"), "ClusterRole/view")
    }

    func testSplitAPIVersion() {
        XCTAssertTrue(ManifestValidation.splitAPIVersion("v1") == ("", "v1"))
        XCTAssertTrue(ManifestValidation.splitAPIVersion("apps/v1") == ("apps", "v1"))
        XCTAssertTrue(ManifestValidation.splitAPIVersion("networking.k8s.io/v1") == ("networking.k8s.io", "v1"))
    }

    func testErrorShape() {
        let error = ECPError.from(APIError.notFound(GroupResource(group: "", resource: "pods"), "x"))
        XCTAssertEqual(error.code, 404)
        XCTAssertEqual(error.json["status"], "error")
        XCTAssertEqual(error.json["message"], "NotFound")
        XCTAssertEqual(error.json["detail"], "pods \"x\" not found")
    }
}
