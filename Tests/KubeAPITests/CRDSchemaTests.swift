import XCTest
@testable import KubeAPI
import KubeJSON

final class CRDSchemaTests: XCTestCase {
    private func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSON {
        do { return try JSONParser.parse(text) } catch {
            XCTFail("bad JSON in test: \(error)", file: file, line: line)
            return .null
        }
    }

    private func schema(_ text: String) -> StructuralSchema { StructuralSchema.compile(json(text)) }

    private let widgetSchema = #"""
    {"type":"object","properties":{"spec":{"type":"object","required":["name"],"properties":{
      "replicas":{"type":"integer"},
      "size":{"type":"string","enum":["S","M"]},
      "name":{"type":"string","pattern":"^a"},
      "count":{"type":"integer","maximum":10},
      "ratio":{"type":"number","minimum":0.5,"exclusiveMinimum":true},
      "when":{"type":"string","format":"date-time"},
      "short":{"type":"string","maxLength":3,"minLength":2},
      "tags":{"type":"array","maxItems":2,"minItems":1,"items":{"type":"string"}},
      "port":{"x-kubernetes-int-or-string":true},
      "note":{"type":"string","nullable":true},
      "labels":{"type":"object","additionalProperties":{"type":"string"}}
    }},"status":{"type":"object","properties":{"ready":{"type":"boolean"}}}}}
    """#

    private func messages(_ value: String, _ schemaText: String? = nil) -> [String] {
        validate(json(value), schema: schema(schemaText ?? widgetSchema)).map(\.message)
    }

    // MARK: validation messages

    func testTypeEnumRequiredMaximumAndPatternMessagesMatchKubeAPIServer() {
        let errors = messages(#"{"spec":{"replicas":"string","size":"XL","count":11}}"#)
        XCTAssertEqual(errors, [
            #"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#,
            #"spec.size: Unsupported value: "XL": supported values: "S", "M""#,
            "spec.count: Invalid value: 11: spec.count in body should be less than or equal to 10",
            "spec.name: Required value",
        ])
        XCTAssertEqual(messages(#"{"spec":{"name":"bob"}}"#),
            [#"spec.name: Invalid value: "bob": spec.name in body should match '^a'"#])
        XCTAssertEqual(messages(#"{"spec":{"name":"alice"}}"#), [])
    }

    func testStringLengthArraySizeFormatAndExclusiveBounds() {
        let errors = messages(#"{"spec":{"name":"a","short":"abcd","tags":["x","y","z"],"when":"yesterday","ratio":0.5}}"#)
        XCTAssertEqual(errors, [
            "spec.ratio: Invalid value: 0.5: spec.ratio in body should be greater than 0.5",
            #"spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday""#,
            "spec.short: Too long: may not be more than 3 bytes",
            "spec.tags: Too many: 3: must have at most 2 items",
        ])
        XCTAssertEqual(messages(#"{"spec":{"name":"a","short":"b","tags":[]}}"#), [
            #"spec.short: Invalid value: "b": spec.short in body should be at least 2 chars long"#,
            "spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items",
        ])
        XCTAssertEqual(messages(#"{"spec":{"name":"a","when":"2024-02-29T10:00:00Z","ratio":0.75}}"#), [])
        XCTAssertEqual(messages(#"{"spec":{"name":"a","when":"2023-02-29T10:00:00Z"}}"#).count, 1, "not a real date")
    }

    func testIntOrStringNullableAndIntegralDoubles() {
        XCTAssertEqual(messages(#"{"spec":{"name":"a","port":"http","note":null,"replicas":3.0}}"#), [])
        XCTAssertEqual(messages(#"{"spec":{"name":"a","port":true}}"#),
            [#"spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#])
        XCTAssertEqual(messages(#"{"spec":{"name":"a","replicas":1.5}}"#),
            [#"spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number""#])
        XCTAssertEqual(messages(#"{"spec":{"name":null}}"#),
            [#"spec.name: Invalid value: "null": spec.name in body must be of type string: "null""#])
    }

    func testAdditionalPropertiesAreValidatedWithDottedNames() {
        XCTAssertEqual(messages(#"{"spec":{"name":"a","labels":{"app":"x","n":1}}}"#),
            [#"spec.labels.n: Invalid value: "integer": spec.labels.n in body must be of type string: "integer""#])
    }

    func testJunctorsReportCompositeErrorsAgainstTheBasePath() {
        let s = #"{"type":"object","properties":{"mode":{"type":"string","anyOf":[{"enum":["a"]},{"enum":["b"]}]},"n":{"type":"number","multipleOf":0.5},"k":{"type":"integer","not":{"enum":[3]}}}}"#
        XCTAssertEqual(messages(#"{"mode":"c","n":1.25,"k":3}"#, s), [
            #"<nil>: Invalid value: "": "mode" must validate at least one schema (anyOf)"#,
            #"mode: Unsupported value: "c": supported values: "a""#,
            "n: Invalid value: 1.25: n in body should be a multiple of 0.5",
            #"<nil>: Invalid value: "": "k" must not validate the schema (not)"#,
        ])
        XCTAssertEqual(messages(#"{"mode":"b","n":1.5,"k":4}"#, s), [])
    }

    func testBasePathPrefixesFieldsButNotMessages() {
        let errors = validate(json(#"{"replicas":"x"}"#), schema: schema(#"{"type":"object","properties":{"replicas":{"type":"integer"}}}"#),
            path: FieldPath("spec"))
        XCTAssertEqual(errors.map(\.field), ["spec.replicas"])
        XCTAssertEqual(errors.first?.kind, .typeInvalid)
        XCTAssertEqual(errors.first?.detail, #"replicas in body must be of type integer: "string""#)
    }

    func testResourceRootChecksOnlyNameRulesOfTypeAndObjectMeta() {
        let s = schema(#"{"type":"object","required":["kind","spec"],"properties":{"kind":{"type":"integer"},"metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":5}}},"spec":{"type":"object"}}}"#)
        let object = json(#"{"apiVersion":"x/v1","kind":"K","metadata":{"name":"toolong","labels":{"a":"b"}},"spec":{}}"#)
        XCTAssertEqual(validate(object, schema: s).map(\.message), ["metadata.name: Too long: may not be more than 5 bytes"])
        XCTAssertEqual(validate(object, schema: s, isResourceRoot: false).map(\.message), [
            #"kind: Invalid value: "string": kind in body must be of type integer: "string""#,
            "metadata.name: Too long: may not be more than 5 bytes",
        ])
    }

    func testListTypeSetAndMapDuplicates() {
        let s = #"{"type":"object","properties":{"set":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},"ports":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],"items":{"type":"object","properties":{"name":{"type":"string"},"port":{"type":"integer"}}}}}}"#
        XCTAssertEqual(messages(#"{"set":["a","b","a","a"],"ports":[{"name":"x","port":1},{"name":"y"},{"name":"x","port":2}]}"#, s), [
            #"set[2]: Duplicate value: "a""#,
            #"ports[2]: Duplicate value: map[string]interface {}{"name":"x"}"#,
        ])
        XCTAssertEqual(messages(#"{"set":["a","b"],"ports":[{"name":"x"},{"name":"y"}]}"#, s), [])
    }

    func testEmbeddedResourcesNeedTypeMeta() {
        let s = #"{"type":"object","properties":{"template":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true}}}"#
        XCTAssertEqual(messages(#"{"template":{"metadata":{"name":"a/b"}}}"#, s), [
            "template.apiVersion: Required value",
            "template.kind: Required value",
            #"template.metadata.name: Invalid value: "a/b": may not contain '/'"#,
        ])
        XCTAssertEqual(messages(#"{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}}"#, s), [])
    }

    // MARK: pruning

    func testPruningDropsUnknownFieldsAndReportsSortedPaths() {
        let s = schema(#"""
        {"type":"object","properties":{"spec":{"type":"object","properties":{
          "items":{"type":"array","items":{"type":"object","properties":{"a":{"type":"string"}}}},
          "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true,"properties":{"known":{"type":"object","properties":{"k":{"type":"string"}}}}},
          "tpl":{"type":"object","x-kubernetes-embedded-resource":true,"properties":{"spec":{"type":"object"}}}}}}}
        """#)
        var object = json(#"{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n"},"spec":{"zeta":1,"items":[{"a":"x","b":2}],"free":{"any":{"thing":1},"known":{"k":"v","drop":true}},"tpl":{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a":"b"}},"spec":{"c":1},"extra":1}},"status":{"s":1}}"#)
        let paths = prune(&object, schema: s)
        XCTAssertEqual(paths, [
            "spec.free.known.drop", "spec.items[0].b", "spec.tpl.extra", "spec.tpl.spec.c", "spec.zeta", "status",
        ])
        XCTAssertEqual(object, json(#"{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n"},"spec":{"items":[{"a":"x"}],"free":{"any":{"thing":1},"known":{"k":"v"}},"tpl":{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a":"b"}},"spec":{}}}}"#))
    }

    func testPruningWithoutSchemaKeepsOnlyTypeAndObjectMeta() {
        var object = json(#"{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n"},"spec":{"a":1}}"#)
        XCTAssertEqual(prune(&object, schema: nil), ["spec"])
        XCTAssertEqual(object, json(#"{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n"}}"#))
    }

    func testUnknownObjectMetaFieldsAreDroppedAtRootAndInEmbeddedResources() {
        let s = schema(#"{"type":"object","properties":{"tpl":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true}}}"#)
        var object = json(#"{"metadata":{"name":"a","bogus":1},"tpl":{"metadata":{"name":"b","creationTimestamp":null,"nope":2}}}"#)
        XCTAssertEqual(pruneUnknownMetadataFields(&object, schema: s), ["metadata.bogus", "tpl.metadata.nope"])
        XCTAssertEqual(object, json(#"{"metadata":{"name":"a"},"tpl":{"metadata":{"name":"b"}}}"#))
    }

    // MARK: defaulting

    func testDefaultsApplyRecursivelyToObjectsItemsAndMaps() {
        let s = schema(#"""
        {"type":"object","properties":{"spec":{"type":"object","default":{},"properties":{
          "level":{"type":"string","default":"info"},
          "sub":{"type":"object","default":{"x":1},"properties":{"x":{"type":"integer"},"y":{"type":"integer","default":7}}},
          "items":{"type":"array","items":{"type":"object","properties":{"w":{"type":"integer","default":5}}}},
          "byName":{"type":"object","additionalProperties":{"type":"object","properties":{"on":{"type":"boolean","default":true}}}},
          "nullableWithDefault":{"type":"string","nullable":true,"default":"d"},
          "plainWithDefault":{"type":"string","default":"p"}}}}}
        """#)
        var object = json(#"{"spec":{"items":[{},{"w":1}],"byName":{"a":{}},"nullableWithDefault":null,"plainWithDefault":null}}"#)
        applyDefaults(&object, schema: s)
        XCTAssertEqual(object, json(#"{"spec":{"items":[{"w":5},{"w":1}],"byName":{"a":{"on":true}},"nullableWithDefault":null,"plainWithDefault":"p","level":"info","sub":{"x":1,"y":7}}}"#))

        var empty = json(#"{}"#)
        applyDefaults(&empty, schema: s)
        XCTAssertEqual(empty[path: "spec", "sub", "y"], .int(7), "defaults inside a default are applied too")
    }

    func testNullsWithoutDefaultsAreDroppedUnlessNullable() {
        let s = schema(#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string","nullable":true},"c":{"type":"string","default":"x"},"m":{"type":"object","additionalProperties":{"type":"integer"}}}}"#)
        var object = json(#"{"a":null,"b":null,"c":null,"m":{"k":null,"j":1},"unknown":null}"#)
        pruneNonNullableNullsWithoutDefaults(&object, schema: s)
        XCTAssertEqual(object, json(#"{"b":null,"c":null,"m":{"j":1},"unknown":null}"#))
    }

    func testPrepareCustomResourceRunsTheDecoderPipeline() {
        let s = schema(#"{"type":"object","properties":{"spec":{"type":"object","properties":{"replicas":{"type":"integer","default":1}}}}}"#)
        var object = json(#"{"apiVersion":"x/v1","kind":"K","metadata":{"name":"a","foo":1},"spec":{"replicas":null,"bar":2}}"#)
        let unknown = prepareCustomResource(&object, schema: s)
        XCTAssertEqual(unknown, ["metadata.foo", "spec.bar"])
        XCTAssertEqual(object, json(#"{"apiVersion":"x/v1","kind":"K","metadata":{"name":"a"},"spec":{"replicas":1}}"#))
        XCTAssertEqual(validate(object, schema: s), [])
    }

    // MARK: CRDs

    private func crd(versions: String, spec extra: String = "", name: String = "widgets.example.com") -> JSON {
        defaultCRD(json(#"{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":""# + name
            + #""},"spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","kind":"Widget","shortNames":["wd"]},"versions":"#
            + versions + extra + "}}"))
    }

    private let goodVersion = #"""
    [{"name":"v1","served":true,"storage":true,
      "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas","labelSelectorPath":".status.selector"}},
      "additionalPrinterColumns":[{"name":"Replicas","type":"integer","jsonPath":".spec.replicas"}],
      "schema":{"openAPIV3Schema":{"type":"object","properties":{
        "spec":{"type":"object","properties":{"replicas":{"type":"integer","default":1,"minimum":0}}},
        "status":{"type":"object","properties":{"replicas":{"type":"integer"},"selector":{"type":"string"}}}}}}},
     {"name":"v1beta1","served":false,"storage":false,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]
    """#

    func testDefaultCRDFillsNamesConversionAndStoredVersions() {
        let c = crd(versions: goodVersion)
        XCTAssertEqual(c[path: "spec", "names", "singular"], "widget")
        XCTAssertEqual(c[path: "spec", "names", "listKind"], "WidgetList")
        XCTAssertEqual(c[path: "spec", "conversion"], ["strategy": "None"])
        XCTAssertEqual(c[path: "status", "storedVersions"], ["v1"])
        let kept = defaultCRD(json(#"{"spec":{"names":{"kind":"Foo","singular":"thing","listKind":"Things"},"conversion":{"strategy":"Webhook","webhook":{"clientConfig":{"service":{"name":"s","namespace":"n"}}}}}}"#))
        XCTAssertEqual(kept[path: "spec", "names", "singular"], "thing")
        XCTAssertEqual(kept[path: "spec", "names", "listKind"], "Things")
        XCTAssertEqual(kept[path: "spec", "conversion", "webhook", "clientConfig", "service", "port"], 443)
    }

    func testValidCRDHasNoErrorsAndServingInfoDescribesServedVersions() {
        let c = crd(versions: goodVersion)
        XCTAssertEqual(validateCRD(c).map(\.message), [])
        let info = crdServingInfo(c)
        XCTAssertEqual(info.kind, "Widget")
        XCTAssertEqual(info.listKind, "WidgetList")
        XCTAssertEqual(info.shortNames, ["wd"])
        XCTAssertTrue(info.namespaced)
        XCTAssertEqual(info.storageVersion, "v1")
        XCTAssertEqual(info.versions.map(\.name), ["v1"], "only served versions")
        let v1 = info.versions[0]
        XCTAssertEqual(v1.subresources, CRDSubresources(status: true, scale: CRDScale(
            specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".status.selector")))
        XCTAssertEqual(v1.printerColumns.map(\.name), ["Replicas"])
        XCTAssertNotNil(v1.schema?.properties["spec"])
    }

    func testVersionWithoutColumnsServesTheAgeColumn() {
        let c = crd(versions: #"[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]"#)
        let columns = crdServingInfo(c).versions[0].printerColumns
        XCTAssertEqual(columns.map(\.name), ["Age"])
        XCTAssertEqual(columns.first?.jsonPath, ".metadata.creationTimestamp")
        XCTAssertEqual(columns.first?.type, "date")
    }

    func testCRDNameGroupScopeAndVersionErrors() {
        var c = crd(versions: #"[{"name":"V1","served":true,"storage":false,"schema":{"openAPIV3Schema":{"type":"object"}}}]"#, name: "foo")
        c[path: "spec", "scope"] = "Global"
        c[path: "spec", "group"] = "example"
        let errors = validateCRD(c).map(\.message)
        XCTAssertTrue(errors.contains(#"metadata.name: Invalid value: "foo": must be spec.names.plural+"."+spec.group"#), "\(errors)")
        XCTAssertTrue(errors.contains(#"spec.group: Invalid value: "example": should be a domain with at least one dot"#))
        XCTAssertTrue(errors.contains(#"spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced""#))
        XCTAssertTrue(errors.contains { $0.hasPrefix(#"spec.versions[0].name: Invalid value: "V1": a DNS-1035 label must consist of lower case alphanumeric characters"#) })
        XCTAssertTrue(errors.contains { $0.hasPrefix("spec.versions: Invalid value: ") && $0.hasSuffix(": must have exactly one version marked as storage version") })
        XCTAssertTrue(errors.contains("status.storedVersions: Invalid value: []string(nil): must have at least one stored version"))
    }

    func testMissingNamesAndSchemasAreRequired() {
        var c = crd(versions: #"[{"name":"v1","served":true,"storage":true}]"#)
        c[path: "spec", "names"] = ["plural": "widgets"]
        let errors = validateCRD(defaultCRD(c)).map(\.message)
        XCTAssertTrue(errors.contains("spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"), "\(errors)")
        XCTAssertTrue(errors.contains("spec.names.kind: Required value"))
        XCTAssertTrue(errors.contains("spec.names.listKind: Required value"))
        XCTAssertTrue(errors.contains("spec.names.singular: Required value"), "singular defaults to the lowercased kind, empty here")
    }

    func testSchemaErrorsUseHoistedPathWhenAllVersionsShareTheSchema() {
        let single = crd(versions: #"[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"properties":{"a":{"type":"strin"},"b":{"type":"array"}}}}}}}]"#)
        XCTAssertEqual(validateCRD(single).map(\.message), [
            "spec.validation.openAPIV3Schema.properties[spec].properties[b].items: Required value: must be specified",
            "spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields",
            #"spec.validation.openAPIV3Schema.properties[spec].properties[a].type: Unsupported value: "strin": supported values: "array", "boolean", "integer", "number", "object", "string""#,
        ])
        let two = crd(versions: #"[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}},{"name":"v2","served":true,"storage":false,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{}}}}}]"#)
        XCTAssertEqual(validateCRD(two).map(\.message),
            ["spec.versions[1].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"])
    }

    func testStructuralRulesForMetadataJunctorsAndPatterns() {
        let c = crd(versions: #"[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"metadata":{"type":"object","properties":{"labels":{"type":"object"}}},"spec":{"type":"object","anyOf":[{"properties":{"zz":{"type":"string"}}}],"properties":{"m":{"type":"string","pattern":"a(b"}}}}}}}]"#)
        let errors = validateCRD(c).map(\.message)
        XCTAssertTrue(errors.contains("spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"), "\(errors)")
        XCTAssertTrue(errors.contains("spec.validation.openAPIV3Schema.properties[spec].anyOf[0].properties[zz].type: Forbidden: must be empty to be structural"))
        XCTAssertTrue(errors.contains { $0.hasPrefix(#"spec.validation.openAPIV3Schema.properties[spec].properties[m].pattern: Invalid value: "a(b": must be a valid regular expression"#) })
        let nameOnly = crd(versions: #"[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":10}}}}}}}]"#)
        XCTAssertEqual(validateCRD(nameOnly).map(\.message), [])
    }

    func testDefaultsMustValidateAndBePruned() {
        let c = crd(versions: #"[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"c":{"type":"integer","default":"x"},"d":{"type":"object","default":{"q":1},"properties":{"p":{"type":"string"}}}}},"metadata":{"type":"object","default":{}}}}}}]"#)
        XCTAssertEqual(validateCRD(c).map(\.message), [
            #"spec.validation.openAPIV3Schema.properties[spec].properties[c].default: Invalid value: "string":  in body must be of type integer: "string""#,
            #"spec.validation.openAPIV3Schema.properties[spec].properties[d].default: Invalid value: map[string]interface {}{"q":1}: must not have unknown fields"#,
            "spec.validation.openAPIV3Schema.properties[metadata].default: Forbidden: must not be set in top-level metadata",
        ])
    }

    func testListTypeAndUniqueItemsRules() {
        let c = crd(versions: #"[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"l":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k","z"],"items":{"type":"object","properties":{"k":{"type":"string"}}}},"s":{"type":"string","x-kubernetes-list-type":"set","uniqueItems":true}}}}}}}]"#)
        XCTAssertEqual(validateCRD(c).map(\.message), [
            #"spec.validation.openAPIV3Schema.properties[spec].properties[l].x-kubernetes-list-map-keys: Invalid value: []string{"k", "z"}: entries must all be names of item properties"#,
            "spec.validation.openAPIV3Schema.properties[spec].properties[l].items.properties[k].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
            "spec.validation.openAPIV3Schema.properties[spec].properties[s].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
            #"spec.validation.openAPIV3Schema.properties[spec].properties[s].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified"#,
        ])
    }

    func testSubresourceAndPrinterColumnErrors() {
        let c = crd(versions: #"[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}},"subresources":{"scale":{"specReplicasPath":"spec.replicas","statusReplicasPath":".spec.x"}},"additionalPrinterColumns":[{"name":"","type":"float","jsonPath":"x","format":"weird"}]}]"#)
        XCTAssertEqual(validateCRD(c).map(\.message), [
            #"spec.subresources.scale.specReplicasPath: Invalid value: "spec.replicas": must be a simple json path starting with ."#,
            #"spec.subresources.scale.statusReplicasPath: Invalid value: ".spec.x": should be a json path under .status"#,
            "spec.additionalPrinterColumns[0].name: Required value",
            #"spec.additionalPrinterColumns[0].type: Invalid value: "float": must be one of boolean,date,integer,number,string"#,
            #"spec.additionalPrinterColumns[0].format: Invalid value: "weird": must be one of byte,date,date-time,double,float,int32,int64,password"#,
            #"spec.additionalPrinterColumns[0].JSONPath: Invalid value: "x": must be a simple json path starting with ."#,
        ])
    }

    func testStatusSubresourceRestrictsTheRootSchema() {
        let c = crd(versions: #"[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},"schema":{"openAPIV3Schema":{"type":"object","nullable":true,"properties":{"spec":{"type":"object"}}}}}]"#)
        let errors = validateCRD(c).map(\.message)
        XCTAssertTrue(errors.contains { $0.hasPrefix("spec.validation.openAPIV3Schema: Invalid value: ") && $0.hasSuffix("fields are allowed at the root of the schema if the status subresource is enabled") }, "\(errors)")
        XCTAssertTrue(errors.contains("spec.validation.openAPIV3Schema.nullable: Forbidden: nullable cannot be true at the root"))
    }

    func testConversionWebhookAndProtectedGroupRules() {
        var c = crd(versions: #"[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]"#,
            spec: #","conversion":{"strategy":"Webhook","webhook":{"clientConfig":{"url":"http://x/y?z"},"conversionReviewVersions":["v2"]}}"#)
        c[path: "spec", "group"] = "foo.k8s.io"
        c[path: "metadata", "name"] = "widgets.foo.k8s.io"
        XCTAssertEqual(validateCRD(c).map(\.message), [
            #"spec.conversion.webhookClientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]"#,
            #"spec.conversion.webhookClientConfig.url: Invalid value: "z": query parameters are not permitted in the URL"#,
            #"spec.conversion.conversionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1"#,
            #"metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111"#,
        ])
        c[path: "metadata", "annotations"] = ["api-approved.kubernetes.io": "https://github.com/kubernetes/kubernetes/pull/1"]
        c[path: "spec", "conversion"] = ["strategy": "None"]
        XCTAssertEqual(validateCRD(c).map(\.message), [])
    }

    func testUpdateKeepsGroupPluralAndEstablishedKindAndScope() {
        var old = crd(versions: goodVersion)
        old[path: "status", "conditions"] = [["type": "Established", "status": "True"]]
        var new = old
        new[path: "spec", "names", "kind"] = "Gadget"
        new[path: "spec", "names", "listKind"] = "GadgetList"
        new[path: "spec", "scope"] = "Cluster"
        new[path: "spec", "group"] = "other.com"
        new[path: "metadata", "name"] = "widgets.other.com"
        XCTAssertEqual(validateCRDUpdate(new, old: old).map(\.message), [
            #"spec.scope: Invalid value: "Cluster": field is immutable"#,
            #"spec.names.kind: Invalid value: "Gadget": field is immutable"#,
            #"spec.group: Invalid value: "other.com": field is immutable"#,
        ])
        XCTAssertEqual(validateCRDUpdate(old, old: old).map(\.message), [])
    }

    func testStrategyHelpersManageStoredVersionsAndStatus() {
        var created = crd(versions: goodVersion)
        created[path: "status", "conditions"] = [["type": "Bogus"]]
        crdPrepareForCreate(&created)
        XCTAssertEqual(created["status"], ["storedVersions": ["v1"]])

        var updated = created
        updated[path: "spec", "versions"] = [
            ["name": "v1", "served": true, "storage": false], ["name": "v2", "served": true, "storage": true],
        ]
        crdPrepareForUpdate(&updated, old: created)
        XCTAssertEqual(updated[path: "status", "storedVersions"], ["v1", "v2"])

        let status = crdEstablishedStatus(created, now: "2024-01-01T00:00:00Z")
        XCTAssertEqual(status[path: "acceptedNames", "listKind"], "WidgetList")
        XCTAssertEqual((status["conditions"]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue }, ["NamesAccepted", "Established"])
    }

    func testScaleSubresourceValuesAreChecked() {
        let scale = CRDScale(specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".status.selector")
        XCTAssertEqual(validateScale(json(#"{"spec":{"replicas":"3"},"status":{"replicas":-1,"selector":"a=b"}}"#), scale: scale).map(\.message), [
            ".spec.replicas: Invalid value: 0: .spec.replicas accessor error: 3 is of the type string, expected int64",
            ".status.replicas: Invalid value: -1: should be a non-negative integer",
        ])
        XCTAssertEqual(validateScale(json(#"{"spec":{"replicas":2}}"#), scale: scale), [])
    }

    // MARK: formats and rendering

    func testStringFormats() {
        XCTAssertTrue(SchemaFormats.validates("ipv4", "10.0.0.1"))
        XCTAssertFalse(SchemaFormats.validates("ipv4", "10.0.0.256"))
        XCTAssertTrue(SchemaFormats.validates("ipv6", "fe80::1"))
        XCTAssertTrue(SchemaFormats.validates("cidr", "10.0.0.0/8"))
        XCTAssertFalse(SchemaFormats.validates("cidr", "10.0.0.0/33"))
        XCTAssertTrue(SchemaFormats.validates("uuid", "123e4567-e89b-12d3-a456-426614174000"))
        XCTAssertTrue(SchemaFormats.validates("date", "2024-02-29"))
        XCTAssertFalse(SchemaFormats.validates("date", "2024-13-01"))
        XCTAssertTrue(SchemaFormats.validates("date-time", "2024-01-01T23:59:59.5+01:00"))
        XCTAssertFalse(SchemaFormats.validates("date-time", "2024-01-01 23:59:59"))
        XCTAssertTrue(SchemaFormats.validates("duration", "1h30m"))
        XCTAssertTrue(SchemaFormats.validates("byte", "aGVsbG8="))
        XCTAssertFalse(SchemaFormats.validates("byte", "hello"))
        XCTAssertTrue(SchemaFormats.validates("quantity", "500Mi"))
        XCTAssertFalse(SchemaFormats.validates("quantity", "5 Mi"))
        // an unsupported format is ignored, as apiextensions strips it
        XCTAssertEqual(messages(#"{"a":"zz"}"#, #"{"type":"object","properties":{"a":{"type":"string","format":"made-up"}}}"#), [])
    }

    func testGoFloatRendering() {
        XCTAssertEqual(GoFormat.float(10), "10")
        XCTAssertEqual(GoFormat.float(1.5), "1.5")
        XCTAssertEqual(GoFormat.float(1e6), "1e+06")
        XCTAssertEqual(GoFormat.float(123456.7), "123456.7")
        XCTAssertEqual(GoFormat.float(0.00001), "1e-05")
        XCTAssertEqual(GoFormat.float(-0.25), "-0.25")
    }
}
