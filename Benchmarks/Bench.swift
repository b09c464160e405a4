import Foundation
import KubeJSON

/// One benchmark run: where the server is, what has been created so far, and the rows of the report.
/// Used from the main thread only; client threads get copies of what they need.
final class Bench {
    let options: Options
    let endpoint: Endpoint
    let probe: ServerProbe
    let runID: String
    let namespace: String
    let payload: String
    /// ConfigMaps made by `create` (or by the setup of a later scenario), with their latest resourceVersions.
    var fixtureNames: [String] = []
    var fixtureVersions: [String] = []
    var ceilingRate: Double?
    var rows: [ResultRow] = []
    var namespaces: [String] = []

    init(options: Options, endpoint: Endpoint, serverPID: Int32?) {
        self.options = options
        self.endpoint = endpoint
        probe = ServerProbe(pid: serverPID)
        runID = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        namespace = "\(options.namespacePrefix)-\(runID)"
        payload = Bench.makePayload(options.payloadBytes)
    }

    /// Letters and digits, so the value needs no escaping and is the same size on the wire as in the store.
    static func makePayload(_ count: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes.append(alphabet[Int((state >> 33) % UInt64(alphabet.count))])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func record(_ row: ResultRow) {
        rows.append(row)
        var line = "  \(row.scenario): \(row.statusText)"
        if let rate = row.opsPerSecond { line += ", \(Format.rate(rate)) ops/s" }
        if let latency = row.latency {
            line += ", p50 \(Format.duration(Double(latency.p50))) p99 \(Format.duration(Double(latency.p99)))"
        }
        if case .notAvailable(let why) = row.status { line += ": \(why)" }
        if case .failed(let why) = row.status { line += ": \(why)" }
        if let error = row.firstError { line += " (first error: \(error))" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    func log(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    // MARK: Objects

    static func configMapBody(name: String, namespace: String, run: String, payload: String,
                              resourceVersion: String? = nil) -> [UInt8] {
        let version = resourceVersion.map { ",\"resourceVersion\":\"\($0)\"" } ?? ""
        return Array(("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"\(name)\","
            + "\"namespace\":\"\(namespace)\",\"labels\":{\"k8s-bench\":\"\(run)\"}\(version)},"
            + "\"data\":{\"payload\":\"\(payload)\"}}").utf8)
    }

    /// A pod nothing will schedule: its scheduler does not exist, so a running simulation leaves it Pending
    /// and the list measures the store alone.
    static func podBody(name: String, namespace: String, run: String) -> [UInt8] {
        Array(("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"\(name)\",\"namespace\":"
            + "\"\(namespace)\",\"labels\":{\"k8s-bench\":\"\(run)\",\"app\":\"list\"}},\"spec\":{\"schedulerName\":"
            + "\"k8s-simulator-bench-none\",\"containers\":[{\"name\":\"app\",\"image\":\"registry.k8s.io/pause:3.9\","
            + "\"resources\":{\"requests\":{\"cpu\":\"10m\",\"memory\":\"16Mi\"}}}]}}").utf8)
    }

    static func configMapsPath(_ namespace: String) -> String { "/api/v1/namespaces/\(namespace)/configmaps" }

    /// Creates a namespace for this run (and remembers it for the clean-up); one that exists is fine.
    func ensureNamespace(_ name: String, on target: Endpoint? = nil) throws {
        let connection = HTTPConnection(target ?? endpoint)
        let body = Array("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"\(name)\"}}".utf8)
        let response = try connection.request("POST", "/api/v1/namespaces", body: body)
        guard response.ok || response.status == 409 else {
            throw HTTPError("cannot create namespace \(name): \(Bench.describe(response))")
        }
        if target == nil, !namespaces.contains(name) { namespaces.append(name) }
    }

    /// Deletes the run's namespaces; the server (or its namespace controller) removes what is inside.
    func cleanUp() {
        guard !options.keep else { return }
        let connection = HTTPConnection(endpoint)
        for name in namespaces {
            _ = try? connection.request("DELETE", "/api/v1/namespaces/\(name)")
        }
    }

    // MARK: Responses

    /// nil when the status is one of `expected`, else a short description for the report.
    static func check(_ response: HTTPResponse, _ expected: ClosedRange<Int> = 200...201) -> String? {
        expected.contains(response.status) ? nil : describe(response)
    }

    static func describe(_ response: HTTPResponse) -> String {
        var text = "HTTP \(response.status)"
        if let json = try? JSONParser.parse(response.body), let message = json["message"]?.stringValue {
            text += ": " + message
        } else if !response.body.isEmpty {
            text += ": " + String(response.bodyText.prefix(160))
        }
        return text
    }

    /// The first `"key":"value"` string in a response, found by scanning bytes: for the resourceVersion of
    /// an object just written, whose metadata comes before any data, parsing the whole body would make the
    /// client, not the server, the bottleneck.
    static func scanString(_ key: StaticString, in bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { scanString(key, in: $0) }
    }

    static func scanString(_ key: StaticString, in hay: UnsafeBufferPointer<UInt8>) -> String? {
        let needle = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        let count = needle.count
        guard hay.count > count, let first = needle.first else { return nil }
        var i = 0
        while i + count <= hay.count {
            if hay[i] == first {
                var matched = true
                for j in 1..<count where hay[i + j] != needle[j] { matched = false; break }
                if matched {
                    let valueStart = i + count
                    var end = valueStart
                    while end < hay.count, hay[end] != UInt8(ascii: "\"") { end += 1 }
                    guard end < hay.count else { return nil }
                    return String(decoding: UnsafeBufferPointer(rebasing: hay[valueStart..<end]), as: UTF8.self)
                }
            }
            i += 1
        }
        return nil
    }

    static func resourceVersion(of bytes: [UInt8]) -> String? {
        scanString("\"resourceVersion\":\"", in: bytes)
    }
}

// MARK: - Closed-loop load

/// One operation of a client: `step` counts from 0, `state` is the client's own (the resourceVersions of
/// the objects it owns). Returns an error description, or nil on success.
typealias Operation = @Sendable (_ client: Int, _ step: Int, _ connection: HTTPConnection,
                                 _ state: inout [String]) throws -> String?

struct LoadOutcome: Sendable {
    var samples: [UInt64] = []
    var operations = 0
    var errors = 0
    var firstError: String?
    var seconds = 0.0
    var states: [[String]] = []
    var reconnects = 0
    var cpuPerOpNanos: Double?
    var clientCPUPerOpNanos: Double?
    var peakRSS: Int?
    var rss: Int?
}

private struct ClientOutcome: Sendable {
    var samples: [UInt64] = []
    var errors = 0
    var firstError: String?
    var state: [String]
    var reconnects = 0
}

extension Bench {
    /// `clients` threads, each on its own keep-alive connection, run `steps(client)` operations back to back.
    /// All connect before the clock starts; server CPU is sampled around the timed part only.
    func runLoad(clients: Int, on target: Endpoint? = nil, steps: @escaping @Sendable (Int) -> Int,
                 state: @escaping @Sendable (Int) -> [String] = { _ in [] },
                 warmup: (@Sendable (HTTPConnection) -> Void)? = nil,
                 operation: @escaping Operation) -> LoadOutcome {
        let gate = StartGate(parties: clients)
        let endpoint = target ?? self.endpoint
        let group = startThreads(clients) { client -> ClientOutcome in
            var outcome = ClientOutcome(state: state(client))
            let connection = HTTPConnection(endpoint)
            var setupError: String?
            do {
                try connection.connect()
                warmup?(connection)
            } catch {
                setupError = "\(error)"
            }
            let count = steps(client)
            outcome.samples.reserveCapacity(count)
            gate.arriveAndWait()
            if let setupError {
                outcome.errors = count
                outcome.firstError = setupError
                return outcome
            }
            for step in 0..<count {
                let started = monotonicNanos()
                var failure: String?
                do {
                    failure = try operation(client, step, connection, &outcome.state)
                } catch {
                    failure = "\(error)"
                }
                outcome.samples.append(monotonicNanos() - started)
                if let failure {
                    outcome.errors += 1
                    if outcome.firstError == nil { outcome.firstError = failure }
                }
            }
            outcome.reconnects = connection.reconnects
            return outcome
        }
        gate.waitForAll()
        let before = probe.start()
        let clientBefore = clientCPUNanos()
        let started = monotonicNanos()
        gate.release()
        let outcomes = group.join()
        let elapsed = monotonicNanos() - started
        let clientUsed = clientCPUNanos() - clientBefore
        var result = LoadOutcome()
        result.seconds = Double(elapsed) / 1e9
        for outcome in outcomes {
            result.samples += outcome.samples
            result.errors += outcome.errors
            result.reconnects += outcome.reconnects
            if result.firstError == nil { result.firstError = outcome.firstError }
            result.states.append(outcome.state)
        }
        result.operations = result.samples.count
        (result.cpuPerOpNanos, result.peakRSS, result.rss) = probe.finish(before, operations: result.operations)
        if result.operations > 0 { result.clientCPUPerOpNanos = Double(clientUsed) / Double(result.operations) }
        return result
    }

    /// The report row of a throughput scenario, with its ratio to the `ceiling` rate of this run.
    func row(_ scenario: String, _ outcome: LoadOutcome) -> ResultRow {
        var row = ResultRow(scenario)
        row.operations = outcome.operations
        row.errors = outcome.errors
        row.seconds = outcome.seconds
        if outcome.seconds > 0 { row.opsPerSecond = Double(outcome.operations) / outcome.seconds }
        if let rate = row.opsPerSecond, let ceiling = ceilingRate, ceiling > 0, scenario != "ceiling" {
            row.ratioToCeiling = rate / ceiling
        }
        row.latency = LatencySummary(outcome.samples)
        row.serverCPUPerOpNanos = outcome.cpuPerOpNanos
        row.clientCPUPerOpNanos = outcome.clientCPUPerOpNanos
        row.serverPeakRSS = outcome.peakRSS
        row.serverRSS = outcome.rss
        row.firstError = outcome.firstError
        if outcome.reconnects > 0 { row.notes.append("\(outcome.reconnects) reconnects") }
        if outcome.operations > 0, outcome.errors == outcome.operations {
            row.status = .failed("every operation failed")
        }
        return row
    }

    /// Splits `total` operations over the clients as evenly as possible.
    static func share(_ total: Int, clients: Int) -> @Sendable (Int) -> Int {
        { client in total / clients + (client < total % clients ? 1 : 0) }
    }
}
