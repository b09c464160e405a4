import KubeAPI
import KubeJSON
import Logging

/// The shape of the simulated cluster (`--nodes`, `--node-cpu`, ... on the command line).
public struct ClusterConfiguration: Sendable {
    public var nodes = 3
    public var nodeCPU = "16"
    public var nodeMemory = "64Gi"
    public var nodePods = 110
    public var gpuNodes = 1
    public var gpusPerNode = 4
    public var timeScale = 1.0
    public var seed: UInt64 = 1
    /// Controller names to run; `*` runs all, `-name` switches one off, `-*` all that are not named
    /// (kube-controller-manager's syntax).
    public var controllers = ["*"]

    public init() {}

    public func enabled(_ name: String) -> Bool {
        if controllers.contains("-" + name) { return false }
        if controllers.contains("-*") { return controllers.contains(name) }
        return controllers.contains("*") || controllers.contains(name)
    }
}

/// What every controller gets: the API, the clock, the seed, the cluster shape, an event recorder.
public struct ControllerContext: Sendable {
    public let client: ClusterClient
    public let clock: SimulatedClock
    public let random: SeededRandom
    public let configuration: ClusterConfiguration
    public let events: EventRecorder
    public let logger: Logger
}

/// One simulated control-plane loop (a kube-controller-manager controller, the scheduler, the kubelets).
public protocol Controller: Sendable {
    /// The name used by `--controllers`.
    static var name: String { get }
    init(context: ControllerContext)
    /// Runs until the task is cancelled.
    func run() async
}
