import ClusterSim
import Foundation
@testable import ECPCompat
import KubeAPI
import KubeJSON
import XCTest

final class ResourceStatusTests: XCTestCase {
    let registry = ResourceRegistry()

    func pod(phase: String, ready: Bool, waiting: String? = nil) -> JSON {
        var status: JSON = ["phase": .string(phase),
                            "conditions": [["type": "Ready", "status": ready ? "True" : "False", "lastTransitionTime": "2024-01-15T10:30:03Z"]]]
        if let waiting {
            status["containerStatuses"] = [["name": "app", "state": ["waiting": ["reason": .string(waiting)]]]]
        }
        return ["apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": "p", "namespace": "default", "creationTimestamp": "2024-01-15T10:30:00Z"], "status": status]
    }

    func deployment(replicas: Int64, generation: Int64 = 1, observed: Int64 = 1, updated: Int64, available: Int64, total: Int64? = nil,
                    progressing: (String, String)? = nil) -> JSON
    {
        var status: JSON = ["observedGeneration": .int(observed), "updatedReplicas": .int(updated), "availableReplicas": .int(available),
                            "replicas": .int(total ?? updated)]
        if let progressing {
            status["conditions"] = [["type": "Progressing", "status": .string(progressing.0), "reason": .string(progressing.1)]]
        }
        return ["metadata": ["name": "web", "namespace": "default", "generation": .int(generation)], "spec": ["replicas": .int(replicas)],
                "status": status]
    }

    func testPodStatusIsItsPhase() {
        let running = ResourceStatus.evaluate(pod(phase: "Running", ready: true), kind: "Pod", group: "")
        XCTAssertEqual(running.status, "Running")
        XCTAssertTrue(running.ready)
        XCTAssertEqual(running.readySince, Timestamp.parse("2024-01-15T10:30:03Z"))
        let pending = ResourceStatus.evaluate(pod(phase: "Pending", ready: false, waiting: "ContainerCreating"), kind: "Pod", group: "")
        XCTAssertEqual(pending, ResourceState(status: "Pending", ready: false, reason: "ContainerCreating"))
        XCTAssertFalse(pending.settled)
        // A crash loop keeps the phase Running, but nothing will change by waiting.
        let crashing = ResourceStatus.evaluate(pod(phase: "Running", ready: false, waiting: "CrashLoopBackOff"), kind: "Pod", group: "")
        XCTAssertEqual(crashing.status, "Running")
        XCTAssertTrue(crashing.failed)
        XCTAssertTrue(crashing.settled)
        XCTAssertEqual(ResourceStatus.evaluate(pod(phase: "Succeeded", ready: false), kind: "Pod", group: "").ready, true)
        XCTAssertEqual(ResourceStatus.evaluate(pod(phase: "Failed", ready: false), kind: "Pod", group: "").failed, true)
        var deleting = pod(phase: "Running", ready: true)
        deleting[path: "metadata", "deletionTimestamp"] = "2024-01-15T10:31:00Z"
        XCTAssertEqual(ResourceStatus.evaluate(deleting, kind: "Pod", group: "").status, "Terminating")
    }

    func testWorkloadStatus() {
        func status(_ object: JSON, pods: [JSON] = []) -> ResourceState {
            ResourceStatus.evaluate(object, kind: "Deployment", group: "apps", pods: pods)
        }
        XCTAssertEqual(status(deployment(replicas: 3, updated: 3, available: 3)).status, "Running")
        XCTAssertEqual(status(deployment(replicas: 3, updated: 3, available: 2)).status, "Progressing")
        // Status of an older generation says nothing about the new spec.
        XCTAssertEqual(status(deployment(replicas: 3, generation: 2, observed: 1, updated: 3, available: 3)).status, "Progressing")
        // Old replicas still around mid-rollout.
        XCTAssertEqual(status(deployment(replicas: 3, updated: 3, available: 3, total: 4)).status, "Progressing")
        XCTAssertEqual(status(deployment(replicas: 3, updated: 1, available: 1, progressing: ("False", "ProgressDeadlineExceeded"))),
                       ResourceState(status: "Failed", ready: false, failed: true, reason: "ProgressDeadlineExceeded"))
        let failing = status(deployment(replicas: 2, updated: 2, available: 1), pods: [pod(phase: "Pending", ready: false, waiting: "ImagePullBackOff")])
        XCTAssertEqual(failing, ResourceState(status: "Failed", ready: false, failed: true, reason: "ImagePullBackOff"))
        XCTAssertEqual(status(deployment(replicas: 0, updated: 0, available: 0)).status, "Running")

        let daemonSet: JSON = ["metadata": ["generation": 1], "status": ["observedGeneration": 1, "desiredNumberScheduled": 3,
                                                                         "numberAvailable": 3, "updatedNumberScheduled": 3]]
        XCTAssertEqual(ResourceStatus.evaluate(daemonSet, kind: "DaemonSet", group: "apps").status, "Running")
        let statefulSet: JSON = ["metadata": ["generation": 1], "spec": ["replicas": 2], "status": ["observedGeneration": 1, "readyReplicas": 1]]
        XCTAssertEqual(ResourceStatus.evaluate(statefulSet, kind: "StatefulSet", group: "apps").status, "Progressing")
    }

    func testJobAndOtherKinds() {
        let complete: JSON = ["status": ["conditions": [["type": "Complete", "status": "True"]]]]
        XCTAssertEqual(ResourceStatus.evaluate(complete, kind: "Job", group: "batch").status, "Completed")
        let running: JSON = ["status": ["active": 1]]
        XCTAssertEqual(ResourceStatus.evaluate(running, kind: "Job", group: "batch"), ResourceState(status: "Running", ready: false))
        let failed: JSON = ["status": ["conditions": [["type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"]]]]
        XCTAssertTrue(ResourceStatus.evaluate(failed, kind: "Job", group: "batch").failed)
        XCTAssertEqual(ResourceStatus.evaluate(["metadata": ["name": "s"]], kind: "Service", group: ""),
                       ResourceState(status: "Created", ready: true))
        // A custom resource named like a workload is not one.
        XCTAssertEqual(ResourceStatus.evaluate(["metadata": ["name": "d"]], kind: "Deployment", group: "example.com").status, "Created")
    }

    func testAggregation() {
        let ready = ResourceState(status: "Running", ready: true)
        let pending = ResourceState(status: "Pending", ready: false)
        let failed = ResourceState(status: "Failed", ready: false, failed: true)
        XCTAssertEqual(ResourceStatus.aggregate([]), "empty")
        XCTAssertEqual(ResourceStatus.aggregate([ready, ResourceState(status: "Created", ready: true)]), "completed")
        XCTAssertEqual(ResourceStatus.aggregate([ready, pending]), "deploying")
        XCTAssertEqual(ResourceStatus.aggregate([ready, pending, failed]), "failed")
    }

    func testItemShape() throws {
        let type = try XCTUnwrap(registry.type(group: "", version: "v1", kind: "Pod"))
        var object = pod(phase: "Running", ready: true)
        object[path: "metadata", "labels"] = [ECPLabels.tenant: "tenant-123"]
        let item = ResourceStatus.item(object: object, type: type, state: ResourceStatus.evaluate(object, kind: "Pod", group: ""),
                                       deploymentTime: 3.2345)
        XCTAssertEqual(item["id"], "default/Pod/p")
        XCTAssertEqual(item["name"], "p")
        XCTAssertEqual(item["namespace"], "default")
        XCTAssertEqual(item["kind"], "Pod")
        XCTAssertEqual(item["apiVersion"], "v1")
        XCTAssertEqual(item["status"], "Running")
        XCTAssertEqual(item["created_at"], "2024-01-15T10:30:00Z")
        XCTAssertEqual(item["deployment_time"], .double(3.2))
        XCTAssertEqual(item["tenant_id"], "tenant-123")

        let namespaceType = try XCTUnwrap(registry.type(group: "", version: "v1", kind: "Namespace"))
        let ns = ResourceStatus.item(object: ["metadata": ["name": "ecp-ai-tenant-123"]], type: namespaceType,
                                     state: ResourceState(status: "Created", ready: true), deploymentTime: nil)
        XCTAssertEqual(ns["id"], "Namespace/ecp-ai-tenant-123")
        XCTAssertEqual(ns["namespace"], .null)
        XCTAssertEqual(ns["deployment_time"], .null)
    }
}

final class DeployReportTests: XCTestCase {
    let registry = ResourceRegistry()

    func testCountsAndStatus() {
        XCTAssertEqual(DeployReport.overallStatus(deployed: 3, failed: 0), "completed")
        XCTAssertEqual(DeployReport.overallStatus(deployed: 2, failed: 1), "partial")
        XCTAssertEqual(DeployReport.overallStatus(deployed: 0, failed: 2), "failed")

        let ready = ResourceState(status: "Running", ready: true)
        let outcomes: [DocumentOutcome] = [
            .failed(ManifestProblem(index: 2, kind: "Service", name: "x", message: "boom")),
            .deployed(index: 0, item: ["id": "default/Pod/a"], state: ready),
            .deployed(index: 1, item: ["id": "default/Pod/b"], state: ResourceState(status: "Pending", ready: false)),
        ]
        let report = DeployReport(deploymentID: "dep-abc", tenantID: "tenant-123", mode: .demo, outcomes: outcomes,
                                  startedAt: "2024-01-15T10:30:00Z", elapsedSeconds: 3.24, timedOut: true)
        let json = report.json
        XCTAssertEqual(json["status"], "partial")
        XCTAssertEqual(json["deployment_id"], "dep-abc")
        XCTAssertEqual(json["deployed_count"], 2)
        XCTAssertEqual(json["failed_count"], 1)
        XCTAssertEqual(json["tenant_id"], "tenant-123")
        XCTAssertEqual(json["readiness"], "deploying")
        XCTAssertEqual(json["timed_out"], true)
        XCTAssertEqual(json["deployment_time"], .double(3.2))
        XCTAssertEqual(json["resources"], [["id": "default/Pod/a"], ["id": "default/Pod/b"]])
        XCTAssertEqual(json["errors"], [["index": 2, "kind": "Service", "name": "x", "message": "boom"]])
        XCTAssertNil(json["warnings"])
    }

    func testDeploymentIDsAreSeeded() {
        let a = DeployReport.deploymentID(random: SeededRandom(seed: 1), key: "tenant-123/42/1")
        XCTAssertEqual(a, DeployReport.deploymentID(random: SeededRandom(seed: 1), key: "tenant-123/42/1"))
        XCTAssertNotEqual(a, DeployReport.deploymentID(random: SeededRandom(seed: 2), key: "tenant-123/42/1"))
        XCTAssertNotEqual(a, DeployReport.deploymentID(random: SeededRandom(seed: 1), key: "tenant-123/42/2"))
        XCTAssertTrue(a.hasPrefix("dep-"))
        XCTAssertEqual(a.count, 14)
        // It names a ConfigMap.
        XCTAssertEqual(NameValidation.isDNS1123Subdomain(a), [])
    }

    func testPrepareLabelsObjectsAndTemplates() throws {
        let type = try XCTUnwrap(registry.type(group: "apps", version: "v1", kind: "Deployment"))
        let input: JSON = ["apiVersion": "apps/v1", "kind": "Deployment",
                           "metadata": ["name": "web", "labels": ["app": "web"]],
                           "spec": ["template": ["metadata": ["labels": ["app": "web"]], "spec": [:]]]]
        let prepared = ManifestDeployer.prepare(input, type: type, namespace: "default", tenant: "tenant-123", deploymentID: "dep-x")
        XCTAssertEqual(prepared[path: "metadata", "namespace"], "default")
        XCTAssertEqual(prepared[path: "metadata", "labels"], ["app": "web", ECPLabels.tenant: "tenant-123", ECPLabels.deploymentID: "dep-x"])
        XCTAssertEqual(prepared[path: "spec", "template", "metadata", "labels"], ["app": "web", ECPLabels.tenant: "tenant-123"])
        XCTAssertNil(prepared[path: "spec", "template", "metadata", "annotations"], "only demo deploys skip image pulls")
        let demo = ManifestDeployer.prepare(input, type: type, namespace: "default", tenant: "tenant-123", deploymentID: "dep-x",
                                            fastStart: true)
        XCTAssertEqual(demo[path: "spec", "template", "metadata", "annotations", ECPLabels.imagesPreloaded], "true")
        XCTAssertNil(demo[path: "metadata", "annotations"], "the workload itself is not marked")
        let podType = try XCTUnwrap(registry.type(group: "", version: "v1", kind: "Pod"))
        let pod = ManifestDeployer.prepare(["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": [:]],
                                           type: podType, namespace: "default", tenant: "t", deploymentID: nil, fastStart: true)
        XCTAssertEqual(pod[path: "metadata", "annotations", ECPLabels.imagesPreloaded], "true")

        let namespaceType = try XCTUnwrap(registry.type(group: "", version: "v1", kind: "Namespace"))
        let ns = ManifestDeployer.prepare(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "n", "namespace": "x"]],
                                          type: namespaceType, namespace: nil, tenant: "t", deploymentID: nil)
        XCTAssertNil(ns[path: "metadata", "namespace"])
        XCTAssertEqual(ns[path: "metadata", "labels"], [ECPLabels.tenant: "t"])
    }

    func testDefaultListingLeavesOutDerivedAndSystemObjects() throws {
        let pods = try XCTUnwrap(registry.type(group: "", version: "v1", kind: "Pod"))
        let configMaps = try XCTUnwrap(registry.type(group: "", version: "v1", kind: "ConfigMap"))
        let owned: JSON = ["metadata": ["name": "web-abc", "namespace": "default",
                                        "ownerReferences": [["kind": "ReplicaSet", "name": "web", "controller": true]]]]
        XCTAssertFalse(ResourceQueries.listed(owned, type: pods, explicitKind: false, explicitNamespace: false))
        XCTAssertTrue(ResourceQueries.listed(owned, type: pods, explicitKind: true, explicitNamespace: false))
        let system: JSON = ["metadata": ["name": "coredns", "namespace": "kube-system"]]
        XCTAssertFalse(ResourceQueries.listed(system, type: pods, explicitKind: true, explicitNamespace: false))
        XCTAssertTrue(ResourceQueries.listed(system, type: pods, explicitKind: true, explicitNamespace: true))
        let rootCA: JSON = ["metadata": ["name": "kube-root-ca.crt", "namespace": "default"]]
        XCTAssertFalse(ResourceQueries.listed(rootCA, type: configMaps, explicitKind: false, explicitNamespace: false))
        let record: JSON = ["metadata": ["name": "dep-x", "namespace": "ecp-ai-system", "labels": [ECPLabels.deployment: "true"]]]
        XCTAssertFalse(ResourceQueries.listed(record, type: configMaps, explicitKind: true, explicitNamespace: true))
        let mine: JSON = ["metadata": ["name": "callbot-pod", "namespace": "default"]]
        XCTAssertTrue(ResourceQueries.listed(mine, type: pods, explicitKind: false, explicitNamespace: false))
    }

    func testEmbeddedOpenAPIDocumentIsValidAndCoversTheEndpoints() throws {
        let document = try JSONParser.parse(ECPOpenAPIDocument.json)
        XCTAssertEqual(document["openapi"]?.stringValue?.hasPrefix("3."), true)
        let paths = document["paths"]?.objectValue?.keys ?? []
        for path in ["/", "/k8s/manifest/parse", "/k8s/manifest/deploy", "/k8s/resources", "/k8s/resources/{name}",
                     "/monitoring/health", "/monitoring/tenant/{tenant_id}", "/sla/status", "/openapi.json", "/docs"]
        {
            XCTAssertTrue(paths.contains(path), path)
        }
        XCTAssertFalse(DocsPage.html.contains("<script src="), "the docs page must not load scripts from elsewhere")
    }

    /// The embedded copy must match openapi/ecp-ai.json (run scripts/embed-ecp-openapi after editing it).
    func testEmbeddedDocumentIsCurrent() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("openapi/ecp-ai.json")
        guard let data = try? Data(contentsOf: source) else { throw XCTSkip("openapi/ecp-ai.json not found next to the tests") }
        let onDisk = try JSONParser.parse([UInt8](data))
        XCTAssertEqual(onDisk, try JSONParser.parse(ECPOpenAPIDocument.json))
    }
}
