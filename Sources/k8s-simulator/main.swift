import ArgumentParser
import Foundation
import Logging
import SimulatorServer

@main
struct K8sSimulator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "k8s-simulator",
        abstract: "A Kubernetes API server and simulated cluster in one process.",
        subcommands: [Serve.self, Certs.self, KubeconfigCommand.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the Kubernetes API (the default).")

    @Option(help: "Directory for the state database, the PKI and the kubeconfig.")
    var dataDir = ".k8s-simulator"

    @Option(help: "Plain HTTP port (unauthenticated); 0 switches it off.")
    var port = 6360

    @Option(help: "Monitoring engine port (monitoring, SLA and Prometheus endpoints); 0 switches it off.")
    var monitoringPort = 6381

    @Option(help: "TLS port (client certificates and bearer tokens); 0 switches it off.")
    var securePort = 6443

    @Option(help: "Address the listeners bind to.")
    var bindAddress = "127.0.0.1"

    @Flag(help: "Keep all state in memory; nothing is written to disk.")
    var inMemory = false

    @Option(help: "How much watch history to keep: a duration (90s, 5m, 1h) or an event count (10000).")
    var watchHistory = "5m"

    @Option(help: ArgumentHelp("Events a watcher may fall behind before it is cut off.", visibility: .hidden))
    var watchBufferSize = 10_000

    @Option(help: ArgumentHelp("Seconds a WebSocket client may leave a message unread before it is dropped.",
                               visibility: .hidden))
    var websocketStallTimeout = 10.0

    @Option(help: "Extra DNS name or IPv4 address for the generated serving certificate (repeatable).")
    var tlsSan: [String] = []

    @Option(help: "Serving certificate (PEM) instead of the generated one.")
    var tlsCertFile: String?

    @Option(help: "Private key (PEM) of --tls-cert-file.")
    var tlsPrivateKeyFile: String?

    @Option(help: "CA bundle (PEM) that client certificates must chain to.")
    var clientCaFile: String?

    @Option(help: "Static bearer tokens, kube-apiserver's CSV format: token,user,uid,\"group1,group2\".")
    var tokenAuthFile: String?

    @Option(help: "Simulated nodes.")
    var nodes = 3

    @Option(help: "CPU capacity of each node.")
    var nodeCpu = "16"

    @Option(help: "Memory capacity of each node.")
    var nodeMemory = "64Gi"

    @Option(help: "Pod capacity of each node.")
    var nodePods = 110

    @Option(help: "How many of the nodes carry nvidia.com/gpu capacity.")
    var gpuNodes = 1

    @Option(help: "nvidia.com/gpu capacity of each GPU node.")
    var gpusPerNode = 4

    @Option(help: "How much faster than real time the simulated clock runs (100: a simulated minute in 0.6 s).")
    var timeScale = 1.0

    @Option(help: "Seed of every random choice in the simulation; the same seed replays the same cluster.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Random incidents (latency spikes, error bursts, pod crashes) per simulated hour; 0 for none.",
                               discussion: "The default, about five a simulated day, keeps a day within the 99.5 % SLA."))
    var incidentRate = SimulatorConfiguration.defaultIncidentRatePerHour

    @Option(help: "Controllers to run, comma separated: * for all, -name to switch one off.")
    var controllers = "*"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        if timeScale <= 0 { throw ValidationError("--time-scale must be positive") }
        if !(incidentRate >= 0 && incidentRate <= 60) { throw ValidationError("--incident-rate must be between 0 and 60 per hour") }
        if nodes < 0 || gpuNodes < 0 || gpuNodes > nodes { throw ValidationError("--gpu-nodes must be between 0 and --nodes") }
        if (tlsCertFile == nil) != (tlsPrivateKeyFile == nil) {
            throw ValidationError("--tls-cert-file and --tls-private-key-file go together")
        }
        if SimulatorConfiguration.parseWatchHistory(watchHistory) == nil {
            throw ValidationError("--watch-history must be a duration like 5m or an event count like 10000")
        }
    }

    func run() async throws {
        var config = SimulatorConfiguration()
        config.dataDirectory = dataDir
        config.port = port
        config.securePort = securePort
        config.monitoringPort = monitoringPort
        config.bindAddress = bindAddress
        config.inMemory = inMemory
        config.watchHistory = SimulatorConfiguration.parseWatchHistory(watchHistory)!
        config.watchBufferSize = max(1, watchBufferSize)
        config.webSocketStallTimeout = max(0.1, websocketStallTimeout)
        config.tlsSANs = tlsSan
        config.tlsCertFile = tlsCertFile
        config.tlsKeyFile = tlsPrivateKeyFile
        config.clientCAFile = clientCaFile
        config.tokenAuthFile = tokenAuthFile
        config.cluster.nodes = nodes
        config.cluster.nodeCPU = nodeCpu
        config.cluster.nodeMemory = nodeMemory
        config.cluster.nodePods = nodePods
        config.cluster.gpuNodes = gpuNodes
        config.cluster.gpusPerNode = gpusPerNode
        config.cluster.timeScale = timeScale
        config.cluster.seed = seed
        config.incidentRatePerHour = incidentRate
        config.cluster.controllers = controllers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var logger = Logger(label: "k8s-simulator")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let simulator = try Simulator(configuration: config, logger: logger)
        try await simulator.run()
    }
}

struct Certs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate the development PKI (CA, serving certificate, admin client certificate).")

    @Option(help: "Data directory; the PKI goes to <data-dir>/pki unless --out is given.")
    var dataDir = ".k8s-simulator"

    @Option(help: "Directory to write the PEM files to.")
    var out: String?

    @Option(help: "Extra DNS name or IPv4 address for the serving certificate (repeatable).")
    var tlsSan: [String] = []

    func run() throws {
        let directory = out ?? dataDir + "/pki"
        let pki = DevelopmentPKI(directory: directory)
        try pki.ensure(extraSANs: tlsSan)
        print("CA:          \(pki.caCertificate)")
        print("serving:     \(pki.servingCertificate) (key \(pki.servingKey))")
        print("admin user:  \(pki.adminCertificate) (key \(pki.adminKey))")
    }
}

struct KubeconfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kubeconfig",
                                                    abstract: "Print a kubeconfig for a simulator's data directory.")

    @Option(help: "The data directory the simulator serves from.")
    var dataDir = ".k8s-simulator"

    @Flag(help: "A kubeconfig for the plain HTTP port instead of TLS.")
    var insecure = false

    func run() throws {
        let path = Kubeconfig.endpointsPath(dataDirectory: dataDir)
        var endpoints = Kubeconfig.Endpoints(bindAddress: "127.0.0.1", port: 6360, securePort: 6443)
        if let data = FileManager.default.contents(atPath: path) {
            endpoints = try JSONDecoder().decode(Kubeconfig.Endpoints.self, from: data)
        }
        let host = Kubeconfig.host(endpoints.bindAddress)
        if insecure {
            print(Kubeconfig.insecure(server: "http://\(host):\(endpoints.port)"), terminator: "")
        } else {
            let directory = DevelopmentPKI(directory: dataDir + "/pki")
            let pki = directory.exists ? try directory.read() : try directory.load(extraSANs: [])
            print(Kubeconfig.secure(server: "https://\(host):\(endpoints.securePort)", pki: pki), terminator: "")
        }
    }
}
