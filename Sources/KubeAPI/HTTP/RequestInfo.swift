/// What a resource path addresses, as kube-apiserver's RequestInfoFactory reads it.
public struct RequestInfo: Sendable, Equatable {
    public var group: String
    public var version: String
    public var namespace: String?
    public var resource: String
    public var name: String?
    public var subresource: String?
    /// get, list, watch, create, update, patch, delete, deletecollection.
    public var verb: String

    /// Parses `/api/v1/...` and `/apis/<group>/<version>/...`; nil for anything that is not a resource path.
    public static func parse(method: String, path: String, watchParam: Bool) -> RequestInfo? {
        var segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let prefix = segments.first else { return nil }
        var info = RequestInfo(group: "", version: "", namespace: nil, resource: "", name: nil, subresource: nil, verb: "")
        switch prefix {
        case "api":
            guard segments.count >= 3 else { return nil }
            info.version = segments[1]
            segments.removeFirst(2)
        case "apis":
            guard segments.count >= 4 else { return nil }
            info.group = segments[1]
            info.version = segments[2]
            segments.removeFirst(3)
        default:
            return nil
        }
        // The deprecated `/watch/` prefix form.
        var isWatch = watchParam
        if segments.first == "watch" {
            isWatch = true
            segments.removeFirst()
            guard !segments.isEmpty else { return nil }
        }
        if segments[0] == "namespaces", segments.count > 2, segments[2] != "status", segments[2] != "finalize" {
            info.namespace = segments[1]
            segments.removeFirst(2)
        }
        guard segments.count <= 3 else { return nil }
        info.resource = segments[0]
        if segments.count >= 2 { info.name = segments[1] }
        if segments.count == 3 { info.subresource = segments[2] }

        switch method {
        case "GET", "HEAD":
            if info.name == nil { info.verb = isWatch ? "watch" : "list" } else { info.verb = isWatch ? "watch" : "get" }
        case "POST": info.verb = "create"
        case "PUT": info.verb = "update"
        case "PATCH": info.verb = "patch"
        case "DELETE": info.verb = info.name == nil ? "deletecollection" : "delete"
        default: info.verb = method.lowercased()
        }
        return info
    }
}
