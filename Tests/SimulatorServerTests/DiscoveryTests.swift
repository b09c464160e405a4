import KubeJSON
import XCTest

/// Discovery negotiated on Accept (contract §2), ETags, OpenAPI v3 and v2 (contract §5, §10).
final class DiscoveryTests: XCTestCase {
    nonisolated(unsafe) static var server: SimulatorProcess!
    override class func setUp() { server = try! SimulatorProcess(extraArguments: ["--in-memory", "--controllers=-*"]) }
    override class func tearDown() { server.stop() }
    var server: SimulatorProcess { Self.server }

    static let v2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    static let v2beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

    func testAggregatedDiscoveryFollowsAccept() throws {
        let modern = try server.request("GET", "/apis", headers: ["Accept": "\(Self.v2),\(Self.v2beta1),application/json"])
        XCTAssertEqual(modern.headers["content-type"], Self.v2)
        XCTAssertEqual(modern.json["apiVersion"], "apidiscovery.k8s.io/v2")
        let old = try server.request("GET", "/apis", headers: ["Accept": "\(Self.v2beta1),application/json"])
        XCTAssertEqual(old.headers["content-type"], Self.v2beta1)
        XCTAssertEqual(old.json["apiVersion"], "apidiscovery.k8s.io/v2beta1")
        let legacy = try server.request("GET", "/apis", headers: ["Accept": "application/json, */*"])
        XCTAssertEqual(legacy.headers["content-type"], "application/json")
        XCTAssertEqual(legacy.json["kind"], "APIGroupList")

        let groups = modern.json["items"]?.arrayValue ?? []
        let apps = try XCTUnwrap(groups.first { $0[path: "metadata", "name"] == "apps" })
        let deployments = try XCTUnwrap(apps["versions"]?.arrayValue?.first?["resources"]?.arrayValue?.first { $0["resource"] == "deployments" })
        XCTAssertEqual(deployments["responseKind"], ["group": "apps", "version": "v1", "kind": "Deployment"])
        XCTAssertEqual(deployments["scope"], "Namespaced")
        XCTAssertEqual(deployments["shortNames"], ["deploy"])
        XCTAssertEqual(deployments["categories"], ["all"])
        let scale = deployments["subresources"]?.arrayValue?.first { $0["subresource"] == "scale" }
        XCTAssertEqual(scale?["responseKind"], ["group": "autoscaling", "version": "v1", "kind": "Scale"])
        // Every resource and subresource names its response kind (client-go drops those that do not).
        for group in groups {
            for version in group["versions"]?.arrayValue ?? [] {
                for resource in version["resources"]?.arrayValue ?? [] {
                    XCTAssertNotNil(resource["responseKind"]?["kind"], "\(resource["resource"] ?? "")")
                    for sub in resource["subresources"]?.arrayValue ?? [] { XCTAssertNotNil(sub["responseKind"]?["kind"]) }
                }
            }
        }
        // The preferred autoscaling version is v2.
        let autoscaling = groups.first { $0[path: "metadata", "name"] == "autoscaling" }
        XCTAssertEqual(autoscaling?["versions"]?.arrayValue?.first?["version"], "v2")

        let core = try server.request("GET", "/api", headers: ["Accept": Self.v2]).json
        let pods = core["items"]?.arrayValue?.first?["versions"]?.arrayValue?.first?["resources"]?.arrayValue?.first { $0["resource"] == "pods" }
        XCTAssertEqual(pods?["shortNames"], ["po"])
        XCTAssertEqual(try server.request("GET", "/api").json["versions"], ["v1"])
    }

    func testLegacyGroupVersionDocumentsAndETags() throws {
        let list = try server.request("GET", "/apis/apps/v1")
        XCTAssertEqual(list.json["kind"], "APIResourceList")
        let names = (list.json["resources"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        XCTAssertTrue(names.contains("deployments/scale") && names.contains("statefulsets/status"), "\(names)")
        let etag = try XCTUnwrap(list.headers["etag"])
        let again = try server.request("GET", "/apis/apps/v1", headers: ["If-None-Match": etag])
        XCTAssertEqual(again.status, 304)
        let core = try server.request("GET", "/api/v1").json
        let eviction = core["resources"]?.arrayValue?.first { $0["name"] == "pods/eviction" }
        XCTAssertEqual(eviction?["group"], "policy")
        XCTAssertEqual(try server.request("GET", "/apis/nonexistent.io/v1").status, 404)

        // ETags follow content: a new CRD changes /apis.
        let before = try server.request("GET", "/apis", headers: ["Accept": Self.v2]).headers["etag"]
        XCTAssertEqual(try server.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json: PatchAndCRDTests.crd).status, 201)
        let after = try server.request("GET", "/apis", headers: ["Accept": Self.v2])
        XCTAssertNotEqual(after.headers["etag"], before)
        XCTAssertTrue(after.text.contains("\"widgets\""))
    }

    func testOpenAPI() throws {
        let index = try server.request("GET", "/openapi/v3").json
        let url = try XCTUnwrap(index[path: "paths", "apis/apps/v1", "serverRelativeURL"]?.stringValue)
        let document = try server.request("GET", url).json
        let patch = document[path: "paths", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch"]
        XCTAssertEqual(patch?["x-kubernetes-group-version-kind"], ["group": "apps", "version": "v1", "kind": "Deployment"])
        XCTAssertTrue((patch?["parameters"]?.arrayValue ?? []).contains { $0["name"] == "fieldValidation" })
        let schema = document[path: "components", "schemas", "io.k8s.api.apps.v1.Deployment"]
        XCTAssertNotNil(schema?[path: "properties", "spec"])
        XCTAssertNotNil(document[path: "components", "schemas", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"])
        let v2 = try server.request("GET", "/openapi/v2")
        XCTAssertEqual(v2.status, 200)
        XCTAssertTrue(v2.body.isEmpty)
        XCTAssertFalse(v2.headers["content-type"]?.contains("@") ?? true)
    }

    func testExplainOnOldAndNewKubectl() throws {
        for version in ["1.27", "1.33"] {
            let kubectl = try Kubectl(version: version, server: server)
            let r = try kubectl.run("explain", "pods.spec.containers")
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertTrue(r.out.contains("KIND:") && r.out.contains("Pod") && r.out.contains("image"), r.out)
        }
    }
}
