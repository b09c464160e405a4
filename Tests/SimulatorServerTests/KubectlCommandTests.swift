import Foundation
import KubeJSON
import XCTest

/// Everyday kubectl commands on every kubectl version installed (1.27, 1.29, 1.31, 1.33 and the dispatcher on the
/// PATH), checked on what kubectl prints and on the server's state.
final class KubectlCommandTests: XCTestCase {
    static let versions = ["1.27", "1.29", "1.31", "1.33"]

    func testEverydayCommandsOnEveryVersion() throws {
        let server = try SimulatorProcess(cluster: true, extraArguments: ["--in-memory", "--time-scale", "50"])
        defer { server.stop() }
        for version in Self.versions {
            try everydayCommands(Kubectl(version: version, server: server), tag: version.replacingOccurrences(of: ".", with: ""),
                                 serverURL: "http://127.0.0.1:\(server.port)")
        }
        try everydayCommands(Kubectl(binary: "kubectl", server: server), tag: "path", serverURL: "http://127.0.0.1:\(server.port)")
    }

    /// The same commands over TLS with the kubeconfig the server wrote.
    func testEverydayCommandsOverTLS() throws {
        let dataDir = SimulatorProcess.temporaryDirectory()
        let securePort = SimulatorProcess.freePort()
        let server = try SimulatorProcess(dataDir: dataDir, cluster: true,
                                          extraArguments: ["--secure-port", String(securePort), "--time-scale", "50"])
        defer { server.stop() }
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: dataDir + "/kubeconfig"), Date() < deadline { usleep(20_000) }
        let kubeconfig = try String(contentsOfFile: dataDir + "/kubeconfig", encoding: .utf8)
        try everydayCommands(Kubectl(version: "1.33", server: server, kubeconfig: kubeconfig), tag: "tls133",
                             serverURL: "https://127.0.0.1:\(securePort)", user: "admin")
        try everydayCommands(Kubectl(version: "1.29", server: server, kubeconfig: kubeconfig), tag: "tls129",
                             serverURL: "https://127.0.0.1:\(securePort)", user: "admin")
    }

    func everydayCommands(_ k: Kubectl, tag: String, serverURL: String, user: String = "system:admin") throws {
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
        XCTAssertTrue(info.contains("is running at") && info.contains(serverURL), info)

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
            XCTAssertTrue(try ok("auth", "whoami").contains(user))
        }

        // Server-side apply, and a conflict between two managers.
        let ssa = try k.write("ssa-\(tag).yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ssa, namespace: \(ns)}
            data: {owner: first}
            """)
        XCTAssertTrue(try ok("apply", "--server-side", "-f", ssa).contains("configmap/ssa serverside-applied"))
        try (try String(contentsOfFile: ssa, encoding: .utf8)).replacingOccurrences(of: "first", with: "second")
            .write(toFile: ssa, atomically: true, encoding: .utf8)
        let conflict = try k.run(["apply", "--server-side", "--field-manager=intruder", "-f", ssa])
        XCTAssertNotEqual(conflict.status, 0)
        XCTAssertTrue(conflict.err.contains("Apply failed with 1 conflict") && conflict.err.contains(".data.owner"), conflict.err)
        XCTAssertTrue(try ok("apply", "--server-side", "--field-manager=intruder", "--force-conflicts", "-f", ssa).contains("serverside-applied"))

        // Rollouts, wait and logs need the simulated cluster.
        let status = try ok("-n", ns, "rollout", "status", "deployment/web", "--timeout=90s")
        XCTAssertTrue(status.contains("successfully rolled out"), status)
        XCTAssertTrue(try ok("-n", ns, "rollout", "restart", "deployment/web").contains("restarted"))
        XCTAssertTrue(try ok("-n", ns, "rollout", "status", "deployment/web", "--timeout=90s").contains("successfully rolled out"))
        XCTAssertTrue(try ok("-n", ns, "rollout", "history", "deployment/web").contains("REVISION"))
        XCTAssertTrue(try ok("-n", ns, "rollout", "undo", "deployment/web").contains("rolled back"))
        XCTAssertTrue(try ok("-n", ns, "wait", "--for=condition=Available", "deployment/web", "--timeout=90s").contains("condition met"))
        let waitPod = try ok("-n", ns, "wait", "--for=condition=Ready", "pod/solo", "--timeout=90s")
        XCTAssertTrue(waitPod.contains("condition met"), waitPod)
        let logs = try k.run(["-n", ns, "logs", "deployment/web", "--tail=2"])
        XCTAssertEqual(logs.status, 0, logs.err)
        XCTAssertFalse(logs.out.isEmpty)

        // A service account token (a TokenRequest, protobuf from 1.32 on).
        XCTAssertTrue(try ok("-n", ns, "create", "serviceaccount", "robot").contains("serviceaccount/robot created"))
        let token = try ok("-n", ns, "create", "token", "robot").trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(token.split(separator: ".").count, 3, token)

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
