import KubeJSON

// The parts of CRD validation outside the schema: conversion, stored versions, the API approval annotation
// of protected groups, preserveUnknownFields, and the fields an update may not change.
extension CRDValidator {
    func conversionErrors(path: FieldPath) -> [FieldError] {
        guard let conversion = spec["conversion"]?.objectValue else { return [] }
        var errors: [FieldError] = []
        let strategy = conversion["strategy"]?.stringValue ?? ""
        if !strategy.isEmpty && strategy != "None" && preserveUnknownFields {
            errors.append(SchemaErrors.invalid(path.child("strategy"), .string(strategy),
                "must be None if spec.preserveUnknownFields is true"))
        }
        errors += enumErrors(path.child("strategy"), strategy, ["None", "Webhook"])
        // the internal form flattens webhook.clientConfig and webhook.conversionReviewVersions
        let clientConfig = conversion["webhook"]?["clientConfig"].flatMap { $0.isNull ? nil : $0 }
        let reviewVersions = conversion["webhook"]?["conversionReviewVersions"]?.arrayValue
        let configPath = path.child("webhookClientConfig")
        if strategy == "Webhook" {
            if let config = clientConfig {
                let url = config["url"]?.stringValue
                let service = config["service"].flatMap { $0.isNull ? nil : $0 }
                if (url == nil) == (service == nil) {
                    errors.append(SchemaErrors.required(configPath, "exactly one of url or service is required"))
                } else if let url {
                    errors += webhookURLErrors(url, path: configPath.child("url"))
                } else if let service {
                    errors += webhookServiceErrors(service, path: configPath.child("service"))
                }
            } else {
                errors.append(SchemaErrors.required(configPath, "required when strategy is set to Webhook"))
            }
            errors += reviewVersionErrors(reviewVersions ?? [], path: path.child("conversionReviewVersions"))
        } else {
            if clientConfig != nil {
                errors.append(SchemaErrors.forbidden(configPath, "should not be set when strategy is not set to Webhook"))
            }
            if let reviewVersions, !reviewVersions.isEmpty {
                errors.append(SchemaErrors.forbidden(path.child("conversionReviewVersions"),
                    "should not be set when strategy is not set to Webhook"))
            }
        }
        return errors
    }

    private func reviewVersionErrors(_ versions: [JSON], path: FieldPath) -> [FieldError] {
        guard !versions.isEmpty else { return [SchemaErrors.required(path)] }
        var errors: [FieldError] = []
        var seen: Set<String> = []
        var recognized = false
        for (i, v) in versions.enumerated() {
            let name = v.stringValue ?? ""
            if !seen.insert(name).inserted {
                errors.append(SchemaErrors.invalid(path.index(i), .string(name), "duplicate version"))
                continue
            }
            for problem in CRDNameRules.dns1035LabelErrors(name) {
                errors.append(SchemaErrors.invalid(path.index(i), .string(name), problem))
            }
            if name == "v1" || name == "v1beta1" { recognized = true }
        }
        if !recognized {
            let list = "[]string{" + versions.map { GoFormat.quote($0.stringValue ?? "") }.joined(separator: ", ") + "}"
            errors.append(SchemaErrors.invalid(path, rendered: list, "must include at least one of v1, v1beta1"))
        }
        return errors
    }

    private func webhookURLErrors(_ url: String, path: FieldPath) -> [FieldError] {
        let form = "; desired format: https://host[/path]"
        var errors: [FieldError] = []
        var rest = Substring(url)
        var scheme = ""
        if let colon = rest.firstIndex(of: ":"), !rest[..<colon].contains("/") {
            scheme = String(rest[..<colon]).lowercased()
            rest = rest[rest.index(after: colon)...]
        }
        var fragment = "", query = ""
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        var host = "", user: String?
        if rest.hasPrefix("//") {
            var authority = rest.dropFirst(2)
            if let slash = authority.firstIndex(of: "/") { authority = authority[..<slash] }
            if let at = authority.lastIndex(of: "@") {
                user = String(authority[..<at])
                authority = authority[authority.index(after: at)...]
            }
            host = String(authority)
        }
        if scheme != "https" {
            errors.append(SchemaErrors.invalid(path, .string(scheme), "'https' is the only allowed URL scheme" + form))
        }
        if host.isEmpty { errors.append(SchemaErrors.invalid(path, .string(host), "host must be specified" + form)) }
        if let user { errors.append(SchemaErrors.invalid(path, .string(user), "user information is not permitted in the URL")) }
        if !fragment.isEmpty { errors.append(SchemaErrors.invalid(path, .string(fragment), "fragments are not permitted in the URL")) }
        if !query.isEmpty { errors.append(SchemaErrors.invalid(path, .string(query), "query parameters are not permitted in the URL")) }
        return errors
    }

    private func webhookServiceErrors(_ service: JSON, path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if (service["name"]?.stringValue ?? "").isEmpty {
            errors.append(SchemaErrors.required(path.child("name"), "service name is required"))
        }
        if (service["namespace"]?.stringValue ?? "").isEmpty {
            errors.append(SchemaErrors.required(path.child("namespace"), "service namespace is required"))
        }
        if let port = service["port"]?.intValue, port < 1 || port > 65535 {
            errors.append(SchemaErrors.invalid(path.child("port"), .int(port), "port is not valid: must be between 1 and 65535, inclusive"))
        }
        return errors
    }

    // MARK: status

    func storedVersionsErrors() -> [FieldError] {
        let path = FieldPath("status").child("storedVersions")
        let stored = (crd[path: "status", "storedVersions"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
        let rendered = "[]string{" + stored.map { GoFormat.quote($0) }.joined(separator: ", ") + "}"
        if stored.isEmpty {
            return [SchemaErrors.invalid(path, rendered: stored.isEmpty ? "[]string(nil)" : rendered,
                "must have at least one stored version")]
        }
        var errors: [FieldError] = []
        var remaining: [String: Int] = [:]
        for (i, v) in stored.enumerated() { remaining[v] = i }
        for version in versions {
            let name = version["name"]?.stringValue ?? ""
            let isStored = remaining[name] != nil
            if version["storage"]?.boolValue == true && !isStored {
                errors.append(SchemaErrors.invalid(path, rendered: rendered, "must have the storage version \(name)"))
            }
            remaining[name] = nil
        }
        for (name, i) in remaining.sorted(by: { $0.value < $1.value }) {
            errors.append(SchemaErrors.invalid(path.index(i), .string(name),
                "missing from spec.versions; \(name) was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in \(name) and removes \(name) from status.storedVersions"))
        }
        return errors
    }

    // MARK: annotations, preserveUnknownFields, immutables

    /// Groups under k8s.io and kubernetes.io need the `api-approved.kubernetes.io` annotation.
    func apiApprovalErrors() -> [FieldError] {
        let group = spec["group"]?.stringValue ?? ""
        let protected = group == "k8s.io" || group.hasSuffix(".k8s.io") || group == "kubernetes.io"
            || group.hasSuffix(".kubernetes.io")
        guard protected else { return [] }
        let key = "api-approved.kubernetes.io"
        let newState = Self.approvalState(crd[path: "metadata", "annotations", key]?.stringValue ?? "")
        if let old, Self.approvalState(old[path: "metadata", "annotations", key]?.stringValue ?? "") == newState {
            return []
        }
        let path = FieldPath("metadata").child("annotations").key(key)
        let see = "see https://github.com/kubernetes/enhancements/pull/1111"
        switch newState {
        case .missing:
            return [SchemaErrors.required(path, "protected groups must have approval annotation \(GoFormat.quote(key)), \(see)")]
        case .invalid:
            let value = crd[path: "metadata", "annotations", key]?.stringValue ?? ""
            return [SchemaErrors.invalid(path, .string(value),
                "protected groups must have approval annotation \(GoFormat.quote(key)) with either a URL or a reason starting with \"unapproved\", \(see)")]
        case .approved, .bypassed:
            return []
        }
    }

    enum ApprovalState { case missing, bypassed, approved, invalid }

    static func approvalState(_ annotation: String) -> ApprovalState {
        if annotation.isEmpty { return .missing }
        if annotation.hasPrefix("unapproved") { return .bypassed }
        if let range = annotation.firstRange(of: "://"), range.lowerBound != annotation.startIndex,
            !annotation[range.upperBound...].isEmpty, !annotation.contains(" ")
        {
            return .approved
        }
        return .invalid
    }

    func preserveUnknownFieldsErrors() -> [FieldError] {
        if let old, old[path: "spec", "preserveUnknownFields"]?.boolValue == true { return [] }
        guard preserveUnknownFields else { return [] }
        return [SchemaErrors.invalid(FieldPath("spec").child("preserveUnknownFields"), true,
            "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead")]
    }

    func immutableFieldErrors(_ old: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = FieldPath("spec")
        func immutable(_ path: FieldPath, _ keys: String...) {
            let new = crd.lookup(["spec"] + keys) ?? .string("")
            let previous = old.lookup(["spec"] + keys) ?? .string("")
            if new != previous { errors.append(SchemaErrors.invalid(path, new, "field is immutable")) }
        }
        let established = (old[path: "status", "conditions"]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Established" && $0["status"]?.stringValue == "True"
        }
        if established {
            immutable(spec.child("scope"), "scope")
            immutable(spec.child("names").child("kind"), "names", "kind")
        }
        immutable(spec.child("group"), "group")
        immutable(spec.child("names").child("plural"), "names", "plural")
        return errors
    }
}
