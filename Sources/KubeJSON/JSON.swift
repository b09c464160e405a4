/// A JSON value that keeps object key order, so an object read from a client or the store is written back
/// as it came: kube-apiserver preserves field order, and clients diff what they sent with what they get.
public enum JSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object(JSONObject)
}

/// An ordered JSON object. Kubernetes objects have few keys per level, so a flat array beats hashing here
/// and keeps insertion order for free.
public struct JSONObject: Sendable, Sequence {
    public var entries: [(key: String, value: JSON)]

    public init() { entries = [] }
    public init(_ entries: [(key: String, value: JSON)]) { self.entries = entries }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    public func index(of key: String) -> Int? {
        entries.firstIndex { $0.key == key }
    }

    public subscript(key: String) -> JSON? {
        get {
            for entry in entries where entry.key == key { return entry.value }
            return nil
        }
        set {
            if let i = index(of: key) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSON? {
        guard let i = index(of: key) else { return nil }
        return entries.remove(at: i).value
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSON)]> {
        entries.makeIterator()
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSON)...) {
        entries = elements.map { (key: $0.0, value: $0.1) }
    }
}

extension JSONObject: Equatable {
    /// Objects are equal when they hold the same members, whatever their order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs.entries {
            guard let other = rhs[key], other == value else { return false }
        }
        return true
    }
}

extension JSON: Equatable {
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.int(a), .double(b)), let (.double(b), .int(a)): return Double(a) == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a == b
        default: return false
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
}

// MARK: - Accessors

extension JSON {
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }
    public var arrayValue: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    /// Integers, and doubles that hold an integer exactly.
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
    public var isObject: Bool { objectValue != nil }

    /// The JSON type name as Kubernetes validation messages spell it.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public subscript(key: String) -> JSON? {
        get { objectValue?[key] }
        set {
            guard case .object(var o) = self else { return }
            self = .null  // drop the reference so the object below is uniquely owned
            o[key] = newValue
            self = .object(o)
        }
    }

    /// Reads a nested member: `obj[path: "metadata", "name"]`.
    public subscript(path path: String...) -> JSON? {
        get { lookup(path[...]) }
        set { assign(path[...], newValue) }
    }

    public func lookup<C: Collection>(_ path: C) -> JSON? where C.Element == String {
        var current: JSON = self
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    /// Sets a nested member, creating intermediate objects; assigning nil removes the leaf.
    public mutating func assign(_ path: ArraySlice<String>, _ value: JSON?) {
        guard let first = path.first else {
            if let value { self = value }
            return
        }
        guard case .object(var o) = self else {
            guard value != nil else { return }
            self = .object(JSONObject())
            assign(path, value)
            return
        }
        self = .null
        if path.count == 1 {
            o[first] = value
        } else {
            var child = o[first] ?? .object(JSONObject())
            if !child.isObject {
                if value == nil { self = .object(o); return }
                child = .object(JSONObject())
            }
            child.assign(path.dropFirst(), value)
            o[first] = child
        }
        self = .object(o)
    }
}
