import Foundation
import KubeJSON
import XCTest

/// `ws://…/ws/monitoring[/{tenant}]` on the main and the monitoring port.
final class MonitoringStreamTests: XCTestCase {
    func testStreamsMonitoringUpdatesPerTenantOnBothPorts() throws {
        let monitoringPort = SimulatorProcess.freePort()
        let server = try SimulatorProcess(cluster: true, extraArguments: ["--in-memory", "--time-scale", "20",
                                                                         "--monitoring-port", String(monitoringPort)])
        defer { server.stop() }
        let manifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: stt-engine}
            spec:
              replicas: 1
              selector: {matchLabels: {app: stt-engine}}
              template:
                metadata: {labels: {app: stt-engine}}
                spec:
                  containers: [{name: stt, image: "ecp/stt:1.0", resources: {requests: {cpu: 500m, memory: 1Gi}}}]
            """
        let deploy = try server.request("POST", "/k8s/manifest/deploy",
                                        json: ["manifest": .string(manifest), "tenant_id": "tenant-ws", "deployment_mode": "demo"])
        XCTAssertEqual(deploy.json["status"], "completed", deploy.text)

        let tenant = try WebSocketClient(port: server.port, path: "/ws/monitoring/tenant-ws?interval=0.2")
        XCTAssertEqual(tenant.handshakeStatus, 101)
        XCTAssertEqual(tenant.handshakeHeaders["upgrade"]?.lowercased(), "websocket")
        var timestamps: [String] = []
        var requestRates: [Double] = []
        for _ in 0..<4 {
            let update = try tenant.nextJSON()
            XCTAssertEqual(update["type"], "monitoring_update")
            XCTAssertEqual(update["tenant_id"], "tenant-ws")
            let services = update[path: "data", "services"]?.objectValue
            XCTAssertEqual(services.map { Array($0.keys) }, ["stt-engine"], "only the tenant's services")
            XCTAssertEqual(update["timestamp"], update[path: "data", "timestamp"])
            timestamps.append(update["timestamp"]?.stringValue ?? "")
            requestRates.append(update[path: "data", "services", "stt-engine", "network", "requests_per_second"]?.doubleValue ?? -1)
        }
        XCTAssertEqual(Set(timestamps).count, timestamps.count, "each update is a fresh reading: \(timestamps)")
        XCTAssertTrue(requestRates.allSatisfy { $0 > 0 }, "\(requestRates)")
        try tenant.close()

        // The whole cluster on the monitoring port, with the control plane.
        let cluster = try WebSocketClient(port: monitoringPort, path: "/ws/monitoring")
        XCTAssertEqual(cluster.handshakeStatus, 101)
        let first = try cluster.nextJSON()
        XCTAssertEqual(first["tenant_id"], .null)
        XCTAssertNotNil(first[path: "data", "services", "kube-apiserver"])
        XCTAssertNotNil(first[path: "data", "services", "stt-engine"])
        XCTAssertNotNil(first[path: "data", "summary", "sla_percentage"]?.doubleValue)

        // A tenant that has deployed nothing yet gets the HTTP endpoint's error document, and the stream stays open.
        let unknown = try WebSocketClient(port: server.port, path: "/ws/monitoring/nobody?interval=0.1")
        for _ in 0..<2 {
            let update = try unknown.nextJSON()
            XCTAssertEqual(update[path: "data", "status"], "error")
            XCTAssertEqual(update[path: "data", "message"], "tenant not found")
        }

        // Without an upgrade, or with a bad interval, the path answers in ECP-AI's error shape.
        let plain = try server.request("GET", "/ws/monitoring")
        XCTAssertEqual(plain.status, 426, plain.text)
        XCTAssertEqual(plain.json["status"], "error")
        let badInterval = try WebSocketClient(port: server.port, path: "/ws/monitoring?interval=never")
        XCTAssertEqual(badInterval.handshakeStatus, 400)
    }

    /// A client that stops reading fills its socket buffers, then is cut off; a reading client meanwhile keeps
    /// getting its updates on time.
    func testStalledClientIsDroppedWithoutDelayingOthers() throws {
        let monitoringPort = SimulatorProcess.freePort()
        let server = try SimulatorProcess(cluster: true, extraArguments: [
            "--in-memory", "--time-scale", "20", "--monitoring-port", String(monitoringPort),
            "--websocket-stall-timeout", "4",
        ])
        defer { server.stop() }
        let stalled = try WebSocketClient(port: server.port, path: "/ws/monitoring?interval=0.01", receiveBuffer: 4096)
        XCTAssertEqual(stalled.handshakeStatus, 101)
        let reader = try WebSocketClient(port: server.port, path: "/ws/monitoring?interval=0.25")
        XCTAssertEqual(reader.handshakeStatus, 101)

        var dropped = false
        var received = 0
        var longestGap = 0.0
        var last = Date()
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            _ = try reader.nextJSON(timeout: 5)
            received += 1
            longestGap = max(longestGap, Date().timeIntervalSince(last))
            last = Date()
            guard received % 8 == 0 else { continue }
            let connection = try TestConnection(port: monitoringPort)
            try connection.send("GET", "/metrics")
            let metrics = try connection.readResponse().text
            if metrics.contains("k8s_simulator_websocket_connections 1\n") {
                dropped = true
                break
            }
            XCTAssertTrue(metrics.contains("k8s_simulator_websocket_connections 2\n"), metrics)
        }
        XCTAssertTrue(dropped, "the stalled client was never dropped")
        // Had the reader waited behind the stalled client, it would have missed updates for the 4 s stall limit.
        XCTAssertLessThan(longestGap, 2, "the reading client waited on the stalled one")
        // The stalled socket was closed by the server: once its buffered messages are read, it ends.
        XCTAssertThrowsError(try { while true { _ = try stalled.nextText(timeout: 5) } }()) { error in
            XCTAssertTrue(["connection closed", "connection reset"].contains("\(error)"), "\(error)")
        }
        // And the reader still streams.
        XCTAssertEqual(try reader.nextJSON()["type"], "monitoring_update")
    }
}
