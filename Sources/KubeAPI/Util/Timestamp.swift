import Foundation

/// RFC 3339 timestamps in the forms Kubernetes writes: `2026-11-29T08:00:00Z` for metav1.Time and
/// `2026-11-29T08:00:00.123456Z` for MicroTime.
public enum Timestamp {
    public static func now() -> Double { Date().timeIntervalSince1970 }

    public static func rfc3339(_ seconds: Double) -> String {
        let (date, time) = civil(Int64(seconds.rounded(.down)))
        return date + "T" + time + "Z"
    }

    public static func rfc3339Micro(_ seconds: Double) -> String {
        let whole = seconds.rounded(.down)
        let micros = Int((seconds - whole) * 1_000_000)
        let (date, time) = civil(Int64(whole))
        return date + "T" + time + "." + pad(micros, 6) + "Z"
    }

    /// Nanosecond precision, as container runtimes stamp log lines: `2026-11-29T08:00:00.123456789Z`.
    public static func rfc3339Nano(_ seconds: Double) -> String {
        let whole = seconds.rounded(.down)
        let nanos = Int((seconds - whole) * 1_000_000_000)
        let (date, time) = civil(Int64(whole))
        return date + "T" + time + "." + pad(nanos, 9) + "Z"
    }

    /// Parses the forms above (and an offset of `Z` only); nil for anything else.
    public static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? { Int(String(decoding: bytes[from..<from + count], as: UTF8.self)) }
        guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2),
              let mi = number(14, 2), let s = number(17, 2) else { return nil }
        var fraction = 0.0
        if bytes.count > 21, bytes[19] == UInt8(ascii: ".") {
            fraction = Double("0" + String(decoding: bytes[19..<(bytes.count - 1)], as: UTF8.self)) ?? 0
        }
        return Double(daysFromCivil(y, mo, d) * 86400 + Int64(h * 3600 + mi * 60 + s)) + fraction
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    // Howard Hinnant's civil-from-days algorithm: no calendar objects on the request path.
    private static func civil(_ epoch: Int64) -> (String, String) {
        let days = epoch >= 0 ? epoch / 86400 : (epoch - 86399) / 86400
        let secs = Int(epoch - days * 86400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return ("\(pad(Int(year), 4))-\(pad(Int(month), 2))-\(pad(Int(day), 2))",
                "\(pad(secs / 3600, 2)):\(pad(secs % 3600 / 60, 2)):\(pad(secs % 60, 2))")
    }

    private static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(m > 2 ? m - 3 : m + 9)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
