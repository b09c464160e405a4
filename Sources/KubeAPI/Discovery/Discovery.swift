import Foundation
import KubeJSON

/// Discovery documents, aggregated (`apidiscovery.k8s.io` v2 and v2beta1) or legacy, chosen by the Accept header
/// as client-go requires: it decides the format from the response Content-Type alone (contract §2).
extension KubeAPIServer {
    enum DiscoveryFormat {
        case legacy
        case aggregated(version: String)

        init(accept: String?) {
            let accept = accept ?? ""
            // Honour the client's order of preference among the forms we serve.
            for part in accept.split(separator: ",") {
                let params = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let base = params.first else { continue }
                if base == "application/json" && params.contains("g=apidiscovery.k8s.io")
                    && params.contains("as=APIGroupDiscoveryList")
                {
                    if params.contains("v=v2") { self = .aggregated(version: "v2"); return }
                    if params.contains("v=v2beta1") { self = .aggregated(version: "v2beta1"); return }
                    continue
                }
                if base == "application/json" || base == "*/*" || base == "application/*" { self = .legacy; return }
            }
            self = .legacy
        }
    }

    func discoveryCore(_ request: APIRequest) -> APIResponse {
        switch DiscoveryFormat(accept: request.header("accept")) {
        case .aggregated(let version):
            let groups = registry.groups().filter { $0.group.isEmpty }
            return aggregatedResponse(groups, version: version, request: request)
        case .legacy:
            let body: JSON = [
                "kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress(request))]],
            ]
            return etagged(body.serialized(), contentType: "application/json", request: request)
        }
    }

    func discoveryGroups(_ request: APIRequest) -> APIResponse {
        let groups = registry.groups().filter { !$0.group.isEmpty }
        switch DiscoveryFormat(accept: request.header("accept")) {
        case .aggregated(let version):
            return aggregatedResponse(groups, version: version, request: request)
        case .legacy:
            let items: [JSON] = groups.map { group in groupJSON(group.group, versions: group.versions.map(\.version)) }
            let body: JSON = ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(items)]
            return etagged(body.serialized(), contentType: "application/json", request: request)
        }
    }

    /// `/api/v1`, `/apis/<group>` and `/apis/<group>/<version>`; nil when the path is not one of them.
    func discoveryGroupVersion(_ request: APIRequest) throws(APIError) -> APIResponse? {
        let segments = request.path.split(separator: "/").map(String.init)
        // Only the exact discovery paths pay for building the group list.
        guard segments == ["api", "v1"] || (segments.first == "apis" && (segments.count == 2 || segments.count == 3)) else {
            return nil
        }
        let groups = registry.groups()
        if segments == ["api", "v1"] {
            guard let core = groups.first(where: { $0.group.isEmpty }) else { return nil }
            return resourceList(groupVersion: "v1", resources: core.versions[0].resources, request: request)
        }
        guard segments.first == "apis" else { return nil }
        if segments.count == 2 {
            guard let group = groups.first(where: { $0.group == segments[1] }) else { throw .notFoundPath() }
            var body = groupJSON(group.group, versions: group.versions.map(\.version))
            body["apiVersion"] = "v1"
            var ordered: JSONObject = ["kind": "APIGroup"]
            for (k, v) in body.objectValue ?? JSONObject() { ordered[k] = v }
            return .json(200, JSON.object(ordered).serialized())
        }
        if segments.count == 3 {
            guard let group = groups.first(where: { $0.group == segments[1] }),
                  let version = group.versions.first(where: { $0.version == segments[2] })
            else { throw .notFoundPath() }
            return resourceList(groupVersion: "\(group.group)/\(version.version)", resources: version.resources, request: request)
        }
        return nil
    }

    private func groupJSON(_ group: String, versions: [String]) -> JSON {
        let list: [JSON] = versions.map { ["groupVersion": .string("\(group)/\($0)"), "version": .string($0)] }
        return ["name": .string(group), "versions": .array(list), "preferredVersion": list.first ?? .null]
    }

    private func resourceList(groupVersion: String, resources: [ResourceType], request: APIRequest) -> APIResponse {
        var items: [JSON] = []
        for type in resources {
            var resource: JSONObject = [
                "name": .string(type.plural), "singularName": .string(type.singular), "namespaced": .bool(type.namespaced),
                "kind": .string(type.kind), "verbs": .array(type.verbs.map(JSON.string)),
            ]
            if !type.shortNames.isEmpty { resource["shortNames"] = .array(type.shortNames.map(JSON.string)) }
            if !type.categories.isEmpty { resource["categories"] = .array(type.categories.map(JSON.string)) }
            items.append(.object(resource))
            for sub in type.subresources {
                var entry: JSONObject = [
                    "name": .string("\(type.plural)/\(sub.name)"), "singularName": "", "namespaced": .bool(type.namespaced),
                ]
                if sub.group != type.group || sub.version != type.version {
                    entry["group"] = .string(sub.group)
                    entry["version"] = .string(sub.version)
                }
                entry["kind"] = .string(sub.kind)
                entry["verbs"] = .array(sub.verbs.map(JSON.string))
                items.append(.object(entry))
            }
        }
        let body: JSON = ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion),
                          "resources": .array(items)]
        return etagged(body.serialized(), contentType: "application/json", request: request)
    }

    private func aggregatedResponse(_ groups: [(group: String, versions: [(version: String, resources: [ResourceType])])],
                                    version: String, request: APIRequest) -> APIResponse
    {
        let items: [JSON] = groups.map { group in
            let versions: [JSON] = group.versions.map { entry in
                [
                    "version": .string(entry.version),
                    "resources": .array(entry.resources.map(aggregatedResource)),
                    "freshness": "Current",
                ]
            }
            return ["metadata": ["name": .string(group.group), "creationTimestamp": .null], "versions": .array(versions)]
        }
        let body: JSON = ["kind": "APIGroupDiscoveryList", "apiVersion": .string("apidiscovery.k8s.io/\(version)"),
                          "metadata": .object(JSONObject()), "items": .array(items)]
        return etagged(body.serialized(),
                       contentType: "application/json;g=apidiscovery.k8s.io;v=\(version);as=APIGroupDiscoveryList",
                       request: request)
    }

    private func aggregatedResource(_ type: ResourceType) -> JSON {
        var resource: JSONObject = [
            "resource": .string(type.plural),
            "responseKind": ["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)],
            "scope": type.namespaced ? "Namespaced" : "Cluster",
            "singularResource": .string(type.singular),
            "verbs": .array(type.verbs.map(JSON.string)),
        ]
        if !type.shortNames.isEmpty { resource["shortNames"] = .array(type.shortNames.map(JSON.string)) }
        if !type.categories.isEmpty { resource["categories"] = .array(type.categories.map(JSON.string)) }
        if !type.subresources.isEmpty {
            resource["subresources"] = .array(type.subresources.map { sub in
                [
                    "subresource": .string(sub.name),
                    "responseKind": ["group": .string(sub.group), "version": .string(sub.version), "kind": .string(sub.kind)],
                    "verbs": .array(sub.verbs.map(JSON.string)),
                ]
            })
        }
        return .object(resource)
    }

    /// ETags are a hash of the body, so a cached discovery document is revalidated, never wrongly reused.
    private func etagged(_ body: [UInt8], contentType: String, request: APIRequest) -> APIResponse {
        let etag = "\"" + FNV.hash64Hex(body) + "\""
        if request.header("if-none-match") == etag {
            return APIResponse(status: 304, contentType: contentType, headers: [("ETag", etag)], body: .bytes([]))
        }
        return APIResponse(status: 200, contentType: contentType, headers: [("ETag", etag)], body: .bytes(body))
    }

    private func serverAddress(_ request: APIRequest) -> String {
        request.header("host") ?? "127.0.0.1"
    }
}

/// A cheap, stable content hash for ETags.
enum FNV {
    static func hash64Hex(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
