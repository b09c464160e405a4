import KubeAPI
import KubeJSON

/// kube-controller-manager's endpointslice controller: EndpointSlices of at most 100 endpoints per Service
/// with a selector, one group per distinct port set, including terminating pods with their ready / serving /
/// terminating conditions. Endpoints stay in the slice that already holds them, so a change rewrites only
/// the slices it touches; a service without endpoints keeps one empty placeholder slice.
struct EndpointSliceController: QueuedController {
    static let name = "endpointslice"
    static let managedBy = "endpointslice-controller.k8s.io"
    static let serviceNameLabel = "kubernetes.io/service-name"
    static let managedByLabel = "endpointslice.kubernetes.io/managed-by"
    static let maxEndpointsPerSlice = 100
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
            let slices = client.list(.endpointSlices, namespace: key.namespace,
                                     labelSelector: "\(Self.serviceNameLabel)=\(key.name),\(Self.managedByLabel)=\(Self.managedBy)")
            guard let service = client.get(.services, namespace: key.namespace, name: key.name) else {
                for slice in slices { try? await client.delete(.endpointSlices, namespace: key.namespace, name: Kit.name(slice)) }
                return
            }
            guard Shared.managed(service), !Kit.isDeleting(service) else { return }
            try await reconcile(service, slices: slices)
        } catch {
            context.logger.debug("endpointslices \(key): \(error.message)")
            timers.requeue(key, after: Kit.isConflict(error) || Kit.isAlreadyExists(error) ? 0.5 : 5)
        }
    }

    /// One group of endpoints sharing a port set.
    struct Group {
        var ports: [JSON]
        /// Endpoints by target pod uid, and the uids in pod-name order.
        var endpoints: [String: JSON] = [:]
        var order: [String] = []
    }

    /// The desired endpoints of a service, grouped by the ports each pod resolves to.
    static func groups(service: JSON, pods: [JSON], zones: (String) -> String?) -> [String: Group] {
        let publishNotReady = service[path: "spec", "publishNotReadyAddresses"]?.boolValue == true
        var groups: [String: Group] = [:]
        for pod in pods.sorted(by: { Kit.name($0) < Kit.name($1) }) where Shared.includes(pod, terminating: true) {
            let ip = Shared.podIP(pod)
            guard !ip.contains(":") else { continue }
            var ports = Shared.ports(pod: pod, service: service).map { port -> JSON in
                var port = port
                if port["name"] == nil { port["name"] = "" }
                return port
            }
            ports.sort(by: EndpointsController.portOrder)
            let serving = publishNotReady || Kit.isReady(pod)
            let terminating = Kit.isDeleting(pod)
            var endpoint: JSONObject = [
                "addresses": [.string(ip)],
                "conditions": ["ready": .bool(publishNotReady || (serving && !terminating)), "serving": .bool(serving),
                               "terminating": .bool(terminating)],
            ]
            if let hostname = Shared.hostname(pod: pod, service: service) { endpoint["hostname"] = .string(hostname) }
            endpoint["targetRef"] = Shared.targetRef(pod)
            let node = Kit.nodeName(pod)
            if !node.isEmpty {
                endpoint["nodeName"] = .string(node)
                if let zone = zones(node) { endpoint["zone"] = .string(zone) }
            }
            let key = portKey(ports)
            groups[key, default: Group(ports: ports)].endpoints[Kit.uid(pod)] = .object(endpoint)
            groups[key, default: Group(ports: ports)].order.append(Kit.uid(pod))
        }
        return groups
    }

    static func portKey(_ ports: [JSON]) -> String {
        String(decoding: JSON.array(ports.sorted(by: EndpointsController.portOrder)).serialized(), as: UTF8.self)
    }

    /// Where each slice's endpoints go: kept in place, filled up to the limit, then new slices.
    struct Plan {
        var update: [(slice: JSON, endpoints: [JSON], ports: [JSON])] = []
        var create: [(endpoints: [JSON], ports: [JSON])] = []
        var delete: [JSON] = []
    }

    static func plan(existing: [JSON], groups: [String: Group]) -> Plan {
        var plan = Plan()
        var byKey: [String: [JSON]] = [:]
        for slice in existing.sorted(by: { Kit.name($0) < Kit.name($1) }) {
            byKey[portKey(slice["ports"]?.arrayValue ?? []), default: []].append(slice)
        }
        for key in groups.keys.sorted() {
            guard var group = groups[key] else { continue }
            var slots: [(slice: JSON, endpoints: [JSON])] = []
            for slice in byKey.removeValue(forKey: key) ?? [] {
                var kept: [JSON] = []
                for endpoint in slice["endpoints"]?.arrayValue ?? [] {
                    let uid = endpoint[path: "targetRef", "uid"]?.stringValue ?? ""
                    if let wanted = group.endpoints.removeValue(forKey: uid) { kept.append(wanted) }
                }
                slots.append((slice, kept))
            }
            var leftovers = group.order.compactMap { group.endpoints[$0] }
            for i in slots.indices where !leftovers.isEmpty && slots[i].endpoints.count < maxEndpointsPerSlice {
                let room = maxEndpointsPerSlice - slots[i].endpoints.count
                slots[i].endpoints += leftovers.prefix(room)
                leftovers.removeFirst(min(room, leftovers.count))
            }
            for slot in slots {
                if slot.endpoints.isEmpty { plan.delete.append(slot.slice) } else { plan.update.append((slot.slice, slot.endpoints, group.ports)) }
            }
            while !leftovers.isEmpty {
                plan.create.append((Array(leftovers.prefix(maxEndpointsPerSlice)), group.ports))
                leftovers.removeFirst(min(maxEndpointsPerSlice, leftovers.count))
            }
        }
        plan.delete += byKey.keys.sorted().flatMap { byKey[$0] ?? [] }
        // A service without endpoints keeps one empty placeholder slice.
        if plan.update.isEmpty && plan.create.isEmpty {
            if let keep = plan.delete.first(where: { ($0["endpoints"]?.arrayValue ?? []).isEmpty && ($0["ports"]?.arrayValue ?? []).isEmpty })
                ?? plan.delete.first
            {
                plan.delete.removeAll { Kit.name($0) == Kit.name(keep) }
                plan.update.append((keep, [], []))
            } else {
                plan.create.append(([], []))
            }
        }
        return plan
    }

    private func reconcile(_ service: JSON, slices existing: [JSON]) async throws(APIError) {
        let namespace = Kit.namespace(service)
        var ours: [JSON] = []
        for slice in existing {
            if Kit.isControlled(slice, by: service) {
                ours.append(slice)
            } else {
                try? await client.delete(.endpointSlices, namespace: namespace, name: Kit.name(slice))
            }
        }
        var zoneCache: [String: String?] = [:]
        func zone(_ node: String) -> String? {
            if let known = zoneCache[node] { return known }
            let zone = client.get(.nodes, name: node).flatMap { Kit.labels($0)["topology.kubernetes.io/zone"] }
            zoneCache[node] = zone
            return zone
        }
        let pods = Shared.pods(client, service: service)
        let groups = Self.groups(service: service, pods: pods, zones: zone)
        let plan = Self.plan(existing: ours, groups: groups)
        let labels = sliceLabels(service)

        for slice in plan.delete {
            try? await client.delete(.endpointSlices, namespace: namespace, name: Kit.name(slice))
        }
        for (slice, endpoints, ports) in plan.update {
            var updated = slice
            updated["endpoints"] = .array(endpoints)
            updated["ports"] = ports.isEmpty ? nil : .array(ports)
            updated[path: "metadata", "labels"] = .object(labels)
            if updated["endpoints"] == slice["endpoints"] && (updated["ports"] ?? .array([])) == (slice["ports"] ?? .array([]))
                && Kit.labels(slice) == Kit.stringMap(.object(labels)) { continue }
            var annotations = updated[path: "metadata", "annotations"]?.objectValue ?? JSONObject()
            annotations[EndpointsController.triggerTimeAnnotation] = .string(Kit.now())
            updated[path: "metadata", "annotations"] = .object(annotations)
            try await client.update(.endpointSlices, updated)
        }
        for (index, part) in plan.create.enumerated() {
            try await create(service, labels: labels, endpoints: part.endpoints, ports: part.ports, index: index)
        }
    }

    private func sliceLabels(_ service: JSON) -> JSONObject {
        var labels = service[path: "metadata", "labels"]?.objectValue ?? JSONObject()
        labels[Self.serviceNameLabel] = .string(Kit.name(service))
        labels[Self.managedByLabel] = .string(Self.managedBy)
        if service[path: "spec", "clusterIP"]?.stringValue == "None" { labels["service.kubernetes.io/headless"] = "" }
        return labels
    }

    private func create(_ service: JSON, labels: JSONObject, endpoints: [JSON], ports: [JSON], index: Int) async throws(APIError) {
        let namespace = Kit.namespace(service)
        let base = "\(Kit.name(service).prefix(57))-"
        for attempt in 0..<8 {
            let name = base + context.random.nameSuffix("endpointslice/\(namespace)/\(Kit.name(service))/\(index)/\(attempt)")
            var annotations = JSONObject()
            annotations[EndpointsController.triggerTimeAnnotation] = .string(Kit.now())
            var slice: JSON = [
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": [
                    "name": .string(name), "generateName": .string(base), "namespace": .string(namespace),
                    "labels": .object(labels), "annotations": .object(annotations),
                    "ownerReferences": [Kit.ownerReference(to: service, apiVersion: "v1", kind: "Service")],
                ],
                "addressType": "IPv4", "endpoints": .array(endpoints),
            ]
            if !ports.isEmpty { slice["ports"] = .array(ports) }
            do throws(APIError) {
                try await client.create(.endpointSlices, namespace: namespace, slice)
                return
            } catch {
                if !Kit.isAlreadyExists(error) { throw error }
            }
        }
    }
}
