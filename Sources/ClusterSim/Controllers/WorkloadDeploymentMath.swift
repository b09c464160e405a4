import Foundation
import KubeAPI
import KubeJSON

/// The arithmetic and bookkeeping of the deployment controller (pkg/controller/deployment/util), free of I/O.
enum WorkloadDeploymentMath {
    static let revisionAnnotation = "deployment.kubernetes.io/revision"
    static let revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
    static let desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
    static let maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"
    static let hashLabel = "pod-template-hash"
    /// kube-controller-manager's default for the length of revision-history.
    static let revisionHistoryLimitInChars = 2000
    static let annotationsNotCopied: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration", revisionAnnotation, revisionHistoryAnnotation,
        desiredReplicasAnnotation, maxReplicasAnnotation, "deprecated.deployment.rollback.to",
    ]

    // MARK: - Replicas, surge and unavailability

    /// GetScaledValueFromIntOrPercent: an int as is, "n%" of `total` rounded up or down.
    static func scaledValue(_ value: JSON?, total: Int, roundUp: Bool) -> Int {
        switch value {
        case .int(let n)?: return Int(n)
        case .double(let d)?: return Int(d)
        case .string(let s)? where s.hasSuffix("%"):
            guard let percent = Int(s.dropLast()) else { return 0 }
            let exact = Double(percent) * Double(total) / 100
            return Int(roundUp ? exact.rounded(.up) : exact.rounded(.down))
        default: return 0
        }
    }

    /// ResolveFenceposts: surge rounds up, unavailability down, and both zero means one may be unavailable.
    static func fenceposts(maxSurge: JSON?, maxUnavailable: JSON?, desired: Int) -> (surge: Int, unavailable: Int) {
        let surge = scaledValue(maxSurge ?? .int(0), total: desired, roundUp: true)
        var unavailable = scaledValue(maxUnavailable ?? .int(0), total: desired, roundUp: false)
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (surge, unavailable)
    }

    static func replicas(_ d: JSON) -> Int { d.wlOptionalInt("spec", "replicas") ?? 1 }
    static func isRollingUpdate(_ d: JSON) -> Bool { d.wlString("spec", "strategy", "type") != "Recreate" }

    static func maxSurge(_ d: JSON) -> Int {
        guard isRollingUpdate(d) else { return 0 }
        return fenceposts(maxSurge: d[path: "spec", "strategy", "rollingUpdate", "maxSurge"],
                          maxUnavailable: d[path: "spec", "strategy", "rollingUpdate", "maxUnavailable"],
                          desired: replicas(d)).surge
    }

    static func maxUnavailable(_ d: JSON) -> Int {
        guard isRollingUpdate(d), replicas(d) > 0 else { return 0 }
        let unavailable = fenceposts(maxSurge: d[path: "spec", "strategy", "rollingUpdate", "maxSurge"],
                                     maxUnavailable: d[path: "spec", "strategy", "rollingUpdate", "maxUnavailable"],
                                     desired: replicas(d)).unavailable
        return min(unavailable, replicas(d))
    }

    static func rsReplicas(_ rs: JSON) -> Int { rs.wlOptionalInt("spec", "replicas") ?? 1 }
    static func specTotal(_ rss: [JSON]) -> Int { rss.reduce(0) { $0 + rsReplicas($1) } }
    static func statusTotal(_ rss: [JSON], _ field: String) -> Int { rss.reduce(0) { $0 + $1.wlInt("status", field) } }

    /// NewRSNewReplicas: how far the new ReplicaSet may grow now.
    static func newRSNewReplicas(_ d: JSON, allRSs: [JSON], newRS: JSON) -> Int {
        guard isRollingUpdate(d) else { return replicas(d) }
        let current = specTotal(allRSs)
        let maxTotal = replicas(d) + maxSurge(d)
        if current >= maxTotal { return rsReplicas(newRS) }
        let scaleUp = min(maxTotal - current, replicas(d) - rsReplicas(newRS))
        return rsReplicas(newRS) + scaleUp
    }

    // MARK: - Pod template hash and equality

    /// ComputeHash: FNV-32a over the template (with the collision count appended), written with kube's safe
    /// alphabet. Upstream hashes Go's dump of the struct; here the template's canonical JSON (sorted keys, empty
    /// members dropped) plays that part, which keeps it deterministic and independent of field order.
    static func podTemplateHash(_ template: JSON, collisionCount: Int?) -> String {
        var bytes = (canonical(template) ?? .object(JSONObject())).serialized()
        if let collisionCount {
            let value = UInt32(truncatingIfNeeded: collisionCount)
            bytes += [UInt8(value & 0xff), UInt8((value >> 8) & 0xff), UInt8((value >> 16) & 0xff), UInt8(value >> 24)]
        }
        return safeEncode(String(fnv32a(bytes)))
    }

    static func fnv32a(_ bytes: [UInt8]) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return hash
    }

    /// rand.SafeEncodeString: each character mapped into an alphabet without vowels or look-alikes.
    static func safeEncode(_ s: String) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(s.unicodeScalars.map { alphabet[Int($0.value) % alphabet.count] })
    }

    /// Sorted keys, with nulls and empty objects or arrays dropped (what omitempty makes of them in Go).
    static func canonical(_ json: JSON) -> JSON? {
        switch json {
        case .null: return nil
        case .object(let object):
            let entries = object.entries.compactMap { entry in canonical(entry.value).map { (key: entry.key, value: $0) } }
                .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            return entries.isEmpty ? nil : .object(JSONObject(entries))
        case .array(let array):
            return array.isEmpty ? nil : .array(array.map { canonical($0) ?? .null })
        default: return json
        }
    }

    /// EqualIgnoreHash: templates equal apart from the pod-template-hash label.
    static func equalIgnoringHash(_ a: JSON?, _ b: JSON?) -> Bool {
        func strip(_ t: JSON?) -> JSON? {
            guard var t else { return nil }
            t[path: "metadata", "labels", hashLabel] = nil
            return canonical(t)
        }
        return strip(a) == strip(b)
    }

    // MARK: - ReplicaSet ordering and revisions

    static func revision(_ rs: JSON) -> Int { Int(rs.wlAnnotations[revisionAnnotation] ?? "") ?? 0 }

    /// ReplicaSetsByCreationTimestamp: oldest first, then by name.
    static func byCreation(_ a: JSON, _ b: JSON) -> Bool {
        let ca = a.wlCreated, cb = b.wlCreated
        return ca == cb ? a.wlName < b.wlName : ca < cb
    }

    /// ReplicaSetsByRevision: lowest revision first, then by creation.
    static func byRevision(_ a: JSON, _ b: JSON) -> Bool {
        let ra = revision(a), rb = revision(b)
        return ra == rb ? byCreation(a, b) : ra < rb
    }

    /// FindNewReplicaSet: the oldest ReplicaSet whose template is the deployment's.
    static func findNewReplicaSet(_ d: JSON, _ rss: [JSON]) -> JSON? {
        rss.sorted(by: byCreation).first { equalIgnoringHash($0[path: "spec", "template"], d[path: "spec", "template"]) }
    }

    /// FindActiveOrLatest: the only ReplicaSet with replicas, or the newest when none has any.
    static func findActiveOrLatest(newRS: JSON?, oldRSs: [JSON]) -> JSON? {
        if newRS == nil && oldRSs.isEmpty { return nil }
        let newestFirst = oldRSs.sorted { byCreation($1, $0) }
        let active = (newestFirst + (newRS.map { [$0] } ?? [])).filter { rsReplicas($0) > 0 }
        switch active.count {
        case 0: return newRS ?? newestFirst.first
        case 1: return active[0]
        default: return nil
        }
    }

    /// IsSaturated: the new ReplicaSet runs all the deployment's replicas, all available.
    static func isSaturated(_ d: JSON, _ rs: JSON?) -> Bool {
        guard let rs, let desired = Int(rs.wlAnnotations[desiredReplicasAnnotation] ?? "") else { return false }
        return rsReplicas(rs) == replicas(d) && desired == replicas(d) && rs.wlInt("status", "availableReplicas") == replicas(d)
    }

    // MARK: - Annotations

    static func replicasAnnotationsNeedUpdate(_ rs: JSON, desired: Int, max: Int) -> Bool {
        let annotations = rs.wlAnnotations
        return annotations[desiredReplicasAnnotation] != String(desired) || annotations[maxReplicasAnnotation] != String(max)
    }

    @discardableResult
    static func setReplicasAnnotations(_ rs: inout JSON, desired: Int, max: Int) -> Bool {
        guard replicasAnnotationsNeedUpdate(rs, desired: desired, max: max) else { return false }
        rs[path: "metadata", "annotations", desiredReplicasAnnotation] = .string(String(desired))
        rs[path: "metadata", "annotations", maxReplicasAnnotation] = .string(String(max))
        return true
    }

    /// copyDeploymentAnnotationsToReplicaSet: the deployment's own annotations (change-cause and the like).
    static func copyAnnotations(from d: JSON, to rs: inout JSON) -> Bool {
        let existing = rs.wlAnnotations
        var changed = false
        for (key, value) in d[path: "metadata", "annotations"]?.objectValue ?? JSONObject() {
            guard !annotationsNotCopied.contains(key), let value = value.stringValue, existing[key] != value else { continue }
            rs[path: "metadata", "annotations", key] = .string(value)
            changed = true
        }
        return changed
    }

    /// SetNewReplicaSetAnnotations: copy the deployment's annotations, raise the revision (keeping the old ones in
    /// revision-history, as a rollback to this ReplicaSet does) and, for a ReplicaSet about to be created, the
    /// replicas annotations.
    static func setNewReplicaSetAnnotations(_ d: JSON, _ rs: inout JSON, newRevision: Int, exists: Bool) -> Bool {
        var changed = copyAnnotations(from: d, to: &rs)
        let oldText = rs.wlAnnotations[revisionAnnotation]
        let old: Int
        if let oldText, !oldText.isEmpty {
            guard let parsed = Int(oldText) else { return false }
            old = parsed
        } else {
            old = 0
        }
        if old < newRevision {
            rs[path: "metadata", "annotations", revisionAnnotation] = .string(String(newRevision))
            changed = true
            if let oldText {
                let history = rs.wlAnnotations[revisionHistoryAnnotation] ?? ""
                if history.isEmpty {
                    rs[path: "metadata", "annotations", revisionHistoryAnnotation] = .string(oldText)
                } else {
                    var revisions = history.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    var total = history.count + oldText.count + 1
                    var start = 0
                    while total > revisionHistoryLimitInChars && start < revisions.count {
                        total -= revisions[start].count + 1
                        start += 1
                    }
                    if total <= revisionHistoryLimitInChars {
                        revisions = Array(revisions[start...]) + [oldText]
                        rs[path: "metadata", "annotations", revisionHistoryAnnotation] = .string(revisions.joined(separator: ","))
                    }
                }
            }
        }
        if !exists, setReplicasAnnotations(&rs, desired: replicas(d), max: replicas(d) + maxSurge(d)) { changed = true }
        return changed
    }

    // MARK: - Proportional scaling

    /// The sizes `scale` gives the active ReplicaSets of a deployment scaled in mid-rollout: the difference to
    /// replicas+maxSurge spread in proportion to each ReplicaSet's share (by its max-replicas annotation), the
    /// rounding leftover to the largest. Returns (name, new size) in the order upstream scales them, and "up" or
    /// "down".
    static func proportionalSizes(_ d: JSON, active: [JSON]) -> (sizes: [(name: String, size: Int)], operation: String) {
        let allowed = replicas(d) > 0 ? replicas(d) + maxSurge(d) : 0
        let toAdd = allowed - specTotal(active)
        var sorted = active
        var operation = ""
        if toAdd > 0 {
            sorted.sort { a, b in rsReplicas(a) == rsReplicas(b) ? byCreation(b, a) : rsReplicas(a) > rsReplicas(b) }
            operation = "up"
        } else if toAdd < 0 {
            sorted.sort { a, b in rsReplicas(a) == rsReplicas(b) ? byCreation(a, b) : rsReplicas(a) > rsReplicas(b) }
            operation = "down"
        }
        var added = 0
        var sizes: [(name: String, size: Int)] = []
        for rs in sorted {
            if toAdd != 0 {
                let proportion = replicaSetProportion(rs, d, toAdd: toAdd, added: added)
                sizes.append((rs.wlName, rsReplicas(rs) + proportion))
                added += proportion
            } else {
                sizes.append((rs.wlName, rsReplicas(rs)))
            }
        }
        if toAdd != 0, !sizes.isEmpty {
            sizes[0].size = max(0, sizes[0].size + toAdd - added)
        }
        return (sizes, operation)
    }

    /// GetReplicaSetProportion.
    static func replicaSetProportion(_ rs: JSON, _ d: JSON, toAdd: Int, added: Int) -> Int {
        if rsReplicas(rs) == 0 || toAdd == 0 || toAdd == added { return 0 }
        let fraction = replicaSetFraction(rs, d)
        let allowed = toAdd - added
        return toAdd > 0 ? min(fraction, allowed) : max(fraction, allowed)
    }

    /// getReplicaSetFraction.
    static func replicaSetFraction(_ rs: JSON, _ d: JSON) -> Int {
        if replicas(d) == 0 { return -rsReplicas(rs) }
        let deploymentReplicas = replicas(d) + maxSurge(d)
        let annotated = Int(rs.wlAnnotations[maxReplicasAnnotation] ?? "") ?? d.wlInt("status", "replicas")
        guard annotated > 0 else { return 0 }
        let size = Double(rsReplicas(rs) * deploymentReplicas) / Double(annotated)
        return Int(size.rounded()) - rsReplicas(rs)
    }
}
