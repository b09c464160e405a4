import KubeJSON
import XCTest

/// Create, read, update and delete through real HTTP against the real binary, checked against what
/// kube-apiserver answers.
final class ObjectLifecycleTests: XCTestCase {
    nonisolated(unsafe) static var server: SimulatorProcess!

    override class func setUp() {
        server = try! SimulatorProcess(extraArguments: ["--in-memory"])
    }

    override class func tearDown() {
        server.stop()
    }

    var server: SimulatorProcess { Self.server }

    func createNamespace(_ name: String) throws {
        let r = try server.request("POST", "/api/v1/namespaces", json: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
        XCTAssertEqual(r.status, 201, r.text)
    }

    func testHealthAndVersion() throws {
        for path in ["/healthz", "/livez", "/readyz"] {
            let r = try server.request("GET", path)
            XCTAssertEqual(r.status, 200)
            XCTAssertEqual(r.text, "ok")
        }
        let version = try server.request("GET", "/version").json
        XCTAssertEqual(version["major"], "1")
        XCTAssertEqual(version["gitVersion"]?.stringValue?.hasPrefix("v1."), true)
    }

    func testDefaultNamespacesExist() throws {
        let list = try server.request("GET", "/api/v1/namespaces").json
        let names = (list["items"]?.arrayValue ?? []).compactMap { $0[path: "metadata", "name"]?.stringValue }
        for expected in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            XCTAssertTrue(names.contains(expected), "missing namespace \(expected)")
        }
        XCTAssertEqual(list["kind"], "NamespaceList")
    }

    func testCreateGetUpdateDeleteConfigMap() throws {
        try createNamespace("crud")
        let created = try server.request("POST", "/api/v1/namespaces/crud/configmaps", json: Fixtures.configMap("one", namespace: "crud"))
        XCTAssertEqual(created.status, 201, created.text)
        let object = created.json
        XCTAssertEqual(object["kind"], "ConfigMap")
        XCTAssertEqual(object["apiVersion"], "v1")
        let uid = try XCTUnwrap(object[path: "metadata", "uid"]?.stringValue)
        XCTAssertEqual(uid.count, 36)
        let rv = try XCTUnwrap(object[path: "metadata", "resourceVersion"]?.stringValue)
        XCTAssertNotNil(Int64(rv))
        XCTAssertNotNil(object[path: "metadata", "creationTimestamp"]?.stringValue)
        XCTAssertEqual(object[path: "metadata", "managedFields"]?.arrayValue?.first?["manager"]?.stringValue?.isEmpty, false)

        let fetched = try server.request("GET", "/api/v1/namespaces/crud/configmaps/one")
        XCTAssertEqual(fetched.status, 200)
        XCTAssertEqual(fetched.json[path: "data", "k"], "v")

        // Duplicate create: 409 AlreadyExists.
        let duplicate = try server.request("POST", "/api/v1/namespaces/crud/configmaps", json: Fixtures.configMap("one", namespace: "crud"))
        XCTAssertEqual(duplicate.status, 409)
        XCTAssertEqual(duplicate.json["reason"], "AlreadyExists")
        XCTAssertEqual(duplicate.json["message"], "configmaps \"one\" already exists")
        XCTAssertEqual(duplicate.json["kind"], "Status")

        // Update with the current resourceVersion succeeds and bumps it.
        var updated = fetched.json
        updated[path: "data", "k"] = "v2"
        let put = try server.request("PUT", "/api/v1/namespaces/crud/configmaps/one", json: updated)
        XCTAssertEqual(put.status, 200, put.text)
        let newRV = try XCTUnwrap(Int64(put.json[path: "metadata", "resourceVersion"]?.stringValue ?? ""))
        XCTAssertGreaterThan(newRV, Int64(rv)!)

        // Update with the stale resourceVersion: 409 Conflict.
        let stale = try server.request("PUT", "/api/v1/namespaces/crud/configmaps/one", json: updated)
        XCTAssertEqual(stale.status, 409)
        XCTAssertEqual(stale.json["reason"], "Conflict")
        XCTAssertTrue(stale.json["message"]?.stringValue?.contains("the object has been modified") == true)

        let deleted = try server.request("DELETE", "/api/v1/namespaces/crud/configmaps/one")
        XCTAssertEqual(deleted.status, 200)
        XCTAssertEqual(deleted.json["status"], "Success")
        XCTAssertEqual(deleted.json[path: "details", "uid"]?.stringValue, uid)
        let gone = try server.request("GET", "/api/v1/namespaces/crud/configmaps/one")
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(gone.json["message"], "configmaps \"one\" not found")
        XCTAssertEqual(gone.json[path: "details", "kind"], "configmaps")
        let again = try server.request("DELETE", "/api/v1/namespaces/crud/configmaps/one")
        XCTAssertEqual(again.status, 404)
    }

    func testGenerateNameAndNoOpUpdate() throws {
        var cm = Fixtures.configMap("", namespace: "default")
        cm[path: "metadata", "name"] = nil
        cm[path: "metadata", "generateName"] = "gen-"
        let created = try server.request("POST", "/api/v1/namespaces/default/configmaps", json: cm)
        XCTAssertEqual(created.status, 201, created.text)
        let name = try XCTUnwrap(created.json[path: "metadata", "name"]?.stringValue)
        XCTAssertTrue(name.hasPrefix("gen-"))
        XCTAssertEqual(name.count, 9)
        // Writing back the same object changes nothing: same resourceVersion.
        let put = try server.request("PUT", "/api/v1/namespaces/default/configmaps/\(name)", json: created.json)
        XCTAssertEqual(put.status, 200)
        XCTAssertEqual(put.json[path: "metadata", "resourceVersion"], created.json[path: "metadata", "resourceVersion"])
    }

    func testInvalidNamesAndLabelsAre422WithCauses() throws {
        var cm = Fixtures.configMap("Bad_Name")
        cm[path: "metadata", "labels"] = ["bad key!": "x"]
        let r = try server.request("POST", "/api/v1/namespaces/default/configmaps", json: cm)
        XCTAssertEqual(r.status, 422, r.text)
        XCTAssertEqual(r.json["reason"], "Invalid")
        let causes = r.json[path: "details", "causes"]?.arrayValue ?? []
        let fields = causes.compactMap { $0["field"]?.stringValue }
        XCTAssertTrue(fields.contains("metadata.name"), "\(fields)")
        XCTAssertTrue(fields.contains { $0.hasPrefix("metadata.labels") }, "\(fields)")
        XCTAssertTrue(r.json["message"]?.stringValue?.hasPrefix("ConfigMap \"Bad_Name\" is invalid: ") == true)

        let noName = try server.request("POST", "/api/v1/namespaces/default/configmaps",
                                        json: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(JSONObject())])
        XCTAssertEqual(noName.status, 422)
        XCTAssertTrue(noName.text.contains("metadata.name"))
    }

    func testNamespaceMustExistAndNotBeTerminating() throws {
        let missing = try server.request("POST", "/api/v1/namespaces/nope/configmaps", json: Fixtures.configMap("a", namespace: "nope"))
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.json["message"], "namespaces \"nope\" not found")

        try createNamespace("doomed")
        let del = try server.request("DELETE", "/api/v1/namespaces/doomed")
        XCTAssertEqual(del.status, 200)
        XCTAssertEqual(del.json[path: "status", "phase"], "Terminating")
        XCTAssertNotNil(del.json[path: "metadata", "deletionTimestamp"]?.stringValue)
        let refused = try server.request("POST", "/api/v1/namespaces/doomed/configmaps", json: Fixtures.configMap("a", namespace: "doomed"))
        XCTAssertEqual(refused.status, 403)
        XCTAssertEqual(refused.json["reason"], "Forbidden")
        XCTAssertTrue(refused.json["message"]?.stringValue?.contains("because it is being terminated") == true)

        let mismatch = try server.request("POST", "/api/v1/namespaces/default/configmaps", json: Fixtures.configMap("a", namespace: "other"))
        XCTAssertEqual(mismatch.status, 400)
    }

    func testStatusSubresourceAndGeneration() throws {
        let created = try server.request("POST", "/apis/apps/v1/namespaces/default/deployments", json: Fixtures.deployment("web"))
        XCTAssertEqual(created.status, 201, created.text)
        var deployment = created.json
        XCTAssertEqual(deployment[path: "metadata", "generation"], 1)
        // Defaults kube-apiserver applies.
        XCTAssertEqual(deployment[path: "spec", "strategy", "type"], "RollingUpdate")
        XCTAssertEqual(deployment[path: "spec", "revisionHistoryLimit"], 10)
        XCTAssertEqual(deployment[path: "spec", "template", "spec", "containers"]?.arrayValue?.first?["imagePullPolicy"], "IfNotPresent")
        XCTAssertEqual(deployment[path: "spec", "template", "spec", "containers"]?.arrayValue?.first?[path: "ports"]?.arrayValue?.first?["protocol"], "TCP")

        // The main resource ignores status; a spec change bumps generation.
        deployment[path: "status", "replicas"] = 7
        deployment[path: "spec", "replicas"] = 5
        let put = try server.request("PUT", "/apis/apps/v1/namespaces/default/deployments/web", json: deployment)
        XCTAssertEqual(put.status, 200, put.text)
        XCTAssertEqual(put.json[path: "metadata", "generation"], 2)
        XCTAssertNil(put.json[path: "status", "replicas"])
        XCTAssertEqual(put.json[path: "spec", "replicas"], 5)

        // /status ignores everything but status, and does not bump generation.
        var statusUpdate = put.json
        statusUpdate[path: "status", "replicas"] = 3
        statusUpdate[path: "spec", "replicas"] = 9
        let status = try server.request("PUT", "/apis/apps/v1/namespaces/default/deployments/web/status", json: statusUpdate)
        XCTAssertEqual(status.status, 200, status.text)
        XCTAssertEqual(status.json[path: "status", "replicas"], 3)
        XCTAssertEqual(status.json[path: "spec", "replicas"], 5)
        XCTAssertEqual(status.json[path: "metadata", "generation"], 2)

        // Scale subresource.
        let scale = try server.request("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale")
        XCTAssertEqual(scale.json["kind"], "Scale")
        XCTAssertEqual(scale.json[path: "spec", "replicas"], 5)
        XCTAssertEqual(scale.json[path: "status", "selector"], "app=web")
        let patched = try server.request("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale",
                                         json: ["spec": ["replicas": 2]], contentType: "application/merge-patch+json")
        XCTAssertEqual(patched.status, 200, patched.text)
        XCTAssertEqual(patched.json[path: "spec", "replicas"], 2)
        let after = try server.request("GET", "/apis/apps/v1/namespaces/default/deployments/web").json
        XCTAssertEqual(after[path: "spec", "replicas"], 2)
    }

    func testFinalizersHoldDeletion() throws {
        var cm = Fixtures.configMap("held")
        cm[path: "metadata", "finalizers"] = ["example.com/hold"]
        XCTAssertEqual(try server.request("POST", "/api/v1/namespaces/default/configmaps", json: cm).status, 201)
        let del = try server.request("DELETE", "/api/v1/namespaces/default/configmaps/held",
                                     body: Array(#"{"propagationPolicy":"Background"}"#.utf8), contentType: "application/json")
        XCTAssertEqual(del.status, 200)
        let held = try server.request("GET", "/api/v1/namespaces/default/configmaps/held")
        XCTAssertEqual(held.status, 200)
        XCTAssertNotNil(held.json[path: "metadata", "deletionTimestamp"]?.stringValue)
        // Removing the last finalizer completes the deletion.
        let patch = try server.request("PATCH", "/api/v1/namespaces/default/configmaps/held",
                                       json: ["metadata": ["finalizers": .null]], contentType: "application/merge-patch+json")
        XCTAssertEqual(patch.status, 200, patch.text)
        XCTAssertEqual(try server.request("GET", "/api/v1/namespaces/default/configmaps/held").status, 404)
    }

    func testDeletePreconditionsAndForeground() throws {
        let created = try server.request("POST", "/api/v1/namespaces/default/configmaps", json: Fixtures.configMap("pre")).json
        let wrongUID = try server.request("DELETE", "/api/v1/namespaces/default/configmaps/pre",
                                          body: Array(#"{"preconditions":{"uid":"00000000-0000-0000-0000-000000000000"}}"#.utf8),
                                          contentType: "application/json")
        XCTAssertEqual(wrongUID.status, 409)
        XCTAssertTrue(wrongUID.text.contains("Precondition failed"))
        let foreground = try server.request("DELETE", "/api/v1/namespaces/default/configmaps/pre?propagationPolicy=Foreground")
        XCTAssertEqual(foreground.status, 200)
        let held = try server.request("GET", "/api/v1/namespaces/default/configmaps/pre").json
        XCTAssertEqual(held[path: "metadata", "finalizers"], ["foregroundDeletion"])
        XCTAssertEqual(held[path: "metadata", "uid"], created[path: "metadata", "uid"])
    }

    func testDryRunWritesNothing() throws {
        let r = try server.request("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", json: Fixtures.configMap("dry"))
        XCTAssertEqual(r.status, 201)
        XCTAssertEqual(r.json[path: "metadata", "name"], "dry")
        XCTAssertEqual(try server.request("GET", "/api/v1/namespaces/default/configmaps/dry").status, 404)
        let bad = try server.request("POST", "/api/v1/namespaces/default/configmaps?dryRun=Some", json: Fixtures.configMap("dry"))
        XCTAssertEqual(bad.status, 400)
    }

    func testServiceDefaultsAndClusterIP() throws {
        let svc: JSON = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web"],
                         "spec": ["selector": ["app": "web"], "ports": [["port": 80]]]]
        let r = try server.request("POST", "/api/v1/namespaces/default/services", json: svc)
        XCTAssertEqual(r.status, 201, r.text)
        let ip = try XCTUnwrap(r.json[path: "spec", "clusterIP"]?.stringValue)
        XCTAssertTrue(ip.hasPrefix("10.96."), ip)
        XCTAssertNotEqual(ip, "10.96.0.1")
        XCTAssertEqual(r.json[path: "spec", "type"], "ClusterIP")
        let port = r.json[path: "spec", "ports"]?.arrayValue?.first
        XCTAssertEqual(port?["protocol"], "TCP")
        XCTAssertEqual(port?["targetPort"], 80)
    }

    func testBadInputGetsStatusErrors() throws {
        let malformed = try server.request("POST", "/api/v1/namespaces/default/configmaps", body: Array("{\"metadata\":".utf8),
                                           contentType: "application/json")
        XCTAssertEqual(malformed.status, 400)
        XCTAssertEqual(malformed.json["kind"], "Status")
        let badYAML = try server.request("POST", "/api/v1/namespaces/default/configmaps", body: Array("a: [b".utf8),
                                         contentType: "application/yaml")
        XCTAssertEqual(badYAML.status, 400)
        let yaml = try server.request("POST", "/api/v1/namespaces/default/configmaps",
                                      body: Array("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  n: \"1\"\n".utf8),
                                      contentType: "application/yaml")
        XCTAssertEqual(yaml.status, 201, yaml.text)
        XCTAssertEqual(yaml.json[path: "data", "n"], "1")
        let unsupported = try server.request("POST", "/api/v1/namespaces/default/configmaps", body: Array("x".utf8),
                                             contentType: "text/csv")
        XCTAssertEqual(unsupported.status, 415)
        XCTAssertEqual(unsupported.json["reason"], "UnsupportedMediaType")
        let big = try server.request("POST", "/api/v1/namespaces/default/configmaps",
                                     body: [UInt8](repeating: UInt8(ascii: " "), count: 3 * 1024 * 1024 + 10),
                                     contentType: "application/json")
        XCTAssertEqual(big.status, 413)
        let unknown = try server.request("GET", "/api/v1/namespaces/default/widgets")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.json["kind"], "Status")
        let unknownPath = try server.request("GET", "/nothing/here")
        XCTAssertEqual(unknownPath.status, 404)
        let verb = try server.request("POST", "/api/v1/namespaces/default/configmaps/x", json: Fixtures.configMap("x"))
        XCTAssertEqual(verb.status, 405)
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let nested = try server.request("POST", "/api/v1/namespaces/default/configmaps", body: Array(deep.utf8), contentType: "application/json")
        XCTAssertEqual(nested.status, 400)
        // The server is still up after all of that.
        XCTAssertEqual(try server.request("GET", "/readyz").status, 200)
    }
}

/// fieldValidation on built-in kinds: unknown fields are dropped, and reported per Strict / Warn / Ignore.
final class FieldValidationTests: XCTestCase {
    func testUnknownFieldsOfBuiltinKinds() throws {
        let server = try SimulatorProcess(extraArguments: ["--in-memory"])
        defer { server.stop() }
        var pod = Fixtures.pod("fv")
        pod[path: "spec", "containers"] = [["name": "main", "image": "nginx", "imagee": "typo"]]
        pod[path: "spec", "bogus"] = true
        let strict = try server.request("POST", "/api/v1/namespaces/default/pods?fieldValidation=Strict", json: pod)
        XCTAssertEqual(strict.status, 400, strict.text)
        XCTAssertEqual(strict.json["reason"], "BadRequest")
        XCTAssertTrue(strict.text.contains(#"unknown field \"spec.containers[0].imagee\""#), strict.text)
        XCTAssertTrue(strict.text.contains(#"unknown field \"spec.bogus\""#), strict.text)

        let warn = try server.request("POST", "/api/v1/namespaces/default/pods?fieldValidation=Warn", json: pod)
        XCTAssertEqual(warn.status, 201, warn.text)
        XCTAssertTrue(warn.headers["warning"]?.contains("spec.bogus") == true, "\(warn.headers)")
        XCTAssertNil(warn.json[path: "spec", "bogus"], "dropped as kube-apiserver drops unknown fields")

        pod[path: "metadata", "name"] = "fv2"
        let ignore = try server.request("POST", "/api/v1/namespaces/default/pods?fieldValidation=Ignore", json: pod)
        XCTAssertEqual(ignore.status, 201)
        XCTAssertNil(ignore.headers["warning"])

        // A complete, valid Deployment passes Strict untouched.
        let deployment = try server.request("POST", "/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict",
                                            json: Fixtures.deployment("strict-ok"))
        XCTAssertEqual(deployment.status, 201, deployment.text)
        XCTAssertNil(deployment.headers["warning"])
        let bad = try server.request("POST", "/api/v1/namespaces/default/pods?fieldValidation=Loose", json: pod)
        XCTAssertEqual(bad.status, 400)
    }
}
