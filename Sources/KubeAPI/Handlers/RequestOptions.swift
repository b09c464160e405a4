import KubeJSON

/// How strictly unknown and duplicate fields are treated (`fieldValidation`).
public enum FieldValidation: String, Sendable {
    case strict = "Strict", warn = "Warn", ignore = "Ignore"
}

/// The query parameters every write shares.
public struct WriteOptions: Sendable {
    public var dryRun = false
    public var fieldManager: String?
    public var fieldValidation: FieldValidation = .warn
    public var force = false
    public var user: UserInfo = .anonymousAdmin
    /// The User-Agent, from which kube-apiserver derives a default field manager.
    public var userAgent: String?
    /// Set when server-side apply already wrote managedFields for this write.
    var managedFieldsDone = false

    public init() {}

    init(_ request: APIRequest) throws(APIError) {
        if let dryRun = request.queryValue("dryRun") {
            guard dryRun == "All" else {
                throw .badRequest("Invalid dry run value: \"\(dryRun)\"; supported values: \"All\"")
            }
            self.dryRun = true
        }
        if let manager = request.queryValue("fieldManager") {
            guard manager.utf8.count <= 128 else {
                throw APIError(code: 422, reason: "Invalid", message: "fieldManager: Too long: may not be more than 128 bytes")
            }
            fieldManager = manager
        }
        if let validation = request.queryValue("fieldValidation"), !validation.isEmpty {
            guard let value = FieldValidation(rawValue: validation) else {
                throw .badRequest("fieldValidation: Unsupported value: \"\(validation)\": supported values: \"Ignore\", \"Strict\", \"Warn\"")
            }
            fieldValidation = value
        }
        if let force = request.queryValue("force") { self.force = force == "true" }
        user = request.user
        userAgent = request.header("user-agent")
    }

    /// The manager recorded in managedFields: the explicit one, else the user agent's program name.
    var manager: String {
        if let fieldManager, !fieldManager.isEmpty { return fieldManager }
        guard let agent = userAgent, !agent.isEmpty else { return "unknown" }
        let program = agent.split(separator: "/").first.map(String.init) ?? agent
        return String(program.prefix(128))
    }
}

/// Request bodies: JSON, YAML, and (for typed kubectl commands) protobuf envelopes.
enum BodyDecoding {
    static let acceptedObjectTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]

    static func mediaType(_ request: APIRequest) -> String {
        let raw = request.header("content-type") ?? ""
        return raw.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    /// Decodes an object body. A PUT without a Content-Type is JSON, as kubectl's scale sends it.
    static func object(_ request: APIRequest) throws(APIError) -> JSON {
        let type = mediaType(request)
        switch type {
        case "application/json", "", "*/*":
            return try json(request.body)
        case "application/yaml", "application/x-yaml", "text/yaml":
            return try yaml(request.body)
        default:
            if let decoded = try ProtobufBodies.decode(contentType: type, body: request.body) { return decoded }
            throw .unsupportedMediaType(type, accepted: acceptedObjectTypes)
        }
    }

    static func json(_ bytes: [UInt8]) throws(APIError) -> JSON {
        guard !bytes.isEmpty else { throw .badRequest("the request body is empty: an object was expected") }
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw .badRequest("the body of the request could not be decoded as JSON: \(error.description)")
        }
    }

    static func yaml(_ bytes: [UInt8]) throws(APIError) -> JSON {
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            guard let value = try YAMLDecoding.decode(text) else { throw APIError.badRequest("the request body is empty") }
            return value
        } catch let error as YAMLDecoding.Failure {
            throw .badRequest("the body of the request could not be decoded as YAML: \(error.message)")
        } catch {
            throw error as? APIError ?? .badRequest("\(error)")
        }
    }
}
