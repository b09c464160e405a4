import KubeAPI
import KubeJSON

/// ControllerRevisions of StatefulSets and DaemonSets, as pkg/controller/history keeps them: one per distinct
/// pod template, named `<owner>-<hash>`, numbered in the order templates were last used, so
/// `kubectl rollout history` and `rollout undo` work.
enum BatchAndServiceRevisions {
    static let hashLabel = "controller.kubernetes.io/hash"
    private typealias Kit = BatchAndServiceKit

    /// The revision data both controllers store: the template as a replacing strategic-merge patch.
    static func data(template: JSON) -> JSON {
        var template = template
        template["$patch"] = "replace"
        return ["spec": ["template": template]]
    }

    static func template(of revision: JSON) -> JSON? {
        guard var template = revision[path: "data", "spec", "template"] else { return nil }
        template["$patch"] = nil
        return template
    }

    static func number(_ revision: JSON) -> Int64 { revision["revision"]?.intValue ?? 0 }

    static func sorted(_ revisions: [JSON]) -> [JSON] {
        revisions.sorted { a, b in
            number(a) != number(b) ? number(a) < number(b) : Kit.name(a) < Kit.name(b)
        }
    }

    /// The revision name for a template (the owner name is cut so the whole stays a valid name).
    static func name(owner: String, data: JSON, collisionCount: Int64) -> String {
        "\(owner.prefix(223))-\(Kit.revisionHash(data, collisionCount: collisionCount))"
    }

    struct Outcome {
        /// The revision of the owner's current template.
        var update: JSON
        var revisions: [JSON]
        var collisionCount: Int64
    }

    /// Finds the revision of the owner's template, renumbering it when an older one is reused (a rollback)
    /// or creating it, stepping the collision count when a different revision already holds the name.
    static func sync(_ client: ClusterClient, owner: JSON, kind: String, revisions existing: [JSON]) async throws(APIError) -> Outcome {
        var revisions = sorted(existing)
        var collisionCount = owner[path: "status", "collisionCount"]?.intValue ?? 0
        let template = owner[path: "spec", "template"] ?? [:]
        let wanted = data(template: template)
        let next = (revisions.last.map(number) ?? 0) + 1
        if let index = revisions.lastIndex(where: { $0["data"] == wanted }) {
            if index == revisions.count - 1 {
                return Outcome(update: revisions[index], revisions: revisions, collisionCount: collisionCount)
            }
            var bumped = revisions[index]
            bumped["revision"] = .int(next)
            let updated = try await client.update(.controllerRevisions, bumped)
            revisions[index] = updated
            return Outcome(update: updated, revisions: sorted(revisions), collisionCount: collisionCount)
        }
        let namespace = Kit.namespace(owner)
        for _ in 0..<16 {
            let hash = Kit.revisionHash(wanted, collisionCount: collisionCount)
            let revisionName = "\(Kit.name(owner).prefix(223))-\(hash)"
            var labels = template[path: "metadata", "labels"]?.objectValue ?? JSONObject()
            labels[hashLabel] = .string(hash)
            let revision: JSON = [
                "apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": [
                    "name": .string(revisionName), "namespace": .string(namespace), "labels": .object(labels),
                    "ownerReferences": [Kit.ownerReference(to: owner, apiVersion: "apps/v1", kind: kind)],
                ],
                "data": wanted, "revision": .int(next),
            ]
            do throws(APIError) {
                let created = try await client.create(.controllerRevisions, namespace: namespace, revision)
                revisions.append(created)
                return Outcome(update: created, revisions: sorted(revisions), collisionCount: collisionCount)
            } catch {
                guard Kit.isAlreadyExists(error) else { throw error }
                if let found = client.get(.controllerRevisions, namespace: namespace, name: revisionName),
                   found["data"] == wanted, Kit.isControlled(found, by: owner)
                {
                    revisions.append(found)
                    return Outcome(update: found, revisions: sorted(revisions), collisionCount: collisionCount)
                }
                collisionCount += 1
            }
        }
        throw APIError.internalError("could not find a free ControllerRevision name for \(Kit.name(owner))")
    }

    /// The owner's revisions: those matching its selector that it controls.
    static func owned(_ client: ClusterClient, owner: JSON) -> [JSON] {
        let selector = Kit.selector(owner[path: "spec", "selector"])
        return Kit.list(client, .controllerRevisions, namespace: Kit.namespace(owner), selector: selector)
            .filter { Kit.isControlled($0, by: owner) }
    }

    /// Deletes the oldest revisions beyond `limit` that no pod and no status field still names.
    static func truncate(_ client: ClusterClient, revisions: [JSON], live: Set<String>, limit: Int) async {
        let history = sorted(revisions).filter { !live.contains(Kit.name($0)) }
        guard history.count > limit else { return }
        for revision in history.prefix(history.count - max(0, limit)) {
            try? await client.delete(.controllerRevisions, namespace: Kit.namespace(revision), name: Kit.name(revision))
        }
    }
}
