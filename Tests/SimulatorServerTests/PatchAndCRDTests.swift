import KubeJSON
import XCTest

/// The three patch types through HTTP, and CustomResourceDefinitions from creation to deletion.
final class PatchAndCRDTests: XCTestCase {
    nonisolated(unsafe) static var server: SimulatorProcess!
    override class func setUp() { server = try! SimulatorProcess(extraArguments: ["--in-memory"]) }
    override class func tearDown() { server.stop() }
    var server: SimulatorProcess { Self.server }

    func testStrategicMergePatchMergesContainersByName() throws {
        XCTAssertEqual(try server.request("POST", "/apis/apps/v1/namespaces/default/deployments", json: Fixtures.deployment("smp")).status, 201)
        let patch: JSON = ["spec": ["template": ["spec": [
            "$setElementOrder/containers": [["name": "app"], ["name": "sidecar"]],
            "containers": [["name": "app", "image": "nginx:1.28"]],
        ]]]]
        let r = try server.request("PATCH", "/apis/apps/v1/namespaces/default/deployments/smp", json: patch,
                                   contentType: "application/strategic-merge-patch+json")
        XCTAssertEqual(r.status, 200, r.text)
        let containers = r.json[path: "spec", "template", "spec", "containers"]?.arrayValue ?? []
        XCTAssertEqual(containers.count, 2)
        XCTAssertEqual(containers.first?["image"], "nginx:1.28")
        XCTAssertEqual(containers.last?["name"], "sidecar")
        XCTAssertEqual(containers.last?[path: "env"]?.arrayValue?.count, 1)
        XCTAssertEqual(r.json[path: "metadata", "generation"], 2)
    }

    func testJSONPatchWithTestAndMergePatch() throws {
        XCTAssertEqual(try server.request("POST", "/api/v1/namespaces/default/configmaps", json: Fixtures.configMap("jp")).status, 201)
        let ok = try server.request("PATCH", "/api/v1/namespaces/default/configmaps/jp",
                                    json: [["op": "test", "path": "/data/k", "value": "v"], ["op": "add", "path": "/data/n", "value": "2"]],
                                    contentType: "application/json-patch+json")
        XCTAssertEqual(ok.status, 200, ok.text)
        XCTAssertEqual(ok.json[path: "data", "n"], "2")
        let failed = try server.request("PATCH", "/api/v1/namespaces/default/configmaps/jp",
                                        json: [["op": "test", "path": "/data/k", "value": "nope"]],
                                        contentType: "application/json-patch+json")
        XCTAssertEqual(failed.status, 422, failed.text)
        let merge = try server.request("PATCH", "/api/v1/namespaces/default/configmaps/jp", json: ["data": ["k": .null]],
                                       contentType: "application/merge-patch+json")
        XCTAssertEqual(merge.status, 200)
        XCTAssertNil(merge.json[path: "data", "k"])
        let stale = try server.request("PATCH", "/api/v1/namespaces/default/configmaps/jp",
                                       json: ["metadata": ["resourceVersion": "1"], "data": ["x": "y"]],
                                       contentType: "application/merge-patch+json")
        XCTAssertEqual(stale.status, 409)
        let missing = try server.request("PATCH", "/api/v1/namespaces/default/configmaps/none", json: ["data": ["x": "y"]],
                                         contentType: "application/merge-patch+json")
        XCTAssertEqual(missing.status, 404)
        let badType = try server.request("PATCH", "/api/v1/namespaces/default/configmaps/jp", json: ["data": ["x": "y"]],
                                         contentType: "application/json")
        XCTAssertEqual(badType.status, 415)
    }

    static let crd: JSON = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.example.com"],
        "spec": [
            "group": "example.com", "scope": "Namespaced",
            "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]],
            "versions": [[
                "name": "v1", "served": true, "storage": true,
                "subresources": ["status": .object(JSONObject()),
                                 "scale": ["specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"]],
                "schema": ["openAPIV3Schema": [
                    "type": "object",
                    "properties": [
                        "spec": [
                            "type": "object", "required": ["size"],
                            "properties": [
                                "size": ["type": "string", "enum": ["S", "M", "L"]],
                                "replicas": ["type": "integer", "minimum": 0, "maximum": 10, "default": 1],
                                "name": ["type": "string", "pattern": "^[a-z]+$"],
                                "free": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                            ],
                        ],
                        "status": ["type": "object", "properties": ["replicas": ["type": "integer"]]],
                    ],
                ]],
            ]],
        ],
    ]

    func testCustomResourceLifecycle() throws {
        let created = try server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json: Self.crd)
        XCTAssertEqual(created.status, 201, created.text)
        let crd = try server.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").json
        let conditions = crd[path: "status", "conditions"]?.arrayValue ?? []
        XCTAssertEqual(conditions.first { $0["type"] == "Established" }?["status"], "True")
        XCTAssertEqual(conditions.first { $0["type"] == "NamesAccepted" }?["status"], "True")

        // Served at once, with discovery.
        let discovery = try server.request("GET", "/apis/example.com/v1").json
        XCTAssertEqual(discovery["resources"]?.arrayValue?.first?["name"], "widgets")

        let widget: JSON = ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w1"],
                            "spec": ["size": "M", "unknown": "dropped", "free": ["anything": 1]]]
        let w = try server.request("POST", "/apis/example.com/v1/namespaces/default/widgets", json: widget)
        XCTAssertEqual(w.status, 201, w.text)
        XCTAssertEqual(w.json[path: "spec", "replicas"], 1, "schema default applied")
        XCTAssertNil(w.json[path: "spec", "unknown"], "unknown field pruned")
        XCTAssertEqual(w.json[path: "spec", "free", "anything"], 1, "preserved")
        XCTAssertTrue(w.headers["warning"]?.contains("unknown field \\\"spec.unknown\\\"") == true, "\(w.headers)")

        let strict = try server.request("POST", "/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Strict",
                                        json: ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w2"],
                                               "spec": ["size": "S", "bogus": 1]])
        XCTAssertEqual(strict.status, 400)
        XCTAssertTrue(strict.text.contains("unknown field \\\"spec.bogus\\\""), strict.text)

        let invalid = try server.request("POST", "/apis/example.com/v1/namespaces/default/widgets",
                                         json: ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w3"],
                                                "spec": ["size": "XL", "replicas": 11, "name": "ABC"]])
        XCTAssertEqual(invalid.status, 422, invalid.text)
        let fields = (invalid.json[path: "details", "causes"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue }
        XCTAssertTrue(fields.contains("spec.size"), "\(fields)")
        XCTAssertTrue(fields.contains("spec.replicas"), "\(fields)")
        XCTAssertTrue(fields.contains("spec.name"), "\(fields)")
        let missingRequired = try server.request("POST", "/apis/example.com/v1/namespaces/default/widgets",
                                                 json: ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w4"],
                                                        "spec": .object(JSONObject())])
        XCTAssertEqual(missingRequired.status, 422)

        // Status and scale subresources.
        var status = w.json
        status["status"] = ["replicas": 3]
        let statusPut = try server.request("PUT", "/apis/example.com/v1/namespaces/default/widgets/w1/status", json: status)
        XCTAssertEqual(statusPut.status, 200, statusPut.text)
        XCTAssertEqual(statusPut.json[path: "status", "replicas"], 3)
        let scale = try server.request("GET", "/apis/example.com/v1/namespaces/default/widgets/w1/scale").json
        XCTAssertEqual(scale[path: "spec", "replicas"], 1)
        XCTAssertEqual(scale[path: "status", "replicas"], 3)

        // Strategic merge patch is not for custom resources.
        let smp = try server.request("PATCH", "/apis/example.com/v1/namespaces/default/widgets/w1", json: ["spec": ["size": "L"]],
                                     contentType: "application/strategic-merge-patch+json")
        XCTAssertEqual(smp.status, 415)

        // Watch sees custom objects.
        let list = try server.request("GET", "/apis/example.com/v1/widgets").json
        XCTAssertEqual(list["kind"], "WidgetList")

        // Deleting the CRD removes the resource and its objects.
        XCTAssertEqual(try server.request("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").status, 200)
        XCTAssertEqual(try server.request("GET", "/apis/example.com/v1/namespaces/default/widgets/w1").status, 404)
        XCTAssertEqual(try server.request("POST", "/apiextensions.k8s.io/v1/customresourcedefinitions", json: Self.crd).status, 404)
        let recreated = try server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json: Self.crd)
        XCTAssertEqual(recreated.status, 201)
        let empty = try server.request("GET", "/apis/example.com/v1/namespaces/default/widgets").json
        XCTAssertEqual(empty["items"]?.arrayValue?.count, 0, "objects of the deleted CRD are gone")
    }
}

/// autoscaling/v1 and v2 serve the same HorizontalPodAutoscalers.
final class VersionConversionTests: XCTestCase {
    func testHPAServedAsV1AndV2() throws {
        let server = try SimulatorProcess(extraArguments: ["--in-memory"])
        defer { server.stop() }
        let v1: JSON = ["apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "web"],
                        "spec": ["scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "web"],
                                 "minReplicas": 2, "maxReplicas": 5, "targetCPUUtilizationPercentage": 60]]
        let created = try server.request("POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", json: v1)
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertEqual(created.json["apiVersion"], "autoscaling/v1")
        XCTAssertEqual(created.json[path: "spec", "targetCPUUtilizationPercentage"], 60)
        let asV2 = try server.request("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web").json
        XCTAssertEqual(asV2["apiVersion"], "autoscaling/v2")
        XCTAssertEqual(asV2[path: "spec", "metrics"]?.arrayValue?.first?[path: "resource", "target", "averageUtilization"], 60)
        let patched = try server.request("PATCH", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web",
                                         json: ["spec": ["targetCPUUtilizationPercentage": 70]], contentType: "application/merge-patch+json")
        XCTAssertEqual(patched.status, 200, patched.text)
        XCTAssertEqual(patched.json[path: "spec", "targetCPUUtilizationPercentage"], 70)
        let list = try server.request("GET", "/apis/autoscaling/v1/horizontalpodautoscalers").json
        XCTAssertEqual(list["kind"], "HorizontalPodAutoscalerList")
        XCTAssertEqual(list["apiVersion"], "autoscaling/v1")
        XCTAssertEqual(list["items"]?.arrayValue?.first?[path: "spec", "targetCPUUtilizationPercentage"], 70)
        let v2 = try server.request("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web").json
        XCTAssertEqual(v2[path: "spec", "metrics"]?.arrayValue?.first?[path: "resource", "target", "averageUtilization"], 70)
    }
}
