import Foundation
import KubeJSON

/// The command line. Hand-parsed so the tool needs nothing beyond KubeJSON and builds in seconds.
struct Options: Sendable {
    static let allScenarios = ["ceiling", "create", "get", "update", "patch", "list", "watch", "delete", "scale",
                               "startup"]
    /// Without `--server-binary` there is nothing to start, so `startup` and `scale` are left out of the
    /// default set (`scale` can still be asked for against a running server).
    static let defaultScenarios = ["ceiling", "create", "get", "update", "patch", "list", "watch", "delete"]

    var scenarios: [String] = []
    var server: String?
    var kubeconfig: String?
    var serverPID: Int32?
    var serverBinary: String?
    var serverArguments = ["serve", "--port", "{port}", "--secure-port", "0", "--monitoring-port", "0", "--data-dir", "{data}",
                           "--log-level", "warning"]
    var extraServerArguments: [String] = []
    var clients = 8
    var operations = 10_000
    var payloadBytes = 1024
    var warmup = 1000
    var namespacePrefix = "k8s-bench"
    var keep = false
    var jsonPath: String?

    var listObjects = 10_000
    var listKind = "pods"
    var listRepeats = 5
    var pageSize = 500

    var watchers = 100
    var watchRate = 1000.0
    var watchEvents = 5000
    var watchGrace = 10.0

    var startupObjects = 100_000
    var startupRepeats = 3
    var killAfter = 1.0

    var scaleReplicas = 10_000
    var scaleNodes = 100
    var timeScale = 100.0
    var scaleProbe = 15.0
    var scaleTimeout = 300.0

    static let usage = """
        usage: k8s-simulator-bench [scenario ...] [options]

        Scenarios: \(allScenarios.joined(separator: " ")) all
          default: \(defaultScenarios.joined(separator: " ")) (+ scale startup with --server-binary)

        Target:
          --server URL              base URL, http:// or https:// (default: the kubeconfig's server, else
                                    http://127.0.0.1:6360)
          --kubeconfig PATH         take the server, CA and credentials from the current context of this
                                    kubeconfig: certificate-authority(-data) or insecure-skip-tls-verify,
                                    tls-server-name, client-certificate(-data) + client-key(-data), token or
                                    tokenFile (sent as Authorization: Bearer). https URLs without one trust the
                                    system's CAs. The simulator writes <data-dir>/kubeconfig for its TLS port.
          --server-pid PID          server process to read CPU and memory from (/proc/PID)
          --server-binary PATH      k8s-simulator binary: needed by startup and scale; without --server or
                                    --kubeconfig the tool also starts it for every other scenario (durable, plain
                                    HTTP, in a temporary data dir)
          --server-args "ARGS"      argument template, {port} and {data} substituted
                                    (default "\(Options().serverArguments.joined(separator: " "))")
          --server-arg ARG          one more argument for every started server (repeatable)
        Load:
          -c, --clients C           concurrent clients, one keep-alive connection each (default 8)
          -n, --operations N        operations per scenario; also the number of ConfigMaps (default 10000)
          --payload-bytes B         size of each ConfigMap's data (default 1024)
          --warmup W                untimed requests before ceiling and get (default 1000)
        list:    --list-objects N (10000)  --list-kind pods|configmaps (pods)  --list-repeats R (5)  --page-size P (500)
        watch:   --watchers W (100)  --watch-rate R events/s (1000)  --watch-events E (5000)  --watch-grace S (10)
        startup: --startup-objects N (100000)  --startup-repeats R (3)  --kill-after S (1)
        scale:   --scale-replicas N (10000)  --scale-nodes N (100)  --time-scale X (100)
                 --scale-probe S (15, no pod by then: not available)  --scale-timeout S (300)
        Output:
          --json PATH               write every figure as JSON
          --namespace-prefix P      namespaces are P-<run id> (default k8s-bench)
          --keep                    leave the benchmark's namespaces and data directories behind
        """

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var index = 0
        func value(_ name: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw HTTPError("\(name) needs a value") }
            return arguments[index]
        }
        func int(_ name: String) throws -> Int {
            let text = try value(name).replacingOccurrences(of: "_", with: "")
            guard let number = Int(text), number >= 0 else { throw HTTPError("\(name) needs a whole number, got \(text)") }
            return number
        }
        func double(_ name: String) throws -> Double {
            let text = try value(name)
            guard let number = Double(text), number > 0 else { throw HTTPError("\(name) needs a positive number") }
            return number
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-h", "--help": print(usage); exit(0)
            case "--server": options.server = try value(argument)
            case "--kubeconfig": options.kubeconfig = try value(argument)
            case "--server-pid":
                guard let pid = Int32(try value(argument)) else { throw HTTPError("--server-pid needs a process id") }
                options.serverPID = pid
            case "--server-binary": options.serverBinary = try value(argument)
            case "--server-args":
                options.serverArguments = try value(argument).split(separator: " ").map(String.init)
            case "--server-arg": options.extraServerArguments.append(try value(argument))
            case "-c", "--clients": options.clients = max(1, try int(argument))
            case "-n", "--operations": options.operations = max(1, try int(argument))
            case "--payload-bytes": options.payloadBytes = try int(argument)
            case "--warmup": options.warmup = try int(argument)
            case "--namespace-prefix": options.namespacePrefix = try value(argument)
            case "--keep": options.keep = true
            case "--json": options.jsonPath = try value(argument)
            case "--list-objects": options.listObjects = max(1, try int(argument))
            case "--list-kind":
                options.listKind = try value(argument)
                guard ["pods", "configmaps"].contains(options.listKind) else {
                    throw HTTPError("--list-kind is pods or configmaps")
                }
            case "--list-repeats": options.listRepeats = max(1, try int(argument))
            case "--page-size": options.pageSize = max(1, try int(argument))
            case "--watchers": options.watchers = max(1, try int(argument))
            case "--watch-rate": options.watchRate = try double(argument)
            case "--watch-events": options.watchEvents = max(1, try int(argument))
            case "--watch-grace": options.watchGrace = try double(argument)
            case "--startup-objects": options.startupObjects = try int(argument)
            case "--startup-repeats": options.startupRepeats = max(1, try int(argument))
            case "--kill-after": options.killAfter = try double(argument)
            case "--scale-replicas": options.scaleReplicas = max(1, try int(argument))
            case "--scale-nodes": options.scaleNodes = max(1, try int(argument))
            case "--time-scale": options.timeScale = try double(argument)
            case "--scale-probe": options.scaleProbe = try double(argument)
            case "--scale-timeout": options.scaleTimeout = try double(argument)
            case "all": options.scenarios = allScenarios
            default:
                if argument.hasPrefix("-") { throw HTTPError("unknown option \(argument)\n\n\(usage)") }
                for name in argument.split(separator: ",").map(String.init) {
                    guard allScenarios.contains(name) else { throw HTTPError("unknown scenario \(name)\n\n\(usage)") }
                    if !options.scenarios.contains(name) { options.scenarios.append(name) }
                }
            }
            index += 1
        }
        if options.scenarios.isEmpty {
            options.scenarios = defaultScenarios + (options.serverBinary != nil ? ["scale", "startup"] : [])
        }
        // A fixed order: get, update, patch and delete work on the ConfigMaps that create made.
        options.scenarios = allScenarios.filter(options.scenarios.contains)
        if options.scenarios.contains("startup"), options.serverBinary == nil {
            throw HTTPError("startup needs --server-binary")
        }
        return options
    }

    /// Recorded in the JSON so a figure can be traced to the load that produced it.
    var summary: [(key: String, value: JSON)] {
        [(key: "scenarios", value: .array(scenarios.map(JSON.string))),
         (key: "clients", value: .int(Int64(clients))), (key: "operations", value: .int(Int64(operations))),
         (key: "payloadBytes", value: .int(Int64(payloadBytes))), (key: "listObjects", value: .int(Int64(listObjects))),
         (key: "listKind", value: .string(listKind)), (key: "pageSize", value: .int(Int64(pageSize))),
         (key: "watchers", value: .int(Int64(watchers))), (key: "watchRate", value: .double(watchRate)),
         (key: "watchEvents", value: .int(Int64(watchEvents))),
         (key: "startupObjects", value: .int(Int64(startupObjects))),
         (key: "scaleReplicas", value: .int(Int64(scaleReplicas))), (key: "scaleNodes", value: .int(Int64(scaleNodes))),
         (key: "timeScale", value: .double(timeScale)),
         (key: "serverArguments", value: .array((serverArguments + extraServerArguments).map(JSON.string)))]
    }
}
