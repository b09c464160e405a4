import KubeAPI
import KubeJSON

/// kube-controller-manager's serviceaccount controller: a `default` ServiceAccount in every active
/// namespace, recreated if deleted.
struct ServiceAccountController: Controller {
    static let name = "serviceaccount"
    static let accountName = "default"
    private typealias Kit = BatchAndServiceKit

    let context: ControllerContext
    let queue: WorkQueue

    init(context: ControllerContext) {
        self.context = context
        queue = WorkQueue(clock: context.clock)
    }

    var client: ClusterClient { context.client }

    func run() async {
        await BatchAndServiceLoop.run([
            { await watchNamespaces() },
            { await watchAccounts() },
            { await queue.run(workers: 1) { key in await sync(key.name) } },
        ])
    }

    private func watchNamespaces() async {
        for await change in client.changes(.namespaces) where change.type != .deleted {
            queue.add(WorkKey(namespace: "", name: change.name))
        }
    }

    private func watchAccounts() async {
        for await change in client.changes(.serviceAccounts) where change.type == .deleted && change.name == Self.accountName {
            queue.add(WorkKey(namespace: "", name: change.namespace))
        }
    }

    private func sync(_ namespace: String) async {
        guard let object = client.get(.namespaces, name: namespace), BatchAndServiceNamespaces.isActive(object) else { return }
        guard client.get(.serviceAccounts, namespace: namespace, name: Self.accountName) == nil else { return }
        let account: JSON = [
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": ["name": .string(Self.accountName), "namespace": .string(namespace)],
        ]
        do throws(APIError) {
            try await client.create(.serviceAccounts, namespace: namespace, account)
        } catch {
            // A namespace that started terminating refuses new objects; anything else is retried.
            if !Kit.isAlreadyExists(error) && error.code != 403 {
                context.logger.debug("serviceaccount \(namespace)/default: \(error.message)")
                queue.add(WorkKey(namespace: "", name: namespace), after: 5)
            }
        }
    }
}
