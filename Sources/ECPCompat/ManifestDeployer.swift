import ClusterSim
import Foundation
import KubeAPI
import KubeJSON
import KubeStore

/// `POST /k8s/manifest/deploy`: server-side applies every document through the API (field manager `ecp-ai`),
/// waits for the workloads, and records the deployment as a ConfigMap kubectl can list.
struct ManifestDeployer {
    let handler: ECPCompatHandler
    var api: KubeAPIServer { handler.api }
    var clock: SimulatedClock { handler.clock }

    /// A document after its apply.
    struct Applied {
        var document: ManifestDocument
        var namespace: String?
        var live: JSON
        /// Simulated time right after the apply returned.
        var appliedAt: Double
        var state: ResourceState
        var readyAt: Double?
    }

    func deploy(_ request: ManifestRequest) async throws(ECPError) -> DeployReport {
        let startedWall = Timestamp.now()
        let startedSim = clock.now()
        let tenant = request.tenantID ?? ""
        let dryRun = request.mode == .dryRun
        let documents = try ManifestValidation.documents(request.manifest)
        let (valid, problems) = ManifestValidation.checkAll(documents, registry: api.registry)
        let deploymentID = handler.nextDeploymentID(tenant: tenant)
        var outcomes = problems.map { DocumentOutcome.failed($0) }
        var warnings: [String] = []

        var options = WriteOptions()
        options.fieldManager = ECPLabels.fieldManager
        // ECP-AI owns its manifests: a redeploy takes back fields kubectl or an autoscaler changed, as
        // `kubectl apply --server-side --force-conflicts` does, instead of failing with a conflict.
        options.force = true
        options.dryRun = dryRun

        // Namespaces first, so a manifest that creates its namespace after the objects in it still deploys.
        let ordered = valid.filter(Self.isNamespace) + valid.filter { !Self.isNamespace($0) }
        var knownNamespaces: [String: NamespaceCheck] = [:]
        var applied: [Applied] = []
        for document in ordered {
            let namespace = document.type.namespaced ? (document.namespace ?? "default") : nil
            var target = namespace
            if let namespace {
                let check: NamespaceCheck
                if let known = knownNamespaces[namespace], known != .missing {
                    check = known
                } else {
                    check = await ensureNamespace(namespace, tenant: tenant, dryRun: dryRun)
                    knownNamespaces[namespace] = check
                }
                switch check {
                case .exists: break
                case .missing:
                    // A dry run creates no namespace. The object is validated in `default` instead, since only its
                    // namespace's existence (which the real deploy would provide) depends on where it goes.
                    target = "default"
                case .failed(let message):
                    outcomes.append(.failed(ManifestProblem(index: document.index, kind: document.kind, name: document.name,
                                                            message: "namespace \(namespace): \(message)")))
                    continue
                }
            }
            var body = Self.prepare(document.object, type: document.type, namespace: namespace, tenant: tenant,
                                    deploymentID: dryRun ? nil : deploymentID, fastStart: request.mode == .demo)
            if let target, target != namespace { body[path: "metadata", "namespace"] = .string(target) }
            do {
                let outcome = try await api.patch(type: document.type, namespace: target ?? "", name: document.name,
                                                  patchType: "application/apply-patch+yaml", body: body.serialized(),
                                                  subresource: nil, options: options)
                var live = (try? JSONParser.parse(outcome.bytes)) ?? body
                if let namespace { live[path: "metadata", "namespace"] = .string(namespace) }
                warnings += outcome.warnings.map { "document \(document.index) (\(document.kind) \(document.name)): \($0)" }
                let state = dryRun ? ResourceState(status: "Validated", ready: true) : ResourceState(status: "Created", ready: false)
                applied.append(Applied(document: document, namespace: namespace, live: live, appliedAt: clock.now(), state: state,
                                       readyAt: dryRun ? clock.now() : nil))
            } catch {
                outcomes.append(.failed(ManifestProblem(index: document.index, kind: document.kind, name: document.name,
                                                        message: error.message)))
            }
        }

        var timedOut = false
        if !dryRun { timedOut = await waitForReadiness(&applied, request: request, startedSim: startedSim, startedWall: startedWall) }
        for item in applied {
            let time = item.readyAt.map { $0 - item.appliedAt }
            outcomes.append(.deployed(index: item.document.index,
                                      item: ResourceStatus.item(object: item.live, type: item.document.type, state: item.state,
                                                                deploymentTime: time),
                                      state: item.state))
        }
        var report = DeployReport(deploymentID: deploymentID, tenantID: tenant, mode: request.mode, outcomes: outcomes,
                                  startedAt: Timestamp.rfc3339(startedWall), elapsedSeconds: clock.now() - startedSim,
                                  timedOut: timedOut, warnings: warnings)
        if !dryRun, let failure = await record(report) {
            report.warnings.append("the deployment record could not be stored: \(failure)")
        }
        return report
    }

    static func isNamespace(_ document: ManifestDocument) -> Bool {
        document.type.group == "" && document.kind == "Namespace"
    }

    /// The object as applied: its namespace settled, the tenant (and deployment) labels on it and on the pod
    /// templates of workloads, so the pods they make are the tenant's too (monitoring groups by that label).
    /// The object as applied: namespaced, labelled for the tenant (and the deployment), and, for a demo's fast
    /// start-up, its pods marked as having their images on the nodes already.
    static func prepare(_ object: JSON, type: ResourceType, namespace: String?, tenant: String, deploymentID: String?,
                        fastStart: Bool = false) -> JSON
    {
        var object = object
        if let namespace {
            object[path: "metadata", "namespace"] = .string(namespace)
        } else {
            object[path: "metadata", "namespace"] = nil
        }
        var labels = [ECPLabels.tenant: tenant]
        if let deploymentID { labels[ECPLabels.deploymentID] = deploymentID }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            object.assign(["metadata", "labels", key], .string(value))
        }
        for path in templatePaths(type) where object.lookup(path)?.isObject == true {
            // Only the tenant label: a per-deployment label on the template would roll the pods on every redeploy.
            object.assign(ArraySlice(path + ["metadata", "labels", ECPLabels.tenant]), .string(tenant))
        }
        if fastStart {
            for path in podTemplatePaths(type) where type.kind == "Pod" || object.lookup(path)?.isObject == true {
                object.assign(ArraySlice(path + ["metadata", "annotations", ECPLabels.imagesPreloaded]), .string("true"))
            }
        }
        return object
    }

    /// Where a kind keeps the metadata of the objects it makes.
    static func templatePaths(_ type: ResourceType) -> [[String]] {
        switch (type.group, type.kind) {
        case ("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("apps", "ReplicaSet"), ("batch", "Job"):
            return [["spec", "template"]]
        case ("batch", "CronJob"):
            return [["spec", "jobTemplate"], ["spec", "jobTemplate", "spec", "template"]]
        default:
            return []
        }
    }

    /// Where a kind keeps the metadata of its pods (the object itself for a Pod).
    static func podTemplatePaths(_ type: ResourceType) -> [[String]] {
        switch (type.group, type.kind) {
        case ("", "Pod"): [[]]
        case ("batch", "CronJob"): [["spec", "jobTemplate", "spec", "template"]]
        case ("apps", _), ("batch", _): [["spec", "template"]]
        default: []
        }
    }

    enum NamespaceCheck: Equatable {
        case exists
        case missing
        case failed(String)
    }

    /// Makes sure `name` exists, creating it (labelled with the tenant) unless this is a dry run.
    func ensureNamespace(_ name: String, tenant: String?, dryRun: Bool) async -> NamespaceCheck {
        guard let type = api.registry.lookup(group: "", version: "v1", resource: "namespaces") else { return .failed("no namespaces resource") }
        if (try? api.getObject(type: type, namespace: "", name: name)) != nil { return .exists }
        if dryRun { return .missing }
        var labels: JSONObject = [:]
        if let tenant, !tenant.isEmpty { labels[ECPLabels.tenant] = .string(tenant) }
        let object: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name), "labels": .object(labels)]]
        var options = WriteOptions()
        options.fieldManager = ECPLabels.fieldManager
        do {
            _ = try await api.create(type: type, namespace: "", object: object, options: options)
            return .exists
        } catch where error.code == 409 {
            return .exists  // created concurrently: what we wanted
        } catch {
            return .failed(error.message)
        }
    }

    // MARK: - Waiting

    /// Re-evaluates the waited objects whenever one of the watched resources changes (and at least every quarter
    /// second), until all are ready or failed or the wait is over. Returns true when it timed out.
    func waitForReadiness(_ applied: inout [Applied], request: ManifestRequest, startedSim: Double, startedWall: Double) async -> Bool {
        let podsType = api.registry.lookup(group: "", version: "v1", resource: "pods")
        var waited: [Int] = []
        var targets: [(ResourceType, String?)] = []
        for (i, item) in applied.enumerated() {
            let type = item.document.type
            guard ResourceStatus.isBuiltinWorkload(type) else {
                applied[i].state = ResourceStatus.evaluate(item.live, kind: type.kind, group: type.group)
                applied[i].readyAt = item.appliedAt
                continue
            }
            waited.append(i)
            targets.append((type, item.namespace))
            if let podsType, ResourceStatus.replicatedKinds.contains(type.kind) { targets.append((podsType, item.namespace)) }
        }
        guard !waited.isEmpty else { return false }
        let simDeadline = startedSim + request.waitSeconds
        let wallDeadline: Double = request.mode == .demo ? startedWall + handler.configuration.demoWallClockLimit : .infinity
        let signal = ChangeSignal(api: api, targets: targets)
        defer { signal.stop() }
        var wakeUps = signal.stream.makeAsyncIterator()
        while true {
            var pending = false
            for i in waited where !applied[i].state.settled {
                applied[i].state = evaluate(applied[i], podsType: podsType)
                if applied[i].state.settled {
                    applied[i].readyAt = applied[i].state.ready ? clock.now() : nil
                } else {
                    pending = true
                }
            }
            if !pending { return false }
            if clock.now() >= simDeadline || Timestamp.now() >= wallDeadline || Task.isCancelled { return true }
            _ = await wakeUps.next()
        }
    }

    /// The current state of an applied object, read through the API.
    func evaluate(_ item: Applied, podsType: ResourceType?) -> ResourceState {
        let type = item.document.type
        guard let stored = try? api.getObject(type: type, namespace: item.namespace ?? "", name: item.document.name) else {
            return ResourceState(status: "Failed", ready: false, failed: true, reason: "Deleted")
        }
        let object = stored.json()
        var pods: [JSON] = []
        if ResourceStatus.replicatedKinds.contains(type.kind), let podsType, let namespace = item.namespace {
            pods = Self.selectedPods(api: api, podsType: podsType, namespace: namespace, workload: object)
        }
        return ResourceStatus.evaluate(object, kind: type.kind, group: type.group, pods: pods)
    }

    /// The pods a workload's selector matches in its namespace.
    static func selectedPods(api: KubeAPIServer, podsType: ResourceType, namespace: String, workload: JSON) -> [JSON] {
        guard let selector = try? LabelSelector(json: workload[path: "spec", "selector"]), !selector.matchesNothing,
              let snapshot = try? api.list(type: podsType, namespace: namespace, labelSelector: selector.description)
        else { return [] }
        return snapshot.items.map { $0.json() }
    }

    // MARK: - Recording

    /// Stores the report as ConfigMap `ecp-ai-system/<deployment id>`, so the deployment survives restarts and
    /// `kubectl get configmaps -n ecp-ai-system -l ecp-ai.io/deployment=true` lists it. Returns a failure message.
    func record(_ report: DeployReport) async -> String? {
        if case .failed(let message) = await ensureNamespace(ECPLabels.recordNamespace, tenant: nil, dryRun: false) { return message }
        guard let type = api.registry.lookup(group: "", version: "v1", resource: "configmaps") else { return "no configmaps resource" }
        let object: JSON = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": [
                "name": .string(report.deploymentID), "namespace": .string(ECPLabels.recordNamespace),
                "labels": [
                    ECPLabels.deployment: "true",
                    ECPLabels.tenant: .string(report.tenantID),
                    "ecp-ai.io/status": .string(report.status),
                    "ecp-ai.io/mode": .string(report.mode.rawValue),
                ],
            ],
            "data": [
                "report": .string(report.json.jsonString),
                "tenant_id": .string(report.tenantID),
                "status": .string(report.status),
                "started_at": .string(report.startedAt),
            ],
        ]
        var options = WriteOptions()
        options.fieldManager = ECPLabels.fieldManager
        do {
            _ = try await api.create(type: type, namespace: ECPLabels.recordNamespace, object: object, options: options)
            return nil
        } catch {
            return error.message
        }
    }
}

/// Wakes the deploy wait: one value whenever a watched resource changes, and a tick every quarter second so
/// the deadlines are checked even in a quiet cluster. Watches go through the API like any other client's.
final class ChangeSignal: Sendable {
    let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let subscriptions: [WatchSubscription]
    private let tasks: [Task<Void, Never>]

    init(api: KubeAPIServer, targets: [(ResourceType, String?)]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.stream = stream
        self.continuation = continuation
        var seen: Set<String> = []
        var subscriptions: [WatchSubscription] = []
        for (type, namespace) in targets where seen.insert(type.storageResource + "|" + (namespace ?? "")).inserted {
            if let subscription = try? api.watch(type: type, namespace: namespace, fromRevision: nil, bufferLimit: 100_000) {
                subscriptions.append(subscription)
            }
        }
        self.subscriptions = subscriptions
        var tasks = subscriptions.map { subscription in
            Task { for await _ in subscription.events { continuation.yield(()) } }
        }
        tasks.append(Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 250_000_000)
                continuation.yield(())
            }
        })
        self.tasks = tasks
    }

    func stop() {
        for subscription in subscriptions { subscription.cancel() }
        for task in tasks { task.cancel() }
        continuation.finish()
    }
}
