import KubeJSON

/// Defaults for the smaller core kinds (pkg/apis/core/v1/defaults.go, plus the namespace
/// strategy's create rules and the Secret stringData conversion).
enum CoreDefaults {
    static func applyNamespace(_ ns: inout JSON) {
        let name = ns["metadata"]?.kStr("name") ?? ""
        if !name.isEmpty {
            ns.kEdit("metadata", create: true) { meta in
                meta.kEdit("labels", create: true) { $0["kubernetes.io/metadata.name"] = .string(name) }
            }
        }
        // The namespace controller removes "kubernetes" through the finalize subresource and sends an
        // explicit list, so only a missing list is filled; that is the create case.
        ns.kEdit("spec", create: true) { spec in
            if !spec.kHas("finalizers") { spec["finalizers"] = ["kubernetes"] }
        }
        ns.kEdit("status", create: true) { $0.kDefault("phase", "Active") }
    }

    /// Secret: type Opaque, and stringData folded into data as base64, as conversion does.
    static func applySecret(_ secret: inout JSON) {
        if secret.kStr("type").isEmpty { secret["type"] = "Opaque" }
        guard let stringData = secret.kObject("stringData") else {
            secret["stringData"] = nil
            return
        }
        secret.kEdit("data", create: true) { data in
            for e in stringData.entries {
                data[e.key] = .string(SecretBase64.encode(Array((e.value.stringValue ?? "").utf8)))
            }
        }
        secret["stringData"] = nil
    }

    static func applyNode(_ node: inout JSON) {
        node.kEdit("spec") { spec in
            let cidr = spec.kStr("podCIDR")
            if !cidr.isEmpty && spec.kArray("podCIDRs").isEmpty {
                spec["podCIDRs"] = [.string(cidr)]
            } else if cidr.isEmpty, let first = spec.kArray("podCIDRs").first {
                spec["podCIDR"] = first
            }
        }
        node.kEdit("status") { status in
            status.kEdit("capacity") { PodDefaults.canonicalizeResourceList(&$0) }
            status.kEdit("allocatable") { PodDefaults.canonicalizeResourceList(&$0) }
            if !status.kHas("allocatable"), let capacity = status["capacity"] {
                status["allocatable"] = capacity
            }
        }
    }

    static func applyLimitRange(_ lr: inout JSON) {
        lr.kEdit("spec") { spec in
            spec.kEachElement("limits") { item, _ in
                for key in ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"] {
                    item.kEdit(key) { PodDefaults.canonicalizeResourceList(&$0) }
                }
                guard item.kStr("type") == "Container" else { return }
                // Default limit from max, default request from the default limit, then from min.
                var defaults = item.kObject("default") ?? JSONObject()
                var requests = item.kObject("defaultRequest") ?? JSONObject()
                for e in item.kObject("max")?.entries ?? [] where defaults[e.key] == nil { defaults[e.key] = e.value }
                for e in defaults.entries where requests[e.key] == nil { requests[e.key] = e.value }
                for e in item.kObject("min")?.entries ?? [] where requests[e.key] == nil { requests[e.key] = e.value }
                if !defaults.isEmpty { item["default"] = .object(defaults) }
                if !requests.isEmpty { item["defaultRequest"] = .object(requests) }
            }
        }
    }

    static func applyResourceQuota(_ quota: inout JSON) {
        quota.kEdit("spec") { spec in spec.kEdit("hard") { PodDefaults.canonicalizeResourceList(&$0) } }
        quota.kEdit("status") { status in
            status.kEdit("hard") { PodDefaults.canonicalizeResourceList(&$0) }
            status.kEdit("used") { PodDefaults.canonicalizeResourceList(&$0) }
        }
    }

    static func applyEndpoints(_ ep: inout JSON) {
        ep.kEachElement("subsets") { subset, _ in
            subset.kEachElement("ports") { p, _ in p.kDefault("protocol", "TCP") }
        }
    }
}

/// Standard base64 with padding, as Go's encoding/json uses for []byte fields.
enum SecretBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], 61, 61]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], 61]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The decoded bytes, or the offset of the first bad input byte, worded as Go reports it.
    static func decode(_ text: String) -> Result<[UInt8], SecretBase64Error> {
        var values: [UInt8] = []
        var padding = 0
        var offset = 0
        for c in text.utf8 {
            defer { offset += 1 }
            if c == 10 || c == 13 { continue }
            if c == 61 {
                padding += 1
                continue
            }
            guard padding == 0, let v = decodeChar(c) else { return .failure(SecretBase64Error(offset: offset)) }
            values.append(v)
        }
        let total = values.count + padding
        guard total % 4 == 0, padding <= 2, !(padding > 0 && values.count % 4 + padding != 4) else {
            return .failure(SecretBase64Error(offset: max(0, offset - padding)))
        }
        var out: [UInt8] = []
        var i = 0
        while i < values.count {
            let chunk = values[i..<min(i + 4, values.count)]
            var n: UInt32 = 0
            for (k, v) in chunk.enumerated() { n |= UInt32(v) << (18 - 6 * k) }
            out.append(UInt8(n >> 16 & 255))
            if chunk.count > 2 { out.append(UInt8(n >> 8 & 255)) }
            if chunk.count > 3 { out.append(UInt8(n & 255)) }
            i += 4
        }
        return .success(out)
    }

    private static func decodeChar(_ c: UInt8) -> UInt8? {
        switch c {
        case 65...90: return c - 65
        case 97...122: return c - 71
        case 48...57: return c + 4
        case 43: return 62
        case 47: return 63
        default: return nil
        }
    }
}

struct SecretBase64Error: Error {
    var offset: Int
    var message: String { "illegal base64 data at input byte \(offset)" }
}
