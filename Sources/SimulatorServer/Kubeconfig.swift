import Foundation

/// kubeconfig files for the simulator: the admin identity over TLS, or no identity over the plain port.
public enum Kubeconfig {
    public static func secure(server: String, pki: DevelopmentPKI.Materials) -> String {
        func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: k8s-simulator
              cluster:
                server: \(server)
                certificate-authority-data: \(b64(pki.caCertificate))
            users:
            - name: admin
              user:
                client-certificate-data: \(b64(pki.adminCertificate))
                client-key-data: \(b64(pki.adminKey))
            contexts:
            - name: k8s-simulator
              context:
                cluster: k8s-simulator
                user: admin
                namespace: default
            current-context: k8s-simulator

            """
    }

    public static func insecure(server: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: k8s-simulator
          cluster:
            server: \(server)
        users:
        - name: anonymous
          user: {}
        contexts:
        - name: k8s-simulator
          context:
            cluster: k8s-simulator
            user: anonymous
            namespace: default
        current-context: k8s-simulator

        """
    }

    /// Where `serve` records its listeners, so `k8s-simulator kubeconfig` can find them later.
    public struct Endpoints: Codable, Sendable {
        public var bindAddress: String
        public var port: Int
        public var securePort: Int

        public init(bindAddress: String, port: Int, securePort: Int) {
            self.bindAddress = bindAddress
            self.port = port
            self.securePort = securePort
        }
    }

    public static func endpointsPath(dataDirectory: String) -> String { dataDirectory + "/endpoints.json" }

    /// The host clients should dial: a wildcard bind is reached on loopback.
    public static func host(_ bindAddress: String) -> String {
        bindAddress == "0.0.0.0" || bindAddress == "::" ? "127.0.0.1" : bindAddress
    }
}
