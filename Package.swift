// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "k8s-simulator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "k8s-simulator", targets: ["k8s-simulator"]),
        .executable(name: "k8s-simulator-bench", targets: ["k8s-simulator-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
    ],
    targets: [
        // Byte-level JSON value, parser and serializer: the hot path of every request.
        .target(name: "KubeJSON"),
        // The revisioned object store (SQLite today) and the watch hub.
        .target(name: "KubeStore", dependencies: [
            "KubeJSON",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Kubernetes API semantics: registry, strategies, handlers, selectors, patches.
        .target(name: "KubeAPI", dependencies: [
            "KubeJSON", "KubeStore",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The simulated cluster: clock, controllers, scheduler, kubelets, all clients of the API layer.
        .target(name: "ClusterSim", dependencies: [
            "KubeAPI", "KubeStore", "KubeJSON",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Metric model, SLA and incidents, derived from the cluster read through the API like any client.
        .target(name: "Monitoring", dependencies: ["KubeAPI", "KubeJSON", "KubeStore", "ClusterSim"]),
        // The ECP-AI endpoints: manifests deployed and listed through the Kubernetes API layer.
        .target(name: "ECPCompat", dependencies: ["KubeAPI", "KubeJSON", "KubeStore", "ClusterSim"]),
        // Listeners and wiring.
        .target(name: "SimulatorServer", dependencies: [
            "KubeAPI", "KubeStore", "KubeJSON", "ClusterSim", "Monitoring", "ECPCompat",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "k8s-simulator", dependencies: [
            "SimulatorServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Load generator (docs/benchmarks.md): blocking sockets; NIOSSL, driven on the client's own thread, for https.
        .executableTarget(name: "k8s-simulator-bench", dependencies: [
            "KubeJSON",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ], path: "Benchmarks"),
        .testTarget(name: "KubeJSONTests", dependencies: ["KubeJSON"]),
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI", "KubeJSON"]),
        .testTarget(name: "ECPCompatTests", dependencies: ["ECPCompat", "ClusterSim", "KubeAPI", "KubeJSON"]),
        .testTarget(name: "MonitoringTests", dependencies: ["Monitoring", "ClusterSim", "KubeAPI", "KubeJSON", "KubeStore"]),
        .testTarget(name: "ClusterSimTests", dependencies: ["ClusterSim", "KubeAPI", "KubeStore", "KubeJSON"]),
        // Drives the real binary over HTTP (and kubectl), so it depends on the executable being built.
        .testTarget(name: "SimulatorServerTests", dependencies: ["KubeJSON", "k8s-simulator"]),
    ],
    swiftLanguageModes: [.v6]
)
