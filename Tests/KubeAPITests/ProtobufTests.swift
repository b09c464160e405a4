import XCTest
@testable import KubeAPI
import KubeJSON

/// Protobuf request bodies (kubectl 1.32+ typed commands) decode to the JSON kube-apiserver would have received.
final class ProtobufTests: XCTestCase {
    private let protobuf = "application/vnd.kubernetes.protobuf"

    private struct Vector {
        let name: String
        let hex: String
        let json: String
        init(_ name: String, hex: String, json: String) {
            self.name = name
            self.hex = hex
            self.json = json
        }
    }

    /// Bodies captured from `kubectl.1.32 create …` / `auth can-i` / `auth whoami` / `create token` /
    /// `autoscale` / `debug node`, each paired with the JSON body kubectl 1.31 sent for the same command (its
    /// `creationTimestamp: null` and other nulls removed: the decoder omits zero times and nil lists).
    private let capturedVectors: [Vector] = [
        Vector("namespace", hex: """
            6b3873000a0f0a02763112094e616d657370616365121b0a130a036e733112001a0022002a0032003800420012001a020a00
            1a002200
            """, json: #"""
            {"kind":"Namespace","apiVersion":"v1","metadata":{"name":"ns1"},"spec":{},"status":{}}
            """#),
        Vector("configmap", hex: """
            6b3873000a0f0a0276311209436f6e6669674d6170122c0a1a0a03636d3112001a0764656661756c7422002a003200380042
            0012060a016112016212060a01631201641a002200
            """, json: #"""
            {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm1","namespace":"default"},
            "data":{"a":"b","c":"d"}}
            """#),
        Vector("secret", hex: """
            6b3873000a0c0a027631120653656372657412250a190a02733112001a0764656661756c7422002a0032003800420012060a
            016b1201761a001a002200
            """, json: #"""
            {"kind":"Secret","apiVersion":"v1","metadata":{"name":"s1","namespace":"default"},
            "data":{"k":"dg=="}}
            """#),
        Vector("secret_docker", hex: """
            6b3873000a0c0a02763112065365637265741293010a1a0a0364723112001a0764656661756c7422002a0032003800420012
            550a112e646f636b6572636f6e6669676a736f6e12407b226175746873223a7b22722e696f223a7b22757365726e616d6522
            3a2275222c2270617373776f7264223a2270222c2261757468223a2264547077227d7d7d1a1e6b756265726e657465732e69
            6f2f646f636b6572636f6e6669676a736f6e1a002200
            """, json: #"""
            {"kind":"Secret","apiVersion":"v1","metadata":{"name":"dr1","namespace":"default"},
            "data":{".dockerconfigjson":"eyJhdXRocyI6eyJyLmlvIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ=="},
            "type":"kubernetes.io/dockerconfigjson"}
            """#),
        Vector("serviceaccount", hex: """
            6b3873000a140a027631120e536572766963654163636f756e74121c0a1a0a0373613112001a0764656661756c7422002a00
            3200380042001a002200
            """, json: #"""
            {"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"sa1","namespace":"default"}}
            """#),
        Vector("deployment", hex: """
            6b3873000a150a07617070732f7631120a4465706c6f796d656e7412c0010a240a02643112001a0764656661756c7422002a
            003200380042005a090a03617070120264311289010803120b0a090a03617070120264311a700a1b0a0012001a0022002a00
            3200380042005a090a0361707012026431125112330a056e67696e78120a6e67696e783a312e32372a00320a0a0010001850
            22002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c20100
            22020a00280038001a0c0800100018002000280038001a002200
            """, json: #"""
            {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"d1","namespace":"default",
            "labels":{"app":"d1"}},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"d1"}},
            "template":{"metadata":{"labels":{"app":"d1"}},"spec":{"containers":[{"name":"nginx",
            "image":"nginx:1.27","ports":[{"containerPort":80}],"resources":{}}]}},"strategy":{}},
            "status":{}}
            """#),
        Vector("job", hex: """
            6b3873000a0f0a0862617463682f763112034a6f62128b010a190a026a3112001a0764656661756c7422002a003200380042
            00126432620a100a0012001a0022002a00320038004200124e122b0a026a31120762757379626f781a046563686f1a026869
            2a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100
            c201001a082000280030003a001a002200
            """, json: #"""
            {"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"j1","namespace":"default"},
            "spec":{"template":{"metadata":{},"spec":{"containers":[{"name":"j1","image":"busybox",
            "command":["echo","hi"],"resources":{}}],"restartPolicy":"Never"}}},"status":{}}
            """#),
        Vector("cronjob", hex: """
            6b3873000a130a0862617463682f7631120743726f6e4a6f6212ae010a1a0a03636a3112001a0764656661756c7422002a00
            320038004200128d010a0b2a2f35202a202a202a202a1a002a7c0a130a03636a3112001a0022002a00320038004200126532
            630a100a0012001a0022002a00320038004200124f12280a03636a31120762757379626f781a04646174652a0042006a0072
            00800100880100900100a201001a094f6e4661696c757265320042004a0052005800600068008201008a01009a0100c20100
            1a001a002200
            """, json: #"""
            {"kind":"CronJob","apiVersion":"batch/v1","metadata":{"name":"cj1","namespace":"default"},
            "spec":{"schedule":"*/5 * * * *","jobTemplate":{"metadata":{"name":"cj1"},"spec":{"template":{"metadata":{},
            "spec":{"containers":[{"name":"cj1","image":"busybox","command":["date"],"resources":{}}],
            "restartPolicy":"OnFailure"}}}}},"status":{}}
            """#),
        Vector("service_clusterip", hex: """
            6b3873000a0d0a02763112075365727669636512730a280a047376633112001a0764656661756c7422002a00320038004200
            5a0b0a0361707012047376633112430a1b0a0738302d38303830120354435018502207080010903f1a002800120b0a036170
            701204737663311a002209436c757374657249503a00420052005a00600068001a020a001a002200
            """, json: #"""
            {"kind":"Service","apiVersion":"v1","metadata":{"name":"svc1","namespace":"default",
            "labels":{"app":"svc1"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,
            "targetPort":8080}],"selector":{"app":"svc1"},"type":"ClusterIP"},"status":{"loadBalancer":{}}}
            """#),
        Vector("role", hex: """
            6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c6512300a190a027231
            12001a0764656661756c7422002a0032003800420012130a036765740a046c69737412001a04706f64731a002200
            """, json: #"""
            {"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"r1",
            "namespace":"default"},"rules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["pods"]}]}
            """#),
        Vector("rolebinding", hex: """
            6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c6542696e64696e6712
            91010a1a0a0372623112001a0764656661756c7422002a00320038004200122a0a04557365721219726261632e617574686f
            72697a6174696f6e2e6b38732e696f1a05616c696365220012200a0e536572766963654163636f756e7412001a0373613122
            0764656661756c741a250a19726261632e617574686f72697a6174696f6e2e6b38732e696f1204526f6c651a0272311a0022
            00
            """, json: #"""
            {"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rb1",
            "namespace":"default"},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io",
            "name":"alice"},{"kind":"ServiceAccount","name":"sa1","namespace":"default"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io",
            "kind":"Role","name":"r1"}}
            """#),
        Vector("clusterrole", hex: """
            6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c7573746572526f6c6512
            330a130a0363723112001a0022002a00320038004200120e0a0367657412001a056e6f646573120c0a036765742a052f6c6f
            67731a002200
            """, json: #"""
            {"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"cr1"},
            "rules":[{"verbs":["get"],"apiGroups":[""],"resources":["nodes"]},{"verbs":["get"],
            "nonResourceURLs":["/logs"]}]}
            """#),
        Vector("quota", hex: """
            6b3873000a130a027631120d5265736f7572636551756f746112490a190a02713112001a0764656661756c7422002a003200
            38004200122a0a0a0a0363707512030a01310a0f0a066d656d6f727912050a033147690a0b0a04706f647312030a01321a00
            1a002200
            """, json: #"""
            {"kind":"ResourceQuota","apiVersion":"v1","metadata":{"name":"q1","namespace":"default"},
            "spec":{"hard":{"cpu":"1","memory":"1Gi","pods":"2"}},"status":{}}
            """#),
        Vector("priorityclass", hex: """
            6b3873000a250a147363686564756c696e672e6b38732e696f2f7631120d5072696f72697479436c61737312340a130a0370
            633112001a0022002a0032003800420010e8071800220268692a14507265656d70744c6f7765725072696f726974791a0022
            00
            """, json: #"""
            {"kind":"PriorityClass","apiVersion":"scheduling.k8s.io/v1","metadata":{"name":"pc1"},
            "value":1000,"description":"hi","preemptionPolicy":"PreemptLowerPriority"}
            """#),
        Vector("pdb", hex: """
            6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e427564676574123f0a1b0a04706462311200
            1a0764656661756c7422002a0032003800420012140a06080010011a00120a0a080a036170701201781a0a08001800200028
            0030001a002200
            """, json: #"""
            {"kind":"PodDisruptionBudget","apiVersion":"policy/v1","metadata":{"name":"pdb1",
            "namespace":"default"},"spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"x"}}},
            "status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}}
            """#),
        Vector("ingress", hex: """
            6b3873000a1f0a146e6574776f726b696e672e6b38732e696f2f76311207496e677265737312670a1b0a04696e673112001a
            0764656661756c7422002a00320038004200124412130a07666f6f2e636f6d12086d797365637265741a2d0a07666f6f2e63
            6f6d12220a200a1e0a042f626172120f220d0a047376633112050a0010903f1a0545786163741a020a001a002200
            """, json: #"""
            {"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"ing1",
            "namespace":"default"},"spec":{"tls":[{"hosts":["foo.com"],"secretName":"mysecret"}],
            "rules":[{"host":"foo.com","http":{"paths":[{"path":"/bar","pathType":"Exact","backend":{"service":{"name":"svc1",
            "port":{"number":8080}}}}]}}]},"status":{"loadBalancer":{}}}
            """#),
        Vector("ssar", hex: """
            6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373
            526576696577123f0a100a0012001a0022002a0032003800420012210a1f0a0764656661756c7412066372656174651a0022
            002a04706f647332003a001a08080012001a0020001a002200
            """, json: #"""
            {"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{},
            "spec":{"resourceAttributes":{"namespace":"default","verb":"create","resource":"pods"}},
            "status":{"allowed":false}}
            """#),
        Vector("ssrr", hex: """
            6b3873000a310a17617574686f72697a6174696f6e2e6b38732e696f2f7631121653656c665375626a65637452756c657352
            657669657712230a100a0012001a0022002a0032003800420012090a0764656661756c741a04180022001a002200
            """, json: #"""
            {"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","metadata":{},
            "spec":{"namespace":"default"},"status":{"incomplete":false}}
            """#),
        Vector("ssr", hex: """
            6b3873000a2d0a1861757468656e7469636174696f6e2e6b38732e696f2f7631121153656c665375626a6563745265766965
            77121a0a100a0012001a0022002a0032003800420012060a040a0012001a002200
            """, json: #"""
            {"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{},
            "status":{"userInfo":{}}}
            """#),
        Vector("token_bound", hex: """
            6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565737412340a10
            0a0012001a0022002a00320038004200121a0a01781a120a03506f64120276311a027031220361626320901c1a040a001200
            1a002200
            """, json: #"""
            {"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{},"spec":{"audiences":["x"],
            "expirationSeconds":3600,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"p1",
            "uid":"abc"}},"status":{"token":""}}
            """#),
        Vector("hpa_v1", hex: """
            6b3873000a290a0e6175746f7363616c696e672f76311217486f72697a6f6e74616c506f644175746f7363616c6572123d0a
            120a02643112001a0022002a0032003800420012210a190a0a4465706c6f796d656e74120264311a07617070732f76311002
            180520461a04180020001a002200
            """, json: #"""
            {"kind":"HorizontalPodAutoscaler","apiVersion":"autoscaling/v1","metadata":{"name":"d1"},
            "spec":{"scaleTargetRef":{"kind":"Deployment","name":"d1","apiVersion":"apps/v1"},
            "minReplicas":2,"maxReplicas":5,"targetCPUUtilizationPercentage":70},"status":{"currentReplicas":0,
            "desiredReplicas":0}}
            """#),
        // `kubectl debug node/n1 --image=busybox --profile=general -- sleep 1` (1.31 sent the same, but for the
        // random name suffix).
        Vector("debug_node_pod", hex: """
            6b3873000a090a0276311203506f6412d6010a260a166e6f64652d64656275676765722d6e312d66716c366b12001a002200
            2a003200380042001299010a120a09686f73742d726f6f7412050a030a012f124f0a08646562756767657212076275737962
            6f781a05736c6565701a01312a0042004a180a09686f73742d726f6f7410001a052f686f7374220032006a00720080010088
            0100900100a2010446696c651a054e65766572320042004a0052026e315801600168018201008a01009a0100b2010e0a0012
            064578697374731a002200c201001a100a001a0022002a0032004a005a0072001a002200
            """, json: #"""
            {"kind":"Pod","apiVersion":"v1","metadata":{"name":"node-debugger-n1-fql6k"},"spec":{"volumes":[
            {"name":"host-root","hostPath":{"path":"/"}}],"containers":[{"name":"debugger","image":"busybox",
            "command":["sleep","1"],"resources":{},"volumeMounts":[{"name":"host-root","mountPath":"/host"}],
            "terminationMessagePolicy":"File"}],"restartPolicy":"Never","nodeName":"n1","hostNetwork":true,
            "hostPID":true,"hostIPC":true,"tolerations":[{"operator":"Exists"}]},"status":{}}
            """#),
    ]

    // MARK: - Captured kubectl bodies

    func testCapturedKubectlBodiesDecodeToWhatKubectl131SentAsJSON() throws {
        XCTAssertEqual(capturedVectors.count, 22)
        for vector in capturedVectors {
            let decoded = try decode(hex(vector.hex))
            let expected = try JSONParser.parse(vector.json)
            XCTAssertEqual(decoded, expected, "\(vector.name): got \(decoded.jsonString)")
        }
    }

    func testFieldsComeOutInGoStructOrderWithAPIVersionAndKindFirst() throws {
        let namespace = try decode(hex(vector("namespace").hex))
        XCTAssertEqual(namespace.jsonString,
                       #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns1"},"spec":{},"status":{}}"#)
        let deployment = try decode(hex(vector("deployment").hex))
        XCTAssertEqual(deployment.objectValue?.keys, ["apiVersion", "kind", "metadata", "spec", "status"])
        XCTAssertEqual(deployment[path: "spec"]?.objectValue?.keys, ["replicas", "selector", "template", "strategy"])
        XCTAssertEqual(deployment[path: "spec", "template", "spec", "containers"]?.arrayValue?.first?.objectValue?.keys,
                       ["name", "image", "ports", "resources"])
    }

    func testAutoscaleFromKubectl133DecodesAsAutoscalingV2() throws {
        // `kubectl.1.33 autoscale deployment d1 --min=2 --max=5 --cpu-percent=70`; 1.32 still sends autoscaling/v1.
        let body = hex("""
            6b3873000a290a0e6175746f7363616c696e672f76321217486f72697a6f6e74616c506f644175746f7363616c6572125f0a
            120a02643112001a0022002a0032003800420012430a190a0a4465706c6f796d656e74120264311a07617070732f76311002
            180522220a085265736f7572636522160a03637075120f0a0b5574696c697a6174696f6e20461a04180020001a002200
            """)
        let expected = try JSONParser.parse(#"""
            {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"d1"},
             "spec":{"scaleTargetRef":{"kind":"Deployment","name":"d1","apiVersion":"apps/v1"},"minReplicas":2,
             "maxReplicas":5,"metrics":[{"type":"Resource","resource":{"name":"cpu",
             "target":{"type":"Utilization","averageUtilization":70}}}]},"status":{"desiredReplicas":0}}
            """#)
        XCTAssertEqual(try decode(body), expected)
    }

    // MARK: - Content types and envelope

    func testOtherContentTypesAreLeftToTheCaller() throws {
        let body = hex(vector("namespace").hex)
        XCTAssertNil(try ProtobufBodies.decode(contentType: "application/json", body: body))
        XCTAssertNil(try ProtobufBodies.decode(contentType: "", body: body))
        let withParameter = try ProtobufBodies.decode(contentType: "Application/Vnd.Kubernetes.Protobuf; charset=x",
                                                      body: body)
        XCTAssertEqual(withParameter?[path: "metadata", "name"], "ns1")
    }

    func testMissingMagicIsBadRequest() {
        let error = decodeError(Array("{\"kind\":\"Namespace\"}".utf8))
        XCTAssertEqual(error?.code, 400)
        XCTAssertEqual(error?.reason, "BadRequest")
        XCTAssertTrue(error?.message.contains("expected prefix") ?? false, error?.message ?? "")
        XCTAssertEqual(decodeError([0x6B, 0x38, 0x73])?.code, 400)
    }

    func testKindWithoutSchemaIsUnsupportedMediaTypeNamingTheSupportedKinds() {
        let error = decodeError(envelope("example.com/v1", "Widget", []))
        XCTAssertEqual(error?.code, 415)
        XCTAssertEqual(error?.reason, "UnsupportedMediaType")
        let message = error?.message ?? ""
        XCTAssertTrue(message.hasPrefix("the body of the request was in an unknown format"), message)
        XCTAssertTrue(message.contains("apps/v1 Deployment"), message)
        XCTAssertTrue(message.contains("authentication.k8s.io/v1 TokenRequest"), message)
        XCTAssertTrue(message.contains("example.com/v1 Widget"), message)
        XCTAssertTrue(message.contains("*/DeleteOptions"), message)
        // The right kind in the wrong version is just as unknown.
        XCTAssertEqual(decodeError(envelope("apps/v1beta1", "Deployment", []))?.code, 415)
    }

    func testEnvelopeWithoutKindIsBadRequest() {
        XCTAssertEqual(decodeError(envelope("v1", "", []))?.code, 400)
        XCTAssertEqual(decodeError(envelope("", "Namespace", []))?.code, 400)
    }

    func testEmptyRawGivesTheBareObject() throws {
        XCTAssertEqual(try decode(envelope("v1", "ConfigMap", [])).jsonString, #"{"apiVersion":"v1","kind":"ConfigMap"}"#)
    }

    // MARK: - Field semantics

    func testPointerAndRequiredZerosAreKeptOmitemptyZerosAreDropped() throws {
        let container = field(1, "c") + field(2, "") + field(6, message: field(2, varint: 0) + field(3, varint: 0))
            + field(16, varint: 0)
        let podSpec = field(2, message: container) + field(21, varint: 0) + field(11, varint: 0)
        let spec = field(1, varint: 0) + field(3, message: field(2, message: podSpec)) + field(7, varint: 0)
        let object = try decode(envelope("apps/v1", "Deployment", field(2, message: spec)))
        // replicas is *int32: an explicit 0 survives; paused (bool, omitempty) does not.
        XCTAssertEqual(object[path: "spec", "replicas"], 0)
        XCTAssertNil(object[path: "spec", "paused"])
        let pod = object[path: "spec", "template", "spec"]
        XCTAssertEqual(pod?["automountServiceAccountToken"], false)
        XCTAssertNil(pod?["hostNetwork"])
        let first = pod?["containers"]?.arrayValue?.first
        XCTAssertEqual(first?["name"], "c")
        XCTAssertNil(first?["image"])
        XCTAssertNil(first?["stdin"])
        // containerPort has no omitempty; hostPort does.
        XCTAssertEqual(first?["ports"], [["containerPort": 0]])
    }

    func testIntOrStringQuantityAndTime() throws {
        let intPort = field(1, varint: 0) + field(2, varint: 8080)
        let namedPort = field(1, varint: 1) + field(3, "http")
        let ports = field(1, message: field(3, varint: 80) + field(4, message: intPort))
            + field(1, message: field(3, varint: 443) + field(4, message: namedPort))
        let service = try decode(envelope("v1", "Service", field(2, message: ports)))
        XCTAssertEqual(service[path: "spec", "ports"], [["port": 80, "targetPort": 8080], ["port": 443, "targetPort": "http"]])

        let hard = entry("cpu", message: field(1, "500m")) + entry("pods", message: [])
        let quota = try decode(envelope("v1", "ResourceQuota", field(2, message: hard)))
        XCTAssertEqual(quota[path: "spec", "hard"], ["cpu": "500m", "pods": "0"])

        // 2026-11-29T08:00:00Z with nanoseconds, which metav1.Time drops; an empty Time is the zero time.
        let time = field(1, varint: 1_795_939_200) + field(2, varint: 123_456_789)
        let meta = field(1, "x") + field(8, message: []) + field(9, message: time)
        let namespace = try decode(envelope("v1", "Namespace", field(1, message: meta)))
        XCTAssertEqual(namespace[path: "metadata", "deletionTimestamp"], "2026-11-29T08:00:00Z")
        XCTAssertNil(namespace[path: "metadata", "creationTimestamp"])
    }

    func testBytesAreBase64AndMapsAreSortedWithLastDuplicateWinning() throws {
        let data = entry("z", bytes: [0xFF]) + entry("a", bytes: Array("ab".utf8)) + entry("m", bytes: Array("abc".utf8))
            + entry("a", bytes: Array("abcd".utf8))
        let secret = try decode(envelope("v1", "Secret", data))
        XCTAssertEqual(secret[path: "data"], ["a": "YWJjZA==", "m": "YWJj", "z": "/w=="])
        XCTAssertEqual(secret[path: "data"]?.objectValue?.keys, ["a", "m", "z"])
        XCTAssertEqual(ProtoJSONDecoder.base64([]), "")
        XCTAssertEqual(ProtoJSONDecoder.base64(ArraySlice(Array("f".utf8))), "Zg==")
    }

    func testInlineEmbeddedStructsMergeIntoTheirParent() throws {
        let keyRef = field(1, message: field(1, "cfg")) + field(2, "k") + field(3, varint: 1)
        let env = field(1, "E") + field(3, message: field(3, message: keyRef))
        let volume = field(1, "v") + field(2, message: field(19, message: field(1, message: field(1, "cfg"))))
        let podSpec = field(1, message: volume) + field(2, message: field(1, "c") + field(7, message: env))
        let pod = try decode(envelope("v1", "Pod", field(2, message: podSpec)))
        XCTAssertEqual(pod[path: "spec", "volumes"], [["name": "v", "configMap": ["name": "cfg"]]])
        XCTAssertEqual(pod[path: "spec", "containers"]?.arrayValue?.first?["env"],
                       [["name": "E", "valueFrom": ["configMapKeyRef": ["name": "cfg", "key": "k", "optional": true]]]])
    }

    func testRepeatedSingularMessagesMergeAndUnknownFieldsAreSkipped() throws {
        let first = field(1, "name-1") + field(11, message: field(1, "a") + field(2, "1"))
        let second = field(3, "ns") + field(11, message: field(1, "b") + field(2, "2"))
        let unknown = field(99, "ignored") + field(98, varint: 7) + fixed32(97)
        let object = try decode(envelope("v1", "ConfigMap", field(1, message: first) + unknown + field(1, message: second)))
        XCTAssertEqual(object[path: "metadata"], ["name": "name-1", "namespace": "ns", "labels": ["a": "1", "b": "2"]])
    }

    func testPackedAndNegativeIntegers() throws {
        // supplementalGroups is repeated int64: proto2 writes it unpacked, but packed input is accepted too.
        let packed = varint(1) + varint(2) + varint(300)
        let context = field(4, bytes: packed) + field(4, varint: 7) + field(2, varint: -1)
        let pod = try decode(envelope("v1", "Pod", field(2, message: field(14, message: context))))
        XCTAssertEqual(pod[path: "spec", "securityContext"], ["runAsUser": -1, "supplementalGroups": [1, 2, 300, 7]])
    }

    func testRawExtensionAndExtraValues() throws {
        let revision = field(2, message: field(1, bytes: Array(#"{"spec":{"a":1}}"#.utf8))) + field(3, varint: 2)
        let object = try decode(envelope("apps/v1", "ControllerRevision", revision))
        XCTAssertEqual(object[path: "data"], ["spec": ["a": 1]])
        XCTAssertEqual(object[path: "revision"], 2)

        let bad = field(2, message: field(1, bytes: Array("{nope".utf8)))
        XCTAssertEqual(decodeError(envelope("apps/v1", "ControllerRevision", bad))?.code, 400)

        let extra = field(5, message: field(1, "scopes") + field(2, message: field(1, "a") + field(1, "b")))
        let review = try decode(envelope("authorization.k8s.io/v1", "SubjectAccessReview",
                                         field(2, message: field(3, "u") + extra)))
        XCTAssertEqual(review[path: "spec"], ["user": "u", "extra": ["scopes": ["a", "b"]]])
    }

    func testDeleteOptionsDecodeInAnyGroupVersion() throws {
        let options = field(1, varint: 0) + field(4, "Foreground") + field(5, "All")
        let core = try decode(envelope("v1", "DeleteOptions", options))
        XCTAssertEqual(core.jsonString,
                       #"{"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":0,"#
                        + #""propagationPolicy":"Foreground","dryRun":["All"]}"#)
        XCTAssertEqual(try decode(envelope("apps/v1", "DeleteOptions", options))[path: "gracePeriodSeconds"], 0)
        let eviction = field(1, message: field(1, "p1") + field(3, "default")) + field(2, message: options)
        let object = try decode(envelope("policy/v1", "Eviction", eviction))
        XCTAssertEqual(object[path: "deleteOptions", "propagationPolicy"], "Foreground")
        XCTAssertEqual(object[path: "metadata", "namespace"], "default")
    }

    func testCertificateApprovalBody() throws {
        // `kubectl certificate approve` PUTs the whole CSR to /approval with an Approved condition appended.
        let time = field(1, varint: 1_795_939_200)
        let condition = field(1, "Approved") + field(6, "True") + field(2, "KubectlApprove")
            + field(3, "This CSR was approved by kubectl certificate approve.") + field(4, message: time)
            + field(5, message: [])
        let spec = field(1, bytes: Array("CSR".utf8)) + field(7, "kubernetes.io/kube-apiserver-client")
            + field(5, "client auth") + field(2, "alice")
            + field(6, message: field(1, "k") + field(2, message: field(1, "v")))
        let csr = field(1, message: field(1, "c1")) + field(2, message: spec) + field(3, message: field(1, message: condition))
        let object = try decode(envelope("certificates.k8s.io/v1", "CertificateSigningRequest", csr))
        let expected = try JSONParser.parse(#"""
            {"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"c1"},
             "spec":{"request":"Q1NS","signerName":"kubernetes.io/kube-apiserver-client","usages":["client auth"],
                     "username":"alice","extra":{"k":["v"]}},
             "status":{"conditions":[{"type":"Approved","status":"True","reason":"KubectlApprove",
                       "message":"This CSR was approved by kubectl certificate approve.",
                       "lastUpdateTime":"2026-11-29T08:00:00Z"}]}}
            """#)
        XCTAssertEqual(object, expected)
    }

    func testWrongWireTypeIsBadRequest() {
        // metadata (field 1) sent as a varint.
        let error = decodeError(envelope("v1", "Namespace", field(1, varint: 5)))
        XCTAssertEqual(error?.code, 400)
        XCTAssertTrue(error?.message.contains("wrong wire type") ?? false, error?.message ?? "")
    }

    // MARK: - Hostile input

    func testReaderRejectsMalformedWire() {
        func firstError(_ bytes: [UInt8]) -> String? {
            var reader = ProtoReader(bytes)
            do throws(ProtoWireError) {
                while try reader.readField() != nil {}
                return nil
            } catch {
                return error.message
            }
        }
        XCTAssertEqual(firstError([0x08] + Array(repeating: 0xFF, count: 10) + [0x01]), "varint longer than 10 bytes")
        XCTAssertEqual(firstError([0x08, 0x80]), "truncated varint")
        XCTAssertEqual(firstError([0x00, 0x01]), "invalid field number 0")
        XCTAssertEqual(firstError([0x0A, 0x05, 0x61]), "length 5 runs past the end of the message")
        XCTAssertEqual(firstError([0x0A] + varint(UInt64.max)), "length 18446744073709551615 runs past the end of the message")
        XCTAssertEqual(firstError([0x0B]), "protobuf groups are not supported (field 1)")
        XCTAssertEqual(firstError([0x0E]), "invalid wire type 6 for field 1")
        XCTAssertEqual(firstError([0x09, 1, 2, 3]), "truncated 64-bit value")
        XCTAssertNil(firstError([0x08, 0x96, 0x01, 0x15, 1, 2, 3, 4, 0x19, 1, 2, 3, 4, 5, 6, 7, 8]))
        XCTAssertNil(firstError([]))
    }

    func testTruncatedAndMutatedBodiesNeverCrash() {
        let bodies = capturedVectors.map { hex($0.hex) }
        var outcomes = [Int: Int]()
        for body in bodies {
            for length in 0..<body.count {
                let code = decodeError(Array(body[0..<length]))?.code ?? 200
                outcomes[code, default: 0] += 1
            }
        }
        // A deterministic generator, so a failure reproduces.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        for round in 0..<4000 {
            var body = bodies[round % bodies.count]
            for _ in 0...(next() % 3) { body[4 + next() % (body.count - 4)] = UInt8(truncatingIfNeeded: next()) }
            let code = decodeError(body)?.code ?? 200
            outcomes[code, default: 0] += 1
        }
        XCTAssertEqual(Set(outcomes.keys).subtracting([200, 400, 415]), [], "\(outcomes)")
        XCTAssertGreaterThan(outcomes[400] ?? 0, 100)
    }

    func testDepthIsLimited() throws {
        let schemas = ProtoSchemaSet.parse(["Node: 1 child Node; 2 name s"])
        XCTAssertEqual(schemas.problems, [])
        let node = try XCTUnwrap(schemas.messages["Node"])
        var bytes = field(2, "leaf")
        for _ in 0..<9 { bytes = field(1, message: bytes) }
        let decoder = ProtoJSONDecoder(schemas: schemas, maxDepth: 10)
        let object = try decoder.decode(bytes, range: 0..<bytes.count, as: node)
        XCTAssertNotNil(JSON.object(object)[path: "child", "child", "child", "child", "child", "child", "child",
                                             "child", "child", "name"])
        bytes = field(1, message: bytes)
        XCTAssertThrowsError(try decoder.decode(bytes, range: 0..<bytes.count, as: node)) { error in
            XCTAssertEqual((error as? ProtoWireError)?.message, "messages nested deeper than 10 levels")
        }
    }

    func testLargeRepeatedFieldsDecodeInLinearTime() throws {
        var rule: [UInt8] = []
        rule.reserveCapacity(400_000)
        for _ in 0..<200_000 { rule += [0x0A, 0x00] }
        let start = Date()
        let role = try decode(envelope("rbac.authorization.k8s.io/v1", "Role", field(2, message: rule)))
        XCTAssertEqual(role[path: "rules"]?.arrayValue?.first?["verbs"]?.arrayValue?.count, 200_000)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }

    // MARK: - Tables

    func testSchemaTablesAreCompleteAndEveryKindResolves() {
        XCTAssertEqual(KubeProtoSchemas.shared.problems, [])
        for entry in KubeProtoSchemas.kinds {
            XCTAssertNotNil(KubeProtoSchemas.message(apiVersion: entry.apiVersion, kind: entry.kind),
                            "\(entry.apiVersion) \(entry.kind)")
        }
        XCTAssertGreaterThan(KubeProtoSchemas.shared.messages.count, 250)
        let container = KubeProtoSchemas.shared.messages["Container"]
        XCTAssertEqual(container?.fields.count, 25)
        XCTAssertEqual(container?.fields.first { $0.number == 19 }?.jsonName, "envFrom")
    }

    func testTableParserReportsBadLines() {
        let schemas = ProtoSchemaSet.parse(["A: 1 x s; 2 y Missing; zz\nB 1 x s\nC: 1 a s; 1 b s"])
        XCTAssertEqual(schemas.problems, [
            "A.y: unknown message Missing", "A: cannot parse field 'zz'", "C: field number 1 twice", "no ':' in B 1 x s",
        ])
    }

    // MARK: - Helpers

    private func vector(_ name: String) -> Vector {
        capturedVectors.first { $0.name == name }!
    }

    private func decode(_ body: [UInt8]) throws -> JSON {
        try XCTUnwrap(try ProtobufBodies.decode(contentType: protobuf, body: body))
    }

    private func decodeError(_ body: [UInt8]) -> APIError? {
        do throws(APIError) {
            _ = try ProtobufBodies.decode(contentType: protobuf, body: body)
            return nil
        } catch {
            return error
        }
    }
}

// A tiny protobuf encoder for building test bodies.

private func hex(_ text: String) -> [UInt8] {
    let digits = text.unicodeScalars.compactMap { UInt8(String($0), radix: 16) }
    return stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}

private func varint(_ value: UInt64) -> [UInt8] {
    var value = value
    var out: [UInt8] = []
    while value >= 0x80 {
        out.append(UInt8(value & 0x7F) | 0x80)
        value >>= 7
    }
    out.append(UInt8(value))
    return out
}

private func field(_ number: Int, varint value: Int64) -> [UInt8] {
    varint(UInt64(number << 3)) + varint(UInt64(bitPattern: value))
}

private func field(_ number: Int, bytes: [UInt8]) -> [UInt8] {
    varint(UInt64(number << 3 | 2)) + varint(UInt64(bytes.count)) + bytes
}

private func field(_ number: Int, _ text: String) -> [UInt8] { field(number, bytes: Array(text.utf8)) }

private func field(_ number: Int, message: [UInt8]) -> [UInt8] { field(number, bytes: message) }

private func fixed32(_ number: Int) -> [UInt8] { varint(UInt64(number << 3 | 5)) + [1, 2, 3, 4] }

/// A `map<string, bytes>` entry of field 2 (Secret.data).
private func entry(_ key: String, bytes: [UInt8]) -> [UInt8] {
    field(2, message: field(1, key) + field(2, bytes: bytes))
}

/// A `map<string, Message>` entry of field 1 (ResourceQuotaSpec.hard).
private func entry(_ key: String, message: [UInt8]) -> [UInt8] {
    field(1, message: field(1, key) + field(2, message: message))
}

private func envelope(_ apiVersion: String, _ kind: String, _ raw: [UInt8]) -> [UInt8] {
    [0x6B, 0x38, 0x73, 0x00] + field(1, message: field(1, apiVersion) + field(2, kind)) + field(2, bytes: raw)
        + field(3, "") + field(4, "")
}
