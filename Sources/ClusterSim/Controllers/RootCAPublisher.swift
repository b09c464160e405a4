import KubeAPI
import KubeJSON

/// kube-controller-manager's root-ca-cert-publisher: the `kube-root-ca.crt` ConfigMap with the cluster CA
/// bundle under `ca.crt` in every namespace, restored when deleted or edited.
struct RootCAPublisher: Controller {
    static let name = "root-ca-cert-publisher"
    static let configMapName = "kube-root-ca.crt"
    static let description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
    private typealias Kit = BatchAndServiceKit

    let context: ControllerContext
    let queue: WorkQueue
    let bundle: String

    init(context: ControllerContext) {
        self.context = context
        queue = WorkQueue(clock: context.clock)
        bundle = Self.placeholderBundle(seed: context.configuration.seed)
    }

    var client: ClusterClient { context.client }

    func run() async {
        await BatchAndServiceLoop.run([
            { await watchNamespaces() },
            { await watchConfigMaps() },
            { await queue.run(workers: 1) { key in await sync(key.name) } },
        ])
    }

    private func watchNamespaces() async {
        for await change in client.changes(.namespaces) where change.type != .deleted {
            queue.add(WorkKey(namespace: "", name: change.name))
        }
    }

    private func watchConfigMaps() async {
        for await change in client.changes(.configMaps) where change.name == Self.configMapName && change.type != .added {
            queue.add(WorkKey(namespace: "", name: change.namespace))
        }
    }

    private func sync(_ namespace: String) async {
        guard let object = client.get(.namespaces, name: namespace), BatchAndServiceNamespaces.isActive(object) else { return }
        do throws(APIError) {
            if var existing = client.get(.configMaps, namespace: namespace, name: Self.configMapName) {
                guard existing[path: "data", "ca.crt"]?.stringValue != bundle else { return }
                existing["data"] = ["ca.crt": .string(bundle)]
                try await client.update(.configMaps, existing)
                return
            }
            let configMap: JSON = [
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": [
                    "name": .string(Self.configMapName), "namespace": .string(namespace),
                    "annotations": ["kubernetes.io/description": .string(Self.description)],
                ],
                "data": ["ca.crt": .string(bundle)],
            ]
            try await client.create(.configMaps, namespace: namespace, configMap)
        } catch {
            if Kit.isAlreadyExists(error) || error.code == 403 { return }
            context.logger.debug("root-ca-cert-publisher \(namespace): \(error.message)")
            queue.add(WorkKey(namespace: "", name: namespace), after: Kit.isConflict(error) ? 0.5 : 5)
        }
    }

    /// A stable PEM-shaped bundle derived from the seed. It is not a certificate: its base64 body decodes to
    /// a sentence saying so, followed by seed-derived bytes, so nobody mistakes it for key material.
    static func placeholderBundle(seed: UInt64) -> String {
        let random = SeededRandom(seed: seed)
        var bytes = Array("k8s-simulator placeholder cluster CA (seed \(seed)); not a real certificate. ".utf8)
        var index = 0
        while bytes.count < 384 {
            var value = random.hash("root-ca/\(index)")
            for _ in 0..<8 {
                bytes.append(UInt8(truncatingIfNeeded: value))
                value >>= 8
            }
            index += 1
        }
        let body = base64(Array(bytes.prefix(384)))
        var lines: [String] = ["-----BEGIN CERTIFICATE-----"]
        var rest = Substring(body)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(64)))
            rest = rest.dropFirst(64)
        }
        lines.append("-----END CERTIFICATE-----")
        return lines.joined(separator: "\n") + "\n"
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var i = 0
        while i < bytes.count {
            let b0 = Int(bytes[i]), b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0, b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
            out.append(alphabet[b0 >> 2])
            out.append(alphabet[((b0 & 3) << 4) | (b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[((b1 & 15) << 2) | (b2 >> 6)] : "=")
            out.append(i + 2 < bytes.count ? alphabet[b2 & 63] : "=")
            i += 3
        }
        return out
    }
}
