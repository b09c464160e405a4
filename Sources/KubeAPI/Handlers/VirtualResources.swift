import KubeJSON

/// Resources that are created but never stored: bindings and the authentication/authorization reviews.
extension KubeAPIServer {
    func virtualCreate(type: ResourceType, namespace: String, object: JSON, request: APIRequest) async throws(APIError) -> APIResponse? {
        switch (type.group, type.plural) {
        case ("", "bindings"):
            let name = object[path: "metadata", "name"]?.stringValue ?? ""
            return try await bind(namespace: namespace, podName: name, binding: object, request: request)
        case ("authorization.k8s.io", "selfsubjectaccessreviews"), ("authorization.k8s.io", "subjectaccessreviews"),
             ("authorization.k8s.io", "localsubjectaccessreviews"):
            var review = try checkIdentity(object, type: type, namespace: namespace, name: nil)
            let user = type.plural == "selfsubjectaccessreviews" ? request.user
                : UserInfo(name: review[path: "spec", "user"]?.stringValue ?? "",
                           groups: (review[path: "spec", "groups"]?.arrayValue ?? []).compactMap(\.stringValue))
            let allowed = authorizes(user)
            var status: JSONObject = ["allowed": .bool(allowed)]
            if allowed { status["reason"] = "the simulator grants everything to cluster administrators" }
            review["status"] = .object(status)
            review[path: "metadata", "creationTimestamp"] = .null
            return .json(201, review.serialized())
        case ("authorization.k8s.io", "selfsubjectrulesreviews"):
            var review = try checkIdentity(object, type: type, namespace: namespace, name: nil)
            let all: JSON = ["*"]
            review["status"] = [
                "resourceRules": authorizes(request.user) ? [["verbs": all, "apiGroups": all, "resources": all]] : [],
                "nonResourceRules": authorizes(request.user) ? [["verbs": all, "nonResourceURLs": all]] : [],
                "incomplete": false,
            ]
            review[path: "metadata", "creationTimestamp"] = .null
            return .json(201, review.serialized())
        case ("authentication.k8s.io", "selfsubjectreviews"):
            var review = try checkIdentity(object, type: type, namespace: namespace, name: nil)
            review["status"] = ["userInfo": userJSON(request.user)]
            review[path: "metadata", "creationTimestamp"] = .null
            return .json(201, review.serialized())
        case ("authentication.k8s.io", "tokenreviews"):
            var review = try checkIdentity(object, type: type, namespace: namespace, name: nil)
            review["status"] = ["authenticated": false, "error": "token review is not supported by the simulator"]
            return .json(201, review.serialized())
        default:
            return nil
        }
    }

    /// Administrators may do anything; RBAC proper is on the roadmap.
    func authorizes(_ user: UserInfo) -> Bool {
        user.groups.contains("system:masters") || user.name == "system:admin"
    }

    func userJSON(_ user: UserInfo) -> JSON {
        ["username": .string(user.name), "groups": .array(user.groups.map(JSON.string))]
    }
}
