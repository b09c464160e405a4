import KubeJSON
import XCTest

/// kubectl get, create -f and delete (with --validate=false) against the plain port, on an old and a new
/// kubectl: 1.27 asks for v2beta1 aggregated discovery, 1.33 for v2.
final class KubectlBasicsTests: XCTestCase {
    func testCreateGetDeleteWithVersionedKubectl() throws {
        let server = try SimulatorProcess(extraArguments: ["--in-memory"])
        defer { server.stop() }
        for version in ["1.27", "1.33"] {
            let kubectl = try Kubectl(version: version, server: server)
            let name = "app-config-\(version.replacingOccurrences(of: ".", with: "-"))"
            let file = try kubectl.write("cm.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: \(name)
                  labels:
                    app: demo
                data:
                  key1: value1
                """)
            let create = try kubectl.run("create", "-f", file, "--validate=false")
            XCTAssertEqual(create.status, 0, create.err)
            XCTAssertEqual(create.out.trimmingCharacters(in: .whitespacesAndNewlines), "configmap/\(name) created")

            let stored = try server.request("GET", "/api/v1/namespaces/default/configmaps/\(name)")
            XCTAssertEqual(stored.status, 200)
            XCTAssertEqual(stored.json[path: "data", "key1"], "value1")

            let get = try kubectl.run("get", "configmaps", "-l", "app=demo")
            XCTAssertEqual(get.status, 0, get.err)
            XCTAssertTrue(get.out.contains(name), get.out)

            let json = try kubectl.run("get", "configmap", name, "-o", "json")
            XCTAssertEqual(json.status, 0, json.err)
            let parsed = try JSONParser.parse(json.out)
            XCTAssertEqual(parsed[path: "metadata", "name"]?.stringValue, name)

            let missing = try kubectl.run("get", "configmap", "nope")
            XCTAssertEqual(missing.status, 1)
            XCTAssertTrue(missing.err.contains("Error from server (NotFound): configmaps \"nope\" not found"), missing.err)

            let duplicate = try kubectl.run("create", "-f", file, "--validate=false")
            XCTAssertEqual(duplicate.status, 1)
            XCTAssertTrue(duplicate.err.contains("AlreadyExists"), duplicate.err)

            let delete = try kubectl.run("delete", "-f", file)
            XCTAssertEqual(delete.status, 0, delete.err)
            XCTAssertTrue(delete.out.contains("configmap \"\(name)\" deleted"), delete.out)
            XCTAssertEqual(try server.request("GET", "/api/v1/namespaces/default/configmaps/\(name)").status, 404)

            let namespaces = try kubectl.run("get", "namespaces", "-o", "name")
            XCTAssertEqual(namespaces.status, 0, namespaces.err)
            XCTAssertTrue(namespaces.out.contains("namespace/kube-system"), namespaces.out)
        }
    }
}
