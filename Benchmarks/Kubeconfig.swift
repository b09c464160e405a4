import Foundation

/// PEM bytes and where they came from (`certificate-authority-data` of a file, or a path), for messages.
struct PEMSource {
    var pem: [UInt8]
    var source: String
}

/// What the tool takes from a kubeconfig: the current context's server, its CA and TLS options, and its
/// user's client certificate or token. Other authentication (exec plugins, auth providers, basic auth) is not
/// supported and is refused by name.
struct KubeconfigCredentials {
    var path: String
    var context: String
    var server: String?
    var certificateAuthority: PEMSource?
    var insecureSkipTLSVerify = false
    var tlsServerName: String?
    var clientCertificate: PEMSource?
    var clientKey: PEMSource?
    var token: String?

    static func load(path: String) throws -> KubeconfigCredentials {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw HTTPError("cannot read the kubeconfig \(path): \(error.localizedDescription)")
        }
        let root: YAMLNode
        do {
            root = try YAMLNode.parse(text)
        } catch {
            throw HTTPError("cannot read the kubeconfig \(path): \(error)")
        }
        return try KubeconfigCredentials(root, path: path)
    }

    init(_ root: YAMLNode, path: String) throws {
        self.path = path
        func fail(_ text: String) -> HTTPError { HTTPError("kubeconfig \(path): \(text)") }
        guard let current = root["current-context"]?.string, !current.isEmpty else {
            throw fail("no current-context")
        }
        context = current
        func named(_ list: String, _ name: String) -> YAMLNode? {
            root[list]?.items.first { $0["name"]?.string == name }
        }
        guard let context = named("contexts", current)?["context"] else {
            throw fail("no context named \(current)")
        }
        guard let clusterName = context["cluster"]?.string, let cluster = named("clusters", clusterName)?["cluster"] else {
            throw fail("context \(current) names no cluster that the file has")
        }
        // Relative paths in a kubeconfig are relative to the file itself.
        let directory = (path as NSString).deletingLastPathComponent
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") || directory.isEmpty ? file : (directory as NSString).appendingPathComponent(file)
        }
        func pem(_ node: YAMLNode, data dataKey: String, file fileKey: String) throws -> PEMSource? {
            if let encoded = node[dataKey]?.string, !encoded.isEmpty {
                guard let decoded = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
                    throw fail("\(dataKey) is not base64")
                }
                return PEMSource(pem: Array(decoded), source: "\(dataKey) of \(path)")
            }
            if let file = node[fileKey]?.string, !file.isEmpty {
                let resolved = resolve(file)
                guard let bytes = FileManager.default.contents(atPath: resolved) else {
                    throw fail("cannot read \(fileKey) \(resolved)")
                }
                return PEMSource(pem: Array(bytes), source: resolved)
            }
            return nil
        }
        server = cluster["server"]?.string
        certificateAuthority = try pem(cluster, data: "certificate-authority-data", file: "certificate-authority")
        insecureSkipTLSVerify = cluster["insecure-skip-tls-verify"]?.string == "true"
        tlsServerName = cluster["tls-server-name"]?.string.flatMap { $0.isEmpty ? nil : $0 }

        // A context may name no user (anonymous); one it names must exist.
        guard let userName = context["user"]?.string, !userName.isEmpty else { return }
        guard let user = named("users", userName)?["user"] else {
            throw fail("context \(current) names user \(userName), which the file does not have")
        }
        for unsupported in ["exec", "auth-provider", "username"] where user[unsupported] != nil {
            throw fail("user \(userName) authenticates with \(unsupported), which this tool does not support "
                + "(client certificates and tokens only)")
        }
        clientCertificate = try pem(user, data: "client-certificate-data", file: "client-certificate")
        clientKey = try pem(user, data: "client-key-data", file: "client-key")
        if let value = user["token"]?.string, !value.isEmpty {
            token = value
        } else if let file = user["tokenFile"]?.string, !file.isEmpty {
            let resolved = resolve(file)
            guard let contents = try? String(contentsOfFile: resolved, encoding: .utf8) else {
                throw fail("cannot read tokenFile \(resolved)")
            }
            token = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

/// The YAML a kubeconfig is written in: block mappings and sequences by indentation, plain and quoted
/// scalars, and the empty `{}` and `[]`. Enough for what kubectl, kind, k3s and this project write; anchors,
/// multi-line scalars and flow collections with content are refused rather than misread.
indirect enum YAMLNode {
    case scalar(String)
    case mapping([(key: String, value: YAMLNode)])
    case sequence([YAMLNode])

    var string: String? {
        if case .scalar(let text) = self { return text }
        return nil
    }

    var items: [YAMLNode] {
        if case .sequence(let items) = self { return items }
        return []
    }

    subscript(key: String) -> YAMLNode? {
        if case .mapping(let pairs) = self { return pairs.first { $0.key == key }?.value }
        return nil
    }

    static func parse(_ text: String) throws -> YAMLNode {
        var reader = YAMLReader(text)
        return try reader.document()
    }
}

private struct YAMLReader {
    struct Line {
        var number: Int
        var indent: Int
        var text: Substring  // without the indentation and a trailing comment
    }

    var lines: [Line] = []
    var index = 0

    init(_ text: String) {
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw
            if line.hasSuffix("\r") { line = line.dropLast() }
            let indent = line.prefix { $0 == " " }.count
            let content = YAMLReader.stripComment(line.dropFirst(indent))
            if content.isEmpty || content == "---" || content == "..." { continue }
            lines.append(Line(number: offset + 1, indent: indent, text: content))
        }
    }

    /// Drops a ` #` comment outside quotes and trailing blanks.
    static func stripComment(_ text: Substring) -> Substring {
        var quote: Character?
        var previous: Character = " "
        var cut = text.endIndex
        for i in text.indices {
            let c = text[i]
            if let open = quote {
                if c == open { quote = nil }
            } else if c == "'" || c == "\"" {
                if previous == " " || previous == ":" || previous == "-" || i == text.startIndex { quote = c }
            } else if c == "#", previous == " " || i == text.startIndex {
                cut = i
                break
            }
            previous = c
        }
        var result = text[..<cut]
        while result.last == " " || result.last == "\t" { result = result.dropLast() }
        return result
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func fail(_ text: String) -> Failure {
        let at = index < lines.count ? "line \(lines[index].number): " : ""
        return Failure(description: at + text)
    }

    mutating func document() throws -> YAMLNode {
        guard !lines.isEmpty else { return .mapping([]) }
        let node = try block(indent: lines[0].indent)
        if index < lines.count { throw fail("unexpected indentation") }
        return node
    }

    /// The block starting at the current line, which sits at `indent`.
    mutating func block(indent: Int) throws -> YAMLNode {
        let line = lines[index]
        if line.text == "-" || line.text.hasPrefix("- ") { return try sequence(indent: indent) }
        return try mapping(indent: indent)
    }

    mutating func sequence(indent: Int) throws -> YAMLNode {
        var items: [YAMLNode] = []
        while index < lines.count, lines[index].indent == indent,
              lines[index].text == "-" || lines[index].text.hasPrefix("- ") {
            let rest = lines[index].text.dropFirst()
            let spaces = rest.prefix { $0 == " " }.count
            let content = rest.dropFirst(spaces)
            if content.isEmpty {
                index += 1
                if index < lines.count, lines[index].indent > indent {
                    items.append(try block(indent: lines[index].indent))
                } else {
                    items.append(.scalar(""))
                }
            } else if YAMLReader.keyEnd(content) != nil || content.hasPrefix("- ") {
                // "- key: value" opens a mapping whose keys line up with `key`: read the line as if the dash
                // were a space.
                let column = indent + 1 + spaces
                lines[index].indent = column
                lines[index].text = content
                items.append(try block(indent: column))
            } else {
                items.append(try scalar(content))
                index += 1
            }
        }
        return .sequence(items)
    }

    mutating func mapping(indent: Int) throws -> YAMLNode {
        var pairs: [(key: String, value: YAMLNode)] = []
        while index < lines.count, lines[index].indent == indent {
            let text = lines[index].text
            if text == "-" || text.hasPrefix("- ") { break }
            guard let colon = YAMLReader.keyEnd(text) else { throw fail("expected `key: value`") }
            let key = try YAMLReader.unquote(text[..<colon])
            let rest = text[text.index(after: colon)...].drop { $0 == " " }
            if !rest.isEmpty {
                pairs.append((key, try scalar(rest)))
                index += 1
                continue
            }
            index += 1
            if index < lines.count, lines[index].indent > indent {
                pairs.append((key, try block(indent: lines[index].indent)))
            } else if index < lines.count, lines[index].indent == indent,
                      lines[index].text == "-" || lines[index].text.hasPrefix("- ") {
                pairs.append((key, try sequence(indent: indent)))  // kubectl writes lists flush with the key
            } else {
                pairs.append((key, .scalar("")))
            }
        }
        if index < lines.count, lines[index].indent > indent { throw fail("unexpected indentation") }
        return .mapping(pairs)
    }

    mutating func scalar(_ text: Substring) throws -> YAMLNode {
        if text == "{}" { return .mapping([]) }
        if text == "[]" { return .sequence([]) }
        if text == "null" || text == "~" { return .scalar("") }
        if let first = text.first, "{[&*|>!".contains(first) {
            throw fail("\(first) is beyond the YAML a kubeconfig needs")
        }
        return .scalar(try YAMLReader.unquote(text))
    }

    /// The colon ending a mapping key (`key:` at the end or followed by a space), outside quotes.
    static func keyEnd(_ text: Substring) -> Substring.Index? {
        var quote: Character?
        for i in text.indices {
            let c = text[i]
            if let open = quote {
                if c == open { quote = nil }
                continue
            }
            if i == text.startIndex, c == "'" || c == "\"" { quote = c; continue }
            if c == ":" {
                let next = text.index(after: i)
                if next == text.endIndex || text[next] == " " { return i }
            }
        }
        return nil
    }

    static func unquote(_ text: Substring) throws -> String {
        if text.count >= 2, text.first == "'", text.last == "'" {
            return String(text.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        if text.count >= 2, text.first == "\"", text.last == "\"" {
            var result = ""
            var escaped = false
            for c in text.dropFirst().dropLast() {
                if escaped {
                    switch c {
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    case "\\", "\"", "/": result.append(c)
                    default: throw Failure(description: "unsupported escape \\\(c) in \(text)")
                    }
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else {
                    result.append(c)
                }
            }
            return result
        }
        return String(text)
    }
}
