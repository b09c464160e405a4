import KubeJSON

/// The subset of client-go's `jsonpath` that CRD `additionalPrinterColumns` use, evaluated the way the CRD
/// table convertor does (missing keys allowed): fields (`.a.b`, `a\.b` escapes), `.*`, recursive `..a`,
/// indexes and slices (`[0]`, `[-1]`, `[1:3]`, `[*]`), unions (`[0,2]`), `['key']`, and filters
/// (`[?(@.type=="Ready")]`, `[?(@.x)]`, with `==`, `!=`, `<`, `<=`, `>`, `>=`).
struct PrinterJSONPath: Sendable {
    struct Failure: Error {
        let message: String
    }

    indirect enum Step: Sendable {
        case field(String)
        case wildcard
        case recursive
        case current
        case root
        case slice(start: Int?, end: Int?, step: Int?, single: Bool)
        case union([[Step]])
        case filter(left: [Step], op: String, right: [Step])
        case literal(JSON)
    }

    let steps: [Step]

    init(_ expression: String) throws(Failure) {
        var text = Substring(expression)
        // The CRD column is the inside of a `{...}` template; accept the braces too.
        if text.hasPrefix("{") && text.hasSuffix("}") { text = text.dropFirst().dropLast() }
        steps = try Self.parse(text)
    }

    // MARK: parsing

    static func parse(_ text: Substring) throws(Failure) -> [Step] {
        var steps: [Step] = []
        var i = text.startIndex
        func peek(_ offset: Int = 0) -> Character? {
            guard let at = text.index(i, offsetBy: offset, limitedBy: text.endIndex), at < text.endIndex else { return nil }
            return text[at]
        }
        while i < text.endIndex {
            let c = text[i]
            if c == " " || c == "\t" {
                i = text.index(after: i)
            } else if c == "$" {
                steps.append(.root)
                i = text.index(after: i)
            } else if c == "@" {
                steps.append(.current)
                i = text.index(after: i)
            } else if c == "." {
                if peek(1) == "." {
                    steps.append(.recursive)
                    i = text.index(i, offsetBy: 2)
                    if i < text.endIndex, text[i] == "[" { continue }
                } else {
                    i = text.index(after: i)
                }
                var name = ""
                while i < text.endIndex {
                    let ch = text[i]
                    if ch == "\\", let next = text.index(i, offsetBy: 1, limitedBy: text.endIndex), next < text.endIndex {
                        name.append(text[next])
                        i = text.index(after: next)
                        continue
                    }
                    if ch == "." || ch == "[" || ch == "]" || ch == " " || ch == "," || ch == "$" || ch == "@" || ch == "}" {
                        break
                    }
                    name.append(ch)
                    i = text.index(after: i)
                }
                if name == "*" {
                    steps.append(.wildcard)
                } else if !name.isEmpty {
                    steps.append(.field(name))
                }
            } else if c == "[" {
                if peek(1) == "?" && peek(2) == "(" {
                    let (step, next) = try parseFilter(text, from: text.index(i, offsetBy: 3))
                    steps.append(step)
                    i = next
                    continue
                }
                guard let close = text[i...].firstIndex(of: "]") else { throw Failure(message: "unterminated array") }
                let inside = text[text.index(after: i)..<close]
                steps.append(contentsOf: try parseBracket(inside))
                i = text.index(after: close)
            } else if c == "\"" || c == "'" {
                guard let close = text[text.index(after: i)...].firstIndex(of: c) else {
                    throw Failure(message: "unterminated quoted string")
                }
                steps.append(.literal(.string(unescape(text[text.index(after: i)..<close]))))
                i = text.index(after: close)
            } else {
                // A bare literal (only meaningful inside filters): a number or a boolean.
                var end = i
                while end < text.endIndex, !" )]".contains(text[end]) { end = text.index(after: end) }
                let word = String(text[i..<end])
                if let n = Int64(word) {
                    steps.append(.literal(.int(n)))
                } else if let d = Double(word), word.contains(".") {
                    steps.append(.literal(.double(d)))
                } else if word == "true" || word == "false" {
                    steps.append(.literal(.bool(word == "true")))
                } else {
                    throw Failure(message: "unrecognized identifier \(word)")
                }
                i = end
            }
        }
        return steps
    }

    private static func parseBracket(_ inside: Substring) throws(Failure) -> [Step] {
        let trimmed = inside.tpTrimmedSpaces
        if trimmed == "*" { return [.slice(start: nil, end: nil, step: nil, single: false)] }
        let parts = trimmed.split(separator: ",", omittingEmptySubsequences: false)
        if parts.count > 1 {
            var alternatives: [[Step]] = []
            for part in parts { alternatives.append(try parseBracket(part)) }
            return [.union(alternatives)]
        }
        // `['key']` is read as the field path `.key`, as client-go does.
        if trimmed.count >= 2, trimmed.first == "'", trimmed.last == "'" {
            return try parse("." + trimmed.dropFirst().dropLast())
        }
        let bounds = trimmed.split(separator: ":", omittingEmptySubsequences: false).map { $0.tpTrimmedSpaces }
        guard bounds.count <= 3 else { throw Failure(message: "invalid array index \(trimmed)") }
        func number(_ s: Substring) throws(Failure) -> Int? {
            if s.isEmpty { return nil }
            guard let n = Int(s) else { throw Failure(message: "invalid array index \(trimmed)") }
            return n
        }
        let start = try number(bounds[0])
        if bounds.count == 1 {
            guard let start else { throw Failure(message: "invalid array index \(trimmed)") }
            return [.slice(start: start, end: start + 1, step: nil, single: true)]
        }
        return [.slice(start: start, end: try number(bounds[1]), step: bounds.count == 3 ? try number(bounds[2]) : nil,
                       single: false)]
    }

    /// `[?( left op right )]`: the operator is the first run of `!<>=` outside quotes.
    private static func parseFilter(_ text: Substring, from start: Substring.Index) throws(Failure) -> (Step, Substring.Index) {
        var i = start
        var quote: Character?
        while i < text.endIndex {
            let c = text[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == ")" {
                break
            }
            i = text.index(after: i)
        }
        guard i < text.endIndex, let bracket = text.index(i, offsetBy: 1, limitedBy: text.endIndex),
              bracket < text.endIndex, text[bracket] == "]" else { throw Failure(message: "unterminated filter") }
        let body = text[start..<i]
        let operatorChars: Set<Character> = ["!", "<", ">", "="]
        var opStart: Substring.Index?
        var scan = body.startIndex
        var inQuote: Character?
        while scan < body.endIndex {
            let c = body[scan]
            if let q = inQuote {
                if c == q { inQuote = nil }
            } else if c == "\"" || c == "'" {
                inQuote = c
            } else if operatorChars.contains(c) {
                opStart = scan
                break
            }
            scan = body.index(after: scan)
        }
        let next = text.index(after: bracket)
        guard let opStart, opStart > body.startIndex else {
            return (.filter(left: try parse(body), op: "exists", right: []), next)
        }
        var opEnd = opStart
        while opEnd < body.endIndex, operatorChars.contains(body[opEnd]) { opEnd = body.index(after: opEnd) }
        let op = String(body[opStart..<opEnd])
        guard ["==", "!=", "<", ">", "<=", ">="].contains(op) else {
            throw Failure(message: "unrecognized filter operator \(op)")
        }
        return (.filter(left: try parse(body[..<opStart]), op: op, right: try parse(body[opEnd...])), next)
    }

    private static func unescape(_ s: Substring) -> String {
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }

    // MARK: evaluation

    /// The values the path selects, in order; an error where client-go's FindResults fails.
    func evaluate(_ root: JSON) throws(Failure) -> [JSON] {
        try Self.run(steps, input: [root], root: root)
    }

    private static func run(_ steps: [Step], input: [JSON], root: JSON) throws(Failure) -> [JSON] {
        var values = input
        for step in steps {
            values = try apply(step, values, root: root)
        }
        return values
    }

    private static func apply(_ step: Step, _ input: [JSON], root: JSON) throws(Failure) -> [JSON] {
        switch step {
        case .current:
            return input
        case .root:
            return [root]
        case .literal(let value):
            return [value]
        case .field(let name):
            return input.compactMap { $0.objectValue?[name] }
        case .wildcard:
            var out: [JSON] = []
            for value in input {
                switch value {
                case .object(let o): out.append(contentsOf: o.entries.sorted { GoFormat.bytewiseLess($0.key, $1.key) }.map(\.value))
                case .array(let a): out.append(contentsOf: a)
                default: break
                }
            }
            return out
        case .recursive:
            var out: [JSON] = []
            func walk(_ value: JSON) {
                out.append(value)
                switch value {
                case .object(let o): for entry in o.entries.sorted(by: { GoFormat.bytewiseLess($0.key, $1.key) }) { walk(entry.value) }
                case .array(let a): for element in a { walk(element) }
                default: break
                }
            }
            for value in input { walk(value) }
            return out
        case .slice(let start, let end, let stride, let single):
            var out: [JSON] = []
            for value in input where !value.isNull {
                guard case .array(let array) = value else { throw Failure(message: "\(value.typeName) is not array or slice") }
                let count = array.count
                var from = start ?? 0
                if from < 0 { from += count }
                var to = end ?? count
                // A single negative index `[-1]` is the slice [-1:0] with a derived end.
                if to < 0 || (single && to == 0) { to += count }
                if to == from { continue }
                guard from >= 0, from < count else { throw Failure(message: "array index out of bounds: index \(from), length \(count)") }
                guard to >= 0, to <= count else { throw Failure(message: "array index out of bounds: index \(to - 1), length \(count)") }
                guard from <= to else { throw Failure(message: "starting index \(from) is greater than ending index \(to)") }
                let step = stride ?? 1
                guard step > 0 else { throw Failure(message: "step must be > 0") }
                for index in Swift.stride(from: from, to: to, by: step) { out.append(array[index]) }
            }
            return out
        case .union(let alternatives):
            var out: [JSON] = []
            for alternative in alternatives { out.append(contentsOf: try run(alternative, input: input, root: root)) }
            return out
        case .filter(let left, let op, let right):
            var out: [JSON] = []
            for value in input where !value.isNull {
                guard case .array(let array) = value else {
                    throw Failure(message: "\(value.typeName) is not array or slice and cannot be filtered")
                }
                for element in array {
                    let lefts = try run(left, input: [element], root: root)
                    if op == "exists" {
                        if !lefts.isEmpty { out.append(element) }
                        continue
                    }
                    guard lefts.count <= 1 else { throw Failure(message: "can only compare one element at a time") }
                    guard let l = lefts.first else { continue }
                    let rights = try run(right, input: [element], root: root)
                    guard rights.count <= 1 else { throw Failure(message: "can only compare one element at a time") }
                    guard let r = rights.first else { continue }
                    if try compare(l, op, r) { out.append(element) }
                }
            }
            return out
        }
    }

    /// text/template's comparison functions: only values of the same basic kind compare.
    private static func compare(_ a: JSON, _ op: String, _ b: JSON) throws(Failure) -> Bool {
        let bad = Failure(message: "incompatible types for comparison")
        switch (a, b) {
        case (.bool(let x), .bool(let y)):
            guard op == "==" || op == "!=" else { throw Failure(message: "invalid type for comparison") }
            return op == "==" ? x == y : x != y
        case (.int(let x), .int(let y)): return ordered(x, op, y)
        case (.double(let x), .double(let y)): return ordered(x, op, y)
        case (.string(let x), .string(let y)):
            let less = GoFormat.bytewiseLess(x, y), greater = GoFormat.bytewiseLess(y, x)
            switch op {
            case "==": return x == y
            case "!=": return x != y
            case "<": return less
            case ">": return greater
            case "<=": return !greater
            default: return !less
            }
        default:
            throw bad
        }
    }

    private static func ordered<T: Comparable>(_ x: T, _ op: String, _ y: T) -> Bool {
        switch op {
        case "==": return x == y
        case "!=": return x != y
        case "<": return x < y
        case ">": return x > y
        case "<=": return x <= y
        default: return x >= y
        }
    }
}

extension Substring {
    fileprivate var tpTrimmedSpaces: Substring {
        var s = self
        while let c = s.first, c == " " { s.removeFirst() }
        while let c = s.last, c == " " { s.removeLast() }
        return s
    }
}
