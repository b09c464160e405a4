import Foundation
import KubeJSON

/// Decoding of `application/vnd.kubernetes.protobuf` request bodies.
///
/// Since client-go 1.32 the typed clients of built-in kinds send protobuf, so kubectl 1.32+ posts protobuf for
/// `create namespace|configmap|secret|deployment|…`, `create token`, `auth can-i` and `auth whoami`, and a 415
/// answer is fatal to it (it falls back only from CBOR). The body is `k8s\0` followed by a `runtime.Unknown`
/// envelope `{1: TypeMeta{1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding, 4: contentType}`; `raw` is the
/// object itself. The result is the JSON object kube-apiserver would have received as JSON, so the rest of the
/// request path does not know the difference.
enum ProtobufBodies {
    static let mediaType = "application/vnd.kubernetes.protobuf"
    static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]

    /// nil when `contentType` is not protobuf; the decoded object (`apiVersion` and `kind` first) otherwise.
    /// Malformed bytes are 400 BadRequest; a kind without a schema here is 415 UnsupportedMediaType.
    static func decode(contentType: String, body: [UInt8]) throws(APIError) -> JSON? {
        let type = contentType.split(separator: ";", maxSplits: 1).first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard type == mediaType else { return nil }
        guard body.count >= magic.count, body.prefix(magic.count).elementsEqual(magic) else {
            throw malformed("provided data does not appear to be a protobuf message, expected prefix \(magic)")
        }
        let envelope: Envelope
        do throws(ProtoWireError) {
            envelope = try Envelope.read(body, from: magic.count)
        } catch {
            throw malformed(error.description)
        }
        guard !envelope.kind.isEmpty else { throw malformed("Object 'Kind' is missing in the protobuf envelope") }
        guard !envelope.apiVersion.isEmpty else {
            throw malformed("Object 'apiVersion' is missing in the protobuf envelope")
        }
        guard let message = KubeProtoSchemas.message(apiVersion: envelope.apiVersion, kind: envelope.kind) else {
            throw unsupported("\(envelope.apiVersion) \(envelope.kind)")
        }
        guard envelope.contentEncoding.isEmpty else {
            throw unsupported("content encoding \(envelope.contentEncoding)")
        }
        let object: JSONObject
        do throws(ProtoWireError) {
            object = try ProtoJSONDecoder(schemas: KubeProtoSchemas.shared)
                .decode(body, range: envelope.raw, as: message)
        } catch {
            throw malformed(error.description)
        }
        var result = JSONObject([("apiVersion", .string(envelope.apiVersion)), ("kind", .string(envelope.kind))])
        result.entries += object.entries
        return .object(result)
    }

    /// The `runtime.Unknown` wrapper around the object.
    struct Envelope {
        var apiVersion = ""
        var kind = ""
        var raw: Range<Int>
        var contentEncoding = ""
        var contentType = ""

        static func read(_ body: [UInt8], from start: Int) throws(ProtoWireError) -> Envelope {
            var envelope = Envelope(raw: body.count..<body.count)
            var reader = ProtoReader(body, range: start..<body.count)
            while true {
                let offset = reader.position
                guard let (number, value) = try reader.readField() else { break }
                guard number <= 4 else { continue }
                guard case .bytes(let range) = value else {
                    throw ProtoWireError(message: "wrong wire type for field \(number) of runtime.Unknown",
                                         offset: offset)
                }
                switch number {
                case 1:
                    var typeMeta = ProtoReader(body, range: range)
                    while true {
                        let metaOffset = typeMeta.position
                        guard let (metaNumber, metaValue) = try typeMeta.readField() else { break }
                        guard metaNumber <= 2 else { continue }
                        guard case .bytes(let text) = metaValue else {
                            throw ProtoWireError(message: "wrong wire type in TypeMeta", offset: metaOffset)
                        }
                        if metaNumber == 1 { envelope.apiVersion = typeMeta.string(text) }
                        else { envelope.kind = typeMeta.string(text) }
                    }
                case 2: envelope.raw = range
                case 3: envelope.contentEncoding = reader.string(range)
                default: envelope.contentType = reader.string(range)
                }
            }
            return envelope
        }
    }

    private static func malformed(_ detail: String) -> APIError {
        .badRequest("the body of the request could not be decoded as protobuf: \(detail)")
    }

    private static func unsupported(_ what: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType",
                 message: "the body of the request was in an unknown format - accepted media types include: "
                    + "application/json, application/yaml; \(mediaType) is decoded only for "
                    + KubeProtoSchemas.supportedKindsList + ", not for \(what)")
    }
}
