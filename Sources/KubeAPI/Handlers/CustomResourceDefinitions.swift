import KubeJSON
import KubeStore

/// Serving CustomResourceDefinitions: each established CRD adds its resource to the registry at once, and
/// its objects are validated, pruned and defaulted by the version's schema.
extension KubeAPIServer {
    static let crdResource = "apiextensions.k8s.io/customresourcedefinitions"

    /// Registers the resources of every stored CRD; called at start-up and after each CRD change.
    public func reloadCustomResources() {
        let crds = (try? store.list(resource: Self.crdResource, namespace: nil, atRevision: nil).items) ?? []
        var types: [ResourceType] = []
        var claimed = Set(registry.allTypes().filter { $0.custom == nil }.map { "\($0.group)/\($0.plural)" })
        for crd in crds {
            let json = crd.json()
            guard json[path: "metadata", "deletionTimestamp"] == nil else { continue }
            let group = json[path: "spec", "group"]?.stringValue ?? ""
            let plural = json[path: "spec", "names", "plural"]?.stringValue ?? ""
            guard !claimed.contains("\(group)/\(plural)") else { continue }
            claimed.insert("\(group)/\(plural)")
            types += Self.resourceTypes(of: json)
        }
        registry.setCustomTypes(types)
    }

    static func resourceTypes(of crd: JSON) -> [ResourceType] {
        let spec = crd["spec"] ?? .null
        let group = spec["group"]?.stringValue ?? ""
        let names = spec["names"] ?? .null
        guard let kind = names["kind"]?.stringValue, let plural = names["plural"]?.stringValue else { return [] }
        let namespaced = spec["scope"]?.stringValue != "Cluster"
        var types: [ResourceType] = []
        for version in spec["versions"]?.arrayValue ?? [] where version["served"]?.boolValue ?? true {
            guard let name = version["name"]?.stringValue else { continue }
            var type = ResourceType(group: group, version: name, kind: kind, plural: plural,
                                    singular: names["singular"]?.stringValue ?? kind.lowercased(), namespaced: namespaced,
                                    storageResource: "\(group)/\(plural)")
            type.shortNames = (names["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue)
            type.categories = (names["categories"]?.arrayValue ?? []).compactMap(\.stringValue)
            type.tracksGeneration = true
            var subresources: [SubresourceType] = []
            var scale: CustomResourceVersion.Scale?
            if version[path: "subresources", "status"] != nil {
                subresources.append(SubresourceType("status", group: group, version: name, kind: kind, verbs: ["get", "patch", "update"]))
            }
            if let scaleSpec = version[path: "subresources", "scale"] {
                subresources.append(SubresourceType("scale", group: "autoscaling", version: "v1", kind: "Scale",
                                                    verbs: ["get", "patch", "update"]))
                scale = .init(specReplicasPath: Self.trimDot(scaleSpec["specReplicasPath"]?.stringValue ?? ".spec.replicas"),
                              statusReplicasPath: Self.trimDot(scaleSpec["statusReplicasPath"]?.stringValue ?? ".status.replicas"),
                              labelSelectorPath: scaleSpec["labelSelectorPath"]?.stringValue.map(Self.trimDot))
            }
            type.subresources = subresources
            type.custom = CustomResourceVersion(
                crdName: crd[path: "metadata", "name"]?.stringValue ?? "",
                listKind: names["listKind"]?.stringValue ?? kind + "List",
                schemaJSON: version[path: "schema", "openAPIV3Schema"], scale: scale,
                printerColumns: version["additionalPrinterColumns"]?.arrayValue ?? [])
            types.append(type)
        }
        return types
    }

    private static func trimDot(_ path: String) -> String {
        path.hasPrefix(".") ? String(path.dropFirst()) : path
    }

    /// After a CRD write: accept its names, mark it established, and serve its resource.
    func customResourceDefinitionChanged(_ stored: StoredObject) async {
        var crd = stored.json()
        guard crd[path: "metadata", "deletionTimestamp"] == nil else { return reloadCustomResources() }
        let group = crd[path: "spec", "group"]?.stringValue ?? ""
        let plural = crd[path: "spec", "names", "plural"]?.stringValue ?? ""
        let name = crd[path: "metadata", "name"]?.stringValue ?? ""
        let conflict = registry.allTypes().contains { type in
            type.group == group && type.plural == plural && type.custom?.crdName != name
        }
        let now = Timestamp.rfc3339(Timestamp.now())
        var conditions = crd[path: "status", "conditions"]?.arrayValue ?? []
        func set(_ type: String, _ status: String, _ reason: String, _ message: String) {
            let existing = conditions.firstIndex { $0["type"]?.stringValue == type }
            if let existing, conditions[existing]["status"]?.stringValue == status,
               conditions[existing]["reason"]?.stringValue == reason { return }
            let condition: JSON = ["type": .string(type), "status": .string(status), "lastTransitionTime": .string(now),
                                   "reason": .string(reason), "message": .string(message)]
            if let existing { conditions[existing] = condition } else { conditions.append(condition) }
        }
        if conflict {
            set("NamesAccepted", "False", "AllNamesConflict", "\"\(plural)\" is already in use")
            set("Established", "False", "NotAccepted", "not all names are accepted")
        } else {
            set("NamesAccepted", "True", "NoConflicts", "no conflicts found")
            set("Established", "True", "InitialNamesAccepted", "the initial names have been accepted")
        }
        var status = crd["status"]?.objectValue ?? JSONObject()
        status["conditions"] = .array(conditions)
        status["acceptedNames"] = conflict ? (status["acceptedNames"] ?? .object(JSONObject())) : crd[path: "spec", "names"]
        let storage = (crd[path: "spec", "versions"]?.arrayValue ?? []).first { $0["storage"]?.boolValue == true }?["name"]
        var stored = (status["storedVersions"]?.arrayValue ?? [])
        if let storage, !stored.contains(storage) { stored.append(storage) }
        status["storedVersions"] = .array(stored)
        if crd["status"] != .object(status) {
            crd["status"] = .object(status)
            let key = ObjectKey(resource: Self.crdResource, namespace: "", name: name)
            if let type = registry.lookup(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions") {
                _ = try? await store.commit(WriteRequest(key: key, operation: .update(expectedRevision: nil), object: crd,
                                                         attributes: type.attributes(of: crd)))
            }
        }
        reloadCustomResources()
    }

    /// After a CRD is gone: its objects go with it.
    func customResourceDefinitionDeleted(_ stored: StoredObject) async {
        let crd = stored.json()
        let resource = "\(crd[path: "spec", "group"]?.stringValue ?? "")/\(crd[path: "spec", "names", "plural"]?.stringValue ?? "")"
        reloadCustomResources()
        guard !registry.allTypes().contains(where: { $0.storageResource == resource }) else { return }
        let items = (try? store.list(resource: resource, namespace: nil, atRevision: nil).items) ?? []
        for item in items {
            _ = try? await store.commit(WriteRequest(key: item.key, operation: .delete(expectedRevision: nil),
                                                     object: item.json(), attributes: item.attributes))
        }
    }

    /// Prunes, drops unset nulls and applies defaults, in apiextensions' order; returns the pruned paths.
    func customResourcePrune(_ object: inout JSON, custom: CustomResourceVersion) -> [String] {
        guard let schema = custom.schema else { return [] }
        return prepareCustomResource(&object, schema: schema)
    }

    func customResourceDefault(_ object: inout JSON, custom: CustomResourceVersion) {
        guard let schema = custom.schema else { return }
        KubeAPI.applyDefaults(&object, schema: schema)
    }

    func customResourceValidate(_ object: JSON, custom: CustomResourceVersion) -> [FieldError] {
        guard let schema = custom.schema else { return [] }
        return validate(object, schema: schema)
    }
}
