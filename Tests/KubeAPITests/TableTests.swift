import XCTest
@testable import KubeAPI
import KubeJSON

final class TableTests: XCTestCase {
    /// 2026-11-29T06:16:03Z, the creation time of the fixtures; ages are measured from offsets of it.
    let created = "2026-11-29T06:16:03Z"
    var t0: Double { TableTime.parseRFC3339(created)! }

    func json(_ text: String) -> JSON { try! JSONParser.parse(text) }

    func type(_ group: String, _ version: String, _ kind: String, _ plural: String, namespaced: Bool = true) -> ResourceType {
        ResourceType(group: group, version: version, kind: kind, plural: plural, namespaced: namespaced)
    }

    lazy var pods = type("", "v1", "Pod", "pods")

    func pod(status: String, spec: String = #"{"containers":[{"name":"app","image":"nginx"}],"nodeName":"node-1"}"#,
             metadata: String = "") -> JSON
    {
        json(#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-0","namespace":"default","creationTimestamp":"\#(created)"\#(metadata)},"spec":\#(spec),"status":\#(status)}"#)
    }

    func podStatus(_ status: String, spec: String = #"{"containers":[{"name":"app","image":"nginx"}],"nodeName":"node-1"}"#,
                   metadata: String = "", now: Double? = nil) -> (ready: String, status: String, restarts: String)
    {
        let cells = TablePrinting.cells(for: pods, object: pod(status: status, spec: spec, metadata: metadata), now: now ?? t0 + 83)
        return (cells[1].stringValue ?? "?", cells[2].stringValue ?? "?", cells[3].stringValue ?? "?")
    }

    // MARK: ages

    func testHumanDuration() {
        let cases: [(Double, String)] = [
            (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (5, "5s"), (83, "83s"), (119, "119s"), (120, "2m"),
            (150, "2m30s"), (599, "9m59s"), (600, "10m"), (179 * 60 + 59, "179m"), (3 * 3600, "3h"),
            (3 * 3600 + 4 * 60 + 30, "3h4m"), (8 * 3600 + 59 * 60, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"),
            (5 * 86400 + 3 * 3600, "5d3h"), (7 * 86400 + 23 * 3600, "7d23h"), (8 * 86400, "8d"), (400 * 86400, "400d"),
            (747 * 86400, "2y17d"), (730 * 86400, "2y"), (9 * 365 * 86400, "9y"),
        ]
        for (seconds, expected) in cases {
            XCTAssertEqual(HumanDuration.format(seconds: seconds), expected, "\(seconds)s")
        }
    }

    func testTimestampParsing() {
        XCTAssertEqual(TableTime.parseRFC3339("1970-01-01T00:01:00Z"), 60)
        XCTAssertEqual(TableTime.parseRFC3339("1970-01-01T01:00:00+01:00"), 0)
        XCTAssertEqual(TableTime.parseRFC3339("1970-01-01T00:00:00.5Z"), 0.5)
        XCTAssertNil(TableTime.parseRFC3339("1970-01-01 00:00:00Z"))
        XCTAssertNil(TableTime.parseRFC3339("yesterday"))
        XCTAssertEqual(TableTime.since(.string("0001-01-01T00:00:00Z"), now: t0), "<unknown>")
        XCTAssertEqual(TableTime.since(nil, now: t0), "<unknown>")
    }

    // MARK: pods

    func testPodColumns() {
        let columns = TablePrinting.columns(for: pods)
        XCTAssertEqual(columns.map { $0.tpString("name") },
                       ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"])
        XCTAssertEqual(columns.map { $0.tpInt("priority") }, [0, 0, 0, 0, 0, 1, 1, 1, 1])
        XCTAssertEqual(columns[0].tpString("format"), "name")
        XCTAssertEqual(columns[1].tpString("format"), "")
        XCTAssertEqual(columns[3].tpString("type"), "string")
    }

    func testRunningPodRow() {
        let object = pod(status: #"{"phase":"Running","podIP":"10.244.0.28","podIPs":[{"ip":"10.244.0.28"}],"conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{"startedAt":"\#(created)"}}}]}"#)
        let cells = TablePrinting.cells(for: pods, object: object, now: t0 + 83)
        XCTAssertEqual(cells, ["web-0", "1/1", "Running", "0", "83s", "10.244.0.28", "node-1", "<none>", "<none>"])
    }

    func testPodStatusReasons() {
        XCTAssertEqual(podStatus(#"{"phase":"Pending"}"#).status, "Pending")
        XCTAssertEqual(podStatus(#"{"phase":"Pending"}"#).ready, "0/1")
        XCTAssertEqual(podStatus(#"{"phase":"Pending","containerStatuses":[{"name":"app","ready":false,"restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]}"#).status,
                       "ContainerCreating")
        XCTAssertEqual(podStatus(#"{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}"#).status,
                       "SchedulingGated")

        let crash = podStatus(#"{"phase":"Running","containerStatuses":[{"name":"app","ready":false,"restartCount":3,"lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"2026-11-29T06:20:00Z"}},"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}"#,
                              now: TableTime.parseRFC3339("2026-11-29T06:25:00Z")!)
        XCTAssertEqual(crash.status, "CrashLoopBackOff")
        XCTAssertEqual(crash.ready, "0/1")
        XCTAssertEqual(crash.restarts, "3 (5m ago)")

        let completed = podStatus(#"{"phase":"Succeeded","containerStatuses":[{"name":"app","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}"#)
        XCTAssertEqual(completed.status, "Completed")
        XCTAssertEqual(completed.ready, "0/1")

        XCTAssertEqual(podStatus(#"{"phase":"Failed","containerStatuses":[{"name":"app","restartCount":0,"state":{"terminated":{"exitCode":137}}}]}"#).status,
                       "ExitCode:137")
        XCTAssertEqual(podStatus(#"{"phase":"Failed","containerStatuses":[{"name":"app","restartCount":0,"state":{"terminated":{"exitCode":0,"signal":9}}}]}"#).status,
                       "Signal:9")

        let terminating = podStatus(#"{"phase":"Running","containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}"#,
                                    metadata: #","deletionTimestamp":"2026-11-29T06:17:00Z""#)
        XCTAssertEqual(terminating.status, "Terminating")
        XCTAssertEqual(terminating.ready, "1/1")
        XCTAssertEqual(podStatus(#"{"phase":"Succeeded"}"#, metadata: #","deletionTimestamp":"2026-11-29T06:17:00Z""#).status,
                       "Succeeded")
        XCTAssertEqual(podStatus(#"{"phase":"Running","reason":"NodeLost"}"#, metadata: #","deletionTimestamp":"2026-11-29T06:17:00Z""#).status,
                       "Unknown")
    }

    func testRestartsWithoutTerminationTimeStayPlain() {
        let result = podStatus(#"{"phase":"Running","containerStatuses":[{"name":"app","ready":true,"restartCount":2,"state":{"running":{}}}]}"#)
        XCTAssertEqual(result.restarts, "2")
        XCTAssertEqual(result.status, "Running")
    }

    func testInitContainerStatuses() {
        let spec = #"{"initContainers":[{"name":"init","image":"busybox"}],"containers":[{"name":"app","image":"nginx"}]}"#
        XCTAssertEqual(podStatus(#"{"phase":"Pending","initContainerStatuses":[{"name":"init","restartCount":0,"state":{"running":{}}}],"containerStatuses":[{"name":"app","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}"#,
                                 spec: spec).status, "Init:0/1")
        XCTAssertEqual(podStatus(#"{"phase":"Pending","initContainerStatuses":[{"name":"init","restartCount":0,"state":{"waiting":{"reason":"ErrImagePull"}}}]}"#,
                                 spec: spec).status, "Init:ErrImagePull")
        XCTAssertEqual(podStatus(#"{"phase":"Pending","initContainerStatuses":[{"name":"init","restartCount":4,"state":{"terminated":{"exitCode":2}}}]}"#,
                                 spec: spec).status, "Init:ExitCode:2")
        XCTAssertEqual(podStatus(#"{"phase":"Pending","initContainerStatuses":[{"name":"init","restartCount":4,"state":{"terminated":{"exitCode":1,"reason":"Error"}}}]}"#,
                                 spec: spec).restarts, "4")
        // Finished init containers give way to the app containers' state.
        XCTAssertEqual(podStatus(#"{"phase":"Running","initContainerStatuses":[{"name":"init","restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}],"containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}"#,
                                 spec: spec).status, "Running")
    }

    func testSidecarCountsAsContainer() {
        let spec = #"{"initContainers":[{"name":"proxy","image":"envoy","restartPolicy":"Always"}],"containers":[{"name":"app","image":"nginx"}]}"#
        let result = podStatus(#"{"phase":"Running","conditions":[{"type":"Initialized","status":"True"}],"initContainerStatuses":[{"name":"proxy","ready":true,"started":true,"restartCount":1,"state":{"running":{}}}],"containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}"#,
                               spec: spec)
        XCTAssertEqual(result.ready, "2/2")
        XCTAssertEqual(result.status, "Running")
        XCTAssertEqual(result.restarts, "1")
    }

    func testCompletedContainerNextToRunningOne() {
        let spec = #"{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}"#
        let statuses = #""containerStatuses":[{"name":"a","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}},{"name":"b","ready":true,"restartCount":0,"state":{"running":{}}}]"#
        XCTAssertEqual(podStatus(#"{"phase":"Running","# + statuses + "}", spec: spec).status, "NotReady")
        let ready = #"{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"# + statuses + "}"
        XCTAssertEqual(podStatus(ready, spec: spec).status, "Running")
        XCTAssertEqual(podStatus(ready, spec: spec).ready, "1/2")
    }

    func testPodReadinessGatesAndNominatedNode() {
        let object = pod(status: #"{"phase":"Running","nominatedNodeName":"node-2","conditions":[{"type":"example.com/lb","status":"True"}]}"#,
                         spec: #"{"containers":[{"name":"app"}],"readinessGates":[{"conditionType":"example.com/lb"},{"conditionType":"example.com/other"}]}"#)
        let cells = TablePrinting.cells(for: pods, object: object, now: t0)
        XCTAssertEqual(Array(cells[5...]), ["<none>", "<none>", "node-2", "1/2"])
    }

    // MARK: services

    func service(_ spec: String, status: String = "{}") -> [JSON] {
        TablePrinting.cells(for: type("", "v1", "Service", "services"),
                            object: json(#"{"metadata":{"name":"web","creationTimestamp":"\#(created)"},"spec":\#(spec),"status":\#(status)}"#),
                            now: t0 + 600)
    }

    func testServicePorts() {
        let cells = service(#"{"type":"NodePort","clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],"selector":{"tier":"fe","app":"web"},"ports":[{"port":80,"protocol":"TCP"},{"port":443,"nodePort":30001,"protocol":"TCP"}]}"#)
        XCTAssertEqual(cells, ["web", "NodePort", "10.96.0.10", "<none>", "80/TCP,443:30001/TCP", "10m", "app=web,tier=fe"])
        XCTAssertEqual(service(#"{"type":"ClusterIP","clusterIP":"None","ports":[{"port":53,"protocol":"UDP"}]}"#)[2...4],
                       ["None", "<none>", "53/UDP"])
        XCTAssertEqual(service(#"{"type":"ClusterIP","clusterIP":"10.0.0.1","externalIPs":["1.2.3.4"]}"#)[3...4], ["1.2.3.4", "<none>"])
        XCTAssertEqual(service(#"{"type":"ClusterIP"}"#)[6], "<none>")
    }

    func testServiceExternalIPs() {
        XCTAssertEqual(service(#"{"type":"LoadBalancer","clusterIPs":["10.0.0.2"],"ports":[{"port":80,"nodePort":31000,"protocol":"TCP"}]}"#)[3],
                       "<pending>")
        XCTAssertEqual(service(#"{"type":"LoadBalancer","clusterIPs":["10.0.0.2"]}"#,
                               status: #"{"loadBalancer":{"ingress":[{"ip":"203.0.113.9"},{"hostname":"lb.example.com"},{"ip":"203.0.113.1"}]}}"#)[3],
                       "203.0.113.1,203.0.113.9,lb.example.com")
        XCTAssertEqual(service(#"{"type":"ExternalName","externalName":"db.example.com"}"#)[2...3], ["<none>", "db.example.com"])
    }

    // MARK: autoscaling

    func hpa(_ body: String, version: String = "v2") -> [JSON] {
        TablePrinting.cells(for: type("autoscaling", version, "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
                            object: json(#"{"apiVersion":"autoscaling/\#(version)","metadata":{"name":"web","creationTimestamp":"\#(created)"},\#(body)}"#),
                            now: t0 + 30)
    }

    func testHPATargets() {
        let spec = #""spec":{"scaleTargetRef":{"kind":"Deployment","name":"web","apiVersion":"apps/v1"},"minReplicas":2,"maxReplicas":10,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]}"#
        XCTAssertEqual(hpa(spec + #","status":{"currentReplicas":3,"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":40,"averageValue":"120m"}}}]}"#),
                       ["web", "Deployment/web", "cpu: 40%/80%", "2", 10, 3, "30s"])
        XCTAssertEqual(hpa(spec + #","status":{"currentReplicas":0}"#)[2], "cpu: <unknown>/80%")

        let many = #""spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":5,"metrics":[{"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"500Mi"}}},{"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"1k"}}},{"type":"External","external":{"metric":{"name":"queue"},"target":{"type":"Value","value":"30"}}}]},"status":{"currentMetrics":[{"type":"Resource","resource":{"name":"memory","current":{"averageValue":"300Mi"}}}]}"#
        let cells = hpa(many)
        XCTAssertEqual(cells[2], "memory: 300Mi/500Mi, <unknown>/1k + 1 more...")
        XCTAssertEqual(cells[3], "<unset>")
    }

    func testHPAv1Target() {
        XCTAssertEqual(hpa(#""spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":4,"targetCPUUtilizationPercentage":50},"status":{"currentReplicas":1,"currentCPUUtilizationPercentage":20}"#,
                           version: "v1")[2], "cpu: 20%/50%")
        XCTAssertEqual(hpa(#""spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":4}"#, version: "v1")[2],
                       "cpu: <unknown>/80%")
    }

    // MARK: custom resources

    func customType(columns: String) -> ResourceType {
        var t = type("example.com", "v1", "Widget", "widgets")
        t.custom = CustomResourceVersion(crdName: "widgets.example.com", listKind: "WidgetList", schemaJSON: nil, scale: nil,
                                         printerColumns: json(columns).arrayValue ?? [])
        return t
    }

    let widget = #"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1","creationTimestamp":"2026-11-29T06:16:03Z","labels":{"app.kubernetes.io/name":"gadget"}},"spec":{"replicas":3,"ratio":0.25,"enabled":true,"tags":["a","b"],"size":2.9,"owner":{"team":"core","id":7}},"status":{"conditions":[{"type":"Synced","status":"False"},{"type":"Ready","status":"True","lastTransitionTime":"2026-11-29T06:17:03Z"}]}}"#

    func testCRDPrinterColumns() {
        let t = customType(columns: #"""
            [{"name":"Replicas","type":"integer","jsonPath":".spec.replicas"},
             {"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status","description":"Is it ready"},
             {"name":"Ratio","type":"number","jsonPath":".spec.ratio","priority":1},
             {"name":"Enabled","type":"boolean","jsonPath":".spec.enabled"},
             {"name":"Tag","type":"string","jsonPath":".spec.tags[*]"},
             {"name":"Size","type":"integer","jsonPath":".spec.size"},
             {"name":"Owner","type":"string","jsonPath":".spec.owner"},
             {"name":"Missing","type":"string","jsonPath":".spec.nothing"},
             {"name":"App","type":"string","jsonPath":".metadata.labels.app\\.kubernetes\\.io/name"},
             {"name":"Since","type":"date","jsonPath":".status.conditions[-1].lastTransitionTime"},
             {"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}]
            """#)
        let columns = TablePrinting.columns(for: t)
        XCTAssertEqual(columns.map { $0.tpString("name") },
                       ["Name", "Replicas", "Ready", "Ratio", "Enabled", "Tag", "Size", "Owner", "Missing", "App", "Since", "Age"])
        XCTAssertEqual(columns[0].tpString("format"), "name")
        XCTAssertEqual(columns[1].tpString("description"), "Custom resource definition column (in JSONPath format): .spec.replicas")
        XCTAssertEqual(columns[2].tpString("description"), "Is it ready")
        XCTAssertEqual(columns[3].tpInt("priority"), 1)
        XCTAssertEqual(columns[10].tpString("type"), "date")

        let cells = TablePrinting.cells(for: t, object: json(widget), now: t0 + 3600)
        XCTAssertEqual(cells, ["w1", 3, "True", 0.25, true, "a", 2, #"{"id":7,"team":"core"}"#, .null, "gadget", "59m", "60m"])
    }

    func testCRDWithoutColumnsGetsAge() {
        let t = customType(columns: "[]")
        XCTAssertEqual(TablePrinting.columns(for: t).map { $0.tpString("name") }, ["Name", "Age"])
        XCTAssertEqual(TablePrinting.columns(for: t)[1].tpString("type"), "date")
        XCTAssertEqual(TablePrinting.cells(for: t, object: json(widget), now: t0 + 5 * 86400 + 3 * 3600), ["w1", "5d3h"])
    }

    func testCRDCellTypeMismatchesAreNull() {
        XCTAssertEqual(CustomResourceTable.cell("3", type: "integer", now: 0), .null)
        XCTAssertEqual(CustomResourceTable.cell(3, type: "number", now: 0), .double(3))
        XCTAssertEqual(CustomResourceTable.cell("yes", type: "boolean", now: 0), .null)
        XCTAssertEqual(CustomResourceTable.cell("not a date", type: "date", now: 0), "<invalid>")
        XCTAssertEqual(CustomResourceTable.cell(5, type: "date", now: 0), .null)
        XCTAssertEqual(CustomResourceTable.cell(1.5e6, type: "string", now: 0), "1.5e+06")
    }

    func testJSONPathForms() throws {
        let object = json(widget)
        func eval(_ path: String) throws -> [JSON] { try PrinterJSONPath(path).evaluate(object) }
        XCTAssertEqual(try eval(".spec.tags[0]"), ["a"])
        XCTAssertEqual(try eval(".spec.tags[-1]"), ["b"])
        XCTAssertEqual(try eval(".spec.tags[*]"), ["a", "b"])
        XCTAssertEqual(try eval(".status.conditions[*].type"), ["Synced", "Ready"])
        XCTAssertEqual(try eval(".status.conditions[?(@.status!='True')].type"), ["Synced"])
        XCTAssertEqual(try eval(".status.conditions[?(@.lastTransitionTime)].type"), ["Ready"])
        XCTAssertThrowsError(try eval(".spec.owner[?(@.id)]"), "filters only apply to lists")
        XCTAssertEqual(try eval("..team"), ["core"])
        XCTAssertEqual(try eval(".spec['replicas']"), [3])
        XCTAssertEqual(try eval(".spec.nothing.deeper"), [])
        XCTAssertThrowsError(try eval(".spec.tags[5]"))
        XCTAssertThrowsError(try eval(".spec.tags[?(@==1)]"), "a string does not compare with a number")
    }

    // MARK: other kinds

    func testNodeStatusAndRoles() {
        let node = json(#"{"metadata":{"name":"n1","creationTimestamp":"\#(created)","labels":{"node-role.kubernetes.io/worker":"","node-role.kubernetes.io/control-plane":"","kubernetes.io/role":"gpu"}},"spec":{"unschedulable":true},"status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],"addresses":[{"type":"InternalIP","address":"10.0.0.5"},{"type":"Hostname","address":"n1"}],"nodeInfo":{"kubeletVersion":"v1.32.0","osImage":"Ubuntu","containerRuntimeVersion":"containerd://1.7"}}}"#)
        let cells = TablePrinting.cells(for: type("", "v1", "Node", "nodes", namespaced: false), object: node, now: t0 + 3 * 86400)
        XCTAssertEqual(cells, ["n1", "Ready,SchedulingDisabled", "control-plane,gpu,worker", "3d", "v1.32.0", "10.0.0.5", "<none>",
                               "Ubuntu", "<unknown>", "containerd://1.7"])
        let unknown = json(#"{"metadata":{"name":"n2"}}"#)
        XCTAssertEqual(TablePrinting.cells(for: type("", "v1", "Node", "nodes", namespaced: false), object: unknown, now: t0)[1...3],
                       ["Unknown", "<none>", "<unknown>"])
    }

    func testWorkloads() {
        let deploy = json(#"{"metadata":{"name":"web","creationTimestamp":"\#(created)"},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["fe","be"]}]},"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.27"},{"name":"log","image":"fluentd"}]}}},"status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}}"#)
        XCTAssertEqual(TablePrinting.cells(for: type("apps", "v1", "Deployment", "deployments"), object: deploy, now: t0 + 7200),
                       ["web", "2/3", 3, 2, "120m", "app,log", "nginx:1.27,fluentd", "app=web,tier in (be,fe)"])

        let job = json(#"{"metadata":{"name":"pi","creationTimestamp":"\#(created)"},"spec":{"completions":1,"parallelism":1,"selector":{"matchLabels":{"job":"pi"}},"template":{"spec":{"containers":[{"name":"pi","image":"perl"}]}}},"status":{"succeeded":1,"startTime":"2026-11-29T06:16:05Z","completionTime":"2026-11-29T06:18:35Z","conditions":[{"type":"SuccessCriteriaMet","status":"True"},{"type":"Complete","status":"True"}]}}"#)
        XCTAssertEqual(TablePrinting.cells(for: type("batch", "v1", "Job", "jobs"), object: job, now: t0 + 3600),
                       ["pi", "Complete", "1/1", "2m30s", "60m", "pi", "perl", "job=pi"])
        let running = json(#"{"metadata":{"name":"pi","creationTimestamp":"\#(created)"},"spec":{"parallelism":3},"status":{"startTime":"\#(created)"}}"#)
        XCTAssertEqual(TablePrinting.cells(for: type("batch", "v1", "Job", "jobs"), object: running, now: t0 + 40)[1...3],
                       ["Running", "0/1 of 3", "40s"])

        let cron = json(#"{"metadata":{"name":"c","creationTimestamp":"\#(created)"},"spec":{"schedule":"*/5 * * * *","suspend":false,"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"x","image":"busybox"}]}}}}},"status":{"active":[{"name":"c-1"}]}}"#)
        XCTAssertEqual(TablePrinting.cells(for: type("batch", "v1", "CronJob", "cronjobs"), object: cron, now: t0 + 60),
                       ["c", "*/5 * * * *", "<none>", "False", 1, "<none>", "60s", "x", "busybox", "<none>"])
    }

    func testEventRow() {
        let event = json(#"{"metadata":{"name":"web-0.17a","creationTimestamp":"\#(created)"},"involvedObject":{"kind":"Pod","name":"web-0","fieldPath":"spec.containers{app}"},"reason":"Pulled","message":"  Container image pulled \n","type":"Normal","source":{"component":"kubelet","host":"node-1"},"firstTimestamp":"\#(created)","lastTimestamp":"2026-11-29T06:17:03Z","count":2}"#)
        XCTAssertEqual(TablePrinting.cells(for: type("", "v1", "Event", "events"), object: event, now: t0 + 120),
                       ["60s", "Normal", "Pulled", "pod/web-0", "spec.containers{app}", "kubelet, node-1", "Container image pulled",
                        "2m", 2, "web-0.17a"])
        let columns = TablePrinting.columns(for: type("", "v1", "Event", "events"))
        XCTAssertEqual(columns.filter { $0.tpInt("priority") == 0 }.map { $0.tpString("name") },
                       ["Last Seen", "Type", "Reason", "Object", "Message"])
    }

    func testConfigAndStorageRows() {
        let cm = json(#"{"metadata":{"name":"cfg","creationTimestamp":"\#(created)"},"data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="}}"#)
        XCTAssertEqual(TablePrinting.cells(for: type("", "v1", "ConfigMap", "configmaps"), object: cm, now: t0 + 5), ["cfg", 3, "5s"])
        let secret = json(#"{"metadata":{"name":"s","creationTimestamp":"\#(created)"},"type":"Opaque","data":{"k":"dg=="}}"#)
        XCTAssertEqual(TablePrinting.cells(for: type("", "v1", "Secret", "secrets"), object: secret, now: t0 + 5), ["s", "Opaque", 1, "5s"])
        let pvc = json(#"{"metadata":{"name":"data","creationTimestamp":"\#(created)"},"spec":{"volumeName":"pv-1","storageClassName":"standard","volumeMode":"Filesystem","resources":{"requests":{"storage":"1Gi"}}},"status":{"phase":"Bound","accessModes":["ReadWriteOnce","ReadOnlyMany"],"capacity":{"storage":"1024Mi"}}}"#)
        XCTAssertEqual(TablePrinting.cells(for: type("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims"), object: pvc, now: t0 + 5),
                       ["data", "Bound", "pv-1", "1Gi", "RWO,ROX", "standard", "<unset>", "5s", "Filesystem"])
        let quota = json(#"{"metadata":{"name":"q","creationTimestamp":"\#(created)"},"status":{"hard":{"pods":"10","limits.cpu":"2","requests.cpu":"1"},"used":{"pods":"3","requests.cpu":"500m"}}}"#)
        XCTAssertEqual(TablePrinting.cells(for: type("", "v1", "ResourceQuota", "resourcequotas"), object: quota, now: t0 + 5),
                       ["q", "pods: 3/10, requests.cpu: 500m/1", "limits.cpu: 0/2", "5s"])
        let sc = json(#"{"metadata":{"name":"standard","creationTimestamp":"\#(created)","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},"provisioner":"rancher.io/local-path"}"#)
        XCTAssertEqual(TablePrinting.cells(for: type("storage.k8s.io", "v1", "StorageClass", "storageclasses", namespaced: false), object: sc, now: t0 + 5),
                       ["standard (default)", "rancher.io/local-path", "Delete", "Immediate", false, "5s"])
    }

    func testDefaultTableForRoles() {
        let roles = type("rbac.authorization.k8s.io", "v1", "Role", "roles")
        XCTAssertEqual(TablePrinting.columns(for: roles).map { $0.tpString("name") }, ["Name", "Created At"])
        XCTAssertEqual(TablePrinting.columns(for: roles)[1].tpString("type"), "date")
        let role = json(#"{"metadata":{"name":"reader","creationTimestamp":"\#(created)"}}"#)
        XCTAssertEqual(TablePrinting.cells(for: roles, object: role, now: t0), ["reader", "2026-11-29T06:16:03Z"])
        let binding = json(#"{"metadata":{"name":"rb","creationTimestamp":"\#(created)"},"roleRef":{"kind":"Role","name":"reader"},"subjects":[{"kind":"User","name":"jane"},{"kind":"ServiceAccount","name":"sa","namespace":"ns"},{"kind":"Group","name":"devs"},{"kind":"User","name":"joe"}]}"#)
        XCTAssertEqual(TablePrinting.cells(for: type("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"), object: binding, now: t0 + 5),
                       ["rb", "Role/reader", "5s", "jane, joe", "devs", "ns/sa"])
    }

    // MARK: the Table object

    func testTableAssembly() {
        let object = pod(status: #"{"phase":"Succeeded"}"#)
        let table = TablePrinting.table(type: pods, objects: [object], includeObject: nil, noHeaders: false,
                                        resourceVersion: "1170", continueToken: "abc", remainingItemCount: 4, now: t0 + 1)
        XCTAssertEqual(table["kind"], "Table")
        XCTAssertEqual(table["apiVersion"], "meta.k8s.io/v1")
        XCTAssertEqual(table["metadata"], ["resourceVersion": "1170", "continue": "abc", "remainingItemCount": 4])
        XCTAssertEqual(table["columnDefinitions"]?.arrayValue?.count, 9)
        let row = table["rows"]?.arrayValue?.first
        XCTAssertEqual(row?["cells"]?.arrayValue?.count, 9)
        XCTAssertEqual(row?[path: "object", "kind"], "PartialObjectMetadata")
        XCTAssertEqual(row?[path: "object", "apiVersion"], "meta.k8s.io/v1")
        XCTAssertEqual(row?[path: "object", "metadata", "name"], "web-0")
        XCTAssertNil(row?[path: "object", "spec"])
        XCTAssertEqual(row?["conditions"]?.arrayValue?.first?["reason"], "Succeeded")

        let full = TablePrinting.table(type: pods, objects: [object], includeObject: "Object", noHeaders: true,
                                       resourceVersion: "", continueToken: nil, remainingItemCount: nil, now: t0)
        XCTAssertEqual(full["metadata"], .object(JSONObject()))
        XCTAssertEqual(full["columnDefinitions"], .null)
        XCTAssertEqual(full["rows"]?.arrayValue?.first?[path: "object", "spec", "nodeName"], "node-1")

        let none = TablePrinting.table(type: pods, objects: [], includeObject: "None", noHeaders: false,
                                       resourceVersion: "5", continueToken: nil, remainingItemCount: nil, now: t0)
        XCTAssertEqual(none["rows"], .array([]))
        let one = TablePrinting.table(type: pods, objects: [object], includeObject: "None", noHeaders: false,
                                      resourceVersion: "5", continueToken: nil, remainingItemCount: nil, now: t0)
        XCTAssertEqual(one["rows"]?.arrayValue?.first?["object"], .null)

        let bare = json(#"{"metadata":{"name":"x"},"spec":{}}"#)
        let typed = TablePrinting.rowObject(bare, type: pods, includeObject: "Object", apiVersion: "meta.k8s.io/v1")
        XCTAssertEqual(typed.objectValue?.keys.prefix(2), ["kind", "apiVersion"])
        XCTAssertEqual(typed["apiVersion"], "v1")

        XCTAssertNil(TablePrinting.validateIncludeObject("Metadata"))
        XCTAssertNil(TablePrinting.validateIncludeObject(nil))
        XCTAssertEqual(TablePrinting.validateIncludeObject("All")?.message, #"unrecognized includeObject value: "All""#)
    }

    func testAcceptNegotiation() {
        let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
        XCTAssertTrue(TablePrinting.wantsTable(accept: kubectl))
        XCTAssertEqual(TablePrinting.tableAPIVersion(accept: kubectl), "meta.k8s.io/v1")
        let beta = "application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json"
        XCTAssertTrue(TablePrinting.wantsTable(accept: beta))
        XCTAssertEqual(TablePrinting.tableAPIVersion(accept: beta), "meta.k8s.io/v1beta1")
        XCTAssertFalse(TablePrinting.wantsTable(accept: nil))
        XCTAssertFalse(TablePrinting.wantsTable(accept: "application/json, */*"))
        XCTAssertFalse(TablePrinting.wantsTable(accept: "application/vnd.kubernetes.protobuf,application/json"))
        // A Table cannot be protobuf; the next clause is served instead.
        XCTAssertFalse(TablePrinting.wantsTable(accept: "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json"))
        XCTAssertTrue(TablePrinting.wantsTable(accept: "*/*;as=Table;v=v1;g=meta.k8s.io"))
        // Higher q wins over order.
        XCTAssertTrue(TablePrinting.wantsTable(accept: "application/json;q=0.5,application/json;as=Table;v=v1;g=meta.k8s.io"))
        XCTAssertEqual(TablePrinting.negotiateOutput(accept: "application/json;as=Table;v=v2;g=meta.k8s.io"), .notAcceptable)
        XCTAssertEqual(TablePrinting.negotiateOutput(accept: "text/html"), .notAcceptable)
        XCTAssertEqual(TablePrinting.negotiateOutput(accept: "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"),
                       .partialObjectMetadataList(apiVersion: "meta.k8s.io/v1"))
    }
}
