import ClusterSim
import KubeAPI
import KubeJSON

/// What happened to one document of a deploy.
public enum DocumentOutcome: Sendable {
    /// Applied; `item` is the resource as reported (see `ResourceStatus.item`).
    case deployed(index: Int, item: JSON, state: ResourceState)
    case failed(ManifestProblem)

    public var index: Int {
        switch self {
        case .deployed(let index, _, _): return index
        case .failed(let problem): return problem.index
        }
    }
}

/// The answer of `/k8s/manifest/deploy`, assembled from the per-document outcomes. Pure, so the counting rules
/// (deployed + failed = documents; completed/partial/failed) are tested without a cluster.
public struct DeployReport: Sendable {
    public var deploymentID: String
    public var tenantID: String
    public var mode: DeploymentMode
    public var outcomes: [DocumentOutcome]
    /// When the deploy started (RFC 3339, wall clock like every object timestamp).
    public var startedAt: String
    /// Simulated seconds the whole call took, applies and wait included.
    public var elapsedSeconds: Double
    /// True when the wait ended at `wait_seconds` with resources still not ready.
    public var timedOut: Bool
    public var warnings: [String]

    public init(deploymentID: String, tenantID: String, mode: DeploymentMode, outcomes: [DocumentOutcome], startedAt: String,
                elapsedSeconds: Double, timedOut: Bool, warnings: [String] = [])
    {
        self.deploymentID = deploymentID
        self.tenantID = tenantID
        self.mode = mode
        self.outcomes = outcomes.sorted { $0.index < $1.index }
        self.startedAt = startedAt
        self.elapsedSeconds = elapsedSeconds
        self.timedOut = timedOut
        self.warnings = warnings
    }

    public var deployedCount: Int {
        outcomes.count { if case .deployed = $0 { return true } else { return false } }
    }

    public var failedCount: Int { outcomes.count - deployedCount }

    /// `completed` when every document was deployed, `failed` when none was, else `partial`.
    public static func overallStatus(deployed: Int, failed: Int) -> String {
        if failed == 0 { return "completed" }
        if deployed == 0 { return "failed" }
        return "partial"
    }

    public var status: String { Self.overallStatus(deployed: deployedCount, failed: failedCount) }

    /// Readiness of what was deployed, in the words of `GET /k8s/resources`.
    public var readiness: String {
        ResourceStatus.aggregate(outcomes.compactMap { if case .deployed(_, _, let state) = $0 { return state } else { return nil } })
    }

    public var json: JSON {
        var resources: [JSON] = []
        var errors: [JSON] = []
        for outcome in outcomes {
            switch outcome {
            case .deployed(_, let item, _): resources.append(item)
            case .failed(let problem): errors.append(problem.json)
            }
        }
        var object: JSONObject = [
            "status": .string(status),
            "deployment_id": .string(deploymentID),
            "deployed_count": .int(Int64(deployedCount)),
            "failed_count": .int(Int64(failedCount)),
            "tenant_id": .string(tenantID),
            "deployment_mode": .string(mode.rawValue),
            "readiness": .string(readiness),
            "timed_out": .bool(timedOut),
            "started_at": .string(startedAt),
            "deployment_time": .double(ResourceStatus.roundedSeconds(elapsedSeconds)),
            "resources": .array(resources),
            "errors": .array(errors),
        ]
        if !warnings.isEmpty { object["warnings"] = .array(warnings.map(JSON.string)) }
        return .object(object)
    }

    /// The deployment id for a seeded suffix: `dep-` and ten characters of kube's name alphabet. The key names the
    /// deploy (tenant and store revision), so the same seed and the same sequence of calls replay the same ids.
    public static func deploymentID(random: SeededRandom, key: String) -> String {
        "dep-" + random.nameSuffix("ecp-ai/deployment/" + key, length: 10)
    }
}
