import Foundation
import Hummingbird
import KubeAPI
import KubeJSON
import KubeStore
import Logging

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
            await ensure(resource: "namespaces", group: "", namespace: "", object: [
                "apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)],
            ])
        }
        await ensure(resource: "services", group: "", namespace: "default", object: [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "kubernetes", "labels": ["component": "apiserver", "provider": "kubernetes"]],
            "spec": ["clusterIP": "10.96.0.1", "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443]]],
        ])
    }

    private func ensure(resource: String, group: String, namespace: String, object: JSON) async {
        guard let type = api.registry.lookup(group: group, version: "v1", resource: resource),
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

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully and closes the store.
    public func run() async throws {
        await bootstrap()
        if configuration.port != 0 {
            let app = Application(
                responder: KubeResponder<BasicRequestContext>(api: api),
                configuration: .init(address: .hostname(configuration.bindAddress, port: configuration.port),
                                     serverName: nil),
                onServerRunning: { [logger, configuration] channel in
                    logger.info("serving the Kubernetes API on http://\(configuration.bindAddress):\(channel.localAddress?.port ?? configuration.port)")
                },
                logger: logger)
            try await app.runService()
        }
        await store.close()
    }
}
