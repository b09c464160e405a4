import KubeAPI
import Logging

/// Starts the enabled controllers as in-process clients of the API and stops them together.
public final class ClusterSimulation: Sendable {
    public let context: ControllerContext
    /// Every controller the simulation knows, in start order.
    public static let allControllers: [any Controller.Type] = ControllerCatalog.all

    public init(api: KubeAPIServer, configuration: ClusterConfiguration, logger: Logger) {
        let client = ClusterClient(api: api, manager: "kube-controller-manager")
        let random = SeededRandom(seed: configuration.seed)
        context = ControllerContext(client: client, clock: SimulatedClock(scale: configuration.timeScale),
                                    random: random, configuration: configuration,
                                    events: EventRecorder(client: client, random: random), logger: logger)
    }

    /// Runs every enabled controller until the task is cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for controllerType in Self.allControllers where context.configuration.enabled(controllerType.name) {
                let controller = controllerType.init(context: context)
                group.addTask { await controller.run() }
            }
        }
    }
}
