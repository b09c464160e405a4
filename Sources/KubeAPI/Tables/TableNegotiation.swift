import KubeJSON

/// How the response body should be transformed, as kube-apiserver decides it from the `Accept` header
/// (apiserver `negotiation.NegotiateMediaTypeOptions` with the REST scope's `AllowsMediaTypeTransform`).
public enum OutputConversion: Sendable, Equatable {
    /// The object itself (no `as=` parameter on the accepted clause).
    case object
    /// A `meta.k8s.io` Table; `apiVersion` is `meta.k8s.io/v1` or `meta.k8s.io/v1beta1`.
    case table(apiVersion: String)
    case partialObjectMetadata(apiVersion: String)
    case partialObjectMetadataList(apiVersion: String)
    /// No clause can be served: kube-apiserver answers 406 NotAcceptable.
    case notAcceptable
}

extension TablePrinting {
    /// True when the first acceptable `Accept` clause asks for a Table (`as=Table;g=meta.k8s.io;v=v1|v1beta1`
    /// on JSON or YAML).
    public static func wantsTable(accept: String?) -> Bool {
        if case .table = negotiateOutput(accept: accept) { return true }
        return false
    }

    /// The Table apiVersion the client accepted; `meta.k8s.io/v1` when it asked for none.
    public static func tableAPIVersion(accept: String?) -> String {
        if case .table(let apiVersion) = negotiateOutput(accept: accept) { return apiVersion }
        return "meta.k8s.io/v1"
    }

    /// The serializers kube-apiserver offers for built-in resources, in its preference order; a wildcard clause
    /// picks the first one that allows the requested conversion.
    private static let serializers: [(type: String, subType: String)] = [
        ("application", "json"), ("application", "yaml"), ("application", "vnd.kubernetes.protobuf"),
    ]

    public static func negotiateOutput(accept: String?) -> OutputConversion {
        guard let accept, !accept.isEmpty else { return .object }
        for clause in parseAccept(accept) {
            for serializer in serializers {
                let matches = (clause.type == serializer.type && clause.subType == serializer.subType)
                    || (clause.type == serializer.type && clause.subType == "*")
                    || (clause.type == "*" && clause.subType == "*")
                guard matches else { continue }
                if let result = conversion(clause.params, subType: serializer.subType) { return result }
            }
        }
        return .notAcceptable
    }

    /// `acceptMediaTypeOptions` + `AllowsMediaTypeTransform`: nil when this serializer cannot serve the clause.
    private static func conversion(_ params: [(String, String)], subType: String) -> OutputConversion? {
        var kind: String?, group: String?, version: String?
        for (key, value) in params {
            switch key {
            case "as": kind = value
            case "g": group = value
            case "v": version = value
            default: break
            }
        }
        guard kind != nil || group != nil || version != nil else { return .object }
        guard group == "meta.k8s.io", version == "v1" || version == "v1beta1" else { return nil }
        let apiVersion = "meta.k8s.io/" + (version ?? "v1")
        switch kind {
        case "Table":
            // Tables have no protobuf encoding in the generic handlers.
            return subType == "json" || subType == "yaml" ? .table(apiVersion: apiVersion) : nil
        case "PartialObjectMetadata": return .partialObjectMetadata(apiVersion: apiVersion)
        case "PartialObjectMetadataList": return .partialObjectMetadataList(apiVersion: apiVersion)
        default: return nil
        }
    }

    struct AcceptClause {
        var type: String
        var subType: String
        var q: Double
        var params: [(String, String)]
    }

    /// goautoneg.ParseAccept: comma-separated clauses, malformed ones skipped, then sorted by q and specificity.
    static func parseAccept(_ header: String) -> [AcceptClause] {
        var clauses: [AcceptClause] = []
        for rawPart in header.split(separator: ",", omittingEmptySubsequences: true) {
            let part = trim(rawPart)
            let pieces = part.split(separator: ";", omittingEmptySubsequences: false)
            let typeParts = pieces[0].split(separator: "/", omittingEmptySubsequences: false)
            var clause = AcceptClause(type: trim(typeParts[0]), subType: "", q: 1, params: [])
            if typeParts.count == 1 {
                guard clause.type == "*" else { continue }
                clause.subType = "*"
            } else if typeParts.count == 2 {
                clause.subType = trim(typeParts[1])
            } else {
                continue
            }
            for param in pieces.dropFirst() {
                let kv = param.split(separator: "=", omittingEmptySubsequences: false)
                guard kv.count == 2 else { continue }
                let key = trim(kv[0])
                if key == "q" {
                    clause.q = Double(trim(kv[1])) ?? 0
                } else {
                    clause.params.append((key, trim(kv[1])))
                }
            }
            clauses.append(clause)
        }
        // Go's sort.Sort is an insertion sort for the few clauses a header has; reproduce it so ties keep the
        // same order as upstream.
        func less(_ a: AcceptClause, _ b: AcceptClause) -> Bool {
            if a.q > b.q { return true }
            if a.type != "*" && b.type == "*" { return true }
            if a.subType != "*" && b.subType == "*" { return true }
            return false
        }
        if clauses.count <= 12 {
            for i in clauses.indices.dropFirst() {
                var j = i
                while j > 0 && less(clauses[j], clauses[j - 1]) {
                    clauses.swapAt(j, j - 1)
                    j -= 1
                }
            }
        } else {
            clauses = clauses.enumerated().sorted { a, b in
                if less(a.element, b.element) { return true }
                if less(b.element, a.element) { return false }
                return a.offset < b.offset
            }.map(\.element)
        }
        return clauses
    }

    private static func trim<S: StringProtocol>(_ s: S) -> String {
        var slice = Substring(s)
        while let c = slice.first, c == " " || c == "\t" { slice.removeFirst() }
        while let c = slice.last, c == " " || c == "\t" { slice.removeLast() }
        return String(slice)
    }
}
