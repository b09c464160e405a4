/// A CronJob schedule as github.com/robfig/cron/v3's ParseStandard reads it (five fields or an
/// @descriptor), with the same error texts kube-apiserver returns, and the next run after a time.
public struct CronSchedule: Sendable, Equatable {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Bit sets of allowed values; bit 63 marks a field written as `*` or `?`.
    public var minutes: UInt64, hours: UInt64, daysOfMonth: UInt64, months: UInt64, daysOfWeek: UInt64
    /// For `@every <duration>`: the period in seconds, when the schedule is a fixed interval.
    public var every: Int64?
    /// The time zone named by a `TZ=` / `CRON_TZ=` prefix, if any.
    public var timeZone: String?

    static let starBit: UInt64 = 1 << 63

    private struct Bounds {
        var min: Int, max: Int
        var names: [String: Int] = [:]
    }

    private static let minuteBounds = Bounds(min: 0, max: 59)
    private static let hourBounds = Bounds(min: 0, max: 23)
    private static let domBounds = Bounds(min: 1, max: 31)
    private static let monthBounds = Bounds(min: 1, max: 12, names: [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    ])
    private static let dowBounds = Bounds(min: 0, max: 6, names: [
        "sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
    ])

    public static func parse(_ text: String) throws(ParseError) -> CronSchedule {
        var spec = Substring(text)
        if spec.isEmpty { throw ParseError(message: "empty spec string") }
        var zone: String?
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") {
            guard let space = spec.firstIndex(of: " "), let eq = spec.firstIndex(of: "=") else {
                throw ParseError(message: "provided bad location \(spec.drop(while: { $0 != "=" }).dropFirst()): unknown time zone")
            }
            zone = String(spec[spec.index(after: eq)..<space])
            spec = spec[space...].drop(while: { $0 == " " })
        }
        if spec.hasPrefix("@") {
            var s = try parseDescriptor(String(spec))
            s.timeZone = zone
            return s
        }
        let fields = spec.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(message: "expected exactly 5 fields, found \(fields.count): [\(fields.joined(separator: " "))]")
        }
        return CronSchedule(
            minutes: try field(fields[0], minuteBounds), hours: try field(fields[1], hourBounds),
            daysOfMonth: try field(fields[2], domBounds), months: try field(fields[3], monthBounds),
            daysOfWeek: try field(fields[4], dowBounds), every: nil, timeZone: zone)
    }

    private static func all(_ b: Bounds) -> UInt64 { bits(b.min, b.max, 1) | starBit }

    private static func bits(_ start: Int, _ end: Int, _ step: Int) -> UInt64 {
        var v: UInt64 = 0
        var i = start
        while i <= end {
            v |= 1 << UInt64(i)
            i += step
        }
        return v
    }

    private static func parseDescriptor(_ d: String) throws(ParseError) -> CronSchedule {
        let any = all(minuteBounds), h = all(hourBounds), dom = all(domBounds), mon = all(monthBounds), dow = all(dowBounds)
        switch d {
        case "@yearly", "@annually": return CronSchedule(minutes: 1, hours: 1, daysOfMonth: 1 << 1, months: 1 << 1, daysOfWeek: dow)
        case "@monthly": return CronSchedule(minutes: 1, hours: 1, daysOfMonth: 1 << 1, months: mon, daysOfWeek: dow)
        case "@weekly": return CronSchedule(minutes: 1, hours: 1, daysOfMonth: dom, months: mon, daysOfWeek: 1)
        case "@daily", "@midnight": return CronSchedule(minutes: 1, hours: 1, daysOfMonth: dom, months: mon, daysOfWeek: dow)
        case "@hourly": return CronSchedule(minutes: 1, hours: h, daysOfMonth: dom, months: mon, daysOfWeek: dow)
        default:
            if d.hasPrefix("@every ") {
                let text = String(d.dropFirst("@every ".count))
                guard let seconds = parseDuration(text) else {
                    throw ParseError(message: "failed to parse duration \(d): \(durationError(text))")
                }
                // robfig rounds the interval down to whole seconds, with a one-second floor.
                var s = CronSchedule(minutes: any, hours: h, daysOfMonth: dom, months: mon, daysOfWeek: dow)
                s.every = max(1, Int64(seconds))
                return s
            }
            throw ParseError(message: "unrecognized descriptor: \(d)")
        }
    }

    init(minutes: UInt64, hours: UInt64, daysOfMonth: UInt64, months: UInt64, daysOfWeek: UInt64, every: Int64? = nil, timeZone: String? = nil) {
        self.minutes = minutes
        self.hours = hours
        self.daysOfMonth = daysOfMonth
        self.months = months
        self.daysOfWeek = daysOfWeek
        self.every = every
        self.timeZone = timeZone
    }

    private static func field(_ text: String, _ b: Bounds) throws(ParseError) -> UInt64 {
        var v: UInt64 = 0
        for expr in text.split(separator: ",", omittingEmptySubsequences: false) {
            v |= try range(String(expr), b)
        }
        return v
    }

    private static func range(_ expr: String, _ b: Bounds) throws(ParseError) -> UInt64 {
        let rangeAndStep = expr.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let single = lowAndHigh.count == 1
        var start: Int, end: Int, step: Int
        var extra: UInt64 = 0
        if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
            start = b.min
            end = b.max
            extra = starBit
        } else {
            start = try intOrName(lowAndHigh[0], b.names)
            switch lowAndHigh.count {
            case 1: end = start
            case 2: end = try intOrName(lowAndHigh[1], b.names)
            default: throw ParseError(message: "too many hyphens: \(expr)")
            }
        }
        switch rangeAndStep.count {
        case 1: step = 1
        case 2:
            step = try parseInt(rangeAndStep[1])
            if single { end = b.max }
            if step > 1 { extra = 0 }
        default: throw ParseError(message: "too many slashes: \(expr)")
        }
        if start < b.min { throw ParseError(message: "beginning of range (\(start)) below minimum (\(b.min)): \(expr)") }
        if end > b.max { throw ParseError(message: "end of range (\(end)) above maximum (\(b.max)): \(expr)") }
        if start > end { throw ParseError(message: "beginning of range (\(start)) beyond end of range (\(end)): \(expr)") }
        if step == 0 { throw ParseError(message: "step of range should be a positive number: \(expr)") }
        return bits(start, end, step) | extra
    }

    private static func intOrName(_ s: String, _ names: [String: Int]) throws(ParseError) -> Int {
        if let n = names[s.lowercased()] { return n }
        return try parseInt(s)
    }

    /// strconv.Atoi plus robfig's negative check, with their messages.
    private static func parseInt(_ s: String) throws(ParseError) -> Int {
        let body = s.hasPrefix("-") || s.hasPrefix("+") ? s.dropFirst() : Substring(s)
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ParseError(message: "failed to parse int from \(s): strconv.Atoi: parsing \"\(s)\": invalid syntax")
        }
        guard let n = Int(s) else {
            throw ParseError(message: "failed to parse int from \(s): strconv.Atoi: parsing \"\(s)\": value out of range")
        }
        if n < 0 { throw ParseError(message: "negative number (\(n)) not allowed: \(s)") }
        return n
    }

    // MARK: Durations (Go's time.ParseDuration)

    private static let units: [String: Double] = [
        "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600,
    ]

    static func parseDuration(_ text: String) -> Double? {
        var s = Substring(text)
        var sign = 1.0
        if s.hasPrefix("-") || s.hasPrefix("+") {
            sign = s.hasPrefix("-") ? -1 : 1
            s = s.dropFirst()
        }
        if s == "0" { return 0 }
        guard !s.isEmpty else { return nil }
        var total = 0.0
        while !s.isEmpty {
            let number = s.prefix(while: { $0.isNumber || $0 == "." })
            guard !number.isEmpty, let value = Double(number) else { return nil }
            s = s.dropFirst(number.count)
            let unit = s.prefix(while: { !($0.isNumber || $0 == ".") })
            guard let scale = units[String(unit)] else { return nil }
            s = s.dropFirst(unit.count)
            total += value * scale
        }
        return sign * total
    }

    private static func durationError(_ text: String) -> String {
        let quoted = "\"\(text)\""
        var s = Substring(text)
        if s.hasPrefix("-") || s.hasPrefix("+") { s = s.dropFirst() }
        while !s.isEmpty {
            let number = s.prefix(while: { $0.isNumber || $0 == "." })
            if number.isEmpty || Double(number) == nil { return "time: invalid duration \(quoted)" }
            s = s.dropFirst(number.count)
            let unit = s.prefix(while: { !($0.isNumber || $0 == ".") })
            if unit.isEmpty { return "time: missing unit in duration \(quoted)" }
            if units[String(unit)] == nil { return "time: unknown unit \"\(unit)\" in duration \(quoted)" }
            s = s.dropFirst(unit.count)
        }
        return "time: invalid duration \(quoted)"
    }

    // MARK: Next run

    /// The first activation strictly after `seconds` (Unix time), in UTC; nil when none falls in
    /// the next five years (e.g. "0 0 30 2 *").
    public func next(after seconds: Int64) -> Int64? {
        if let every { return seconds + every }
        let minuteStart = Self.floorDiv(seconds, 60) * 60 + 60
        var day = Self.floorDiv(minuteStart, 86400)
        var secondOfDay = minuteStart - day * 86400
        for _ in 0..<(366 * 5) {
            let (_, month, dom) = Self.civil(fromDays: day)
            let dow = Int((day % 7 + 11) % 7)  // 1970-01-01 was a Thursday
            if dayMatches(month: month, dom: dom, dow: dow) {
                var hour = Int(secondOfDay / 3600), minute = Int(secondOfDay % 3600 / 60)
                while hour < 24 {
                    if hours & (1 << UInt64(hour)) != 0 {
                        while minute < 60 {
                            if minutes & (1 << UInt64(minute)) != 0 {
                                return day * 86400 + Int64(hour * 3600 + minute * 60)
                            }
                            minute += 1
                        }
                    }
                    hour += 1
                    minute = 0
                }
            }
            day += 1
            secondOfDay = 0
        }
        return nil
    }

    private func dayMatches(month: Int, dom: Int, dow: Int) -> Bool {
        guard months & (1 << UInt64(month)) != 0 else { return false }
        let domMatch = daysOfMonth & (1 << UInt64(dom)) != 0
        let dowMatch = daysOfWeek & (1 << UInt64(dow)) != 0
        if daysOfMonth & Self.starBit != 0 || daysOfWeek & Self.starBit != 0 { return domMatch && dowMatch }
        return domMatch || dowMatch
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// Days since 1970-01-01 to (year, month, day), Howard Hinnant's civil_from_days.
    static func civil(fromDays z0: Int64) -> (Int64, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
