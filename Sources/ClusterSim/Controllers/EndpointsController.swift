import KubeAPI
import KubeJSON

/// kube-controller-manager's endpoints controller: an Endpoints object per Service with a selector, whose
/// subsets list ready pods under `addresses` and the others under `notReadyAddresses`, grouped by the ports
/// they resolve to (RepackSubsets), capped at 1000 addresses as upstream truncates.
struct EndpointsController: QueuedController {
    static let name = "endpoint"
    static let component = "endpoint-controller"
    static let maxCapacity = 1000
    static let overCapacityAnnotation = "endpoints.kubernetes.io/over-capacity"
    static let triggerTimeAnnotation = "endpoints.kubernetes.io/last-change-trigger-time"
    private typealias Kit = BatchAndServiceKit
    private typealias Shared = BatchAndServiceEndpoints

    let core: QueuedControllerCore
    let index = BatchAndServiceSelectorIndex()

    func run() async {
        await BatchAndServiceLoop.run([
            { await index.watchServices(client, into: queue) },
            { await index.watchPods(client, into: queue) },
            { await queue.run(workers: 5) { key in await sync(key) } },
        ])
    }

    private func sync(_ key: WorkKey) async {
        do throws(APIError) {
            guard let service = client.get(.services, namespace: key.namespace, name: key.name) else {
                try? await client.delete(.endpoints, namespace: key.namespace, name: key.name)
                return
            }
            guard Shared.managed(service) else { return }
            try await reconcile(service)
        } catch {
            context.logger.debug("endpoints \(key): \(error.message)")
            timers.requeue(key, after: Kit.isConflict(error) || Kit.isAlreadyExists(error) ? 0.5 : 5)
        }
    }

    private func reconcile(_ service: JSON) async throws(APIError) {
        let (subsets, truncated) = Self.subsets(service: service, pods: Shared.pods(client, service: service))
        var labels = service[path: "metadata", "labels"]?.objectValue ?? JSONObject()
        labels["endpointslice.kubernetes.io/skip-mirror"] = "true"
        let clusterIP = service[path: "spec", "clusterIP"]?.stringValue ?? ""
        if clusterIP == "None" { labels["service.kubernetes.io/headless"] = "" } else { labels["service.kubernetes.io/headless"] = nil }

        let namespace = Kit.namespace(service), name = Kit.name(service)
        let existing = client.get(.endpoints, namespace: namespace, name: name)
        if let existing, (existing["subsets"]?.arrayValue ?? []) == subsets,
           existing[path: "metadata", "labels"] == .object(labels),
           Kit.annotation(existing, Self.overCapacityAnnotation) == (truncated ? "truncated" : nil) { return }

        var endpoints = existing ?? ["apiVersion": "v1", "kind": "Endpoints", "metadata": ["name": .string(name), "namespace": .string(namespace)]]
        endpoints[path: "metadata", "labels"] = .object(labels)
        var annotations = endpoints[path: "metadata", "annotations"]?.objectValue ?? JSONObject()
        annotations[Self.triggerTimeAnnotation] = .string(Kit.now())
        annotations[Self.overCapacityAnnotation] = truncated ? "truncated" : nil
        endpoints[path: "metadata", "annotations"] = .object(annotations)
        endpoints["subsets"] = subsets.isEmpty ? nil : .array(subsets)
        if existing == nil {
            try await client.create(.endpoints, namespace: namespace, endpoints)
        } else {
            try await client.update(.endpoints, endpoints)
        }
    }

    /// The subsets for a service and its selected pods, and whether they were cut to `maxCapacity`.
    static func subsets(service: JSON, pods: [JSON]) -> (subsets: [JSON], truncated: Bool) {
        let publishNotReady = service[path: "spec", "publishNotReadyAddresses"]?.boolValue == true
        let servicePorts = service[path: "spec", "ports"]?.arrayValue ?? []
        let headless = service[path: "spec", "clusterIP"]?.stringValue == "None"
        struct Group { var ports: [JSON]; var ready: [JSON] = []; var notReady: [JSON] = [] }
        var groups: [String: Group] = [:]
        for pod in pods where Shared.includes(pod, terminating: publishNotReady) {
            let ports: [JSON]
            if servicePorts.isEmpty {
                guard headless else { continue }
                ports = []
            } else {
                ports = Shared.ports(pod: pod, service: service).sorted(by: portOrder)
                guard !ports.isEmpty else { continue }
            }
            var address: JSONObject = ["ip": .string(Shared.podIP(pod))]
            if let hostname = Shared.hostname(pod: pod, service: service) { address["hostname"] = .string(hostname) }
            if !Kit.nodeName(pod).isEmpty { address["nodeName"] = .string(Kit.nodeName(pod)) }
            address["targetRef"] = Shared.targetRef(pod)
            let key = String(decoding: JSON.array(ports).serialized(), as: UTF8.self)
            // Appending in place: copying a group per pod would make large services quadratic.
            if publishNotReady || Kit.isReady(pod) {
                groups[key, default: Group(ports: ports)].ready.append(.object(address))
            } else {
                groups[key, default: Group(ports: ports)].notReady.append(.object(address))
            }
        }
        var budget = maxCapacity
        var truncated = false
        let ordered = groups.sorted { $0.key < $1.key }.map(\.value)
        var subsets: [JSON] = []
        // Ready addresses keep their place first when the total has to be cut.
        var kept: [(ready: [JSON], notReady: [JSON])] = ordered.map { group in
            let ready = sortedAddresses(group.ready)
            let take = min(budget, ready.count)
            budget -= take
            if take < ready.count { truncated = true }
            return (Array(ready.prefix(take)), [])
        }
        for (i, group) in ordered.enumerated() {
            let notReady = sortedAddresses(group.notReady)
            let take = min(budget, notReady.count)
            budget -= take
            if take < notReady.count { truncated = true }
            kept[i].notReady = Array(notReady.prefix(take))
        }
        for (i, group) in ordered.enumerated() where !kept[i].ready.isEmpty || !kept[i].notReady.isEmpty {
            var subset = JSONObject()
            if !kept[i].ready.isEmpty { subset["addresses"] = .array(kept[i].ready) }
            if !kept[i].notReady.isEmpty { subset["notReadyAddresses"] = .array(kept[i].notReady) }
            if !group.ports.isEmpty { subset["ports"] = .array(group.ports) }
            subsets.append(.object(subset))
        }
        return (subsets, truncated)
    }

    /// addrsByIPAndUID, with the keys read once per address rather than once per comparison.
    static func sortedAddresses(_ addresses: [JSON]) -> [JSON] {
        addresses.map { ($0["ip"]?.stringValue ?? "", $0[path: "targetRef", "uid"]?.stringValue ?? "", $0) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map(\.2)
    }

    static func portOrder(_ a: JSON, _ b: JSON) -> Bool {
        let nameA = a["name"]?.stringValue ?? "", nameB = b["name"]?.stringValue ?? ""
        if nameA != nameB { return nameA < nameB }
        return (a["port"]?.intValue ?? 0) < (b["port"]?.intValue ?? 0)
    }
}
