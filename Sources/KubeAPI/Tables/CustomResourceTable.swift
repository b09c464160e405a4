import KubeJSON

/// The apiextensions-apiserver table convertor: `Name`, then the version's `additionalPrinterColumns`
/// (or the single `Age` column a CRD without columns is served with). Each column's JSONPath is evaluated
/// on the object and only its first match is shown.
enum CustomResourceTable {
    struct Column {
        var name: String
        var type: String
        var format: String
        var description: String
        var priority: Int64
        var path: PrinterJSONPath?
    }

    static func declaredColumns(_ custom: CustomResourceVersion) -> [Column] {
        guard !custom.printerColumns.isEmpty else {
            let age = defaultAgeColumn
            return [Column(name: age.name, type: age.type, format: age.format, description: age.description,
                           priority: Int64(age.priority), path: try? PrinterJSONPath(age.jsonPath))]
        }
        return custom.printerColumns.map { column in
            let jsonPath = column.tpString("jsonPath")
            let description = column.tpString("description")
            return Column(
                name: column.tpString("name"), type: column.tpString("type"), format: column.tpString("format"),
                description: description.isEmpty
                    ? "Custom resource definition column (in JSONPath format): \(jsonPath)" : description,
                priority: column.tpInt("priority"), path: try? PrinterJSONPath(jsonPath))
        }
    }

    static func columns(_ custom: CustomResourceVersion) -> [JSON] {
        [ColumnDoc.nameColumn] + declaredColumns(custom).map { column in
            ["name": .string(column.name), "type": .string(column.type), "format": .string(column.format),
             "description": .string(column.description), "priority": .int(column.priority)]
        }
    }

    static func cells(_ custom: CustomResourceVersion, object: JSON, now: Double) -> [JSON] {
        cells(declaredColumns(custom), object: object, now: now)
    }

    /// Cells for columns compiled once per table, so a long list does not re-parse the paths per row.
    static func cells(_ columns: [Column], object: JSON, now: Double) -> [JSON] {
        [object.tpName] + columns.map { column in
            guard let path = column.path, let values = try? path.evaluate(object), let first = values.first else {
                return .null
            }
            return cell(first, type: column.type, now: now)
        }
    }

    /// `cellForJSONValue`, plus the jsonpath text printing used for string columns.
    static func cell(_ value: JSON, type: String, now: Double) -> JSON {
        switch type {
        case "string":
            return .string(text(value))
        case "integer":
            switch value {
            case .int: return value
            case .double(let d) where d.isFinite && abs(d) < 9.2e18: return .int(Int64(d))
            default: return .null
            }
        case "number":
            switch value {
            case .int(let i): return .double(Double(i))
            case .double: return value
            default: return .null
            }
        case "boolean":
            if case .bool = value { return value }
            return .null
        case "date":
            guard case .string(let s) = value else { return .null }
            if s.isEmpty || s == "null" { return "<unknown>" }
            guard let t = TableTime.parseRFC3339(s) else { return "<invalid>" }
            if t == TableTime.zeroTime { return "<unknown>" }
            return .string(HumanDuration.format(seconds: now - t))
        default:
            return .null
        }
    }

    /// How client-go's jsonpath prints one value: maps and lists as (key-sorted) JSON, scalars with `%v`.
    static func text(_ value: JSON) -> String {
        switch value {
        case .null: return "<no value>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return GoFormat.float(d)
        case .string(let s): return s
        case .array, .object: return sortedKeys(value).jsonString
        }
    }

    private static func sortedKeys(_ value: JSON) -> JSON {
        switch value {
        case .object(let o):
            return .object(JSONObject(o.entries.sorted { GoFormat.bytewiseLess($0.key, $1.key) }
                .map { (key: $0.key, value: sortedKeys($0.value)) }))
        case .array(let a):
            return .array(a.map(sortedKeys))
        default:
            return value
        }
    }
}
