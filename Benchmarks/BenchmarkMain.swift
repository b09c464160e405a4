import Foundation
import KubeJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum BenchmarkMain {
    /// The server to measure: `--server`, else the kubeconfig's server, else the simulator's plain port. An
    /// https URL gets TLS settings from the kubeconfig (or the system's CAs); a kubeconfig token is sent either way.
    static func target(_ options: Options) throws -> Endpoint {
        let kubeconfig = try options.kubeconfig.map(KubeconfigCredentials.load)
        let url = options.server ?? kubeconfig?.server ?? "http://127.0.0.1:6360"
        var (endpoint, secure) = try Endpoint.parse(url)
        if secure { endpoint.tls = try TLSSettings.make(host: endpoint.host, kubeconfig: kubeconfig) }
        if let token = kubeconfig?.token { endpoint.authorization = "Bearer \(token)" }
        return endpoint
    }

    static func run(_ arguments: [String]) -> Int32 {
        // A server that goes away must show up as a failed request, not kill the tool.
        signal(SIGPIPE, SIG_IGN)
        let signalSources = ChildProcesses.shared.installSignalHandlers()
        defer { withExtendedLifetime(signalSources) {} }
        let options: Options
        do {
            options = try Options.parse(arguments)
        } catch {
            FileHandle.standardError.write(Data("k8s-simulator-bench: \(error)\n".utf8))
            return 2
        }

        // Without --server but with a binary, the tool runs its own durable server for the API scenarios.
        let apiScenarios = options.scenarios.filter { $0 != "startup" && $0 != "scale" }
        var ownServer: ServerProcess?
        let endpoint: Endpoint
        var serverPID = options.serverPID
        do {
            if options.server == nil, options.kubeconfig == nil, let binary = options.serverBinary,
               !apiScenarios.isEmpty {
                let directory = try ServerProcess.makeTemporaryDirectory("api")
                let server = ServerProcess(binary: binary, template: options.serverArguments,
                                           extra: options.extraServerArguments,
                                           port: try ServerProcess.freePort(), dataDirectory: directory)
                ownServer = server
                try server.spawn()
                _ = try server.waitUntilReady()
                endpoint = server.endpoint
                serverPID = server.pid
            } else {
                endpoint = try target(options)
            }
        } catch {
            if let ownServer {
                ownServer.stop()
                if !options.keep { ServerProcess.removeDirectory(ownServer.dataDirectory) }
            }
            FileHandle.standardError.write(Data("k8s-simulator-bench: \(error)\n".utf8))
            return 1
        }
        defer {
            if let ownServer {
                ownServer.stop()
                if !options.keep { ServerProcess.removeDirectory(ownServer.dataDirectory) }
            }
        }

        let bench = Bench(options: options, endpoint: endpoint, serverPID: serverPID)
        if !apiScenarios.isEmpty || options.serverBinary == nil {
            do {
                let response = try HTTPConnection(endpoint).get("/readyz")
                guard response.status == 200 else { throw HTTPError("/readyz: \(Bench.describe(response))") }
                try bench.ensureNamespace(bench.namespace)
            } catch {
                FileHandle.standardError.write(Data("k8s-simulator-bench: \(endpoint) is not usable: \(error)\n".utf8))
                return 1
            }
        }
        var target = apiScenarios.isEmpty && options.serverBinary != nil
            ? "servers started from \(options.serverBinary!)" : endpoint.description
        if let tls = endpoint.tls, !apiScenarios.isEmpty || options.serverBinary == nil {
            target += " (TLS, trusting \(tls.trust)" + (tls.clientCertificate ? ", client certificate" : "")
                + (endpoint.authorization != nil ? ", bearer token" : "") + ")"
        }
        bench.log("k8s-simulator-bench: \(target), run \(bench.runID), \(options.clients) clients, "
            + "\(options.operations) operations; server CPU "
            + (serverPID.map { "from /proc/\($0)" }
                ?? (apiScenarios.isEmpty ? "from the servers it starts" : "not measured (no --server-pid)")))

        // Every rate is read against the ceiling of this run, so it is measured whenever a rate is.
        var scenarios = options.scenarios
        let rated: Set = ["create", "get", "update", "patch", "delete"]
        if !scenarios.contains("ceiling"), scenarios.contains(where: rated.contains) {
            scenarios.insert("ceiling", at: 0)
        }
        for scenario in scenarios {
            bench.log("\(scenario):")
            switch scenario {
            case "ceiling": bench.runCeiling()
            case "create": bench.createConfigMaps(options.operations, scenario: "create")
            case "get": bench.runGet()
            case "update": bench.runUpdate()
            case "patch": bench.runPatch()
            case "list": bench.runList()
            case "watch": bench.runWatch()
            case "delete": bench.runDelete()
            case "scale": bench.runScale()
            case "startup": bench.runStartup()
            default: break
            }
        }
        bench.cleanUp()

        print("")
        Report.printTable(bench.rows)
        if let path = options.jsonPath {
            var context: [(key: String, value: JSON)] = [
                (key: "tool", value: "k8s-simulator-bench"),
                (key: "date", value: .string(ISO8601DateFormatter().string(from: Date()))),
                (key: "server", value: .string(endpoint.description)),
                (key: "scheme", value: .string(endpoint.scheme)),
                (key: "serverSpawned", value: .bool(ownServer != nil)),
                (key: "runID", value: .string(bench.runID)),
            ]
            if let tls = endpoint.tls {
                context.append((key: "tls", value: .object([
                    "trust": .string(tls.trust), "verifiesServer": .bool(tls.verifies),
                    "serverName": tls.serverHostname.map(JSON.string) ?? .null,
                    "clientCertificate": .bool(tls.clientCertificate),
                ])))
            }
            context.append((key: "bearerToken", value: .bool(endpoint.authorization != nil)))
            if let kubeconfig = options.kubeconfig { context.append((key: "kubeconfig", value: .string(kubeconfig))) }
            if let ceiling = bench.ceilingRate { context.append((key: "ceilingOpsPerSecond", value: .double(ceiling))) }
            context.append((key: "machine", value: .object(JSONObject(
                MachineInfo.describe().sorted { $0.key < $1.key }.map { (key: $0.key, value: JSON.string($0.value)) }))))
            context.append((key: "options", value: .object(JSONObject(options.summary))))
            do {
                try Report.write(Report.json(rows: bench.rows, context: context), to: path)
                bench.log("wrote \(path)")
            } catch {
                bench.log("k8s-simulator-bench: \(error)")
                return 1
            }
        }
        let failed = bench.rows.contains {
            if case .failed = $0.status { return true }
            return $0.errors > 0
        }
        return failed ? 1 : 0
    }
}
