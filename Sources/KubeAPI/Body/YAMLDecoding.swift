import KubeJSON
import Yams

/// YAML to the same JSON values the JSON parser gives, resolving scalars by the YAML core schema as
/// kube-apiserver's sigs.k8s.io/yaml does. Aliases are expanded with a budget so an alias bomb is a 400, not
/// an out-of-memory.
public enum YAMLDecoding {
    public struct Failure: Error, Sendable { public var message: String }

    /// Nodes an expansion may produce, aliases included.
    public static let nodeBudget = 1_000_000

    public static func decode(_ text: String) throws(Failure) -> JSON? {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw Failure(message: "\(error)") }
        guard let node else { return nil }
        var budget = nodeBudget
        return try convert(node, depth: 0, budget: &budget)
    }

    /// Every document of a multi-document stream (`---` separated); empty documents are skipped.
    public static func decodeAll(_ text: String) throws(Failure) -> [JSON] {
        var documents: [JSON] = []
        var budget = nodeBudget
        do {
            for node in try Yams.compose_all(yaml: text) {
                documents.append(try convert(node, depth: 0, budget: &budget))
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(message: "\(error)")
        }
        return documents.filter { !$0.isNull }
    }

    static func convert(_ node: Node, depth: Int, budget: inout Int) throws(Failure) -> JSON {
        budget -= 1
        if budget < 0 { throw Failure(message: "yaml document too large: more than \(nodeBudget) nodes after expanding aliases") }
        if depth > JSONParser.defaultMaxDepth { throw Failure(message: "yaml document nested too deeply") }
        switch node {
        case .scalar(let scalar):
            return resolve(scalar, tag: Tag.Name(rawValue: node.tag.rawValue))
        case .sequence(let sequence):
            var array: [JSON] = []
            array.reserveCapacity(sequence.count)
            for element in sequence { array.append(try convert(element, depth: depth + 1, budget: &budget)) }
            return .array(array)
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                let name: String
                if case .scalar(let s) = key { name = s.string } else {
                    throw Failure(message: "yaml mapping keys must be scalars")
                }
                object[name] = try convert(value, depth: depth + 1, budget: &budget)
            }
            return .object(object)
        case .alias:
            throw Failure(message: "unresolved yaml alias")
        }
    }

    static func resolve(_ scalar: Node.Scalar, tag: Tag.Name) -> JSON {
        let text = scalar.string
        if scalar.style != .plain { return .string(text) }
        switch tag {
        case .null: return .null
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "on", "y": return .bool(true)
            case "false", "no", "off", "n": return .bool(false)
            default: return .string(text)
            }
        case .int:
            if let i = Int64(text) { return .int(i) }
            if text.hasPrefix("0x"), let i = Int64(text.dropFirst(2), radix: 16) { return .int(i) }
            if text.hasPrefix("0o"), let i = Int64(text.dropFirst(2), radix: 8) { return .int(i) }
            if let d = Double(text) { return .double(d) }
            return .string(text)
        case .float:
            switch text.lowercased() {
            case ".inf", "+.inf", ".nan", "-.inf": return .string(text)
            default: return Double(text).map(JSON.double) ?? .string(text)
            }
        default:
            return .string(text)
        }
    }
}
