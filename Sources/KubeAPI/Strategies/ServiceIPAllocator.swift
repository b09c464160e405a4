import KubeJSON
import Synchronization

/// Cluster IPs from 10.96.0.0/12 and node ports from 30000-32767, as kube-apiserver's allocators hand them out.
/// What is in use is read from the stored Services; only allocations not yet committed are remembered here.
final class ServiceIPAllocator: Sendable {
    static let base: UInt32 = 10 << 24 | 96 << 16
    static let size: UInt32 = 1 << 20
    private let state = Mutex<(nextIP: UInt32, nextPort: Int, pending: Set<String>)>((10, 30000, []))

    static func format(_ ip: UInt32) -> String {
        "\(ip >> 24).\(ip >> 16 & 255).\(ip >> 8 & 255).\(ip & 255)"
    }

    static func parse(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".").compactMap { UInt32($0) }
        guard parts.count == 4, parts.allSatisfy({ $0 < 256 }) else { return nil }
        return parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]
    }

    func allocate(_ service: inout JSON, old: JSON?, existing: () -> [JSON]) throws(APIError) {
        let type = service[path: "spec", "type"]?.stringValue ?? "ClusterIP"
        if type == "ExternalName" { return }
        let oldIP = old?[path: "spec", "clusterIP"]?.stringValue
        var requested = service[path: "spec", "clusterIP"]?.stringValue ?? ""
        if let oldIP, requested.isEmpty { requested = oldIP }
        var inUse: Set<String> = []
        var portsInUse: Set<Int64> = []
        if requested.isEmpty || type == "NodePort" || type == "LoadBalancer" {
            for other in existing() where other[path: "metadata", "uid"] != service[path: "metadata", "uid"] {
                if let ip = other[path: "spec", "clusterIP"]?.stringValue { inUse.insert(ip) }
                for port in other[path: "spec", "ports"]?.arrayValue ?? [] {
                    if let nodePort = port["nodePort"]?.intValue { portsInUse.insert(nodePort) }
                }
            }
        }
        if requested.isEmpty {
            let ip: String = state.withLock { state in
                for _ in 0..<Self.size {
                    let candidate = Self.format(Self.base + state.nextIP)
                    state.nextIP = state.nextIP + 1 >= Self.size - 1 ? 10 : state.nextIP + 1
                    if !inUse.contains(candidate) && !state.pending.contains(candidate) {
                        state.pending.insert(candidate)
                        return candidate
                    }
                }
                return ""
            }
            guard !ip.isEmpty else {
                throw APIError(code: 500, reason: "InternalError", message: "Internal error occurred: failed to allocate a serviceIP: range is full")
            }
            requested = ip
        }
        service[path: "spec", "clusterIP"] = .string(requested)
        if requested != "None", service[path: "spec", "clusterIPs"] == nil || oldIP == nil {
            service[path: "spec", "clusterIPs"] = [.string(requested)]
        }
        guard type == "NodePort" || type == "LoadBalancer", var ports = service[path: "spec", "ports"]?.arrayValue else { return }
        for i in ports.indices where ports[i]["nodePort"] == nil {
            let port: Int = state.withLock { state in
                for _ in 0..<2768 {
                    let candidate = state.nextPort
                    state.nextPort = candidate >= 32767 ? 30000 : candidate + 1
                    if !portsInUse.contains(Int64(candidate)) && !state.pending.contains("port:\(candidate)") {
                        state.pending.insert("port:\(candidate)")
                        return candidate
                    }
                }
                return 0
            }
            ports[i]["nodePort"] = .int(Int64(port))
        }
        service[path: "spec", "ports"] = .array(ports)
    }

    /// Forgets in-flight allocations once the service is gone.
    func release(_ service: JSON) {
        state.withLock { state in
            if let ip = service[path: "spec", "clusterIP"]?.stringValue { state.pending.remove(ip) }
            for port in service[path: "spec", "ports"]?.arrayValue ?? [] {
                if let nodePort = port["nodePort"]?.intValue { state.pending.remove("port:\(nodePort)") }
            }
        }
    }
}
