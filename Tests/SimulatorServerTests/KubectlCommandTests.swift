import Foundation
import KubeJSON
import XCTest

/// Everyday kubectl commands on every kubectl version installed (1.27, 1.29, 1.31, 1.33 and the dispatcher on the
/// PATH), checked on what kubectl prints and on the server's state.
final class KubectlCommandTests: XCTestCase {
    static let versions = ["1.27", "1.29", "1.31", "1.33"]

    func testEverydayCommandsOnEveryVersion() throws {
        let server = try SimulatorProcess(extraArguments: ["--in-memory", "--controllers=-*"])
        defer { server.stop() }
        for version in Self.versions {
            try everydayCommands(Kubectl(version: version, server: server), tag: version.replacingOccurrences(of: ".", with: ""))
        }
        try everydayCommands(Kubectl(binary: "kubectl", server: server), tag: "path")
    }

    func everydayCommands(_ k: Kubectl, tag: String) throws {
        let ns = "e2e-\(tag)"
        func ok(_ args: String..., file: StaticString = #filePath, line: UInt = #line) throws -> String {
            let r = try k.run(args)
            XCTAssertEqual(r.status, 0, "kubectl \(args.joined(separator: " ")) [\(tag)]: \(r.err)", file: file, line: line)
            return r.out
        }

        XCTAssertTrue(try ok("version").contains("v1.32.0"))
        let resources = try ok("api-resources")
        XCTAssertTrue(resources.contains("deployments") && resources.contains("deploy") && resources.contains("apps/v1"), resources)
        XCTAssertTrue(try ok("api-versions").contains("apps/v1"))
        let info = try ok("cluster-info")
        XCTAssertTrue(info.contains("is running at") && info.contains("http://127.0.0.1:\(k.server.port)"), info)

        // Typed create commands (protobuf bodies from 1.32 on).
        XCTAssertTrue(try ok("create", "namespace", ns).contains("namespace/\(ns) created"))
        XCTAssertTrue(try ok("-n", ns, "create", "configmap", "settings", "--from-literal=mode=fast").contains("created"))
        XCTAssertTrue(try ok("-n", ns, "create", "secret", "generic", "creds", "--from-literal=password=s3cret").contains("created"))
        XCTAssertTrue(try ok("-n", ns, "create", "deployment", "web", "--image=nginx:1.27", "--replicas=2").contains("created"))
        XCTAssertTrue(try ok("-n", ns, "create", "service", "clusterip", "web", "--tcp=80:8080").contains("created"))
        let secret = try XCTUnwrap(k.server.request("GET", "/api/v1/namespaces/\(ns)/secrets/creds").json)
        XCTAssertEqual(secret[path: "data", "password"], .string(Data("s3cret".utf8).base64EncodedString()))

        // get in its forms.
        let table = try ok("-n", ns, "get", "deployments")
        XCTAssertTrue(table.contains("NAME") && table.contains("READY") && table.contains("UP-TO-DATE") && table.contains("web"), table)
        XCTAssertTrue(try ok("-n", ns, "get", "deployments", "-o", "wide").contains("nginx:1.27"))
        XCTAssertTrue(try ok("-n", ns, "get", "configmap", "settings", "-o", "yaml").contains("mode: fast"))
        let json = try JSONParser.parse(try ok("-n", ns, "get", "service", "web", "-o", "json"))
        XCTAssertEqual(json[path: "spec", "ports"]?.arrayValue?.first?["targetPort"], 8080)
        XCTAssertEqual(try ok("-n", ns, "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"), "2")
        XCTAssertTrue(try ok("get", "configmaps", "-A").contains(ns))
        XCTAssertTrue(try ok("-n", ns, "get", "deployments", "-l", "app=web", "-o", "name").contains("deployment.apps/web"))
        XCTAssertTrue(try ok("-n", ns, "get", "configmaps", "--field-selector", "metadata.name=settings", "-o", "name")
            .contains("configmap/settings"))
        let all = try ok("-n", ns, "get", "all")
        XCTAssertTrue(all.contains("service/web") && all.contains("deployment.apps/web"), all)
        let multi = try ok("-n", ns, "get", "deploy,svc", "-o", "name")
        XCTAssertTrue(multi.contains("deployment.apps/web") && multi.contains("service/web"), multi)

        // create -f, apply (create, configured, unchanged), delete -f.
        let manifest = try k.write("app-\(tag).yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: app-config
              namespace: \(ns)
            data:
              key1: value1
            """)
        XCTAssertTrue(try ok("create", "-f", manifest).contains("configmap/app-config created"))
        XCTAssertTrue(try ok("delete", "-f", manifest).contains("deleted"))
        XCTAssertTrue(try ok("apply", "-f", manifest).contains("configmap/app-config created"))
        XCTAssertTrue(try ok("apply", "-f", manifest).contains("configmap/app-config unchanged"))
        try (try String(contentsOfFile: manifest, encoding: .utf8)).replacingOccurrences(of: "value1", with: "value2")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        XCTAssertTrue(try ok("apply", "-f", manifest).contains("configmap/app-config configured"))
        XCTAssertEqual(try k.server.request("GET", "/api/v1/namespaces/\(ns)/configmaps/app-config").json[path: "data", "key1"], "value2")

        // label, annotate, patch (three types), scale.
        XCTAssertTrue(try ok("-n", ns, "label", "configmap", "settings", "tier=backend").contains("labeled"))
        XCTAssertTrue(try ok("-n", ns, "annotate", "configmap", "settings", "owner=team-a").contains("configmap/settings annotate"))
        XCTAssertTrue(try ok("-n", ns, "patch", "configmap", "settings", "-p", #"{"data":{"extra":"1"}}"#).contains("patched"))
        XCTAssertTrue(try ok("-n", ns, "patch", "configmap", "settings", "--type=merge", "-p", #"{"data":{"merge":"2"}}"#).contains("patched"))
        XCTAssertTrue(try ok("-n", ns, "patch", "configmap", "settings", "--type=json",
                             "-p", #"[{"op":"add","path":"/data/json","value":"3"}]"#).contains("patched"))
        let settings = try k.server.request("GET", "/api/v1/namespaces/\(ns)/configmaps/settings").json
        XCTAssertEqual(settings[path: "metadata", "labels", "tier"], "backend")
        XCTAssertEqual(settings[path: "metadata", "annotations", "owner"], "team-a")
        XCTAssertEqual(settings[path: "data", "extra"], "1")
        XCTAssertEqual(settings[path: "data", "merge"], "2")
        XCTAssertEqual(settings[path: "data", "json"], "3")
        XCTAssertTrue(try ok("-n", ns, "scale", "deployment", "web", "--replicas=3").contains("scaled"))
        XCTAssertEqual(try k.server.request("GET", "/apis/apps/v1/namespaces/\(ns)/deployments/web").json[path: "spec", "replicas"], 3)

        // edit through KUBE_EDITOR.
        let editor = try k.write("editor-\(tag).sh", "#!/bin/sh\nsed -i 's/mode: fast/mode: slow/' \"$1\"\n")
        chmod(editor, 0o755)
        let edited = try k.run(["-n", ns, "edit", "configmap", "settings"], environment: ["KUBE_EDITOR": editor])
        XCTAssertEqual(edited.status, 0, edited.err)
        XCTAssertEqual(try k.server.request("GET", "/api/v1/namespaces/\(ns)/configmaps/settings").json[path: "data", "mode"], "slow")

        // describe, explain, auth.
        XCTAssertTrue(try ok("-n", ns, "describe", "deployment", "web").contains("Replicas:"))
        let pod = try k.write("pod-\(tag).yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: solo, namespace: \(ns), labels: {app: solo}}
            spec:
              containers: [{name: main, image: "busybox:1.36", ports: [{containerPort: 8080}]}]
            """)
        XCTAssertTrue(try ok("apply", "-f", pod).contains("pod/solo created"))
        let describedPod = try ok("-n", ns, "describe", "pod", "solo")
        XCTAssertTrue(describedPod.contains("busybox:1.36") && describedPod.contains("8080/TCP"), describedPod)
        XCTAssertTrue(try ok("explain", "deployment.spec.replicas").contains("replicas"))
        XCTAssertEqual(try ok("auth", "can-i", "create", "pods").trimmingCharacters(in: .whitespacesAndNewlines), "yes")
        if tag != "127" {  // whoami arrived in 1.28
            XCTAssertTrue(try ok("auth", "whoami").contains("system:admin"))
        }

        // delete and its wait, then a missing object.
        XCTAssertTrue(try ok("-n", ns, "delete", "configmap", "settings").contains("deleted"))
        let missing = try k.run(["-n", ns, "get", "configmap", "settings"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.contains("NotFound"), missing.err)
    }

    func testGetWatchPrintsChanges() throws {
        let server = try SimulatorProcess(extraArguments: ["--in-memory", "--controllers=-*"])
        defer { server.stop() }
        XCTAssertEqual(try server.request("POST", "/api/v1/namespaces/default/configmaps", json: Fixtures.configMap("watched")).status, 201)
        let kubectl = try Kubectl(version: "1.33", server: server)
        let watch = try kubectl.start(["get", "configmaps", "-w"])
        defer { watch.stop() }
        XCTAssertTrue(watch.waitFor("watched"), watch.output)
        XCTAssertEqual(try server.request("POST", "/api/v1/namespaces/default/configmaps", json: Fixtures.configMap("newcomer")).status, 201)
        XCTAssertTrue(watch.waitFor("newcomer"), watch.output)
    }
}
