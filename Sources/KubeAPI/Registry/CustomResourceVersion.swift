import KubeJSON

/// What a CustomResourceDefinition says about one served version of its resource.
public struct CustomResourceVersion: Sendable {
    public var crdName: String
    public var listKind: String
    /// The version's `schema.openAPIV3Schema`, as written in the CRD.
    public var schemaJSON: JSON?
    public var schema: StructuralSchema?
    public var scale: Scale?
    public var printerColumns: [JSON]

    public struct Scale: Sendable {
        public var specReplicasPath: String
        public var statusReplicasPath: String
        public var labelSelectorPath: String?
    }

    public init(crdName: String, listKind: String, schemaJSON: JSON?, scale: Scale?, printerColumns: [JSON]) {
        self.crdName = crdName
        self.listKind = listKind
        self.schemaJSON = schemaJSON
        self.schema = schemaJSON.map(StructuralSchema.compile)
        self.scale = scale
        self.printerColumns = printerColumns
    }
}
