import Synchronization

/// IPv4 arithmetic for pod and node addresses.
enum KubeletIPv4 {
    static func parse(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let octet = UInt32(part), octet < 256 else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    static func format(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }

    /// The network address and prefix length of `10.244.1.0/24`.
    static func parseCIDR(_ cidr: String) -> (base: UInt32, prefix: Int)? {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let address = parse(String(parts[0])), let prefix = Int(parts[1]),
              (8...30).contains(prefix) else { return nil }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
        return (address & mask, prefix)
    }

    /// Host addresses a CNI's host-local IPAM hands to pods: the first is the bridge gateway, the last the
    /// broadcast address, so a /24 gives .2 to .254.
    static func podRange(_ cidr: String) -> ClosedRange<UInt32>? {
        guard let (base, prefix) = parseCIDR(cidr) else { return nil }
        let size = UInt32(1) << UInt32(32 - prefix)
        return (base + 2)...(base + size - 2)
    }

    /// A stand-in pod CIDR for a node nobody gave one (a Node created by hand): 10.250-253.x.0/24 by name.
    static func fallbackCIDR(node: String, random: SeededRandom) -> String {
        let index = Int(random.hash("node/\(node)/fallback-cidr") % 1024)
        return "10.\(250 + index / 256).\(index % 256).0/24"
    }
}

/// Pod IPs per node, as the CNI's host-local IPAM hands them out: round-robin through the node's pod CIDR
/// so a freed address is not reused at once, unique on the node, released when the pod's sandbox goes.
final class KubeletAddressBook: Sendable {
    private struct NodeAddresses {
        var owner: [UInt32: String] = [:]
        var last: UInt32?
    }

    private struct State {
        var nodes: [String: NodeAddresses] = [:]
        /// pod key → (node, address)
        var pods: [String: (node: String, address: UInt32)] = [:]

        mutating func drop(pod: String) {
            guard let held = pods.removeValue(forKey: pod) else { return }
            nodes[held.node]?.owner[held.address] = nil
        }

        mutating func assign(pod: String, node: String, address: UInt32) {
            drop(pod: pod)
            var entry = nodes[node] ?? NodeAddresses()
            entry.owner[address] = pod
            entry.last = address
            nodes[node] = entry
            pods[pod] = (node, address)
        }
    }

    private let state = Mutex(State())

    init() {}

    /// Records an address a pod already holds (after a restart of the simulation).
    func reserve(node: String, pod: String, address: String) {
        guard let value = KubeletIPv4.parse(address) else { return }
        state.withLock { state in
            if let held = state.pods[pod], held.node == node, held.address == value { return }
            guard state.nodes[node]?.owner[value] == nil else { return }
            let last = state.nodes[node]?.last
            state.assign(pod: pod, node: node, address: value)
            // Keep the round-robin cursor where it was, unless this address lies beyond it.
            if let last, last > value { state.nodes[node]?.last = last }
        }
    }

    /// The pod's address on the node: the one it holds, or the next free one in `cidr` (nil when exhausted).
    func allocate(node: String, pod: String, cidr: String) -> String? {
        guard let range = KubeletIPv4.podRange(cidr) else { return nil }
        return state.withLock { state -> String? in
            if let held = state.pods[pod], held.node == node { return KubeletIPv4.format(held.address) }
            let entry = state.nodes[node] ?? NodeAddresses()
            let count = Int(range.upperBound - range.lowerBound) + 1
            guard entry.owner.count < count else { return nil }
            var candidate = entry.last.map { $0 >= range.upperBound || $0 < range.lowerBound ? range.lowerBound : $0 + 1 }
                ?? range.lowerBound
            for _ in 0..<count {
                if entry.owner[candidate] == nil {
                    state.assign(pod: pod, node: node, address: candidate)
                    return KubeletIPv4.format(candidate)
                }
                candidate = candidate >= range.upperBound ? range.lowerBound : candidate + 1
            }
            return nil
        }
    }

    /// Releases the pod's address on whichever node holds it.
    func release(pod: String) {
        state.withLock { $0.drop(pod: pod) }
    }

    func inUse(node: String) -> Int {
        state.withLock { $0.nodes[node]?.owner.count ?? 0 }
    }
}
