import XCTest
@testable import KubeAPI
import KubeJSON

final class MetaValidationTests: XCTestCase {
    private let subdomainError =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    private let labelError =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    private let dns1035Error =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    private let namePartError =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    private let labelValueError =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

    // MARK: - Name formats

    func testDNS1123Subdomain() {
        for valid in ["a", "abc", "a-b", "0", "example.com", "a.b-c.d", String(repeating: "a", count: 253)] {
            XCTAssertEqual(NameValidation.isDNS1123Subdomain(valid), [], valid)
        }
        for invalid in ["", "A", "-a", "a-", "a..b", ".a", "a.", "a_b", "é"] {
            XCTAssertEqual(NameValidation.isDNS1123Subdomain(invalid), [subdomainError], invalid)
        }
        XCTAssertEqual(NameValidation.isDNS1123Subdomain(String(repeating: "a", count: 254)),
                       ["must be no more than 253 characters"])
    }

    func testDNS1123Label() {
        XCTAssertEqual(NameValidation.isDNS1123Label("my-name"), [])
        XCTAssertEqual(NameValidation.isDNS1123Label("123-abc"), [])
        XCTAssertEqual(NameValidation.isDNS1123Label("a.b"), ["must not contain dots"])
        XCTAssertEqual(NameValidation.isDNS1123Label("Ab"), [labelError])
        XCTAssertEqual(NameValidation.isDNS1123Label(String(repeating: "a", count: 64)),
                       ["must be no more than 63 characters"])
        XCTAssertEqual(NameValidation.isDNS1123Label(String(repeating: "a", count: 64) + "-"),
                       ["must be no more than 63 characters", labelError])
    }

    func testDNS1035Label() {
        XCTAssertEqual(NameValidation.isDNS1035Label("abc-123"), [])
        XCTAssertEqual(NameValidation.isDNS1035Label("1abc"), [dns1035Error])
        XCTAssertEqual(NameValidation.isDNS1035Label("abc-"), [dns1035Error])
        XCTAssertEqual(NameValidation.isDNS1035Label(""), [dns1035Error])
    }

    func testQualifiedNames() {
        for valid in ["app", "App_1.x", "example.com/MyName", "kubernetes.io/cluster-service", "a/b"] {
            XCTAssertEqual(NameValidation.isQualifiedName(valid), [], valid)
        }
        XCTAssertEqual(NameValidation.isQualifiedName("bad key"), [namePartError])
        XCTAssertEqual(NameValidation.isQualifiedName("/b"), ["prefix part must be non-empty"])
        XCTAssertEqual(NameValidation.isQualifiedName("a/"), ["name part must be non-empty", namePartError])
        XCTAssertEqual(NameValidation.isQualifiedName("Example.com/x"), ["prefix part " + subdomainError])
        XCTAssertEqual(NameValidation.isQualifiedName(String(repeating: "a", count: 64)),
                       ["name part must be no more than 63 characters"])
        XCTAssertEqual(NameValidation.isQualifiedName("a/b/c"), [
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        ])
    }

    func testLabelValues() {
        for valid in ["", "v", "MyValue", "my_value", "12345", "a.b-c", String(repeating: "z", count: 63)] {
            XCTAssertEqual(NameValidation.isValidLabelValue(valid), [], valid)
        }
        XCTAssertEqual(NameValidation.isValidLabelValue("-a"), [labelValueError])
        XCTAssertEqual(NameValidation.isValidLabelValue("a b"), [labelValueError])
        XCTAssertEqual(NameValidation.isValidLabelValue(String(repeating: "z", count: 64)),
                       ["must be no more than 63 characters"])
    }

    func testNameKinds() {
        XCTAssertEqual(NameKind.pathSegment.validate("Any Name:1", prefix: false), [])
        XCTAssertEqual(NameKind.pathSegment.validate(".", prefix: false), ["may not be '.'"])
        XCTAssertEqual(NameKind.pathSegment.validate("..", prefix: false), ["may not be '..'"])
        XCTAssertEqual(NameKind.pathSegment.validate("..", prefix: true), [])
        XCTAssertEqual(NameKind.pathSegment.validate("a/b%c", prefix: false), ["may not contain '/'", "may not contain '%'"])
        XCTAssertEqual(NameKind.none.validate("/%", prefix: false), [])
        XCTAssertEqual(NameKind.dns1035Label.validate("9s", prefix: false), [dns1035Error])
        // A generateName may end in '-'; the trailing dash is masked before the check.
        XCTAssertEqual(NameKind.dns1123Subdomain.validate("web-", prefix: true), [])
        XCTAssertEqual(NameKind.dns1123Subdomain.validate("web-", prefix: false), [subdomainError])
        XCTAssertEqual(NameKind.dns1123Label.validate("Web-", prefix: true), [labelError])
        // Upstream drops two bytes, so a prefix whose second-to-last character is bad still passes.
        XCTAssertEqual(NameKind.dns1123Subdomain.validate("ab.-", prefix: true), [])
    }

    func testOtherFormats() {
        XCTAssertEqual(NameValidation.isValidPortName("http"), [])
        XCTAssertEqual(NameValidation.isValidPortName("123"), ["must contain at least one letter (a-z)"])
        XCTAssertEqual(NameValidation.isValidPortName("a--b"), ["must not contain consecutive hyphens"])
        XCTAssertEqual(NameValidation.isValidPortNum(0), ["must be between 1 and 65535, inclusive"])
        XCTAssertEqual(NameValidation.isConfigMapKey("..a"), ["must not start with '..'"])
        XCTAssertEqual(NameValidation.isConfigMapKey("key.name"), [])
        XCTAssertEqual(NameValidation.isEnvVarName("MY_ENV.NAME"), [])
        XCTAssertEqual(NameValidation.isEnvVarName("1A").count, 1)
        XCTAssertEqual(NameValidation.isCIdentifier("_ok9"), [])
        XCTAssertEqual(NameValidation.isCIdentifier("9no").count, 1)
    }

    // MARK: - ObjectMeta on create

    private func messages(_ errors: [FieldError]) -> [String] { errors.map(\.message) }

    func testValidMetadataPasses() {
        let meta: JSON = [
            "name": "web-0", "namespace": "default",
            "labels": ["app": "web", "example.com/tier": ""],
            "annotations": ["Example.com/Note": "anything at all"],
            "finalizers": ["example.com/cleanup", "kubernetes"],
            "ownerReferences": [["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": "u1", "controller": true]],
        ]
        XCTAssertEqual(messages(validateObjectMeta(meta, namespaced: true, nameKind: .dns1123Subdomain)), [])
    }

    func testNameAndNamespaceRules() {
        XCTAssertEqual(messages(validateObjectMeta(["namespace": "default"], namespaced: true, nameKind: .dns1123Subdomain)),
                       ["metadata.name: Required value: name or generateName is required"])
        XCTAssertEqual(messages(validateObjectMeta(["generateName": "web-", "namespace": "d"], namespaced: true,
                                                   nameKind: .dns1123Subdomain)), [])
        XCTAssertEqual(messages(validateObjectMeta(["name": "Web"], namespaced: true, nameKind: .dns1123Subdomain)), [
            "metadata.name: Invalid value: \"Web\": " + subdomainError,
            "metadata.namespace: Required value",
        ])
        XCTAssertEqual(messages(validateObjectMeta(["generateName": "Web-", "name": "Web-abcde"], namespaced: false,
                                                   nameKind: .dns1123Subdomain)), [
            "metadata.generateName: Invalid value: \"Web-\": " + subdomainError,
            "metadata.name: Invalid value: \"Web-abcde\": " + subdomainError,
        ])
        XCTAssertEqual(messages(validateObjectMeta(["name": "n", "namespace": "x"], namespaced: false, nameKind: .dns1123Label)),
                       ["metadata.namespace: Forbidden: not allowed on this type"])
        XCTAssertEqual(messages(validateObjectMeta(["name": "n", "namespace": "a.b"], namespaced: true, nameKind: .dns1123Label)),
                       ["metadata.namespace: Invalid value: \"a.b\": must not contain dots"])
        XCTAssertEqual(messages(validateObjectMeta(["name": "system:admin"], namespaced: false, nameKind: .pathSegment)), [])
        XCTAssertEqual(messages(validateObjectMeta(["name": "n", "generation": -1], namespaced: false, nameKind: .none)),
                       ["metadata.generation: Invalid value: -1: must be greater than or equal to 0"])
        XCTAssertEqual(messages(validateObjectMeta(nil, namespaced: false, nameKind: .none)),
                       ["metadata.name: Required value: name or generateName is required"])
    }

    func testLabelsAndAnnotations() {
        let meta: JSON = ["name": "n", "labels": ["bad key": "ok", "k": "-bad"], "annotations": ["a/b/c": "x"]]
        XCTAssertEqual(messages(validateObjectMeta(meta, namespaced: false, nameKind: .dns1123Subdomain)), [
            "metadata.labels: Invalid value: \"bad key\": " + namePartError,
            "metadata.labels: Invalid value: \"-bad\": " + labelValueError,
            "metadata.annotations: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        ])
        XCTAssertEqual(messages(validateLabels(["n": 1], path: FieldPath("metadata.labels"))),
                       ["metadata.labels[n]: Invalid value: 1: must be of type string"])
    }

    func testAnnotationSizeLimit() {
        let atLimit = String(repeating: "x", count: totalAnnotationSizeLimitBytes - 1)
        XCTAssertEqual(validateAnnotations(["k": .string(atLimit)], path: FieldPath("metadata.annotations")), [])
        XCTAssertEqual(messages(validateAnnotations(["k": .string(atLimit + "x")], path: FieldPath("metadata.annotations"))),
                       ["metadata.annotations: Too long: may not be more than 262144 bytes"])
    }

    func testOwnerReferences() {
        let refs: JSON = [
            ["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "a", "uid": "1", "controller": true],
            ["apiVersion": "apps/", "kind": "", "name": "", "uid": ""],
            ["apiVersion": "v1", "kind": "Event", "name": "e", "uid": "3", "controller": true],
        ]
        XCTAssertEqual(messages(validateOwnerReferences(refs, path: FieldPath("metadata.ownerReferences"))), [
            "metadata.ownerReferences.apiVersion: Invalid value: \"apps/\": version must not be empty",
            "metadata.ownerReferences.kind: Invalid value: \"\": must not be empty",
            "metadata.ownerReferences.name: Invalid value: \"\": must not be empty",
            "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty",
            "metadata.ownerReferences: Invalid value: {\"apiVersion\":\"v1\",\"kind\":\"Event\",\"name\":\"e\",\"uid\":\"3\",\"controller\":true}: /v1, Kind=Event is disallowed from being an owner",
            "metadata.ownerReferences: Invalid value: [{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"a\",\"uid\":\"1\",\"controller\":true},{\"apiVersion\":\"apps/\",\"kind\":\"\",\"name\":\"\",\"uid\":\"\"},{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"name\":\"e\",\"uid\":\"3\",\"controller\":true}]: Only one reference can have Controller set to true. Found \"true\" in references for ReplicaSet/a and Event/e",
        ])
    }

    func testFinalizers() {
        XCTAssertEqual(messages(validateFinalizers(["orphan", "foregroundDeletion"], path: FieldPath("metadata.finalizers"))),
                       ["metadata.finalizers: Invalid value: [\"orphan\",\"foregroundDeletion\"]: finalizer orphan and foregroundDeletion cannot be both set"])
        XCTAssertEqual(messages(validateFinalizers(["bad name"], path: FieldPath("metadata.finalizers"))),
                       ["metadata.finalizers: Invalid value: \"bad name\": " + namePartError])
        XCTAssertEqual(messages(validateKubeFinalizerNames(["kubernetes", "example.com/x", "custom"], path: FieldPath("metadata.finalizers"))),
                       ["metadata.finalizers[2]: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified"])
    }

    // MARK: - ObjectMeta on update

    func testUpdateKeepsIdentityImmutable() {
        let old: JSON = ["name": "a", "namespace": "n", "uid": "1", "creationTimestamp": "2024-01-01T00:00:00Z",
                         "resourceVersion": "5", "generation": 2]
        let same: JSON = ["name": "a", "namespace": "n", "uid": "1", "creationTimestamp": "2024-01-01T00:00:00Z",
                          "resourceVersion": "5", "generation": 2, "labels": ["x": "y"]]
        XCTAssertEqual(messages(validateObjectMetaUpdate(new: same, old: old)), [])

        let changed: JSON = ["name": "b", "namespace": "m", "uid": "2", "creationTimestamp": "2025-01-01T00:00:00Z",
                             "resourceVersion": "5", "generation": 1]
        XCTAssertEqual(messages(validateObjectMetaUpdate(new: changed, old: old)), [
            "metadata.generation: Invalid value: 1: must not be decremented",
            "metadata.name: Invalid value: \"b\": field is immutable",
            "metadata.namespace: Invalid value: \"m\": field is immutable",
            "metadata.uid: Invalid value: \"2\": field is immutable",
            "metadata.creationTimestamp: Invalid value: \"2025-01-01T00:00:00Z\": field is immutable",
        ])
        XCTAssertTrue(validateObjectMetaUpdate(new: changed, old: old).allSatisfy { $0.kind == .invalid })
    }

    func testUpdateRequiresResourceVersionAndBlocksNewFinalizersDuringDeletion() {
        let old: JSON = ["name": "a", "resourceVersion": "5", "deletionTimestamp": "2024-01-02T00:00:00Z",
                         "finalizers": ["a/b"]]
        let new: JSON = ["name": "a", "deletionTimestamp": "2024-01-02T00:00:00Z", "finalizers": ["z/y", "a/b", "c/d"]]
        XCTAssertEqual(messages(validateObjectMetaUpdate(new: new, old: old)), [
            "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"c/d\", \"z/y\"}",
            "metadata.resourceVersion: Invalid value: \"\": must be specified for an update",
        ])
        let removed: JSON = ["name": "a", "resourceVersion": "5"]
        XCTAssertEqual(messages(validateObjectMetaUpdate(new: removed, old: old)),
                       ["metadata.deletionTimestamp: Invalid value: null: field is immutable"])
    }
}
