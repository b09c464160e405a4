import ClusterSim
import ECPCompat
import Foundation
import Hummingbird
import HummingbirdTLS
import HummingbirdWebSocket
import KubeAPI
import KubeJSON
import KubeStore
import Logging
import Monitoring
import NIOSSL
import ServiceLifecycle

/// The running simulator: the store, the API on top of it, and its listeners.
public final class Simulator: Sendable {
    public let configuration: SimulatorConfiguration
    public let store: RevisionedStore
    public let api: KubeAPIServer
    let logger: Logger

    public init(configuration: SimulatorConfiguration, logger: Logger = Logger(label: "k8s-simulator")) throws {
        self.configuration = configuration
        self.logger = logger
        let driver: any StoreDriver
        if configuration.inMemory {
            driver = MemoryDriver()
        } else {
            try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
            driver = try SQLiteDriver(path: configuration.dataDirectory + "/state.db")
        }
        store = try RevisionedStore(driver: driver, history: configuration.watchHistory, logger: logger)
        api = KubeAPIServer(store: store, watchBufferLimit: configuration.watchBufferSize, logger: logger)
        api.reloadCustomResources()
    }

    /// The objects every cluster has from the start, created through the API like any other write.
    public func bootstrap() async {
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            await ensure(resource: "namespaces", namespace: "", object: [
                "apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)],
            ])
        }
        await ensure(resource: "services", namespace: "default", object: [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "kubernetes", "labels": ["component": "apiserver", "provider": "kubernetes"]],
            "spec": ["clusterIP": "10.96.0.1", "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443]]],
        ])
    }

    private func ensure(resource: String, namespace: String, object: JSON) async {
        guard let type = api.registry.lookup(group: "", version: "v1", resource: resource),
              let name = object[path: "metadata", "name"]?.stringValue,
              (try? api.getObject(type: type, namespace: namespace, name: name)) == nil else { return }
        var options = WriteOptions()
        options.fieldManager = "k8s-simulator"
        do {
            _ = try await api.create(type: type, namespace: namespace, object: object, options: options)
        } catch {
            logger.error("bootstrap of \(resource)/\(name) failed: \(error.message)")
        }
    }

    /// The TLS material: the operator's files, or the development PKI (kept in the data directory).
    func tlsMaterials() throws -> (configuration: TLSConfiguration, pki: DevelopmentPKI.Materials?) {
        let pki: DevelopmentPKI.Materials?
        let certificateChain: [NIOSSLCertificateSource]
        let privateKey: NIOSSLPrivateKeySource
        var clientCAs: [NIOSSLCertificate]
        if let certFile = configuration.tlsCertFile, let keyFile = configuration.tlsKeyFile {
            pki = nil
            certificateChain = try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) }
            privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            clientCAs = []
        } else {
            let materials = configuration.inMemory
                ? try DevelopmentPKI.generate(extraSANs: configuration.tlsSANs)
                : try DevelopmentPKI(directory: configuration.dataDirectory + "/pki").load(extraSANs: configuration.tlsSANs)
            pki = materials
            certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(materials.servingCertificate.utf8)).map { .certificate($0) }
            privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(materials.servingKey.utf8), format: .pem))
            clientCAs = try NIOSSLCertificate.fromPEMBytes(Array(materials.caCertificate.utf8))
        }
        if let caFile = configuration.clientCAFile {
            clientCAs = try NIOSSLCertificate.fromPEMFile(caFile)
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: certificateChain, privateKey: privateKey)
        // Ask for a client certificate, reject one from another CA, let anonymous clients on to try a token.
        tls.certificateVerification = .optionalVerification
        tls.trustRoots = .certificates(clientCAs)
        // HTTP/1.1 only: advertising h2 without serving it breaks kubectl (contract §11).
        tls.applicationProtocols = ["http/1.1"]
        return (tls, pki)
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully and closes the store.
    public func run() async throws {
        await bootstrap()
        var services: [any Service] = []
        let host = Kubeconfig.host(configuration.bindAddress)
        let simulation = ClusterSimulation(api: api, configuration: configuration.cluster, logger: logger)
        api.setPodLogSource(PodLogs(random: simulation.context.random))
        let monitoring = MonitoringEngine(api: api, clock: simulation.context.clock, seed: configuration.cluster.seed,
                                          incidentRatePerHour: configuration.incidentRatePerHour)
        api.setMetricsSource(monitoring)
        let webSockets = WebSocketCounter()
        let routes = MonitoringRoutes(engine: monitoring)
        var webSocket = MonitoringWebSocket(engine: monitoring, connections: webSockets)
        webSocket.stalledWriteLimit = .milliseconds(Int(configuration.webSocketStallTimeout * 1000))
        var ecpConfiguration = ECPConfiguration()
        ecpConfiguration.ports = [("api", configuration.port), ("monitoring", configuration.monitoringPort),
                                  ("kubernetes-tls", configuration.securePort)]
        let ecp = ECPCompatHandler(api: api, clock: simulation.context.clock, random: simulation.context.random,
                                   configuration: ecpConfiguration)
        if configuration.port != 0 {
            services.append(Application(
                responder: KubeResponder(api: api, authenticator: nil, monitoring: routes, ecp: ecp),
                server: webSocket.server,
                configuration: .init(address: .hostname(configuration.bindAddress, port: configuration.port)),
                onServerRunning: { [logger, configuration] _ in
                    logger.info("serving the Kubernetes API on http://\(host):\(configuration.port) (no authentication)")
                },
                logger: logger))
        }
        if configuration.monitoringPort != 0 {
            services.append(Application(
                responder: MonitoringResponder(routes: routes, api: api, webSockets: webSockets),
                server: webSocket.server,
                configuration: .init(address: .hostname(configuration.bindAddress, port: configuration.monitoringPort)),
                onServerRunning: { [logger, configuration] _ in
                    logger.info("serving monitoring on http://\(host):\(configuration.monitoringPort)")
                },
                logger: logger))
        }
        if configuration.securePort != 0 {
            let (tls, pki) = try tlsMaterials()
            let authenticator = try Authenticator.load(tokenFile: configuration.tokenAuthFile)
            services.append(Application(
                responder: KubeResponder(api: api, authenticator: authenticator),
                server: try .tls(.http1(), tlsConfiguration: tls),
                configuration: .init(address: .hostname(configuration.bindAddress, port: configuration.securePort)),
                onServerRunning: { [logger, configuration] _ in
                    logger.info("serving the Kubernetes API on https://\(host):\(configuration.securePort)")
                },
                logger: logger))
            if !configuration.inMemory, let pki {
                let path = configuration.dataDirectory + "/kubeconfig"
                try Kubeconfig.secure(server: "https://\(host):\(configuration.securePort)", pki: pki)
                    .write(toFile: path, atomically: true, encoding: .utf8)
                logger.info("kubeconfig for the admin user written to \(path)")
            }
        }
        if !configuration.inMemory {
            let endpoints = Kubeconfig.Endpoints(bindAddress: configuration.bindAddress, port: configuration.port,
                                                 securePort: configuration.securePort)
            try JSONEncoder().encode(endpoints).write(to: URL(fileURLWithPath: Kubeconfig.endpointsPath(dataDirectory: configuration.dataDirectory)))
        }
        services.append(SimulationService(simulation: simulation))
        services.append(MonitoringService(engine: monitoring))
        services.append(HeapTrimService())
        if !services.isEmpty {
            let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                          gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
        await store.close()
    }
}

/// Runs the simulated cluster's controllers until shutdown.
struct SimulationService: Service {
    let simulation: ClusterSimulation

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await simulation.run()
        }
        // With every controller switched off there is nothing to run, but the service lives as long as the server.
        try? await gracefulShutdown()
    }
}
