import XCTest
@testable import KubeAPI
import KubeJSON

final class PatchTests: XCTestCase {
    // MARK: - Helpers

    private func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSON {
        do {
            return try JSONParser.parse(text)
        } catch {
            XCTFail("bad JSON in test: \(error)", file: file, line: line)
            return .null
        }
    }

    /// Compares serialized forms, so member order counts.
    private func assertJSON(_ actual: JSON, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.jsonString, json(expected).jsonString, file: file, line: line)
    }

    private func assertPatchError(
        _ body: () throws -> JSON, code: Int, detail: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let result = try body()
            XCTFail("expected a \(code), got \(result.jsonString)", file: file, line: line)
        } catch let error as PatchError {
            XCTAssertEqual(error.code, code, file: file, line: line)
            XCTAssertEqual(error.detail, detail, file: file, line: line)
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
        }
    }

    private func jsonPatch(_ document: String, _ patch: String) throws -> JSON {
        try JSONPatch.apply(json(patch), to: json(document))
    }

    private func mergePatch(_ document: String, _ patch: String) throws -> JSON {
        try MergePatch.apply(json(patch), to: json(document))
    }

    private func strategic(_ document: String, _ patch: String, _ schema: PatchSchema? = nil) throws -> JSON {
        try StrategicMergePatch.apply(json(patch), to: json(document), schema: schema ?? deploymentSchema)
    }

    private let doc = #"{"a":{"b":[1,2,3]},"c":"x"}"#

    // MARK: - JSON patch: operations

    func testJSONPatchAddObjectMemberAndArrayPositions() throws {
        assertJSON(try jsonPatch(doc, #"[{"op":"add","path":"/d","value":{"e":1}}]"#), #"{"a":{"b":[1,2,3]},"c":"x","d":{"e":1}}"#)
        assertJSON(try jsonPatch(doc, #"[{"op":"add","path":"/a/b/1","value":9}]"#), #"{"a":{"b":[1,9,2,3]},"c":"x"}"#)
        assertJSON(try jsonPatch(doc, #"[{"op":"add","path":"/a/b/-","value":9}]"#), #"{"a":{"b":[1,2,3,9]},"c":"x"}"#)
        assertJSON(try jsonPatch(doc, #"[{"op":"add","path":"/a/b/3","value":9}]"#), #"{"a":{"b":[1,2,3,9]},"c":"x"}"#)
        // An existing member is overwritten in place.
        assertJSON(try jsonPatch(doc, #"[{"op":"add","path":"/a","value":0}]"#), #"{"a":0,"c":"x"}"#)
        // Negative indices count from the end of the grown array, as in evanphx/json-patch.
        assertJSON(try jsonPatch(doc, #"[{"op":"add","path":"/a/b/-4","value":0}]"#), #"{"a":{"b":[0,1,2,3]},"c":"x"}"#)
    }

    func testJSONPatchAddErrors() {
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"add","path":"/a/b/5","value":9}]"#) }, code: 422,
                         detail: "error in add for path: '/a/b/5': Unable to access invalid index: 5: invalid index referenced")
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"add","path":"/a/b/x","value":9}]"#) }, code: 422,
                         detail: "error in add for path: '/a/b/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax")
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"add","path":"/x/y","value":9}]"#) }, code: 422,
                         detail: "add operation does not apply: doc is missing path: \"/x/y\": missing value")
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"add","path":"/c/y","value":9}]"#) }, code: 422,
                         detail: "add operation does not apply: doc is missing path: \"/c/y\": missing value")
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"add","value":1}]"#) }, code: 422,
                         detail: "add operation failed to decode path: missing value")
    }

    func testJSONPatchRemove() throws {
        assertJSON(try jsonPatch(doc, #"[{"op":"remove","path":"/a/b/0"}]"#), #"{"a":{"b":[2,3]},"c":"x"}"#)
        assertJSON(try jsonPatch(doc, #"[{"op":"remove","path":"/a/b/-1"}]"#), #"{"a":{"b":[1,2]},"c":"x"}"#)
        assertJSON(try jsonPatch(doc, #"[{"op":"remove","path":"/c"}]"#), #"{"a":{"b":[1,2,3]}}"#)
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"remove","path":"/zz"}]"#) }, code: 422,
                         detail: "error in remove for path: '/zz': Unable to remove nonexistent key: zz: missing value")
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"remove","path":"/a/b/3"}]"#) }, code: 422,
                         detail: "error in remove for path: '/a/b/3': Unable to access invalid index: 3: invalid index referenced")
    }

    func testJSONPatchReplace() throws {
        assertJSON(try jsonPatch(doc, #"[{"op":"replace","path":"/c","value":"y"}]"#), #"{"a":{"b":[1,2,3]},"c":"y"}"#)
        assertJSON(try jsonPatch(doc, #"[{"op":"replace","path":"/a/b/2","value":7}]"#), #"{"a":{"b":[1,2,7]},"c":"x"}"#)
        // kube-apiserver's library only checks array indices, so a missing member is added.
        assertJSON(try jsonPatch(doc, #"[{"op":"replace","path":"/new","value":1}]"#), #"{"a":{"b":[1,2,3]},"c":"x","new":1}"#)
        assertJSON(try jsonPatch(doc, #"[{"op":"replace","path":"","value":{"k":1}}]"#), #"{"k":1}"#)
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"replace","path":"/a/b/7","value":1}]"#) }, code: 422,
                         detail: "replace operation does not apply: doc is missing key: /a/b/7: missing value")
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"replace","path":"/q/r","value":1}]"#) }, code: 422,
                         detail: "replace operation does not apply: doc is missing path: /q/r: missing value")
    }

    func testJSONPatchMoveAndCopy() throws {
        assertJSON(try jsonPatch(doc, #"[{"op":"move","from":"/c","path":"/a/c"}]"#), #"{"a":{"b":[1,2,3],"c":"x"}}"#)
        assertJSON(try jsonPatch(doc, #"[{"op":"move","from":"/a/b/0","path":"/a/b/-"}]"#), #"{"a":{"b":[2,3,1]},"c":"x"}"#)
        assertJSON(try jsonPatch(doc, #"[{"op":"copy","from":"/a/b","path":"/z"}]"#), #"{"a":{"b":[1,2,3]},"c":"x","z":[1,2,3]}"#)
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"move","from":"/nope","path":"/c"}]"#) }, code: 422,
                         detail: "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value")
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"move","from":"/c","path":"/q/r"}]"#) }, code: 422,
                         detail: "move operation does not apply: doc is missing destination path: /q/r: missing value")
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"copy","path":"/q"}]"#) }, code: 422,
                         detail: "copy operation failed to decode from: operation, missing from field: missing value")
    }

    func testJSONPatchTest() throws {
        assertJSON(try jsonPatch(doc, #"[{"op":"test","path":"/c","value":"x"}]"#), doc)
        assertJSON(try jsonPatch(doc, #"[{"op":"test","path":"/a","value":{"b":[1,2,3]}}]"#), doc)
        assertJSON(try jsonPatch(doc, #"[{"op":"test","path":"/missing","value":null}]"#), doc)
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"test","path":"/c","value":"y"}]"#) }, code: 422,
                         detail: "testing value /c failed: test failed")
        // Scalars compare by their JSON text: 1 is not 1.0.
        assertPatchError({ try self.jsonPatch(self.doc, #"[{"op":"test","path":"/a/b/0","value":1.0}]"#) }, code: 422,
                         detail: "testing value /a/b/0 failed: test failed")
        // A failed test stops the whole patch: nothing before it is kept.
        assertPatchError({
            try self.jsonPatch(self.doc, #"[{"op":"replace","path":"/c","value":"z"},{"op":"test","path":"/c","value":"x"}]"#)
        }, code: 422, detail: "testing value /c failed: test failed")
    }

    func testJSONPointerEscapes() throws {
        assertJSON(try jsonPatch(#"{"a/b":{"m~n":1}}"#, #"[{"op":"replace","path":"/a~1b/m~0n","value":2}]"#), #"{"a/b":{"m~n":2}}"#)
        assertJSON(try jsonPatch(#"{"~1":0}"#, #"[{"op":"remove","path":"/~01"}]"#), #"{}"#)
    }

    func testJSONPatchMalformedDocumentsAre400() {
        assertPatchError({ try self.jsonPatch(self.doc, #"{"op":"add"}"#) }, code: 400,
                         detail: "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        assertPatchError({ try self.jsonPatch(self.doc, #"["add"]"#) }, code: 400,
                         detail: "json: cannot unmarshal string into Go value of type jsonpatch.Operation")
        XCTAssertThrowsError(try JSONPatch.apply(patchBytes: Array("[{".utf8), to: json(doc))) { error in
            XCTAssertEqual((error as? PatchError)?.code, 400)
        }
    }

    func testJSONPatchUnknownOpAndStatusShape() {
        do {
            _ = try jsonPatch(doc, #"[{"op":"frob","path":"/c"}]"#)
            XCTFail("expected an error")
        } catch let error as PatchError {
            XCTAssertEqual(error.code, 422)
            XCTAssertEqual(error.reason, "Invalid")
            XCTAssertEqual(error.detail, "Unexpected kind: frob")
            // kube-apiserver answers 422 patch failures with a fixed message.
            XCTAssertEqual(error.message, "the server rejected our request due to an error in our request")
        } catch {
            XCTFail("unexpected \(error)")
        }
    }

    func testJSONPatchLimitsAndNull() throws {
        assertJSON(try jsonPatch(doc, "null"), doc)
        let op = json(#"{"op":"test","path":"/c","value":"x"}"#)
        let tooMany = JSON.array(Array(repeating: op, count: JSONPatch.maxOperations + 1))
        XCTAssertThrowsError(try JSONPatch.apply(tooMany, to: json(doc))) { error in
            let patchError = error as? PatchError
            XCTAssertEqual(patchError?.code, 413)
            XCTAssertEqual(patchError?.message, "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001")
        }
    }

    // MARK: - Merge patch

    func testMergePatchRFC7386Examples() throws {
        assertJSON(try mergePatch(#"{"a":"b"}"#, #"{"a":"c"}"#), #"{"a":"c"}"#)
        assertJSON(try mergePatch(#"{"a":"b"}"#, #"{"b":"c"}"#), #"{"a":"b","b":"c"}"#)
        assertJSON(try mergePatch(#"{"a":"b"}"#, #"{"a":null}"#), #"{}"#)
        assertJSON(try mergePatch(#"{"a":"b","b":"c"}"#, #"{"a":null}"#), #"{"b":"c"}"#)
        assertJSON(try mergePatch(#"{"a":["b"]}"#, #"{"a":"c"}"#), #"{"a":"c"}"#)
        assertJSON(try mergePatch(#"{"a":"c"}"#, #"{"a":["b"]}"#), #"{"a":["b"]}"#)
        assertJSON(try mergePatch(#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#), #"{"a":{"b":"d"}}"#)
        assertJSON(try mergePatch(#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#), #"{"a":[1]}"#)
        assertJSON(try mergePatch(#"{"e":null}"#, #"{"a":1}"#), #"{"e":null,"a":1}"#)
        assertJSON(try mergePatch(#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#), #"{"a":{"bb":{}}}"#)
    }

    func testMergePatchKeepsOrderAndPrunesCopiedNulls() throws {
        assertJSON(try mergePatch(#"{"z":1,"a":{"y":1,"x":2}}"#, #"{"a":{"x":3,"w":4},"b":5}"#), #"{"z":1,"a":{"y":1,"x":3,"w":4},"b":5}"#)
        assertJSON(try mergePatch(#"{"a":[1,2]}"#, #"{"a":[3,null,{"x":null,"y":1}]}"#), #"{"a":[3,{"y":1}]}"#)
    }

    func testMergePatchRejectsNonObjects() {
        assertPatchError({ try self.mergePatch("{}", "null") }, code: 400, detail: "Invalid JSON Patch")
        assertPatchError({ try self.mergePatch("{}", "\"x\"") }, code: 400, detail: "Invalid JSON Patch")
    }

    // MARK: - Strategic merge patch

    private var deploymentSchema: PatchSchema {
        let container = PatchSchema.object([
            "ports": .mergeList(key: "containerPort"),
            "env": .mergeList(key: "name"),
            "args": .list(),
        ])
        let podSpec = PatchSchema.object([
            "containers": .mergeList(key: "name", container),
            "volumes": .list(.unknown, patchStrategy: "merge,retainKeys", patchMergeKey: "name"),
            "nodeSelector": .map(),
            "tolerations": .list(),
        ])
        return .object([
            "metadata": .object([
                "labels": .map(),
                "annotations": .map(),
                "finalizers": .primitiveSet(),
            ]),
            "spec": .object([
                "strategy": .object(["rollingUpdate": .object()], strategy: .retainKeys),
                "selector": .object(["matchLabels": .map()]),
                "template": .object([
                    "metadata": .object(["labels": .map()]),
                    "spec": podSpec,
                ]),
            ]),
        ])
    }

    private let deployment = #"""
        {"metadata":{"name":"web","labels":{"app":"web"}},
         "spec":{"replicas":2,"template":{"spec":{"containers":[
            {"name":"app","image":"nginx:1.27","ports":[{"containerPort":80}],"env":[{"name":"A","value":"1"}]},
            {"name":"sidecar","image":"envoy"}]}}}}
        """#

    /// Wraps a containers list into the Deployment above.
    private func withContainers(_ containers: String, labels: String = #"{"app":"web"}"#) -> String {
        #"{"metadata":{"name":"web","labels":\#(labels)},"spec":{"replicas":2,"template":{"spec":{"containers":\#(containers)}}}}"#
    }

    private let app = #"{"name":"app","image":"nginx:1.27","ports":[{"containerPort":80}],"env":[{"name":"A","value":"1"}]}"#
    private let sidecar = #"{"name":"sidecar","image":"envoy"}"#

    func testKubectlApplyPatchChangesOnlyTheImage() throws {
        let patch = #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"}],"containers":[{"image":"nginx:1.28","name":"app"}]}}}}"#
        let single = withContainers("[\(app)]")
        let result = try strategic(single, patch)
        assertJSON(result, withContainers(#"[{"name":"app","image":"nginx:1.28","ports":[{"containerPort":80}],"env":[{"name":"A","value":"1"}]}]"#))
        // A container the patch does not mention stays, after the ones it orders.
        let both = try strategic(deployment, patch)
        assertJSON(both, withContainers(#"[{"name":"app","image":"nginx:1.28","ports":[{"containerPort":80}],"env":[{"name":"A","value":"1"}]},\#(sidecar)]"#))
    }

    func testNestedMergeByKey() throws {
        let patch = #"""
            {"spec":{"template":{"spec":{"containers":[{"name":"app",
              "ports":[{"containerPort":443,"name":"https"}],
              "env":[{"name":"A","value":"2"},{"name":"B","value":"3"}]}]}}}}
            """#
        let result = try strategic(deployment, patch)
        let containers = result[path: "spec", "template", "spec", "containers"]?.arrayValue
        XCTAssertEqual(containers?.count, 2)
        let merged = containers?.first
        XCTAssertEqual(merged?["image"], "nginx:1.27")
        // No $setElementOrder: the patch's own elements come first, in patch order.
        XCTAssertEqual(merged?["ports"], json(#"[{"containerPort":443,"name":"https"},{"containerPort":80}]"#))
        XCTAssertEqual(merged?["env"], json(#"[{"name":"A","value":"2"},{"name":"B","value":"3"}]"#))
    }

    func testNewListElementWithoutOrderGoesFirst() throws {
        let result = try strategic(deployment, #"{"spec":{"template":{"spec":{"containers":[{"name":"new","image":"busybox"}]}}}}"#)
        assertJSON(result, withContainers(#"[{"name":"new","image":"busybox"},\#(app),\#(sidecar)]"#))
    }

    func testSetElementOrderInterleavesServerOnlyElements() throws {
        let patch = #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"sidecar"},{"name":"new"}],"containers":[{"name":"new","image":"busybox"}]}}}}"#
        assertJSON(try strategic(deployment, patch), withContainers(#"[\#(app),\#(sidecar),{"name":"new","image":"busybox"}]"#))
        // A server-only element keeps its place between elements the order list mentions.
        let three = withContainers(#"[{"name":"a"},{"name":"s"},{"name":"b"}]"#)
        let reorder = #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"b","image":"x"}]}}}}"#
        assertJSON(try strategic(three, reorder), withContainers(#"[{"name":"a"},{"name":"s"},{"name":"b","image":"x"}]"#))
    }

    func testSetElementOrderMismatchIsRejected() {
        let patch = #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"}],"containers":[{"name":"other"}]}}}}"#
        assertPatchError({ try self.strategic(self.deployment, patch) }, code: 500,
                         detail: "The order in patch list:\n[map[name:other]]\n doesn't match $setElementOrder list:\n[map[name:app]]\n")
    }

    func testNullDeletesAField() throws {
        let result = try strategic(deployment, #"{"metadata":{"labels":{"app":null,"tier":"fe"}},"spec":{"replicas":null}}"#)
        XCTAssertEqual(result[path: "metadata", "labels"], json(#"{"tier":"fe"}"#))
        XCTAssertNil(result[path: "spec", "replicas"])
    }

    func testPatchDeleteDirectiveOnListElementAndMap() throws {
        let remove = #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"}],"containers":[{"$patch":"delete","name":"sidecar"}]}}}}"#
        assertJSON(try strategic(deployment, remove), withContainers("[\(app)]"))
        let emptied = try strategic(deployment, #"{"metadata":{"labels":{"$patch":"delete"}}}"#)
        XCTAssertEqual(emptied[path: "metadata", "labels"], json("{}"))
    }

    func testPatchReplaceDirectiveOnListAndMap() throws {
        let list = #"{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"x"},{"$patch":"replace"}]}}}}"#
        assertJSON(try strategic(deployment, list), withContainers(#"[{"name":"only","image":"x"}]"#))
        let map = try strategic(deployment, #"{"metadata":{"labels":{"$patch":"replace","x":"y"}}}"#)
        XCTAssertEqual(map[path: "metadata", "labels"], json(#"{"x":"y"}"#))
    }

    func testPatchMergeDirectiveIsRefusedLikeApimachinery() {
        assertPatchError({ try self.strategic(self.deployment, #"{"metadata":{"labels":{"$patch":"merge","x":"y"}}}"#) },
                         code: 500, detail: "unknown patch type: merge in map: map[$patch:merge x:y]")
        assertPatchError({
            try self.strategic(self.deployment, #"{"spec":{"template":{"spec":{"containers":[{"name":"app","$patch":"merge"}]}}}}"#)
        }, code: 500, detail: "merging lists cannot yet be specified in the patch")
    }

    func testRetainKeys() throws {
        let original = #"{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}"#
        let result = try strategic(original, #"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#)
        assertJSON(result, #"{"spec":{"strategy":{"type":"Recreate"}}}"#)
        assertPatchError({ try self.strategic(original, #"{"spec":{"strategy":{"$retainKeys":["type"],"other":1}}}"#) },
                         code: 400, detail: "invalid patch format of retainKeys")
        assertPatchError({ try self.strategic(original, #"{"spec":{"strategy":{"$retainKeys":"type"}}}"#) },
                         code: 400, detail: "invalid patch format of retainKeys")
    }

    func testRetainKeysOnMergedVolume() throws {
        let original = #"{"spec":{"template":{"spec":{"volumes":[{"name":"data","hostPath":{"path":"/d"}}]}}}}"#
        let patch = #"{"spec":{"template":{"spec":{"volumes":[{"name":"data","$retainKeys":["emptyDir","name"],"emptyDir":{}}]}}}}"#
        assertJSON(try strategic(original, patch), #"{"spec":{"template":{"spec":{"volumes":[{"name":"data","emptyDir":{}}]}}}}"#)
    }

    func testPrimitiveSetMergeAndDeleteFromPrimitiveList() throws {
        let original = #"{"metadata":{"finalizers":["a","b"]}}"#
        // Without an order list, "a" keeps its place before "b", which the original had first.
        assertJSON(try strategic(original, #"{"metadata":{"finalizers":["b","c"]}}"#), #"{"metadata":{"finalizers":["a","b","c"]}}"#)
        assertJSON(try strategic(original, #"{"metadata":{"finalizers":["c"]}}"#), #"{"metadata":{"finalizers":["c","a","b"]}}"#)
        let kubectl = #"{"metadata":{"$setElementOrder/finalizers":["b","c"],"finalizers":["c"],"$deleteFromPrimitiveList/finalizers":["a"]}}"#
        assertJSON(try strategic(original, kubectl), #"{"metadata":{"finalizers":["b","c"]}}"#)
        assertJSON(try strategic(original, #"{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}"#), #"{"metadata":{"finalizers":["a"]}}"#)
        assertPatchError({ try self.strategic(original, #"{"metadata":{"$deleteFromPrimitiveListfinalizers":["b"]}}"#) },
                         code: 400, detail: "invalid patch format of primitive list")
    }

    func testReplaceStrategyListsAndUnknownFields() throws {
        let original = #"{"spec":{"template":{"spec":{"tolerations":[{"key":"a"}]}}},"extra":{"k":1,"list":[1,2]}}"#
        let patch = #"{"spec":{"template":{"spec":{"tolerations":[{"key":"b"}]}}},"extra":{"j":2,"list":[3]}}"#
        assertJSON(try strategic(original, patch), #"{"spec":{"template":{"spec":{"tolerations":[{"key":"b"}]}}},"extra":{"k":1,"list":[3],"j":2}}"#)
    }

    func testDirectivesAreStrippedFromNewSubtrees() throws {
        let patch = #"""
            {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],
              "containers":[{"name":"a","image":null,"$setElementOrder/env":[{"name":"X"}],"env":[{"name":"X"}]}]}},
              "gone":{"$patch":"delete"}}}
            """#
        let result = try strategic("{}", patch)
        assertJSON(result, #"{"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"X"}]}]}}}}"#)
        XCTAssertFalse(result.jsonString.contains("$"))
    }

    func testStrategicErrors() {
        assertPatchError({ try self.strategic(self.deployment, #"{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}"#) },
                         code: 500, detail: "map: map[image:x] does not contain declared merge key: name")
        assertPatchError({ try self.strategic(#"{"metadata":{"finalizers":[["a"]]}}"#, #"{"metadata":{"finalizers":[["b"]]}}"#) },
                         code: 422, detail: "lists of lists are not supported")
        assertPatchError({ try self.strategic(self.deployment, "[1]") }, code: 400,
                         detail: "json: cannot unmarshal array into Go value of type map[string]interface {}")
        assertPatchError({ try self.strategic(self.deployment, #"{"$setElementOrderx":[]}"#) }, code: 400,
                         detail: "invalid patch format of setElementOrder list")
    }

    func testNullPatchAndTopLevelDirectives() throws {
        assertJSON(try strategic(deployment, "null"), deployment)
        assertJSON(try strategic(deployment, #"{"$patch":"replace","kind":"X"}"#), #"{"kind":"X"}"#)
        assertJSON(try strategic(deployment, #"{"$patch":"delete"}"#), "{}")
    }

    // MARK: - Schema

    func testPatchSchemaConstructionAndLookup() {
        let strategy = PatchStrategy(openAPI: "merge,retainKeys")
        XCTAssertEqual(strategy.base, .merge)
        XCTAssertTrue(strategy.retainKeys)
        XCTAssertEqual(PatchStrategy(openAPI: "retainKeys"), .retainKeys)
        XCTAssertEqual(PatchStrategy(openAPI: nil), .default)

        let schema = deploymentSchema
        let containers = schema.field("spec").field("template").field("spec").field("containers")
        XCTAssertEqual(containers.kind, .list)
        XCTAssertEqual(containers.mergeKey, "name")
        XCTAssertEqual(containers.strategy.base, .merge)
        XCTAssertEqual(containers.elementSchema.field("ports").mergeKey, "containerPort")
        XCTAssertEqual(schema.field("metadata").field("labels").field("anything").kind, .unknown)
        XCTAssertEqual(schema.field("nope").kind, .unknown)
        let shared = PatchSchema.object(["x": .map()])
        XCTAssertEqual(shared.withPatchMetadata(strategy: .replace).strategy.base, .replace)
    }

    func testDeferredSchemaForRecursiveTypes() throws {
        let node = RecursiveSchema.node
        let original = #"{"items":[{"id":1,"items":[{"id":2,"v":1}]}]}"#
        let patch = #"{"items":[{"id":1,"items":[{"id":2,"v":2},{"id":3}]}]}"#
        assertJSON(try strategic(original, patch, node), #"{"items":[{"id":1,"items":[{"id":2,"v":2},{"id":3}]}]}"#)
    }
}

/// A schema that refers to itself, as JSONSchemaProps does.
private enum RecursiveSchema {
    static let node: PatchSchema = .object(["items": .mergeList(key: "id", .deferred { RecursiveSchema.node })])
}
