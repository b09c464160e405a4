import Foundation

/// What a protobuf field holds and how it turns into JSON.
enum ProtoValueKind: Sendable, Equatable {
    case string
    /// `bytes`: a base64 string in JSON (Secret data, CSR request).
    case bytes
    case int32
    case int64
    case bool
    case double
    /// metav1.Time `{seconds = 1, nanos = 2}`: RFC 3339 in whole seconds; zero time is omitted.
    case time
    /// metav1.MicroTime: RFC 3339 with microseconds.
    case microTime
    /// resource.Quantity `{string = 1}`: the string.
    case quantity
    /// intstr.IntOrString `{type = 1, intVal = 2, strVal = 3}`: a number or a string.
    case intOrString
    /// runtime.RawExtension `{raw = 1}`: the raw bytes hold JSON.
    case rawExtension
    /// metav1.FieldsV1 `{Raw = 1}`: the raw bytes hold JSON.
    case fieldsV1
    /// ExtraValue `{repeated string items = 1}`: a Go `[]string`, so a JSON array.
    case stringList
    /// A message from the schema tables, by name.
    case message(String)

    var isMessage: Bool {
        if case .message = self { return true }
        return false
    }
}

enum ProtoShape: Sendable, Equatable {
    case single
    case repeated
    /// `map<string, kind>`: repeated entries `{key = 1, value = 2}`.
    case map
    /// A Go embedded struct (`json:",inline"`): a nested message on the wire, merged into the parent in JSON.
    case inline
}

struct ProtoField: Sendable {
    let number: Int
    let jsonName: String
    let kind: ProtoValueKind
    let shape: ProtoShape
    /// Write the value even when it is zero: the Go field is a pointer (present means set) or its json tag has
    /// no `omitempty`. Everything else follows `omitempty`.
    let keepZero: Bool
}

struct ProtoMessage: Sendable {
    let name: String
    /// In Go struct order, which is the JSON order kube-apiserver writes.
    let fields: [ProtoField]
    let indexByNumber: [Int: Int]
}

/// Message tables parsed from the compact text in the `KubeProtoTables*` files.
///
/// One line per message: `Name: number jsonName kind; ...`. A kind is `s` string, `b` bytes, `i32`, `i64`,
/// `bool`, `f64`, `T` Time, `MT` MicroTime, `Q` Quantity, `IOS` IntOrString, `RAW` RawExtension, `FV1` FieldsV1,
/// `XV` ExtraValue, or a message name; `[kind]` is repeated, `{kind}` is `map<string, kind>`, a trailing `!`
/// keeps zero values, and `number ^Message` embeds a message inline.
struct ProtoSchemaSet: Sendable {
    let messages: [String: ProtoMessage]
    /// Lines that did not parse and message names that are used but not defined; empty for good tables.
    let problems: [String]

    static func parse(_ sources: [String]) -> ProtoSchemaSet {
        var messages: [String: ProtoMessage] = [:]
        var problems: [String] = []
        // An indented line continues the message above it, so long messages can wrap.
        var definitions: [(name: String, body: String)] = []
        for source in sources {
            for rawLine in source.split(separator: "\n") {
                let line = rawLine.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                if rawLine.first == " ", !definitions.isEmpty {
                    definitions[definitions.count - 1].body += " " + line
                    continue
                }
                guard let colon = line.firstIndex(of: ":") else {
                    problems.append("no ':' in \(line)")
                    continue
                }
                definitions.append((String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                                    String(line[line.index(after: colon)...])))
            }
        }
        for (name, body) in definitions {
            var fields: [ProtoField] = []
            for part in body.split(separator: ";") where !part.allSatisfy(\.isWhitespace) {
                if let field = parseField(part) {
                    fields.append(field)
                } else {
                    problems.append("\(name): cannot parse field '\(part.trimmingCharacters(in: .whitespaces))'")
                }
            }
            var index: [Int: Int] = [:]
            for (i, field) in fields.enumerated() {
                if index[field.number] != nil { problems.append("\(name): field number \(field.number) twice") }
                index[field.number] = i
            }
            if messages[name] != nil { problems.append("message \(name) defined twice") }
            messages[name] = ProtoMessage(name: name, fields: fields, indexByNumber: index)
        }
        for message in messages.values {
            for field in message.fields {
                if case .message(let target) = field.kind, messages[target] == nil {
                    problems.append("\(message.name).\(field.jsonName): unknown message \(target)")
                }
            }
        }
        return ProtoSchemaSet(messages: messages, problems: problems.sorted())
    }

    private static func parseField(_ text: Substring) -> ProtoField? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = words.first, let number = Int(first), number >= 1,
              UInt64(number) <= ProtoReader.maxFieldNumber else { return nil }
        if words.count == 2, words[1].hasPrefix("^") {
            let target = String(words[1].dropFirst())
            guard !target.isEmpty else { return nil }
            return ProtoField(number: number, jsonName: "", kind: .message(target), shape: .inline, keepZero: false)
        }
        guard words.count == 3 else { return nil }
        var spec = Substring(words[2])
        let keepZero = spec.hasSuffix("!")
        if keepZero { spec = spec.dropLast() }
        var shape = ProtoShape.single
        if spec.hasPrefix("["), spec.hasSuffix("]") {
            shape = .repeated
        } else if spec.hasPrefix("{"), spec.hasSuffix("}") {
            shape = .map
        }
        if shape != .single { spec = spec.dropFirst().dropLast() }
        guard let kind = parseKind(spec) else { return nil }
        return ProtoField(number: number, jsonName: String(words[1]), kind: kind, shape: shape, keepZero: keepZero)
    }

    private static func parseKind(_ text: Substring) -> ProtoValueKind? {
        switch text {
        case "s": return .string
        case "b": return .bytes
        case "i32": return .int32
        case "i64": return .int64
        case "bool": return .bool
        case "f64": return .double
        case "T": return .time
        case "MT": return .microTime
        case "Q": return .quantity
        case "IOS": return .intOrString
        case "RAW": return .rawExtension
        case "FV1": return .fieldsV1
        case "XV": return .stringList
        default:
            guard let head = text.first, head.isUppercase,
                  text.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
            return .message(String(text))
        }
    }
}

/// The protobuf schemas of the built-in kinds kubectl's typed clients send, and which kind decodes as which
/// message.
enum KubeProtoSchemas {
    static let shared = ProtoSchemaSet.parse([
        KubeProtoTables.meta, KubeProtoTables.core, KubeProtoTables.volumes, KubeProtoTables.apps,
        KubeProtoTables.batch, KubeProtoTables.rbac, KubeProtoTables.policy, KubeProtoTables.networking,
        KubeProtoTables.scheduling, KubeProtoTables.auth, KubeProtoTables.autoscaling, KubeProtoTables.certificates,
    ])

    /// (apiVersion, kind) → top-level message. Only kinds whose whole object graph is in the tables belong here.
    static let kinds: [(apiVersion: String, kind: String, message: String)] = [
        ("v1", "Namespace", "Namespace"),
        ("v1", "ConfigMap", "ConfigMap"),
        ("v1", "Secret", "Secret"),
        ("v1", "ServiceAccount", "ServiceAccount"),
        ("v1", "Service", "Service"),
        ("v1", "ResourceQuota", "ResourceQuota"),
        ("v1", "LimitRange", "LimitRange"),
        ("v1", "Pod", "Pod"),
        ("v1", "PodTemplate", "PodTemplate"),
        ("v1", "ReplicationController", "ReplicationController"),
        ("v1", "PersistentVolumeClaim", "PersistentVolumeClaim"),
        ("apps/v1", "Deployment", "Deployment"),
        ("apps/v1", "StatefulSet", "StatefulSet"),
        ("apps/v1", "DaemonSet", "DaemonSet"),
        ("apps/v1", "ReplicaSet", "ReplicaSet"),
        ("apps/v1", "ControllerRevision", "ControllerRevision"),
        ("batch/v1", "Job", "Job"),
        ("batch/v1", "CronJob", "CronJob"),
        ("rbac.authorization.k8s.io/v1", "Role", "Role"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding", "RoleBinding"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole", "ClusterRole"),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "ClusterRoleBinding"),
        ("scheduling.k8s.io/v1", "PriorityClass", "PriorityClass"),
        ("policy/v1", "PodDisruptionBudget", "PodDisruptionBudget"),
        ("policy/v1", "Eviction", "Eviction"),
        ("networking.k8s.io/v1", "Ingress", "Ingress"),
        ("networking.k8s.io/v1", "IngressClass", "IngressClass"),
        ("networking.k8s.io/v1", "NetworkPolicy", "NetworkPolicy"),
        ("authentication.k8s.io/v1", "TokenRequest", "TokenRequest"),
        ("authentication.k8s.io/v1", "TokenReview", "TokenReview"),
        ("authentication.k8s.io/v1", "SelfSubjectReview", "SelfSubjectReview"),
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview", "SelfSubjectAccessReview"),
        ("authorization.k8s.io/v1", "SelfSubjectRulesReview", "SelfSubjectRulesReview"),
        ("authorization.k8s.io/v1", "SubjectAccessReview", "SubjectAccessReview"),
        ("authorization.k8s.io/v1", "LocalSubjectAccessReview", "LocalSubjectAccessReview"),
        ("autoscaling/v1", "HorizontalPodAutoscaler", "HorizontalPodAutoscaler"),
        ("autoscaling/v1", "Scale", "Scale"),
        ("autoscaling/v2", "HorizontalPodAutoscaler", "HorizontalPodAutoscalerV2"),
        ("certificates.k8s.io/v1", "CertificateSigningRequest", "CertificateSigningRequest"),
    ]

    private static let messageByKind: [String: String] = {
        var map: [String: String] = [:]
        for entry in kinds { map[entry.apiVersion + "/" + entry.kind] = entry.message }
        return map
    }()

    /// Kinds registered in every group version. Typed clients send DeleteOptions as the body of a DELETE
    /// (`kubectl drain --disable-eviction` deletes pods that way), tagged with the resource's group version.
    static let everyVersionKinds = ["DeleteOptions"]

    static func message(apiVersion: String, kind: String) -> ProtoMessage? {
        if everyVersionKinds.contains(kind) { return shared.messages[kind] }
        guard let name = messageByKind[apiVersion + "/" + kind] else { return nil }
        return shared.messages[name]
    }

    /// "v1 Namespace, v1 ConfigMap, apps/v1 Deployment, …" for error messages.
    static var supportedKindsList: String {
        (kinds.map { "\($0.apiVersion) \($0.kind)" } + everyVersionKinds.map { "*/\($0)" }).joined(separator: ", ")
    }
}
