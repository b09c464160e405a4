import Crypto
import Foundation
import SwiftASN1
import X509

/// The development PKI generated on first start (or by `k8s-simulator certs`): a CA, a serving certificate for
/// 127.0.0.1/localhost (plus `--tls-san` names), and an admin client certificate (CN admin, O system:masters).
/// Keys are P-256 in PKCS#8 PEM, which NIOSSL, OpenSSL and kubectl all accept.
public struct DevelopmentPKI: Sendable {
    public var directory: String

    public init(directory: String) { self.directory = directory }

    /// The PEM texts of everything the PKI holds.
    public struct Materials: Sendable {
        public var caCertificate: String
        public var caKey: String
        public var servingCertificate: String
        public var servingKey: String
        public var adminCertificate: String
        public var adminKey: String
    }

    /// Generates a complete PKI without touching the disk (for `--in-memory`).
    public static func generate(extraSANs: [String]) throws -> Materials {
        let scratch = DevelopmentPKI(directory: "")
        return try scratch.build(extraSANs: extraSANs, existingCA: nil)
    }

    /// Loads the PKI from the directory, creating what is missing.
    public func load(extraSANs: [String]) throws -> Materials {
        try ensure(extraSANs: extraSANs)
        return try read()
    }

    /// Reads the PKI as it is on disk, changing nothing.
    public func read() throws -> Materials {
        func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
        return Materials(caCertificate: try read(caCertificate), caKey: try read(caKey),
                         servingCertificate: try read(servingCertificate), servingKey: try read(servingKey),
                         adminCertificate: try read(adminCertificate), adminKey: try read(adminKey))
    }

    public var caCertificate: String { directory + "/ca.crt" }
    public var caKey: String { directory + "/ca.key" }
    public var servingCertificate: String { directory + "/apiserver.crt" }
    public var servingKey: String { directory + "/apiserver.key" }
    public var adminCertificate: String { directory + "/admin.crt" }
    public var adminKey: String { directory + "/admin.key" }

    public var exists: Bool {
        [caCertificate, caKey, servingCertificate, servingKey, adminCertificate, adminKey]
            .allSatisfy { FileManager.default.fileExists(atPath: $0) }
    }

    /// Creates whatever is missing. An existing CA is kept, so issued client certificates stay valid; the serving
    /// certificate is reissued when the requested SANs change.
    public func ensure(extraSANs: [String]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let sansFile = directory + "/apiserver.sans"
        let sans = (["127.0.0.1", "localhost"] + extraSANs).joined(separator: ",")
        if exists, (try? String(contentsOfFile: sansFile, encoding: .utf8)) == sans { return }
        var existingCA: (String, String)?
        if FileManager.default.fileExists(atPath: caCertificate), FileManager.default.fileExists(atPath: caKey) {
            existingCA = (try String(contentsOfFile: caCertificate, encoding: .utf8), try String(contentsOfFile: caKey, encoding: .utf8))
        }
        let materials = try build(extraSANs: extraSANs, existingCA: existingCA)
        try write(materials.caKey, to: caKey, secret: true)
        try write(materials.caCertificate, to: caCertificate)
        try write(materials.servingKey, to: servingKey, secret: true)
        try write(materials.servingCertificate, to: servingCertificate)
        if !FileManager.default.fileExists(atPath: adminCertificate) || existingCA == nil {
            try write(materials.adminKey, to: adminKey, secret: true)
            try write(materials.adminCertificate, to: adminCertificate)
        }
        try write(sans, to: sansFile)
    }

    private func build(extraSANs: [String], existingCA: (certificate: String, key: String)?) throws -> Materials {
        let caKeyValue: P256.Signing.PrivateKey
        let ca: Certificate
        if let existingCA {
            caKeyValue = try P256.Signing.PrivateKey(pemRepresentation: existingCA.key)
            ca = try Certificate(pemEncoded: existingCA.certificate)
        } else {
            caKeyValue = P256.Signing.PrivateKey()
            let name = try DistinguishedName { CommonName("k8s-simulator-ca") }
            ca = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(caKeyValue.publicKey),
                notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(10 * 365 * 86400),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                },
                issuerPrivateKey: .init(caKeyValue))
        }
        let servingKeyValue = P256.Signing.PrivateKey()
        var names: [GeneralName] = []
        for san in ["127.0.0.1", "localhost"] + extraSANs {
            if let ip = Self.ipv4Bytes(san) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(ip))))
            } else {
                names.append(.dnsName(san))
            }
        }
        let serving = try issue(subject: try DistinguishedName { CommonName("kube-apiserver") },
                                publicKey: servingKeyValue.publicKey, usage: .serverAuth, sans: names, ca: ca, caKey: caKeyValue)
        let adminKeyValue = P256.Signing.PrivateKey()
        let adminSubject = try DistinguishedName {
            OrganizationName("system:masters")
            CommonName("admin")
        }
        let admin = try issue(subject: adminSubject, publicKey: adminKeyValue.publicKey, usage: .clientAuth, sans: [],
                              ca: ca, caKey: caKeyValue)
        return Materials(caCertificate: try ca.serializeAsPEM().pemString, caKey: caKeyValue.pemRepresentation,
                         servingCertificate: try serving.serializeAsPEM().pemString, servingKey: servingKeyValue.pemRepresentation,
                         adminCertificate: try admin.serializeAsPEM().pemString, adminKey: adminKeyValue.pemRepresentation)
    }

    private func issue(subject: DistinguishedName, publicKey: P256.Signing.PublicKey, usage: ExtendedKeyUsage.Usage,
                       sans: [GeneralName], ca: Certificate, caKey: P256.Signing.PrivateKey) throws -> Certificate
    {
        try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(2 * 365 * 86400),
            issuer: ca.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([usage])
                if !sans.isEmpty { SubjectAlternativeNames(sans) }
            },
            issuerPrivateKey: .init(caKey))
    }

    private func write(_ text: String, to path: String, secret: Bool = false) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        if secret { chmod(path, 0o600) }
    }

    static func ipv4Bytes(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { UInt8($0) }
        return bytes.count == 4 ? bytes : nil
    }
}
