import ArgumentParser
import Foundation
import Logging
import SimulatorServer

@main
struct K8sSimulator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "k8s-simulator",
        abstract: "A Kubernetes API server and simulated cluster in one process.",
        subcommands: [Serve.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the Kubernetes API (the default).")

    @Option(help: "Directory for the state database and generated files.")
    var dataDir = ".k8s-simulator"

    @Option(help: "Plain HTTP port (unauthenticated); 0 switches it off.")
    var port = 6360

    @Option(help: "Address the listeners bind to.")
    var bindAddress = "127.0.0.1"

    @Flag(help: "Keep all state in memory; nothing is written to disk.")
    var inMemory = false

    @Option(help: "How much watch history to keep: a duration (90s, 5m, 1h) or an event count (10000).")
    var watchHistory = "5m"

    @Option(help: ArgumentHelp("Events a watcher may fall behind before it is cut off.", visibility: .hidden))
    var watchBufferSize = 10_000

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func run() async throws {
        var config = SimulatorConfiguration()
        config.dataDirectory = dataDir
        config.port = port
        config.bindAddress = bindAddress
        config.inMemory = inMemory
        guard let history = SimulatorConfiguration.parseWatchHistory(watchHistory) else {
            throw ValidationError("--watch-history must be a duration like 5m or an event count like 10000")
        }
        config.watchHistory = history
        config.watchBufferSize = max(1, watchBufferSize)
        var logger = Logger(label: "k8s-simulator")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let simulator = try Simulator(configuration: config, logger: logger)
        try await simulator.run()
    }
}
