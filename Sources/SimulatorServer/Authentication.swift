import Foundation
import KubeAPI
import NIOCore
import NIOSSL
import X509

/// Who a request on the TLS port is: the client certificate (CN = user, O = groups) or a bearer token from the
/// `--token-auth-file`; anyone else is anonymous and gets 401.
public struct Authenticator: Sendable {
    /// token → user, from kube-apiserver's static token CSV (`token,user,uid,"group1,group2"`).
    let tokens: [String: UserInfo]

    public init(tokens: [String: UserInfo] = [:]) { self.tokens = tokens }

    public static func load(tokenFile path: String?) throws -> Authenticator {
        guard let path else { return Authenticator() }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var tokens: [String: UserInfo] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = parseCSVLine(String(line))
            guard fields.count >= 3, !fields[0].isEmpty, !fields[0].hasPrefix("#") else { continue }
            let groups = fields.count > 3 ? fields[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : []
            tokens[fields[0]] = UserInfo(name: fields[1], groups: groups + ["system:authenticated"])
        }
        return Authenticator(tokens: tokens)
    }

    static func parseCSVLine(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for character in line {
            switch character {
            case "\"": quoted.toggle()
            case "," where !quoted:
                fields.append(current)
                current = ""
            default: current.append(character)
            }
        }
        fields.append(current)
        return fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func authenticate(authorization: String?, peerCertificate: NIOSSLCertificate?) -> UserInfo? {
        if let peerCertificate, let user = Self.user(from: peerCertificate) { return user }
        if let authorization, authorization.hasPrefix("Bearer ") {
            return tokens[String(authorization.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)]
        }
        return nil
    }

    static func user(from certificate: NIOSSLCertificate) -> UserInfo? {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        var name: String?
        var groups: [String] = []
        for rdn in parsed.subject {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName { name = attribute.value.description }
                if attribute.type == .RDNAttributeType.organizationName { groups.append(attribute.value.description) }
            }
        }
        guard let name, !name.isEmpty else { return nil }
        return UserInfo(name: name, groups: groups + ["system:authenticated"])
    }
}
