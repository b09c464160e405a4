/// The lexer and recursive-descent parser of apimachinery's labels.Parse. Clients see its error messages verbatim
/// in 400 responses, and kubectl users paste selectors with every kind of spacing, so the token rules (which bytes
/// end an identifier, how runs of operator characters split) follow upstream exactly rather than a cleaner grammar.
struct LabelSelectorParser {
    enum Token: Equatable {
        case error, end, closePar, comma, doesNotExist, doubleEquals, equals, greaterThan, identifier, `in`
        case lessThan, notEquals, notIn, openPar
    }

    /// Where a token is read: `in` and `notin` are operators only right after a key; elsewhere they are plain words.
    enum Context { case keyAndOperator, values }

    private let bytes: [UInt8]
    private var position = 0
    private var items: [(token: Token, literal: String)] = []
    private var cursor = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    // MARK: - Lexer

    private static func token(for literal: [UInt8]) -> Token? {
        switch literal {
        case [0x29]: return .closePar  // )
        case [0x2C]: return .comma  // ,
        case [0x21]: return .doesNotExist  // !
        case [0x3D, 0x3D]: return .doubleEquals  // ==
        case [0x3D]: return .equals  // =
        case [0x3E]: return .greaterThan  // >
        case [0x3C]: return .lessThan  // <
        case [0x21, 0x3D]: return .notEquals  // !=
        case [0x28]: return .openPar  // (
        case Array("in".utf8): return .in
        case Array("notin".utf8): return .notIn
        default: return nil
        }
    }

    private static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A
    }

    private static func isSpecialSymbol(_ b: UInt8) -> Bool {
        switch b {
        case 0x3D, 0x21, 0x28, 0x29, 0x2C, 0x3E, 0x3C: return true  // = ! ( ) , > <
        default: return false
        }
    }

    /// Returns 0 at the end of input, as upstream does; a NUL byte inside the input reads the same way.
    private mutating func read() -> UInt8 {
        guard position < bytes.count else { return 0 }
        position += 1
        return bytes[position - 1]
    }

    private mutating func unread() { position -= 1 }

    private mutating func scanIdentifierOrKeyword() -> (Token, String) {
        var buffer: [UInt8] = []
        while true {
            let ch = read()
            if ch == 0 { break }
            if Self.isSpecialSymbol(ch) || Self.isWhitespace(ch) {
                unread()
                break
            }
            buffer.append(ch)
        }
        let literal = String(decoding: buffer, as: UTF8.self)
        if let token = Self.token(for: buffer) { return (token, literal) }
        return (.identifier, literal)
    }

    /// Takes the longest run of operator characters that still spells a token: "!=" is one token, "=!" is two.
    private mutating func scanSpecialSymbol() -> (Token, String) {
        var buffer: [UInt8] = []
        var last: (Token, String)? = nil
        while true {
            let ch = read()
            if ch == 0 { break }
            guard Self.isSpecialSymbol(ch) else {
                unread()
                break
            }
            buffer.append(ch)
            if let token = Self.token(for: buffer) {
                last = (token, String(decoding: buffer, as: UTF8.self))
            } else if last != nil {
                unread()
                break
            }
        }
        return last ?? (.error, "error expected: keyword found '\(String(decoding: buffer, as: UTF8.self))'")
    }

    private mutating func lex() -> (Token, String) {
        var ch = read()
        while Self.isWhitespace(ch) { ch = read() }
        if ch == 0 { return (.end, "") }
        unread()
        return Self.isSpecialSymbol(ch) ? scanSpecialSymbol() : scanIdentifierOrKeyword()
    }

    // MARK: - Parser

    private func lookahead(_ context: Context) -> (Token, String) {
        let item = items[min(cursor, items.count - 1)]
        if context == .values, item.token == .in || item.token == .notIn { return (.identifier, item.literal) }
        return (item.token, item.literal)
    }

    private mutating func consume(_ context: Context) -> (Token, String) {
        let item = lookahead(context)
        cursor += 1
        return item
    }

    mutating func parse() throws(LabelSelectorError) -> [LabelRequirement] {
        while true {
            let (token, literal) = lex()
            items.append((token, literal))
            if token == .end { break }
        }
        var requirements: [LabelRequirement] = []
        while true {
            let (token, literal) = lookahead(.values)
            switch token {
            case .identifier, .doesNotExist:
                do throws(LabelSelectorError) {
                    requirements.append(try parseRequirement())
                } catch {
                    throw LabelSelectorError("unable to parse requirement: \(error.message)")
                }
                let (next, nextLiteral) = consume(.values)
                switch next {
                case .end:
                    return requirements
                case .comma:
                    let (after, afterLiteral) = lookahead(.values)
                    if after != .identifier && after != .doesNotExist {
                        throw LabelSelectorError("found '\(afterLiteral)', expected: identifier after ','")
                    }
                default:
                    throw LabelSelectorError("found '\(nextLiteral)', expected: ',' or 'end of string'")
                }
            case .end:
                return requirements
            default:
                throw LabelSelectorError("found '\(literal)', expected: !, identifier, or 'end of string'")
            }
        }
    }

    private mutating func parseRequirement() throws(LabelSelectorError) -> LabelRequirement {
        let (key, inferred) = try parseKeyAndInferOperator()
        if let inferred, inferred == .exists || inferred == .doesNotExist {
            return try LabelRequirement(key: key, op: inferred, values: [])
        }
        let op = try parseOperator()
        let values: Set<String>
        switch op {
        case .in, .notIn: values = try parseValues()
        default: values = try parseExactValue()
        }
        return try LabelRequirement(key: key, op: op, values: values.sorted(by: GoFormat.bytewiseLess))
    }

    /// Reads `[!]key`; a key followed by ',' or the end is an existence test.
    private mutating func parseKeyAndInferOperator() throws(LabelSelectorError) -> (String, LabelSelectorOperator?) {
        var op: LabelSelectorOperator? = nil
        var (token, literal) = consume(.values)
        if token == .doesNotExist {
            op = .doesNotExist
            (token, literal) = consume(.values)
        }
        guard token == .identifier else {
            throw LabelSelectorError("found '\(literal)', expected: identifier")
        }
        let problems = NameValidation.isQualifiedName(literal)
        if !problems.isEmpty {
            // Upstream validates the key against a nil field path, which Go prints as "<nil>".
            throw LabelSelectorError("<nil>: Invalid value: \(GoFormat.quote(literal)): \(problems.joined(separator: "; "))")
        }
        let (next, _) = lookahead(.values)
        if next == .end || next == .comma, op != .doesNotExist { op = .exists }
        return (literal, op)
    }

    private mutating func parseOperator() throws(LabelSelectorError) -> LabelSelectorOperator {
        let (token, literal) = consume(.keyAndOperator)
        switch token {
        case .in: return .in
        case .equals: return .equals
        case .doubleEquals: return .doubleEquals
        case .greaterThan: return .greaterThan
        case .lessThan: return .lessThan
        case .notIn: return .notIn
        case .notEquals: return .notEquals
        default: throw LabelSelectorError("found '\(literal)', expected: in, notin, =, ==, !=, gt, lt")
        }
    }

    /// `(x,y,z)`; empty members (`(a,,b)`, `()`) stand for the empty value.
    private mutating func parseValues() throws(LabelSelectorError) -> Set<String> {
        let (token, literal) = consume(.values)
        guard token == .openPar else { throw LabelSelectorError("found '\(literal)' expected: '('") }
        let (next, nextLiteral) = lookahead(.values)
        switch next {
        case .identifier, .comma:
            let values = try parseIdentifiersList()
            if consume(.values).0 != .closePar {
                throw LabelSelectorError("found '\(nextLiteral)', expected: ')'")
            }
            return values
        case .closePar:
            _ = consume(.values)
            return [""]
        default:
            throw LabelSelectorError("found '\(nextLiteral)', expected: ',', ')' or identifier")
        }
    }

    private mutating func parseIdentifiersList() throws(LabelSelectorError) -> Set<String> {
        var values = Set<String>()
        while true {
            let (token, literal) = consume(.values)
            switch token {
            case .identifier:
                values.insert(literal)
                let (next, nextLiteral) = lookahead(.values)
                switch next {
                case .comma: continue
                case .closePar: return values
                default: throw LabelSelectorError("found '\(nextLiteral)', expected: ',' or ')'")
                }
            case .comma:
                if values.isEmpty { values.insert("") }  // "(,"
                let (next, _) = lookahead(.values)
                if next == .closePar {
                    values.insert("")  // ",)"
                    return values
                }
                if next == .comma {
                    _ = consume(.values)
                    values.insert("")  // ",,"
                }
            default:
                throw LabelSelectorError("found '\(literal)', expected: ',', or identifier")
            }
        }
    }

    /// The single value after `=`, `==`, `!=`, `>` or `<`; nothing before ',' or the end means "".
    private mutating func parseExactValue() throws(LabelSelectorError) -> Set<String> {
        let (next, _) = lookahead(.values)
        if next == .end || next == .comma { return [""] }
        let (token, literal) = consume(.values)
        guard token == .identifier else { throw LabelSelectorError("found '\(literal)', expected: identifier") }
        return [literal]
    }
}
