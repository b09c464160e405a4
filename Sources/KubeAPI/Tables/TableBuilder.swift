import KubeJSON

/// kube-apiserver's server-side printing: what `kubectl get` receives when it asks for
/// `application/json;as=Table;v=v1;g=meta.k8s.io`. Built-in kinds use the printers of
/// k8s.io/kubernetes pkg/printers/internalversion, custom resources their CRD's `additionalPrinterColumns`,
/// and everything else the default `Name` / `Created At` convertor.
public enum TablePrinting {
    /// Column definitions for a resource (built-in printers, CRD additionalPrinterColumns, or the default columns).
    public static func columns(for type: ResourceType) -> [JSON] {
        if let custom = type.custom { return CustomResourceTable.columns(custom) }
        return printer(for: type)?.columns ?? DefaultTable.columns
    }

    /// One row's cells for an object, `now` in seconds since the epoch for the ages.
    public static func cells(for type: ResourceType, object: JSON, now: Double) -> [JSON] {
        if let custom = type.custom { return CustomResourceTable.cells(custom, object: object, now: now) }
        if let printer = printer(for: type) { return printer.cells(object, now) }
        return DefaultTable.cells(object)
    }

    /// A whole Table: `columnDefinitions` (null when `noHeaders`, as kube-apiserver sends it), one row per
    /// object with its cells and the object in the form `includeObject` asks for (`Metadata`, the default:
    /// a PartialObjectMetadata; `Object`: the object itself; `None`: null), and the list metadata.
    public static func table(type: ResourceType, objects: [JSON], includeObject: String?, noHeaders: Bool,
                             resourceVersion: String, continueToken: String?, remainingItemCount: Int?,
                             now: Double, apiVersion: String = "meta.k8s.io/v1") -> JSON
    {
        var metadata = JSONObject()
        if !resourceVersion.isEmpty { metadata["resourceVersion"] = .string(resourceVersion) }
        if let continueToken, !continueToken.isEmpty { metadata["continue"] = .string(continueToken) }
        if let remainingItemCount { metadata["remainingItemCount"] = .int(Int64(remainingItemCount)) }

        let builtin = type.custom == nil ? printer(for: type) : nil
        let customColumns = type.custom.map(CustomResourceTable.declaredColumns)
        var rows: [JSON] = []
        rows.reserveCapacity(objects.count)
        for object in objects {
            var row = JSONObject()
            if let customColumns {
                row["cells"] = .array(CustomResourceTable.cells(customColumns, object: object, now: now))
            } else if let builtin {
                row["cells"] = .array(builtin.cells(object, now))
            } else {
                row["cells"] = .array(DefaultTable.cells(object))
            }
            if let conditions = builtin?.conditions?(object) { row["conditions"] = .array(conditions) }
            row["object"] = rowObject(object, type: type, includeObject: includeObject, apiVersion: apiVersion)
            rows.append(.object(row))
        }
        return [
            "kind": "Table",
            "apiVersion": .string(apiVersion),
            "metadata": .object(metadata),
            "columnDefinitions": noHeaders ? .null : .array(columns(for: type)),
            "rows": .array(rows),
        ]
    }

    /// kube-apiserver rejects an unknown `includeObject` with 400 BadRequest; nil when the value is valid.
    public static func validateIncludeObject(_ value: String?) -> APIError? {
        switch value ?? "" {
        case "", "None", "Metadata", "Object": return nil
        case let other: return .badRequest("unrecognized includeObject value: \(GoFormat.quote(other))")
        }
    }

    static func rowObject(_ object: JSON, type: ResourceType, includeObject: String?, apiVersion: String) -> JSON {
        switch includeObject ?? "" {
        case "None":
            return .null
        case "Object":
            // Stored objects may lack TypeMeta; the real server converts to the requested version, which sets it.
            guard var full = object.objectValue else { return object }
            if full["apiVersion"] == nil { full.entries.insert(("apiVersion", .string(type.groupVersion)), at: 0) }
            if full["kind"] == nil { full.entries.insert(("kind", .string(type.kind)), at: 0) }
            return .object(full)
        default:
            return [
                "kind": "PartialObjectMetadata",
                "apiVersion": .string(apiVersion),
                "metadata": object["metadata"] ?? .object(JSONObject()),
            ]
        }
    }

    /// The built-in printer of a kind; versions of a kind share it, as upstream prints the internal type.
    static func printer(for type: ResourceType) -> TablePrinter? {
        builtinPrinters[type.group + "/" + type.kind]
    }

    static let builtinPrinters: [String: TablePrinter] = {
        var all: [String: TablePrinter] = [:]
        for (key, printer) in CorePrinters.all { all[key] = printer }
        for (key, printer) in AppsPrinters.all { all[key] = printer }
        for (key, printer) in OtherPrinters.all { all[key] = printer }
        return all
    }()
}

/// `rest.NewDefaultTableConvertor`: what kinds without a printer get (roles, limit ranges, CRDs, ...).
enum DefaultTable {
    static let columns: [JSON] = [
        ColumnDoc.nameColumn,
        tableColumn("Created At", "date", ColumnDoc.creationTimestamp),
    ]

    static func cells(_ object: JSON) -> [JSON] {
        // Formatted with time.RFC3339 in UTC; an unset time is Go's zero time.
        let created = TableTime.seconds(object[path: "metadata", "creationTimestamp"]) ?? TableTime.zeroTime
        return [object.tpName, .string(rfc3339(created))]
    }

    private static func rfc3339(_ seconds: Double) -> String {
        if seconds == TableTime.zeroTime { return "0001-01-01T00:00:00Z" }
        return Timestamp.rfc3339(seconds)
    }
}
