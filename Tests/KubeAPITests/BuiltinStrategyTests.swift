import XCTest
@testable import KubeAPI
import KubeJSON

final class BuiltinStrategyTests: XCTestCase {
    private func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSON {
        do { return try JSONParser.parse(text) } catch {
            XCTFail("bad JSON in test: \(error)", file: file, line: line)
            return .null
        }
    }

    private func defaulted(_ group: String, _ kind: String, _ text: String) -> JSON {
        var object = json(text)
        BuiltinDefaults.apply(group: group, kind: kind, to: &object)
        return object
    }

    private func messages(_ errors: [FieldError]) -> [String] { errors.map(\.message) }

    private func createErrors(_ group: String, _ kind: String, _ text: String) -> [String] {
        messages(BuiltinValidation.validateCreate(group: group, kind: kind, defaulted(group, kind, text)))
    }

    private let nginxDeployment = #"""
    {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{
      "selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx"}]}}}}
    """#

    // MARK: - Quantity

    func testQuantityCanonicalForms() {
        let cases = [
            ("100m", "100m"), ("1000m", "1"), ("0.5", "500m"), ("1Gi", "1Gi"), ("1024Mi", "1Gi"), ("1536Mi", "1536Mi"),
            ("0.5Gi", "512Mi"), ("1.5Ki", "1536"), ("1e3", "1e3"), ("1000", "1k"), ("2", "2"), ("1.0", "1"), ("+1", "1"),
            ("-100m", "-100m"), ("0.0000000001", "1n"), ("12e6", "12e6"), ("1E", "1E"), ("0", "0"), (".5", "500m"),
        ]
        for (input, canonical) in cases {
            XCTAssertEqual(Quantity.parse(input)?.description, canonical, input)
        }
        for bad in ["", "abc", "1Kb", "1.2.3", "1e", ".", "1ki", "m", "--1"] {
            XCTAssertNil(Quantity.parse(bad), bad)
        }
    }

    func testQuantityValuesAndOrdering() throws {
        XCTAssertEqual(try XCTUnwrap(Quantity.parse("100m")).milliValue, 100)
        XCTAssertEqual(try XCTUnwrap(Quantity.parse("2")).milliValue, 2000)
        XCTAssertEqual(try XCTUnwrap(Quantity.parse("1500m")).value, 2, "Value rounds up")
        XCTAssertEqual(try XCTUnwrap(Quantity.parse("1Ki")).value, 1024)
        XCTAssertEqual(Quantity.parse("1"), Quantity.parse("1000m"))
        XCTAssertLessThan(try XCTUnwrap(Quantity.parse("500m")), try XCTUnwrap(Quantity.parse("1")))
        XCTAssertGreaterThan(try XCTUnwrap(Quantity.parse("1Gi")), try XCTUnwrap(Quantity.parse("1G")))
        XCTAssertEqual(try XCTUnwrap(Quantity.parse("100m")).adding(try XCTUnwrap(Quantity.parse("1")))?.description, "1100m")
        XCTAssertEqual(Quantity(milli: 250).description, "250m")
        XCTAssertEqual(Quantity.parse(json: .int(3))?.description, "3")
    }

    // MARK: - Pods

    func testPodDefaultsIncludeAdmission() {
        let pod = defaulted("", "Pod", #"""
        {"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox:1.36","ports":[{"containerPort":80}],
          "env":[{"name":"N","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
          "livenessProbe":{"httpGet":{"port":80}},
          "resources":{"limits":{"cpu":"0.5","memory":"128Mi"}}}]}}
        """#)
        let spec = pod["spec"] ?? [:]
        XCTAssertEqual(spec["restartPolicy"], "Always")
        XCTAssertEqual(spec["dnsPolicy"], "ClusterFirst")
        XCTAssertEqual(spec["schedulerName"], "default-scheduler")
        XCTAssertEqual(spec["terminationGracePeriodSeconds"], 30)
        XCTAssertEqual(spec["securityContext"], .object(JSONObject()))
        XCTAssertEqual(spec["enableServiceLinks"], true)
        XCTAssertEqual(spec["serviceAccountName"], "default")
        XCTAssertEqual(spec["serviceAccount"], "default")
        XCTAssertEqual(spec["priority"], 0)
        let container = spec.kArray("containers")[0]
        XCTAssertEqual(container["imagePullPolicy"], "IfNotPresent")
        XCTAssertEqual(container["terminationMessagePath"], "/dev/termination-log")
        XCTAssertEqual(container["terminationMessagePolicy"], "File")
        XCTAssertEqual(container["ports"]?.arrayValue?.first?["protocol"], "TCP")
        XCTAssertEqual(container[path: "env"]?.arrayValue?.first?[path: "valueFrom", "fieldRef", "apiVersion"], "v1")
        XCTAssertEqual(container[path: "livenessProbe", "periodSeconds"], 10)
        XCTAssertEqual(container[path: "livenessProbe", "httpGet", "path"], "/")
        XCTAssertEqual(container[path: "resources", "limits", "cpu"], "500m", "quantities are canonicalized")
        XCTAssertEqual(container[path: "resources", "requests", "memory"], "128Mi", "requests default to limits")
        let tolerations = spec.kArray("tolerations")
        XCTAssertEqual(tolerations.map { $0["key"] }, ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"])
        XCTAssertEqual(tolerations.first?["tolerationSeconds"], 300)
        XCTAssertEqual(tolerations.first?["effect"], "NoExecute")
        XCTAssertEqual(pod[path: "status", "phase"], "Pending")
        XCTAssertEqual(pod[path: "status", "qosClass"], "Guaranteed")
        XCTAssertEqual(BuiltinValidation.validateCreate(group: "", kind: "Pod", pod), [])
    }

    func testImagePullPolicyFollowsTag() {
        for (image, policy) in [("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"),
                                ("localhost:5000/app", "Always"), ("repo/app@sha256:abc", "IfNotPresent")] {
            let pod = defaulted("", "Pod", #"{"spec":{"containers":[{"name":"c","image":"\#(image)"}]}}"#)
            XCTAssertEqual(pod[path: "spec", "containers"]?.arrayValue?.first?["imagePullPolicy"], .string(policy), image)
        }
    }

    func testQOSClass() {
        XCTAssertEqual(BuiltinDefaults.podQOSClass(json(#"{"containers":[{"name":"c"}]}"#)), "BestEffort")
        XCTAssertEqual(BuiltinDefaults.podQOSClass(json(#"{"containers":[{"resources":{"requests":{"cpu":"1"}}}]}"#)), "Burstable")
        XCTAssertEqual(BuiltinDefaults.podQOSClass(json(
            #"{"containers":[{"resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}}]}"#)), "Guaranteed")
    }

    func testPodValidationMessages() {
        let errors = createErrors("", "Pod", #"""
        {"metadata":{"name":"p"},"spec":{"containers":[
          {"name":"Web","image":"nginx","ports":[{"containerPort":70000,"protocol":"HTTP"}]},
          {"name":"db","image":"","volumeMounts":[{"name":"data","mountPath":"/d"}],
           "resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}},
          {"name":"db","image":"redis"}]}}
        """#)
        XCTAssertTrue(errors.contains { $0.hasPrefix("spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label") }, "\(errors)")
        XCTAssertTrue(errors.contains("spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"))
        XCTAssertTrue(errors.contains("spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""))
        XCTAssertTrue(errors.contains("spec.containers[1].image: Required value"))
        XCTAssertTrue(errors.contains("spec.containers[1].volumeMounts[0].name: Not found: \"data\""))
        XCTAssertTrue(errors.contains("spec.containers[1].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"))
        XCTAssertTrue(errors.contains("spec.containers[2].name: Duplicate value: \"db\""))
        XCTAssertEqual(createErrors("", "Pod", #"{"spec":{}}"#), ["spec.containers: Required value"])
    }

    func testPodUpdateOnlyAllowsImagesAndTolerations() {
        let old = defaulted("", "Pod", #"{"spec":{"containers":[{"name":"c","image":"nginx:1"}],"nodeName":"a"}}"#)
        var newImage = old
        newImage[path: "spec", "containers"] = json(#"[{"name":"c","image":"nginx:2"}]"#)
        BuiltinDefaults.apply(group: "", kind: "Pod", to: &newImage)
        XCTAssertEqual(BuiltinValidation.validateUpdate(group: "", kind: "Pod", newImage, old: old), [])
        var moved = old
        moved[path: "spec", "nodeName"] = "b"
        let errors = messages(BuiltinValidation.validateUpdate(group: "", kind: "Pod", moved, old: old))
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(errors[0].hasPrefix("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"), errors[0])
        var fewer = old
        fewer[path: "spec", "containers"] = .array([])
        XCTAssertTrue(messages(BuiltinValidation.validateUpdate(group: "", kind: "Pod", fewer, old: old))
            .contains("spec.containers: Forbidden: pod updates may not add or remove containers"))
    }

    // MARK: - apps

    func testDeploymentDefaultsAndTemplateDefaults() {
        let d = defaulted("apps", "Deployment", nginxDeployment)
        XCTAssertEqual(d[path: "spec", "replicas"], 1)
        XCTAssertEqual(d[path: "spec", "strategy"], json(#"{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}}"#))
        XCTAssertEqual(d[path: "spec", "revisionHistoryLimit"], 10)
        XCTAssertEqual(d[path: "spec", "progressDeadlineSeconds"], 600)
        let template = d[path: "spec", "template", "spec"] ?? [:]
        XCTAssertEqual(template["restartPolicy"], "Always")
        XCTAssertEqual(template["terminationGracePeriodSeconds"], 30)
        XCTAssertEqual(template.kArray("containers").first?["imagePullPolicy"], "Always")
        XCTAssertEqual(template.kArray("containers").first?["resources"], .object(JSONObject()))
        XCTAssertNil(template["serviceAccountName"], "admission defaults are for pods only")
        XCTAssertNil(template["tolerations"])
        XCTAssertNil(template["enableServiceLinks"])
        XCTAssertEqual(BuiltinValidation.validateCreate(group: "apps", kind: "Deployment", d), [])
    }

    func testDeploymentSelectorMismatchAndMissing() {
        let mismatch = createErrors("apps", "Deployment", #"""
        {"spec":{"selector":{"matchLabels":{"app":"y"}},"template":{"metadata":{"labels":{"app":"x"}},
          "spec":{"containers":[{"name":"c","image":"i"}]}}}}
        """#)
        XCTAssertEqual(mismatch, ["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"x\"}: `selector` does not match template `labels`"])
        let missing = createErrors("apps", "Deployment", #"""
        {"spec":{"replicas":-1,"template":{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
        """#)
        XCTAssertEqual(missing, [
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            "spec.selector: Required value",
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"x\"}: `selector` does not match template `labels`",
        ])
    }

    func testDeploymentSelectorIsImmutable() {
        let old = defaulted("apps", "Deployment", nginxDeployment)
        var new = old
        new[path: "spec", "selector"] = json(#"{"matchLabels":{"app":"web","tier":"x"}}"#)
        new[path: "spec", "template", "metadata", "labels"] = json(#"{"app":"web","tier":"x"}"#)
        XCTAssertEqual(messages(BuiltinValidation.validateUpdate(group: "apps", kind: "Deployment", new, old: old)), [
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"tier\":\"x\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable",
        ])
        var scaled = old
        scaled[path: "spec", "replicas"] = 5
        XCTAssertEqual(BuiltinValidation.validateUpdate(group: "apps", kind: "Deployment", scaled, old: old), [])
    }

    func testStatefulSetDefaultsAndUpdateRules() {
        let sts = defaulted("apps", "StatefulSet", #"""
        {"metadata":{"name":"db"},"spec":{"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
          "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"c","image":"postgres:16",
            "volumeMounts":[{"name":"data","mountPath":"/var/lib/postgresql"}]}]}},
          "volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}
        """#)
        XCTAssertEqual(sts[path: "spec", "podManagementPolicy"], "OrderedReady")
        XCTAssertEqual(sts[path: "spec", "updateStrategy"], json(#"{"type":"RollingUpdate","rollingUpdate":{"partition":0}}"#))
        XCTAssertEqual(sts[path: "spec", "persistentVolumeClaimRetentionPolicy"], json(#"{"whenDeleted":"Retain","whenScaled":"Retain"}"#))
        XCTAssertEqual(sts[path: "spec", "replicas"], 1)
        XCTAssertEqual(sts[path: "spec", "revisionHistoryLimit"], 10)
        XCTAssertEqual(sts[path: "spec", "volumeClaimTemplates"]?.arrayValue?.first?[path: "spec", "volumeMode"], "Filesystem")
        XCTAssertEqual(BuiltinValidation.validateCreate(group: "apps", kind: "StatefulSet", sts), [], "claim templates satisfy mounts")

        var scaled = sts
        scaled[path: "spec", "replicas"] = 3
        XCTAssertEqual(BuiltinValidation.validateUpdate(group: "apps", kind: "StatefulSet", scaled, old: sts), [])
        var renamed = sts
        renamed[path: "spec", "serviceName"] = "other"
        XCTAssertEqual(messages(BuiltinValidation.validateUpdate(group: "apps", kind: "StatefulSet", renamed, old: sts)), [
            "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ])
    }

    func testDaemonSetAndReplicaSetDefaults() {
        let ds = defaulted("apps", "DaemonSet", #"{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}}"#)
        XCTAssertEqual(ds[path: "spec", "updateStrategy"], json(#"{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}}"#))
        XCTAssertEqual(ds[path: "spec", "revisionHistoryLimit"], 10)
        let rs = defaulted("apps", "ReplicaSet", #"{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}}"#)
        XCTAssertEqual(rs[path: "spec", "replicas"], 1)
        XCTAssertEqual(messages(BuiltinValidation.validateCreate(group: "apps", kind: "ReplicaSet", rs)).first, "spec.selector: Required value")
    }

    // MARK: - batch

    func testJobDefaultsSelectorAndImmutability() {
        var job = defaulted("batch", "Job", #"""
        {"metadata":{"name":"pi"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl:5.34"}]}}}}
        """#)
        XCTAssertEqual(job[path: "spec", "completions"], 1)
        XCTAssertEqual(job[path: "spec", "parallelism"], 1)
        XCTAssertEqual(job[path: "spec", "backoffLimit"], 6)
        XCTAssertEqual(job[path: "spec", "completionMode"], "NonIndexed")
        XCTAssertEqual(job[path: "spec", "suspend"], false)
        XCTAssertNil(job[path: "spec", "manualSelector"])
        BuiltinDefaults.jobSelectorAndLabels(&job, uid: "0c4b")
        job[path: "metadata", "uid"] = "0c4b"
        XCTAssertEqual(job[path: "spec", "selector"], json(#"{"matchLabels":{"batch.kubernetes.io/controller-uid":"0c4b"}}"#))
        let labels = job[path: "spec", "template", "metadata", "labels"] ?? [:]
        XCTAssertEqual(labels["batch.kubernetes.io/job-name"], "pi")
        XCTAssertEqual(labels["job-name"], "pi")
        XCTAssertEqual(labels["controller-uid"], "0c4b")
        XCTAssertEqual(job[path: "metadata", "labels"], labels, "a job without labels takes the template's")
        XCTAssertEqual(BuiltinValidation.validateCreate(group: "batch", kind: "Job", job), [])

        var changed = job
        changed[path: "spec", "template", "spec", "containers"] = json(#"[{"name":"pi","image":"perl:5.36"}]"#)
        BuiltinDefaults.apply(group: "batch", kind: "Job", to: &changed)
        XCTAssertEqual(messages(BuiltinValidation.validateUpdate(group: "batch", kind: "Job", changed, old: job)),
                       ["spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable"])
    }

    func testJobRestartPolicyMustBeOnFailureOrNever() {
        let errors = createErrors("batch", "Job", #"{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}}"#)
        XCTAssertTrue(errors.contains("spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""), "\(errors)")
    }

    func testCronJobDefaultsAndSchedule() {
        func cron(_ schedule: String) -> String {
            #"{"metadata":{"name":"tick"},"spec":{"schedule":"\#(schedule)","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}}}}"#
        }
        let cj = defaulted("batch", "CronJob", cron("*/5 * * * *"))
        XCTAssertEqual(cj[path: "spec", "concurrencyPolicy"], "Allow")
        XCTAssertEqual(cj[path: "spec", "suspend"], false)
        XCTAssertEqual(cj[path: "spec", "successfulJobsHistoryLimit"], 3)
        XCTAssertEqual(cj[path: "spec", "failedJobsHistoryLimit"], 1)
        XCTAssertEqual(BuiltinValidation.validateCreate(group: "batch", kind: "CronJob", cj), [])
        XCTAssertEqual(createErrors("batch", "CronJob", cron("61 * * * *")),
                       ["spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"])
        XCTAssertEqual(createErrors("batch", "CronJob", cron("every minute")),
                       ["spec.schedule: Invalid value: \"every minute\": expected exactly 5 fields, found 2: [every minute]"])
    }

    func testCronScheduleNextRun() throws {
        // 2024-01-01T00:00:00Z is 1704067200, a Monday.
        let everyFive = try CronSchedule.parse("*/5 * * * *")
        XCTAssertEqual(everyFive.next(after: 1_704_067_200), 1_704_067_500)
        let weekdayNine = try CronSchedule.parse("0 9 * * mon-fri")
        XCTAssertEqual(weekdayNine.next(after: 1_704_067_200), 1_704_067_200 + 9 * 3600)
        let monthly = try CronSchedule.parse("@monthly")
        XCTAssertEqual(monthly.next(after: 1_704_067_200), 1_706_745_600, "2024-02-01T00:00:00Z")
        XCTAssertThrowsError(try CronSchedule.parse("@fortnightly"))
        XCTAssertNil(try CronSchedule.parse("0 0 30 2 *").next(after: 1_704_067_200))
    }

    // MARK: - core

    func testServiceDefaultsAndPortRules() {
        let svc = defaulted("", "Service", #"{"metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}}"#)
        XCTAssertEqual(svc[path: "spec", "type"], "ClusterIP")
        XCTAssertEqual(svc[path: "spec", "sessionAffinity"], "None")
        XCTAssertEqual(svc[path: "spec", "internalTrafficPolicy"], "Cluster")
        XCTAssertEqual(svc[path: "spec", "ipFamilies"], ["IPv4"])
        XCTAssertEqual(svc[path: "spec", "ipFamilyPolicy"], "SingleStack")
        XCTAssertEqual(svc[path: "spec", "ports"], json(#"[{"port":80,"protocol":"TCP","targetPort":80}]"#))
        XCTAssertNil(svc[path: "spec", "externalTrafficPolicy"])
        XCTAssertEqual(BuiltinValidation.validateCreate(group: "", kind: "Service", svc), [])

        let nodePort = defaulted("", "Service", #"{"spec":{"type":"NodePort","ports":[{"port":80}]}}"#)
        XCTAssertEqual(nodePort[path: "spec", "externalTrafficPolicy"], "Cluster")

        XCTAssertEqual(createErrors("", "Service", #"{"spec":{"ports":[{"port":80},{"port":0,"name":"b"}]}}"#), [
            "spec.ports[0].name: Required value",
            "spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ports[1].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
        ], "targetPort defaults to port, so it is wrong too")
        XCTAssertEqual(createErrors("", "Service", #"{"spec":{}}"#), ["spec.ports: Required value"])
        XCTAssertEqual(createErrors("", "Service", #"{"spec":{"clusterIP":"None"}}"#), [], "headless services need no ports")
    }

    func testServiceClusterIPIsImmutableAndCarriedOver() {
        let old = defaulted("", "Service", #"{"spec":{"clusterIP":"10.96.0.10","type":"NodePort","ports":[{"port":80,"nodePort":30080}]}}"#)
        var changed = old
        changed[path: "spec", "clusterIP"] = "10.96.0.11"
        changed[path: "spec", "clusterIPs"] = ["10.96.0.11"]
        XCTAssertEqual(messages(BuiltinValidation.validateUpdate(group: "", kind: "Service", changed, old: old)),
                       ["spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.11\"}: may not change once set"])

        var reapplied = json(#"{"spec":{"type":"NodePort","ports":[{"port":80}]}}"#)
        BuiltinDefaults.carryOver(group: "", kind: "Service", &reapplied, old: old)
        BuiltinDefaults.apply(group: "", kind: "Service", to: &reapplied)
        XCTAssertEqual(reapplied[path: "spec", "clusterIP"], "10.96.0.10")
        XCTAssertEqual(reapplied[path: "spec", "ports"]?.arrayValue?.first?["nodePort"], 30080)
        XCTAssertEqual(BuiltinValidation.validateUpdate(group: "", kind: "Service", reapplied, old: old), [])
    }

    func testNamespaceDefaults() {
        let ns = defaulted("", "Namespace", #"{"metadata":{"name":"team-a"}}"#)
        XCTAssertEqual(ns[path: "metadata", "labels", "kubernetes.io/metadata.name"], "team-a")
        XCTAssertEqual(ns[path: "spec", "finalizers"], ["kubernetes"])
        XCTAssertEqual(ns[path: "status", "phase"], "Active")
    }

    func testSecretDefaultsAndImmutability() {
        let secret = defaulted("", "Secret", #"{"metadata":{"name":"s"},"stringData":{"user":"admin"}}"#)
        XCTAssertEqual(secret["type"], "Opaque")
        XCTAssertEqual(secret[path: "data", "user"], "YWRtaW4=")
        XCTAssertNil(secret["stringData"])
        var tls = secret
        tls["type"] = "kubernetes.io/tls"
        XCTAssertTrue(messages(BuiltinValidation.validateUpdate(group: "", kind: "Secret", tls, old: secret))
            .contains("type: Invalid value: \"kubernetes.io/tls\": field is immutable"))

        var frozen = secret
        frozen["immutable"] = true
        var edited = frozen
        edited[path: "data", "user"] = "cm9vdA=="
        XCTAssertEqual(messages(BuiltinValidation.validateUpdate(group: "", kind: "Secret", edited, old: frozen)),
                       ["data: Forbidden: field is immutable when `immutable` is set"])
        XCTAssertEqual(createErrors("", "Secret", #"{"type":"kubernetes.io/tls","data":{"tls.crt":"eA=="}}"#),
                       ["data[tls.key]: Required value"])
    }

    func testConfigMapKeysSizeAndImmutability() {
        XCTAssertEqual(createErrors("", "ConfigMap", #"{"data":{"ok.key":"1","bad/key":"2"}}"#), [
            "data[bad/key]: Invalid value: \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ])
        let big = String(repeating: "x", count: 1024 * 1024 + 1)
        XCTAssertEqual(messages(BuiltinValidation.validateCreate(group: "", kind: "ConfigMap", .object(["data": .object(["k": .string(big)])]))),
                       [": Too long: may not be more than 1048576 bytes"])
        let old = json(#"{"immutable":true,"data":{"a":"1"}}"#)
        XCTAssertEqual(messages(BuiltinValidation.validateUpdate(group: "", kind: "ConfigMap", json(#"{"immutable":true,"data":{"a":"2"}}"#), old: old)),
                       ["data: Forbidden: field is immutable when `immutable` is set"])
    }

    func testPersistentVolumeClaimRules() {
        let pvc = defaulted("", "PersistentVolumeClaim", #"{"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}"#)
        XCTAssertEqual(pvc[path: "spec", "volumeMode"], "Filesystem")
        XCTAssertEqual(pvc[path: "status", "phase"], "Pending")
        XCTAssertEqual(BuiltinValidation.validateCreate(group: "", kind: "PersistentVolumeClaim", pvc), [])
        XCTAssertEqual(createErrors("", "PersistentVolumeClaim", #"{"spec":{}}"#), [
            "spec.accessModes: Required value: at least 1 access mode is required",
            "spec.resources[storage]: Required value",
        ])
        var bound = pvc
        bound[path: "status", "phase"] = "Bound"
        var grown = bound
        grown[path: "spec", "resources", "requests", "storage"] = "2Gi"
        XCTAssertEqual(BuiltinValidation.validateUpdate(group: "", kind: "PersistentVolumeClaim", grown, old: bound), [])
        var shrunk = bound
        shrunk[path: "spec", "resources", "requests", "storage"] = "500Mi"
        XCTAssertEqual(messages(BuiltinValidation.validateUpdate(group: "", kind: "PersistentVolumeClaim", shrunk, old: bound)),
                       ["spec.resources.requests.storage: Forbidden: field can not be less than previous value"])
        var remoded = bound
        remoded[path: "spec", "accessModes"] = ["ReadWriteMany"]
        XCTAssertTrue(messages(BuiltinValidation.validateUpdate(group: "", kind: "PersistentVolumeClaim", remoded, old: bound))
            .first?.hasPrefix("spec: Forbidden: spec is immutable after creation except resources.requests") ?? false)
    }

    func testPersistentVolumeDefaults() {
        let pv = defaulted("", "PersistentVolume", #"{"spec":{"capacity":{"storage":"10Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/data"}}}"#)
        XCTAssertEqual(pv[path: "spec", "persistentVolumeReclaimPolicy"], "Retain")
        XCTAssertEqual(pv[path: "spec", "volumeMode"], "Filesystem")
        XCTAssertEqual(BuiltinValidation.validateCreate(group: "", kind: "PersistentVolume", pv), [])
    }

    // MARK: - other groups

    func testHPADefaultsAndBounds() {
        let hpa = defaulted("autoscaling", "HorizontalPodAutoscaler", #"{"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":5}}"#)
        XCTAssertEqual(hpa[path: "spec", "minReplicas"], 1)
        XCTAssertEqual(hpa[path: "spec", "metrics"], json(#"[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]"#))
        XCTAssertEqual(BuiltinValidation.validateCreate(group: "autoscaling", kind: "HorizontalPodAutoscaler", hpa), [])
        XCTAssertEqual(createErrors("autoscaling", "HorizontalPodAutoscaler", #"{"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":4,"maxReplicas":2}}"#),
                       ["spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"])
    }

    func testRBACRules() {
        XCTAssertEqual(createErrors("rbac.authorization.k8s.io", "Role", #"{"rules":[{"apiGroups":[""],"resources":["pods"]}]}"#),
                       ["rules[0].verbs: Required value: verbs must contain at least one value"])
        let binding = defaulted("rbac.authorization.k8s.io", "RoleBinding", #"{"roleRef":{"kind":"Role","name":"reader"},"subjects":[{"kind":"User","name":"jane"}]}"#)
        XCTAssertEqual(binding[path: "roleRef", "apiGroup"], "rbac.authorization.k8s.io")
        XCTAssertEqual(binding["subjects"]?.arrayValue?.first?["apiGroup"], "rbac.authorization.k8s.io")
        XCTAssertEqual(BuiltinValidation.validateCreate(group: "rbac.authorization.k8s.io", kind: "RoleBinding", binding), [])
        var rebound = binding
        rebound[path: "roleRef", "name"] = "admin"
        XCTAssertEqual(messages(BuiltinValidation.validateUpdate(group: "rbac.authorization.k8s.io", kind: "RoleBinding", rebound, old: binding)),
                       ["roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"Role\", Name:\"admin\"}: cannot change roleRef"])
    }

    func testNetworkingKinds() {
        XCTAssertEqual(createErrors("networking.k8s.io", "Ingress", #"{"spec":{"rules":[{"http":{"paths":[{"path":"/","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}"#),
                       ["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"])
        let np = defaulted("networking.k8s.io", "NetworkPolicy", #"{"spec":{"podSelector":{},"egress":[{"ports":[{"port":53}]}]}}"#)
        XCTAssertEqual(np[path: "spec", "policyTypes"], ["Ingress", "Egress"])
        XCTAssertEqual(np[path: "spec", "egress"]?.arrayValue?.first?["ports"]?.arrayValue?.first?["protocol"], "TCP")
    }

    func testStorageClassAndPriorityClass() {
        let sc = defaulted("storage.k8s.io", "StorageClass", #"{"provisioner":"rancher.io/local-path"}"#)
        XCTAssertEqual(sc["reclaimPolicy"], "Delete")
        XCTAssertEqual(sc["volumeBindingMode"], "Immediate")
        var changed = sc
        changed["provisioner"] = "other.io/x"
        XCTAssertEqual(messages(BuiltinValidation.validateUpdate(group: "storage.k8s.io", kind: "StorageClass", changed, old: sc)),
                       ["provisioner: Forbidden: updates to provisioner are forbidden."])
        XCTAssertEqual(createErrors("scheduling.k8s.io", "PriorityClass", #"{"metadata":{"name":"high"},"value":2000000000}"#),
                       ["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"])
    }

    func testLeaseAndPDB() {
        XCTAssertEqual(createErrors("coordination.k8s.io", "Lease", #"{"spec":{"leaseDurationSeconds":0}}"#),
                       ["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"])
        XCTAssertEqual(createErrors("policy", "PodDisruptionBudget", #"{"spec":{"minAvailable":"150%","selector":{"matchLabels":{"app":"x"}}}}"#),
                       ["spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"150%\"}: must not be greater than 100%"])
    }

    func testEventsNodesLimitRangesAndSlices() {
        XCTAssertEqual(createErrors("", "Event", #"{"metadata":{"namespace":"default"},"involvedObject":{"kind":"Pod","namespace":"other"}}"#),
                       ["involvedObject.namespace: Invalid value: \"other\": does not match event.namespace"])
        XCTAssertEqual(createErrors("events.k8s.io", "Event", #"{"metadata":{"namespace":"default"},"regarding":{"namespace":"default"},"type":"Normal"}"#),
                       ["eventTime: Required value"])
        let node = defaulted("", "Node", #"{"spec":{"podCIDR":"10.244.1.0/24"},"status":{"capacity":{"cpu":"4","memory":"8192Mi"}}}"#)
        XCTAssertEqual(node[path: "spec", "podCIDRs"], ["10.244.1.0/24"])
        XCTAssertEqual(node[path: "status", "allocatable"], json(#"{"cpu":"4","memory":"8Gi"}"#))
        let limits = defaulted("", "LimitRange", #"{"spec":{"limits":[{"type":"Container","max":{"cpu":"2"},"min":{"cpu":"100m"}}]}}"#)
        XCTAssertEqual(limits[path: "spec", "limits"]?.arrayValue?.first?["default"], json(#"{"cpu":"2"}"#))
        XCTAssertEqual(limits[path: "spec", "limits"]?.arrayValue?.first?["defaultRequest"], json(#"{"cpu":"2"}"#))
        XCTAssertEqual(BuiltinValidation.validateCreate(group: "", kind: "LimitRange", limits), [])
        let slice = defaulted("discovery.k8s.io", "EndpointSlice", #"{"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.1"]}],"ports":[{"port":8080}]}"#)
        XCTAssertEqual(slice["ports"], json(#"[{"port":8080,"name":"","protocol":"TCP"}]"#))
        var retyped = slice
        retyped["addressType"] = "IPv6"
        XCTAssertTrue(messages(BuiltinValidation.validateUpdate(group: "discovery.k8s.io", kind: "EndpointSlice", retyped, old: slice))
            .contains("addressType: Invalid value: \"IPv6\": field is immutable"))
    }

    func testResourceQuantitiesRoundUpToMilliAndMustParse() {
        let pod = defaulted("", "Pod", #"{"spec":{"containers":[{"name":"c","image":"i","resources":{"requests":{"cpu":"0.0001","memory":1073741824}}}]}}"#)
        XCTAssertEqual(pod[path: "spec", "containers"]?.arrayValue?.first?[path: "resources", "requests"], json(#"{"cpu":"1m","memory":"1073741824"}"#))
        let errors = createErrors("", "Pod", #"{"spec":{"containers":[{"name":"c","image":"i","resources":{"limits":{"cpu":"lots","nvidia.com/gpu":"1.5"}}}]}}"#)
        XCTAssertTrue(errors.contains("spec.containers[0].resources.limits[cpu]: Invalid value: \"lots\": \(Quantity.syntaxError)"), "\(errors)")
        XCTAssertTrue(errors.contains("spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: \"1500m\": must be an integer"), "\(errors)")
    }
}
