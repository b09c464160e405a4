import KubeJSON

/// apimachinery's `duration.HumanDuration`: the compact ages kubectl shows (`5s`, `83s`, `2m30s`, `10m`,
/// `3h4m`, `5d3h`, `2y17d`). Precision drops as the value grows, so a column of ages stays narrow.
public enum HumanDuration {
    public static func format(seconds d: Double) -> String {
        // Go truncates toward zero (int(d.Seconds())); -1s of clock skew between machines still reads as now.
        let seconds = Int64(d.rounded(.towardZero))
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        if seconds < 60 * 2 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 {
            let s = seconds % 60
            return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
        }
        if minutes < 60 * 3 { return "\(minutes)m" }
        let hours = seconds / 3600
        if hours < 8 {
            let m = minutes % 60
            return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
        }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 {
            let h = hours % 24
            return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h"
        }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let dy = (hours / 24) % 365
            return dy == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(dy)d"
        }
        return "\(hours / 24 / 365)y"
    }
}

/// Timestamps as the printers read them.
enum TableTime {
    /// RFC 3339 as Go's `time.Parse(time.RFC3339, …)` accepts it: optional fraction, `Z` or a `±hh:mm` offset.
    /// Returns seconds since the epoch in UTC.
    static func parseRFC3339(_ text: String) -> Double? {
        let b = Array(text.utf8)
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":") else { return nil }
        func digits(_ from: Int, _ count: Int) -> Int? {
            var n = 0
            for i in from..<from + count {
                guard i < b.count, b[i] >= 48, b[i] <= 57 else { return nil }
                n = n * 10 + Int(b[i] - 48)
            }
            return n
        }
        guard let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2), let hour = digits(11, 2),
              let minute = digits(14, 2), let second = digits(17, 2),
              (1...12).contains(month), day >= 1, day <= daysIn(month, year), hour < 24, minute < 60, second < 60
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            var scale = 0.1
            i += 1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == UInt8(ascii: "Z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = digits(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2),
                  oh < 24, om < 60 else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year, month, day)
        return Double(days * 86400 + Int64(hour * 3600 + minute * 60 + second - offset)) + fraction
    }

    /// `translateTimestampSince`: the age of a metav1.Time, `<unknown>` when unset.
    static func since(_ value: JSON?, now: Double) -> String {
        guard let text = value?.stringValue, !text.isEmpty, let t = parseRFC3339(text), t != zeroTime else {
            return "<unknown>"
        }
        return HumanDuration.format(seconds: now - t)
    }

    /// Whether a metav1.Time field holds a time (Go's `IsZero` is false).
    static func isSet(_ value: JSON?) -> Bool {
        guard let text = value?.stringValue, !text.isEmpty, let t = parseRFC3339(text) else { return false }
        return t != zeroTime
    }

    static func seconds(_ value: JSON?) -> Double? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return parseRFC3339(text)
    }

    /// `0001-01-01T00:00:00Z`, Go's zero time, which clients sometimes write back.
    static let zeroTime = Double(daysFromCivil(1, 1, 1) * 86400)

    private static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
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
