import KubeJSON

enum Fixtures {
    static func configMap(_ name: String, namespace: String = "default", labels: [String: String] = [:],
                          data: [String: String] = ["k": "v"]) -> JSON
    {
        var metadata: JSONObject = ["name": .string(name), "namespace": .string(namespace)]
        if !labels.isEmpty {
            metadata["labels"] = .object(JSONObject(labels.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSON.string($0.value)) }))
        }
        return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(metadata),
                "data": .object(JSONObject(data.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSON.string($0.value)) }))]
    }

    static func deployment(_ name: String, image: String = "nginx:1.27", replicas: Int64 = 2) -> JSON {
        [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": .string(name), "labels": ["app": .string(name)]],
            "spec": [
                "replicas": .int(replicas),
                "selector": ["matchLabels": ["app": .string(name)]],
                "template": [
                    "metadata": ["labels": ["app": .string(name)]],
                    "spec": ["containers": [
                        ["name": "app", "image": .string(image), "ports": [["containerPort": 80]]],
                        ["name": "sidecar", "image": "busybox:1.36", "env": [["name": "A", "value": "1"]]],
                    ]],
                ],
            ],
        ]
    }

    static func pod(_ name: String, labels: [String: String] = [:], nodeName: String? = nil) -> JSON {
        var spec: JSONObject = ["containers": [["name": "main", "image": "nginx:1.27"]]]
        if let nodeName { spec["nodeName"] = .string(nodeName) }
        return ["apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": .string(name),
                             "labels": .object(JSONObject(labels.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSON.string($0.value)) }))],
                "spec": .object(spec)]
    }
}
