import XCTest
@testable import KubeAPI
import KubeJSON

final class ServerSideApplyTests: XCTestCase {
    // MARK: - Helpers

    private let configMaps = ApplySchema.builtin(group: "", version: "v1", kind: "ConfigMap")
    private let deployments = ApplySchema.builtin(group: "apps", version: "v1", kind: "Deployment")

    private func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSON {
        do {
            return try JSONParser.parse(text)
        } catch {
            XCTFail("bad JSON in test: \(error)", file: file, line: line)
            return .null
        }
    }

    private func configMap(_ data: String, name: String = "cfg") -> JSON {
        json(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)","namespace":"default"},"data":\#(data)}"#)
    }

    private func applyConfigMap(_ live: JSON?, _ applied: JSON, manager: String = "kubectl", force: Bool = false,
                                now: String = "2024-05-01T10:00:00Z") throws -> JSON
    {
        try ServerSideApply.apply(live: live, applied: applied, manager: manager, force: force, apiVersion: "v1",
                                  kind: "ConfigMap", schema: configMaps, now: now)
    }

    private func applyDeployment(_ live: JSON?, _ applied: String, manager: String, force: Bool = false,
                                 now: String = "2024-05-01T10:00:00Z") throws -> JSON
    {
        try ServerSideApply.apply(live: live, applied: json(applied), manager: manager, force: force,
                                  apiVersion: "apps/v1", kind: "Deployment", schema: deployments, now: now)
    }

    private func entries(_ object: JSON) -> [JSON] {
        object[path: "metadata", "managedFields"]?.arrayValue ?? []
    }

    private func entry(_ object: JSON, _ manager: String, _ operation: String = "Apply") -> JSON? {
        entries(object).first { $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == operation }
    }

    private func fields(_ object: JSON, _ manager: String, _ operation: String = "Apply") -> String? {
        entry(object, manager, operation)?["fieldsV1"]?.jsonString
    }

    private func conflict(_ body: () throws -> JSON, file: StaticString = #filePath, line: UInt = #line) -> ApplyConflict? {
        do {
            let result = try body()
            XCTFail("expected a conflict, got \(result.jsonString)", file: file, line: line)
        } catch ApplyError.conflict(let conflict) {
            return conflict
        } catch {
            XCTFail("expected a conflict, got \(error)", file: file, line: line)
        }
        return nil
    }

    // MARK: - Apply

    func testCreateViaApplyRecordsAnApplyEntry() throws {
        let result = try applyConfigMap(nil, configMap(#"{"a":"1","b":"2"}"#))
        XCTAssertEqual(result["data"], json(#"{"a":"1","b":"2"}"#))
        XCTAssertEqual(result[path: "metadata", "name"], "cfg")
        XCTAssertEqual(entries(result).count, 1)
        XCTAssertEqual(entry(result, "kubectl")?.jsonString,
                       #"{"manager":"kubectl","operation":"Apply","apiVersion":"v1","time":"2024-05-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{},"f:b":{}}}}"#)
    }

    func testReapplyingUnchangedKeepsObjectAndTime() throws {
        let first = try applyConfigMap(nil, configMap(#"{"a":"1"}"#))
        let second = try applyConfigMap(first, configMap(#"{"a":"1"}"#), now: "2024-06-01T00:00:00Z")
        XCTAssertEqual(second, first)
        XCTAssertEqual(entry(second, "kubectl")?["time"], "2024-05-01T10:00:00Z")
    }

    func testOmittingAFieldRemovesIt() throws {
        let first = try applyConfigMap(nil, configMap(#"{"a":"1","b":"2"}"#))
        let second = try applyConfigMap(first, configMap(#"{"a":"1"}"#), now: "2024-05-02T00:00:00Z")
        XCTAssertEqual(second["data"], json(#"{"a":"1"}"#))
        XCTAssertEqual(fields(second, "kubectl"), #"{"f:data":{"f:a":{}}}"#)
        XCTAssertEqual(entry(second, "kubectl")?["time"], "2024-05-02T00:00:00Z")
        // Omitting the last key removes the map rather than leaving it empty.
        let third = try applyConfigMap(second, json(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"default"}}"#))
        XCTAssertNil(third["data"])
        XCTAssertTrue(entries(third).isEmpty)
    }

    func testFieldsSetByAnotherManagerAreNotPruned() throws {
        var live = try applyConfigMap(nil, configMap(#"{"a":"1"}"#))
        live = ServerSideApply.recordUpdate(old: live, new: { var x = live; x[path: "data", "b"] = "2"; return x }(),
                                            manager: "editor", apiVersion: "v1", subresource: nil, schema: configMaps,
                                            now: "2024-05-01T11:00:00Z")
        let result = try applyConfigMap(live, configMap(#"{"c":"3"}"#))
        // a was the applier's and is gone; b belongs to the editor and stays.
        XCTAssertEqual(result["data"], json(#"{"b":"2","c":"3"}"#))
    }

    func testTwoManagersShareAFieldWithTheSameValue() throws {
        let first = try applyConfigMap(nil, configMap(#"{"a":"1"}"#))
        let shared = try applyConfigMap(first, configMap(#"{"a":"1"}"#), manager: "other")
        XCTAssertEqual(fields(shared, "kubectl"), #"{"f:data":{"f:a":{}}}"#)
        XCTAssertEqual(fields(shared, "other"), #"{"f:data":{"f:a":{}}}"#)
        // Nothing changed, so the new entry gets no time (upstream), and sorts first.
        XCTAssertNil(entry(shared, "other")?["time"])
        XCTAssertEqual(entries(shared).first?["manager"], "other")
        // When one of them stops applying the field, the other still owns it, so it stays.
        let dropped = try applyConfigMap(shared, configMap(#"{"z":"9"}"#))
        XCTAssertEqual(dropped["data"], json(#"{"a":"1","z":"9"}"#))
        XCTAssertEqual(fields(dropped, "kubectl"), #"{"f:data":{"f:z":{}}}"#)
        XCTAssertEqual(fields(dropped, "other"), #"{"f:data":{"f:a":{}}}"#)
    }

    func testConflictWithClientSideApplyManager() throws {
        let live = ServerSideApply.recordUpdate(old: nil, new: configMap(#"{"key1":"v1"}"#),
                                                manager: "kubectl-client-side-apply", apiVersion: "v1",
                                                subresource: nil, schema: configMaps, now: "2024-05-01T09:00:00Z")
        XCTAssertEqual(fields(live, "kubectl-client-side-apply", "Update"), #"{"f:data":{".":{},"f:key1":{}}}"#)

        let found = conflict { try applyConfigMap(live, configMap(#"{"key1":"v2"}"#)) }
        XCTAssertEqual(found?.message,
                       #"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.key1"#)
        let error = found?.apiError
        XCTAssertEqual(error?.code, 409)
        XCTAssertEqual(error?.reason, "Conflict")
        XCTAssertEqual(error?.details?.jsonString,
                       #"{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"kubectl-client-side-apply\" using v1","field":".data.key1"}]}"#)
    }

    func testSeveralConflictsAreListedPerManager() throws {
        var live = try applyConfigMap(nil, configMap(#"{"a":"1","b":"1"}"#), manager: "alpha")
        live = try applyConfigMap(live, configMap(#"{"c":"1"}"#), manager: "beta")
        let found = conflict { try applyConfigMap(live, configMap(#"{"a":"2","b":"2","c":"2"}"#), manager: "gamma") }
        XCTAssertEqual(found?.message, """
            Apply failed with 3 conflicts: conflicts with "alpha":
            - .data.a
            - .data.b
            conflicts with "beta":
            - .data.c
            """)
        XCTAssertEqual(found?.conflicts.map(\.manager), ["alpha", "alpha", "beta"])
    }

    func testSameValueIsNoConflict() throws {
        let live = ServerSideApply.recordUpdate(old: nil, new: configMap(#"{"key1":"v1"}"#), manager: "editor",
                                                apiVersion: "v1", subresource: nil, schema: configMaps, now: "t0")
        let result = try applyConfigMap(live, configMap(#"{"key1":"v1"}"#))
        XCTAssertEqual(fields(result, "kubectl"), #"{"f:data":{"f:key1":{}}}"#)
        XCTAssertEqual(fields(result, "editor", "Update"), #"{"f:data":{".":{},"f:key1":{}}}"#)
    }

    func testForceTakesOwnership() throws {
        let live = ServerSideApply.recordUpdate(old: nil, new: configMap(#"{"key1":"v1","key2":"x"}"#),
                                                manager: "kubectl-client-side-apply", apiVersion: "v1",
                                                subresource: nil, schema: configMaps, now: "2024-05-01T09:00:00Z")
        let result = try applyConfigMap(live, configMap(#"{"key1":"v2"}"#), manager: "mgr", force: true)
        XCTAssertEqual(result["data"], json(#"{"key1":"v2","key2":"x"}"#))
        XCTAssertEqual(fields(result, "mgr"), #"{"f:data":{"f:key1":{}}}"#)
        // The previous owner keeps only what it did not lose.
        XCTAssertEqual(fields(result, "kubectl-client-side-apply", "Update"), #"{"f:data":{".":{},"f:key2":{}}}"#)
        XCTAssertEqual(entries(result).map { $0["manager"]?.stringValue ?? "" }, ["mgr", "kubectl-client-side-apply"])
    }

    func testKubectlTakesOverFieldsOfItsLastAppliedConfiguration() throws {
        let lastApplied = #"{\"apiVersion\":\"v1\",\"data\":{\"key1\":\"v1\"},\"kind\":\"ConfigMap\",\"metadata\":{\"annotations\":{},\"name\":\"cfg\",\"namespace\":\"default\"}}\n"#
        let created = json(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"default","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"\#(lastApplied)"}},"data":{"key1":"v1"}}"#)
        let live = ServerSideApply.recordUpdate(old: nil, new: created, manager: "kubectl-client-side-apply",
                                                apiVersion: "v1", subresource: nil, schema: configMaps, now: "t0")
        // Another manager conflicts ...
        XCTAssertNotNil(conflict { try applyConfigMap(live, configMap(#"{"key1":"v2"}"#), manager: "someone") })
        // ... kubectl does not, and it rewrites the annotation to what it applied.
        let result = try applyConfigMap(live, configMap(#"{"key1":"v2"}"#))
        XCTAssertEqual(result[path: "data", "key1"], "v2")
        XCTAssertEqual(fields(result, "kubectl"), #"{"f:data":{"f:key1":{}}}"#)
        XCTAssertEqual(result[path: "metadata", "annotations", ServerSideApply.lastAppliedAnnotation]?.stringValue,
                       #"{"apiVersion":"v1","data":{"key1":"v2"},"kind":"ConfigMap","metadata":{"name":"cfg","namespace":"default"}}"# + "\n")
    }

    func testUnmanagedObjectFieldsBelongToBeforeFirstApply() throws {
        let live = json(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"default","uid":"u1"},"data":{"a":"1"}}"#)
        let found = conflict { try applyConfigMap(live, configMap(#"{"a":"2"}"#), manager: "m") }
        XCTAssertEqual(found?.message, #"Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a"#)
    }

    func testServerOwnedFieldsAreNotTakenFromTheApplied() throws {
        let live = json(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","uid":"u1","resourceVersion":"4","generation":2},"spec":{"replicas":1},"status":{"replicas":1}}"#)
        let result = try applyDeployment(live, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","uid":"x","resourceVersion":"99","generation":7},"spec":{"replicas":3},"status":{"replicas":9}}"#,
                                         manager: "m", force: true)
        XCTAssertEqual(result[path: "metadata", "uid"], "u1")
        XCTAssertEqual(result[path: "metadata", "resourceVersion"], "4")
        XCTAssertEqual(result[path: "metadata", "generation"], 2)
        XCTAssertEqual(result[path: "status", "replicas"], 1)
        XCTAssertEqual(result[path: "spec", "replicas"], 3)
        XCTAssertEqual(fields(result, "m"), #"{"f:spec":{"f:replicas":{}}}"#)
    }

    func testRejectsWrongTypeAndManagedFields() {
        XCTAssertThrowsError(try applyConfigMap(nil, json(#"{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"c"}}"#))) { error in
            XCTAssertEqual((error as? ApplyError)?.apiError.message, "invalid object type: /v2, Kind=ConfigMap")
            XCTAssertEqual((error as? ApplyError)?.apiError.code, 400)
        }
        XCTAssertThrowsError(try applyConfigMap(nil, json(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","managedFields":[]}}"#))) { error in
            XCTAssertEqual((error as? ApplyError)?.apiError.message, "metadata.managedFields must be nil")
        }
    }

    // MARK: - Lists

    private let appDeployment = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"spec":{"containers":[{"name":"app","image":"nginx:1","args":["a","b"],"ports":[{"containerPort":80}]}]}}}}"#

    func testContainersMergeByName() throws {
        let live = try applyDeployment(nil, appDeployment, manager: "kubectl")
        XCTAssertEqual(fields(live, "kubectl"),
                       #"{"f:spec":{"f:selector":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:args":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}"#)
        let merged = try applyDeployment(live, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"},{"name":"app","image":"nginx:1"}]}}}}"#,
                                         manager: "other")
        let containers = merged[path: "spec", "template", "spec", "containers"]?.arrayValue ?? []
        XCTAssertEqual(containers.compactMap { $0["name"]?.stringValue }, ["sidecar", "app"])
        XCTAssertEqual(containers.last?["args"], ["a", "b"])
        XCTAssertEqual(fields(merged, "other"),
                       #"{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{}},"k:{\"name\":\"sidecar\"}":{".":{},"f:image":{},"f:name":{}}}}}}}"#)
        // Changing the image kubectl owns conflicts, naming the item by its key.
        let found = conflict {
            try applyDeployment(merged, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:2"}]}}}}"#,
                                manager: "third")
        }
        XCTAssertEqual(found?.conflicts.map(\.field), [#".spec.template.spec.containers[name="app"].image"#,
                                                        #".spec.template.spec.containers[name="app"].image"#])
        XCTAssertEqual(found?.conflicts.map(\.manager), ["kubectl", "other"])
    }

    func testDroppedContainerIsPrunedAndDefaultsOfKeptOnesStay() throws {
        var live = try applyDeployment(nil, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}}}"#,
                                       manager: "kubectl")
        // What defaulting adds belongs to nobody.
        live[path: "spec", "template", "spec", "containers"] = json(#"[{"name":"a","image":"x","imagePullPolicy":"Always"},{"name":"b","image":"y","imagePullPolicy":"Always"}]"#)
        live[path: "spec", "revisionHistoryLimit"] = 10
        let result = try applyDeployment(live, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"a","image":"x"}]}}}}"#,
                                         manager: "kubectl")
        XCTAssertEqual(result[path: "spec", "template", "spec", "containers"],
                       json(#"[{"name":"a","image":"x","imagePullPolicy":"Always"}]"#))
        XCTAssertEqual(result[path: "spec", "revisionHistoryLimit"], 10)
    }

    func testSetListIsUnioned() throws {
        let live = try applyDeployment(nil, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","finalizers":["a/one"]}}"#,
                                       manager: "first")
        let result = try applyDeployment(live, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","finalizers":["b/two"]}}"#,
                                         manager: "second")
        XCTAssertEqual(result[path: "metadata", "finalizers"], ["a/one", "b/two"])
        XCTAssertEqual(fields(result, "second"), #"{"f:metadata":{"f:finalizers":{"v:\"b/two\"":{}}}}"#)
        // The first manager dropping its finalizer removes only that one.
        let dropped = try applyDeployment(result, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"x":"y"}}}"#,
                                          manager: "first")
        XCTAssertEqual(dropped[path: "metadata", "finalizers"], ["b/two"])
    }

    func testAtomicListIsReplacedWholeAndOwnedWhole() throws {
        let live = try applyDeployment(nil, appDeployment, manager: "kubectl")
        let changeArgs = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"app","args":["z"]}]}}}}"#
        let found = conflict { try applyDeployment(live, changeArgs, manager: "other") }
        XCTAssertEqual(found?.message,
                       #"Apply failed with 1 conflict: conflict with "kubectl": .spec.template.spec.containers[name="app"].args"#)
        let forced = try applyDeployment(live, changeArgs, manager: "other", force: true)
        XCTAssertEqual(forced[path: "spec", "template", "spec", "containers"]?.arrayValue?.first?["args"], ["z"])
        XCTAssertFalse(fields(forced, "kubectl")?.contains("f:args") ?? true)
    }

    func testAppliedListItemWithoutKeyIsRejected() {
        XCTAssertThrowsError(try applyDeployment(nil, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"ns"},"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}"#,
                                                 manager: "m")) { error in
            XCTAssertEqual((error as? ApplyError)?.apiError.code, 500)
            XCTAssertEqual((error as? ApplyError)?.apiError.message,
                           #"failed to create typed patch object (ns/d; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn't have default value)"#)
        }
    }

    func testCustomResourceListsFollowTheStructuralSchema() throws {
        let structural = StructuralSchema.compile(json(#"{"type":"object","properties":{"spec":{"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"id":{"type":"string"},"v":{"type":"integer"}}},"x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["id"]},"tags":{"type":"array","items":{"type":"string"}}}}}}"#))
        let schema = ApplySchema.custom(structural)
        let first = #"{"apiVersion":"ex.com/v1","kind":"Thing","metadata":{"name":"t","labels":{"a":"b"}},"spec":{"items":[{"id":"1","v":1}],"tags":["x"]}}"#
        let live = try ServerSideApply.apply(live: nil, applied: json(first), manager: "one", force: false,
                                             apiVersion: "ex.com/v1", schema: schema, now: "t1")
        XCTAssertEqual(fields(live, "one"),
                       #"{"f:metadata":{"f:labels":{"f:a":{}}},"f:spec":{"f:items":{"k:{\"id\":\"1\"}":{".":{},"f:id":{},"f:v":{}}},"f:tags":{}}}"#)
        let second = #"{"apiVersion":"ex.com/v1","kind":"Thing","metadata":{"name":"t"},"spec":{"items":[{"id":"2","v":2}],"tags":["y"]}}"#
        let result = try ServerSideApply.apply(live: live, applied: json(second), manager: "two", force: true,
                                               apiVersion: "ex.com/v1", schema: schema, now: "t2")
        XCTAssertEqual(result[path: "spec", "items"], json(#"[{"id":"1","v":1},{"id":"2","v":2}]"#))
        XCTAssertEqual(result[path: "spec", "tags"], ["y"])
    }

    // MARK: - Updates

    func testRecordUpdateAttributesChangedFields() throws {
        let created = ServerSideApply.recordUpdate(old: nil, new: configMap(#"{"a":"1","b":"2"}"#), manager: "kubectl-create",
                                                   apiVersion: "v1", subresource: nil, schema: configMaps,
                                                   now: "2024-05-01T10:00:00Z")
        XCTAssertEqual(entry(created, "kubectl-create", "Update")?.jsonString,
                       #"{"manager":"kubectl-create","operation":"Update","apiVersion":"v1","time":"2024-05-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:a":{},"f:b":{}}}}"#)
        var changed = created
        changed[path: "data", "a"] = "changed"
        changed[path: "metadata", "labels"] = ["team": "x"]
        let updated = ServerSideApply.recordUpdate(old: created, new: changed, manager: "editor", apiVersion: "v1",
                                                   subresource: nil, schema: configMaps, now: "2024-05-01T11:00:00Z")
        XCTAssertEqual(fields(updated, "editor", "Update"), #"{"f:data":{"f:a":{}},"f:metadata":{"f:labels":{".":{},"f:team":{}}}}"#)
        XCTAssertEqual(fields(updated, "kubectl-create", "Update"), #"{"f:data":{".":{},"f:b":{}}}"#)
        XCTAssertEqual(entries(updated).map { $0["manager"]?.stringValue ?? "" }, ["kubectl-create", "editor"])
        // An update that changes nothing leaves entries and times alone.
        let again = ServerSideApply.recordUpdate(old: updated, new: updated, manager: "editor", apiVersion: "v1",
                                                 subresource: nil, schema: configMaps, now: "2024-05-02T00:00:00Z")
        XCTAssertEqual(again, updated)
    }

    func testCreateAttributionFollowsGoZeroValue() {
        let created = ServerSideApply.recordUpdate(
            old: nil,
            new: json(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"app":"x"}},"spec":{"replicas":1,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},"template":{"spec":{"containers":[{"name":"n","image":"i"}]}}}}"#),
            manager: "kubectl-create", apiVersion: "apps/v1", subresource: nil, schema: deployments, now: "t")
        // spec, strategy and template exist in the zero value: no "." for them; labels and rollingUpdate are new.
        XCTAssertEqual(fields(created, "kubectl-create", "Update"),
                       #"{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{}},"f:type":{}},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"n\"}":{".":{},"f:image":{},"f:name":{}}}}}}}"#)
    }

    func testStatusUpdatesRecordTheSubresource() {
        let live = json(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","uid":"u","managedFields":[{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"t0","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}}]},"spec":{"replicas":1}}"#)
        var new = live
        new[path: "status", "readyReplicas"] = 1
        let result = ServerSideApply.recordUpdate(old: live, new: new, manager: "controller", apiVersion: "apps/v1",
                                                  subresource: "status", schema: deployments, now: "t1")
        XCTAssertEqual(entry(result, "controller", "Update")?.jsonString,
                       #"{"manager":"controller","operation":"Update","apiVersion":"apps/v1","time":"t1","fieldsType":"FieldsV1","fieldsV1":{"f:status":{".":{},"f:readyReplicas":{}}},"subresource":"status"}"#)
        XCTAssertEqual(fields(result, "kubectl"), #"{"f:spec":{"f:replicas":{}}}"#)
    }

    func testManagedFieldsSentByTheClientReplaceOrClearTheLiveOnes() {
        let live = ServerSideApply.recordUpdate(old: nil, new: configMap(#"{"a":"1"}"#), manager: "kubectl-client-side-apply",
                                                apiVersion: "v1", subresource: nil, schema: configMaps, now: "t0")
        var withUID = live
        withUID[path: "metadata", "uid"] = "u1"
        // kubectl's client-side to server-side migration patches managedFields directly.
        var migrated = withUID
        migrated[path: "metadata", "managedFields"] = json(#"[{"manager":"kubectl","operation":"Apply","apiVersion":"v1","time":"t0","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}}]"#)
        let result = ServerSideApply.recordUpdate(old: withUID, new: migrated, manager: "kubectl", apiVersion: "v1",
                                                  subresource: nil, schema: configMaps, now: "t1")
        XCTAssertEqual(result[path: "metadata", "managedFields"], migrated[path: "metadata", "managedFields"])
        // `[]` clears them, and an object nobody manages stays unmanaged.
        var cleared = withUID
        cleared[path: "metadata", "managedFields"] = []
        let unmanaged = ServerSideApply.recordUpdate(old: withUID, new: cleared, manager: "m", apiVersion: "v1",
                                                     subresource: nil, schema: configMaps, now: "t1")
        XCTAssertNil(unmanaged[path: "metadata", "managedFields"])
    }

    func testUpdateManagersAreCappedIntoAncientChanges() {
        var object = configMap(#"{}"#)
        for i in 0..<12 {
            var next = object
            next[path: "data", "k\(i)"] = "v"
            object = ServerSideApply.recordUpdate(old: i == 0 ? nil : object, new: next, manager: "m\(i)", apiVersion: "v1",
                                                  subresource: nil, schema: configMaps,
                                                  now: "2024-05-01T10:00:\(10 + i)Z")
        }
        let managers = entries(object).compactMap { $0["manager"]?.stringValue }
        XCTAssertEqual(managers.count, 10)
        XCTAssertEqual(managers.first, "ancient-changes")
        XCTAssertEqual(fields(object, "ancient-changes", "Update"), #"{"f:data":{".":{},"f:k0":{},"f:k1":{},"f:k2":{}}}"#)
    }

    // MARK: - FieldsV1

    func testFieldsV1RoundTripAndOrder() throws {
        let text = #"{"f:metadata":{"f:labels":{".":{},"f:a":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"b\"}":{".":{},"f:name":{}},"k:{\"name\":\"a\"}":{}},"f:finalizers":{"v:\"x\"":{}}}}"#
        let set = try XCTUnwrap(FieldSet(fieldsV1: json(text)))
        XCTAssertEqual(set.fieldsV1().jsonString,
                       #"{"f:metadata":{"f:labels":{".":{},"f:a":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"a\"}":{},"k:{\"name\":\"b\"}":{".":{},"f:name":{}}},"f:finalizers":{"v:\"x\"":{}}}}"#)
        XCTAssertTrue(set.has([.field("metadata"), .field("labels")]))
        XCTAssertFalse(set.has([.field("metadata")]))
        XCTAssertEqual(set.paths().map(pathString).first, ".metadata.labels")
    }
}
