import Foundation
import KubeJSON
import KubeStore

/// The label and field selectors of a list or watch, checked against what the resource supports.
struct ListSelection: Sendable {
    var labels: LabelSelector?
    var fields: FieldSelector?

    init(labels: LabelSelector? = nil, fields: FieldSelector? = nil) {
        self.labels = labels
        self.fields = fields
    }

    init(_ request: APIRequest, type: ResourceType) throws(APIError) {
        if let text = request.queryValue("labelSelector"), !text.isEmpty {
            do { labels = try LabelSelector.parse(text) } catch {
                throw .badRequest("unable to parse requirement: \(error)")
            }
        }
        if let text = request.queryValue("fieldSelector"), !text.isEmpty {
            let selector: FieldSelector
            do { selector = try FieldSelector.parse(text) } catch { throw .badRequest("\(error)") }
            for requirement in selector.requirements {
                let field = requirement.field
                let supported = field == "metadata.name" || (type.namespaced && field == "metadata.namespace")
                    || type.selectableFields[field] != nil
                if !supported {
                    throw .badRequest("field label not supported: \(field)")
                }
            }
            fields = selector
        }
    }

    var isEmpty: Bool { labels == nil && fields == nil }

    func matches(_ attributes: ObjectAttributes) -> Bool {
        if let labels, !labels.matches(attributes.labels) { return false }
        if let fields, !fields.matches(attributes.fields) { return false }
        return true
    }
}

/// The opaque continue token: the revision of the first page and the key to resume after, as kube-apiserver
/// encodes it.
struct ContinueToken {
    var revision: Int64
    var start: String

    func encoded() -> String {
        let json: JSON = ["v": "meta.k8s.io/v1", "rv": .int(revision), "start": .string(start + "\u{0}")]
        return Data(json.serialized()).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ token: String) -> ContinueToken? {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let json = try? JSONParser.parse([UInt8](data)),
              json["v"]?.stringValue == "meta.k8s.io/v1", let rv = json["rv"]?.intValue, rv > 0,
              var start = json["start"]?.stringValue else { return nil }
        if start.hasSuffix("\u{0}") { start.removeLast() }
        return ContinueToken(revision: rv, start: start)
    }
}

extension KubeAPIServer {
    /// Parses `resourceVersion`, `resourceVersionMatch` and `continue` into the revision to read at.
    func listRevision(_ request: APIRequest, continueToken: ContinueToken?) throws(APIError) -> Int64? {
        let rv = request.queryValue("resourceVersion") ?? ""
        let match = request.queryValue("resourceVersionMatch") ?? ""
        if let continueToken {
            if !rv.isEmpty && rv != "0" { throw .badRequest("specifying resource version is not allowed when using continue") }
            return continueToken.revision
        }
        if !match.isEmpty && rv.isEmpty {
            throw .badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided")
        }
        guard !rv.isEmpty, rv != "0" else {
            if match == "Exact" { throw .badRequest("resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"") }
            return nil
        }
        guard let revision = Int64(rv), revision > 0 else {
            throw APIError(code: 400, reason: "BadRequest", message: "invalid resource version: \(rv)")
        }
        switch match {
        case "Exact": return revision
        case "", "NotOlderThan":
            let current = store.currentRevision
            if revision > current { throw .timeout("Too large resource version: \(revision), current: \(current)") }
            return nil
        default:
            throw .badRequest("resourceVersionMatch: Unsupported value: \"\(match)\": supported values: \"Exact\", \"NotOlderThan\"")
        }
    }

    func listResponse(type: ResourceType, namespace: String?, request: APIRequest) throws(APIError) -> APIResponse {
        let selection = try ListSelection(request, type: type)
        var token: ContinueToken?
        if let text = request.queryValue("continue"), !text.isEmpty {
            guard let decoded = ContinueToken.decode(text) else { throw .badRequest("continue key is not valid: \(text)") }
            token = decoded
        }
        let revision = try listRevision(request, continueToken: token)
        let limit = request.queryValue("limit").flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
        let snapshot: ListSnapshot
        do {
            snapshot = try store.list(resource: type.storageResource, namespace: namespace, atRevision: revision)
        } catch .expired {
            if token != nil {
                throw .expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
            }
            throw .expired("The resourceVersion for the provided list is too old.")
        } catch {
            throw APIError.from(error, resource: type.groupResource)
        }
        var items = snapshot.items[...]
        if let token {
            let start = token.start
            let index = items.firstIndex { $0.key.sortKey > start } ?? items.endIndex
            items = items[index...]
        }
        var selected: [StoredObject] = []
        var next: String?
        var remaining = 0
        for (offset, item) in zip(items.indices, items) where selection.matches(item.attributes) {
            if let limit, selected.count == limit {
                next = selected.last?.key.sortKey
                remaining = items.distance(from: offset, to: items.endIndex)
                break
            }
            selected.append(item)
        }
        let continueToken = next.map { ContinueToken(revision: snapshot.revision, start: $0).encoded() }
        let remainingCount = next != nil && selection.isEmpty ? remaining : nil
        switch TablePrinting.negotiateOutput(accept: request.header("accept")) {
        case .table(let apiVersion):
            if let error = TablePrinting.validateIncludeObject(request.queryValue("includeObject")) { throw error }
            let table = TablePrinting.table(type: type, objects: selected.map { $0.json() },
                                            includeObject: request.queryValue("includeObject"), noHeaders: false,
                                            resourceVersion: String(snapshot.revision), continueToken: continueToken,
                                            remainingItemCount: remainingCount, now: Timestamp.now(), apiVersion: apiVersion)
            return .json(200, table.serialized())
        case .partialObjectMetadataList(let apiVersion), .partialObjectMetadata(let apiVersion):
            return .json(200, PartialObjectMetadata.list(selected.map { $0.json() }, apiVersion: apiVersion,
                                                         resourceVersion: String(snapshot.revision),
                                                         continueToken: continueToken, remaining: remainingCount).serialized())
        case .object, .notAcceptable:
            break
        }
        var writer = JSONWriter(reservingCapacity: selected.reduce(256) { $0 + $1.bytes.count + 1 })
        writer.writeRaw("{\"kind\":")
        writer.writeString(type.listKind)
        writer.writeRaw(",\"apiVersion\":")
        writer.writeString(type.groupVersion)
        writer.writeRaw(",\"metadata\":{\"resourceVersion\":\"\(snapshot.revision)\"")
        if let continueToken {
            writer.writeRaw(",\"continue\":")
            writer.writeString(continueToken)
            if let remainingCount { writer.writeRaw(",\"remainingItemCount\":\(remainingCount)") }
        }
        writer.writeRaw("},\"items\":[")
        for (i, item) in selected.enumerated() {
            if i > 0 { writer.writeRaw(",") }
            writer.writeRaw(item.bytes)
        }
        writer.writeRaw("]}")
        return .json(200, writer.bytes)
    }
}

/// `as=PartialObjectMetadata` views: metadata only, as metadata informers ask for.
enum PartialObjectMetadata {
    static func object(_ object: JSON, apiVersion: String) -> JSON {
        ["kind": "PartialObjectMetadata", "apiVersion": .string(apiVersion), "metadata": object["metadata"] ?? .object(JSONObject())]
    }

    static func list(_ objects: [JSON], apiVersion: String, resourceVersion: String, continueToken: String?, remaining: Int?) -> JSON {
        var metadata: JSONObject = ["resourceVersion": .string(resourceVersion)]
        if let continueToken { metadata["continue"] = .string(continueToken) }
        if let remaining { metadata["remainingItemCount"] = .int(Int64(remaining)) }
        return ["kind": "PartialObjectMetadataList", "apiVersion": .string(apiVersion), "metadata": .object(metadata),
                "items": .array(objects.map { self.object($0, apiVersion: apiVersion) })]
    }
}
