import Foundation
import KubeJSON

/// One line of the report. Throughput scenarios fill the rate and latency fields; `list`, `startup` and
/// `scale` use the latency fields for the time of each run and say so in `unit`.
struct ResultRow: Sendable {
    enum Status: Sendable {
        case ok
        case notAvailable(String)
        case failed(String)
    }

    var scenario: String
    var status: Status = .ok
    var operations = 0
    var errors = 0
    var seconds: Double?
    var opsPerSecond: Double?
    var ratioToCeiling: Double?
    /// Nanoseconds.
    var latency: LatencySummary?
    /// What one latency sample is: "request", "event", "page", "run".
    var unit = "request"
    var bytes: Int?
    var serverCPUPerOpNanos: Double?
    var clientCPUPerOpNanos: Double?
    var serverPeakRSS: Int?
    var serverRSS: Int?
    var firstError: String?
    var notes: [String] = []
    var extra: [(key: String, value: JSON)] = []

    init(_ scenario: String) { self.scenario = scenario }

    var statusText: String {
        switch status {
        case .ok: return errors == 0 ? "ok" : "errors"
        case .notAvailable: return "not available"
        case .failed: return "failed"
        }
    }
}

enum Format {
    static func duration(_ nanos: Double) -> String {
        if nanos < 1_000_000 { return String(format: "%.0fµs", nanos / 1e3) }
        if nanos < 1_000_000_000 { return String(format: nanos < 10e6 ? "%.2fms" : "%.1fms", nanos / 1e6) }
        return String(format: "%.2fs", nanos / 1e9)
    }

    static func bytes(_ count: Int) -> String {
        let value = Double(count)
        if value < 1024 { return "\(count) B" }
        if value < 1024 * 1024 { return String(format: "%.1f KiB", value / 1024) }
        if value < 1024 * 1024 * 1024 { return String(format: "%.1f MiB", value / 1024 / 1024) }
        return String(format: "%.2f GiB", value / 1024 / 1024 / 1024)
    }

    static func rate(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value)
    }
}

enum Report {
    static func printTable(_ rows: [ResultRow]) {
        let header = ["scenario", "ops", "err", "time", "ops/s", "×ceiling", "p50", "p99", "max", "srv CPU/op", "cli CPU/op", "srv peak RSS",
                      "notes"]
        var table: [[String]] = [header]
        for row in rows {
            var notes: [String] = []
            switch row.status {
            case .ok: break
            case .notAvailable(let why): notes.append("not available: \(why)")
            case .failed(let why): notes.append("FAILED: \(why)")
            }
            if row.unit != "request", row.latency != nil { notes.append("latency per \(row.unit)") }
            if let bytes = row.bytes { notes.append(Format.bytes(bytes)) }
            notes += row.notes
            if let error = row.firstError { notes.append("first error: \(error)") }
            table.append([
                row.scenario,
                row.operations > 0 ? String(row.operations) : "",
                row.operations > 0 ? String(row.errors) : "",
                row.seconds.map { Format.duration($0 * 1e9) } ?? "",
                row.opsPerSecond.map(Format.rate) ?? "",
                row.ratioToCeiling.map { String(format: "%.0f%%", $0 * 100) } ?? "",
                row.latency.map { Format.duration(Double($0.p50)) } ?? "",
                row.latency.map { Format.duration(Double($0.p99)) } ?? "",
                row.latency.map { Format.duration(Double($0.max)) } ?? "",
                row.serverCPUPerOpNanos.map { Format.duration($0) } ?? "",
                row.clientCPUPerOpNanos.map { Format.duration($0) } ?? "",
                row.serverPeakRSS.map(Format.bytes) ?? "",
                notes.joined(separator: "; "),
            ])
        }
        let widths = (0..<header.count - 1).map { column in table.map { $0[column].count }.max() ?? 0 }
        for (index, line) in table.enumerated() {
            var text = ""
            for column in 0..<header.count - 1 {
                let cell = line[column]
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                // Names left-aligned, figures right-aligned.
                text += column == 0 ? cell + pad : pad + cell
                text += "  "
            }
            text += line[header.count - 1]
            print(text)
            if index == 0 { print(String(repeating: "-", count: min(160, text.count))) }
        }
    }

    static func json(rows: [ResultRow], context: [(key: String, value: JSON)]) -> JSON {
        var root = JSONObject(context)
        root["results"] = .array(rows.map(json))
        return .object(root)
    }

    static func json(_ row: ResultRow) -> JSON {
        var object = JSONObject()
        object["scenario"] = .string(row.scenario)
        object["status"] = .string(row.statusText)
        switch row.status {
        case .ok: break
        case .notAvailable(let why), .failed(let why): object["reason"] = .string(why)
        }
        if row.operations > 0 {
            object["operations"] = .int(Int64(row.operations))
            object["errors"] = .int(Int64(row.errors))
        }
        if let seconds = row.seconds { object["seconds"] = .double(rounded(seconds, 6)) }
        if let rate = row.opsPerSecond { object["opsPerSecond"] = .double(rounded(rate, 1)) }
        if let ratio = row.ratioToCeiling { object["ratioToCeiling"] = .double(rounded(ratio, 4)) }
        if let latency = row.latency {
            object["latency"] = .object([
                "unit": .string(row.unit),
                "samples": .int(Int64(latency.count)),
                "p50Micros": .double(rounded(Double(latency.p50) / 1e3, 1)),
                "p99Micros": .double(rounded(Double(latency.p99) / 1e3, 1)),
                "maxMicros": .double(rounded(Double(latency.max) / 1e3, 1)),
                "meanMicros": .double(rounded(latency.mean / 1e3, 1)),
            ])
        }
        if let bytes = row.bytes { object["bytes"] = .int(Int64(bytes)) }
        if let cpu = row.serverCPUPerOpNanos { object["serverCPUPerOpMicros"] = .double(rounded(cpu / 1e3, 2)) }
        if let cpu = row.clientCPUPerOpNanos { object["clientCPUPerOpMicros"] = .double(rounded(cpu / 1e3, 2)) }
        if let peak = row.serverPeakRSS { object["serverPeakRSSBytes"] = .int(Int64(peak)) }
        if let rss = row.serverRSS { object["serverRSSBytes"] = .int(Int64(rss)) }
        if let error = row.firstError { object["firstError"] = .string(error) }
        if !row.notes.isEmpty { object["notes"] = .array(row.notes.map(JSON.string)) }
        for (key, value) in row.extra { object[key] = value }
        return .object(object)
    }

    private static func rounded(_ value: Double, _ digits: Int) -> Double {
        let scale = pow(10, Double(digits))
        return (value * scale).rounded() / scale
    }

    static func write(_ value: JSON, to path: String) throws {
        var bytes = value.serialized()
        bytes.append(0x0A)
        let written = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        if !written { throw HTTPError("cannot write \(path)") }
    }
}
