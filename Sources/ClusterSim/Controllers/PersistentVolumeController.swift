import KubeAPI
import KubeJSON

/// kube-controller-manager's persistentvolume-binder together with a hostPath provisioner: a default
/// StorageClass `standard`, claims without a class given the default one, unbound claims bound to a matching
/// available volume or to a freshly provisioned `pvc-<uid>`, and released volumes reclaimed by their policy.
/// Claim keys carry their namespace; volume keys have none.
struct PersistentVolumeController: QueuedController {
    static let name = "persistentvolume-binder"
    static let component = "persistentvolume-controller"
    private typealias Kit = BatchAndServiceKit
    private typealias Binding = PersistentVolumeBinding

    let core: QueuedControllerCore
    /// Nodes of scheduled pods using a claim that waits for its first consumer (the scheduler's volume
    /// binder would write them as the selected-node annotation).
    let consumers = BatchAndServiceMemo<String>()

    func run() async {
        await ensureDefaultClass()
        await BatchAndServiceLoop.run([
            { await BatchAndServiceLoop.watchOwn(client, .persistentVolumeClaims, into: queue) },
            { await watchVolumes() },
            { await watchPods() },
            { await watchClasses() },
            { await queue.run(workers: 2) { key in await sync(key) } },
        ])
    }

    private func ensureDefaultClass() async {
        for attempt in 0..<20 {
            if Task.isCancelled || client.get(.storageClasses, name: Binding.defaultClassName) != nil { return }
            do throws(APIError) {
                var storageClass = Binding.defaultClass()
                if Binding.defaultClass(among: client.list(.storageClasses)) != nil {
                    storageClass[path: "metadata", "annotations"] = nil
                }
                try await client.create(.storageClasses, storageClass)
                return
            } catch {
                if Kit.isAlreadyExists(error) { return }
                context.logger.debug("default StorageClass: \(error.message)")
                try? await context.clock.sleep(Double(min(attempt + 1, 5)))
            }
        }
    }

    private func watchVolumes() async {
        for await change in client.changes(.persistentVolumes) {
            queue.add(WorkKey(namespace: "", name: change.name))
        }
    }

    private func watchPods() async {
        for await change in client.changes(.pods) {
            let node = change.object.attributes.fields["spec.nodeName"] ?? ""
            guard change.type != .deleted, !node.isEmpty, change.previous?.attributes.fields["spec.nodeName"] ?? "" != node else { continue }
            for volume in change.object.json()[path: "spec", "volumes"]?.arrayValue ?? [] {
                guard let claim = volume[path: "persistentVolumeClaim", "claimName"]?.stringValue else { continue }
                let key = WorkKey(namespace: change.namespace, name: claim)
                consumers[key] = node
                queue.add(key)
            }
        }
    }

    private func watchClasses() async {
        for await change in client.changes(.storageClasses) where change.type != .deleted {
            for claim in client.list(.persistentVolumeClaims) where claim[path: "status", "phase"]?.stringValue ?? "Pending" == "Pending" {
                queue.add(Kit.workKey(claim))
            }
        }
    }

    private func sync(_ key: WorkKey) async {
        do throws(APIError) {
            if key.namespace.isEmpty { try await syncVolume(key.name) } else { try await syncClaim(key) }
        } catch {
            context.logger.debug("persistentvolume-binder \(key): \(error.message)")
            timers.requeue(key, after: Kit.isConflict(error) ? 0.5 : 5)
        }
    }

    // MARK: Claims

    private func syncClaim(_ key: WorkKey) async throws(APIError) {
        guard let claim = client.get(.persistentVolumeClaims, namespace: key.namespace, name: key.name) else {
            consumers[key] = nil
            for volume in client.list(.persistentVolumes)
            where volume[path: "spec", "claimRef", "namespace"]?.stringValue == key.namespace
                && volume[path: "spec", "claimRef", "name"]?.stringValue == key.name {
                queue.add(WorkKey(namespace: "", name: Kit.name(volume)))
            }
            return
        }
        guard !Kit.isDeleting(claim) else { return }
        if let volumeName = claim[path: "spec", "volumeName"]?.stringValue, !volumeName.isEmpty {
            try await syncBoundClaim(claim, volumeName: volumeName)
            return
        }
        guard claim[path: "spec", "storageClassName"] != nil, claim[path: "spec", "storageClassName"]?.isNull != true else {
            // A claim created without a class gets the default one (RetroactiveDefaultStorageClass).
            if let storageClass = Binding.defaultClass(among: client.list(.storageClasses)) {
                try await Kit.modify(client, .persistentVolumeClaims, namespace: key.namespace, name: key.name) { claim in
                    guard claim[path: "spec", "storageClassName"] == nil else { return false }
                    claim[path: "spec", "storageClassName"] = .string(Kit.name(storageClass))
                    return true
                }
            } else {
                try await bindStatic(claim, className: "")
            }
            return
        }
        let className = Binding.className(claim)
        if try await bindStatic(claim, className: className) { return }
        guard !className.isEmpty, claim[path: "spec", "selector"] == nil else { return }
        guard let storageClass = client.get(.storageClasses, name: className) else {
            await record(claim, "Warning", "ProvisioningFailed", "storageclass.storage.k8s.io \"\(className)\" not found")
            return
        }
        let provisioner = storageClass["provisioner"]?.stringValue ?? ""
        guard provisioner == Binding.provisioner else {
            await record(claim, "Normal", "ExternalProvisioning",
                         "Waiting for a volume to be created either by the external provisioner '\(provisioner)' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.")
            return
        }
        var node: String?
        if storageClass["volumeBindingMode"]?.stringValue == "WaitForFirstConsumer" {
            node = Kit.annotation(claim, Binding.selectedNodeAnnotation) ?? consumers[key]
            guard node != nil else {
                await record(claim, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding")
                return
            }
        }
        try await provision(claim, storageClass: storageClass, node: node)
    }

    /// Binds an unbound claim to the best matching available volume; false when none matches.
    @discardableResult
    private func bindStatic(_ claim: JSON, className: String) async throws(APIError) -> Bool {
        guard let volume = Binding.bestMatch(claim: claim, volumes: client.list(.persistentVolumes)) else {
            if className.isEmpty {
                await record(claim, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set")
            }
            return false
        }
        let bound = try await Kit.modify(client, .persistentVolumes, namespace: "", name: Kit.name(volume)) { volume in
            guard volume[path: "spec", "claimRef"] == nil else { return false }
            volume[path: "spec", "claimRef"] = Binding.claimRef(claim)
            volume[path: "metadata", "annotations", "pv.kubernetes.io/bound-by-controller"] = "yes"
            return true
        }
        guard let bound, bound[path: "spec", "claimRef", "uid"]?.stringValue == Kit.uid(claim) else { return false }
        try await Kit.writeStatus(client, .persistentVolumes, bound, Binding.volumeStatus(bound, phase: "Bound"))
        try await completeBinding(claim, volume: bound, provisioner: nil, node: nil)
        return true
    }

    private func provision(_ claim: JSON, storageClass: JSON, node: String?) async throws(APIError) {
        let namespace = Kit.namespace(claim), name = Kit.name(claim)
        var annotated = claim
        if Kit.annotation(claim, "volume.kubernetes.io/storage-provisioner") == nil {
            annotated = try await Kit.modify(client, .persistentVolumeClaims, namespace: namespace, name: name) { claim in
                claim[path: "metadata", "annotations", "volume.beta.kubernetes.io/storage-provisioner"] = .string(Binding.provisioner)
                claim[path: "metadata", "annotations", "volume.kubernetes.io/storage-provisioner"] = .string(Binding.provisioner)
                return true
            } ?? claim
            await record(annotated, "Normal", "Provisioning", "External provisioner is provisioning volume for claim \"\(namespace)/\(name)\"",
                         component: Binding.provisioner)
        }
        let wanted = Binding.provisionedVolume(claim: annotated, storageClass: storageClass, node: node)
        var volume: JSON
        do throws(APIError) {
            volume = try await client.create(.persistentVolumes, wanted)
            await record(annotated, "Normal", "ProvisioningSucceeded", "Successfully provisioned volume \(Kit.name(wanted))",
                         component: Binding.provisioner)
        } catch {
            guard Kit.isAlreadyExists(error), let existing = client.get(.persistentVolumes, name: Kit.name(wanted)) else {
                await record(annotated, "Warning", "ProvisioningFailed", "failed to provision volume with StorageClass \"\(Kit.name(storageClass))\": \(error.message)",
                             component: Binding.provisioner)
                throw error
            }
            volume = existing
        }
        volume = try await Kit.writeStatus(client, .persistentVolumes, volume, Binding.volumeStatus(volume, phase: "Bound"))
        try await completeBinding(annotated, volume: volume, provisioner: Binding.provisioner, node: node)
    }

    /// Points the claim at its volume with the binder's annotations, then marks it Bound.
    private func completeBinding(_ claim: JSON, volume: JSON, provisioner: String?, node: String?) async throws(APIError) {
        let volumeName = Kit.name(volume)
        guard let updated = try await Kit.modify(client, .persistentVolumeClaims, namespace: Kit.namespace(claim), name: Kit.name(claim), { claim in
            let current = claim[path: "spec", "volumeName"]?.stringValue ?? ""
            guard current.isEmpty || current == volumeName else { return false }
            var changed = false
            func set(_ path: [String], _ value: JSON) {
                if claim.lookup(path) != value {
                    claim.assign(path[...], value)
                    changed = true
                }
            }
            set(["spec", "volumeName"], .string(volumeName))
            set(["metadata", "annotations", "pv.kubernetes.io/bind-completed"], "yes")
            set(["metadata", "annotations", "pv.kubernetes.io/bound-by-controller"], "yes")
            if let node { set(["metadata", "annotations", Binding.selectedNodeAnnotation], .string(node)) }
            return changed
        }) else { return }
        guard updated[path: "spec", "volumeName"]?.stringValue == volumeName else { return }
        try await Kit.writeStatus(client, .persistentVolumeClaims, updated, Binding.boundClaimStatus(claim: updated, volume: volume))
    }

    /// A claim naming its volume: finish the binding from whichever side is missing.
    private func syncBoundClaim(_ claim: JSON, volumeName: String) async throws(APIError) {
        guard let volume = client.get(.persistentVolumes, name: volumeName) else {
            if Kit.annotation(claim, "pv.kubernetes.io/bind-completed") != nil, claim[path: "status", "phase"]?.stringValue != "Lost" {
                var status = claim["status"]?.objectValue ?? JSONObject()
                status["phase"] = "Lost"
                try await Kit.writeStatus(client, .persistentVolumeClaims, claim, .object(status))
                await record(claim, "Warning", "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!")
            }
            return
        }
        let refUID = volume[path: "spec", "claimRef", "uid"]?.stringValue
        if volume[path: "spec", "claimRef"] == nil || refUID == nil || refUID == "" {
            // Pre-bound by the user: claim the volume for it.
            let bound = try await Kit.modify(client, .persistentVolumes, namespace: "", name: volumeName) { volume in
                guard volume[path: "spec", "claimRef", "uid"]?.stringValue ?? "" == "" else { return false }
                volume[path: "spec", "claimRef"] = Binding.claimRef(claim)
                volume[path: "metadata", "annotations", "pv.kubernetes.io/bound-by-controller"] = "yes"
                return true
            }
            if let bound { try await Kit.writeStatus(client, .persistentVolumes, bound, Binding.volumeStatus(bound, phase: "Bound")) }
            return
        }
        guard refUID == Kit.uid(claim) else {
            await record(claim, "Warning", "FailedBinding", "volume \"\(volumeName)\" already bound to a different claim.")
            return
        }
        try await Kit.writeStatus(client, .persistentVolumes, volume, Binding.volumeStatus(volume, phase: "Bound"))
        if Kit.annotation(claim, "pv.kubernetes.io/bind-completed") == nil {
            try await Kit.modify(client, .persistentVolumeClaims, namespace: Kit.namespace(claim), name: Kit.name(claim)) { claim in
                guard Kit.annotation(claim, "pv.kubernetes.io/bind-completed") == nil else { return false }
                claim[path: "metadata", "annotations", "pv.kubernetes.io/bind-completed"] = "yes"
                return true
            }
            return
        }
        if claim[path: "status", "phase"]?.stringValue != "Bound" {
            try await Kit.writeStatus(client, .persistentVolumeClaims, claim, Binding.boundClaimStatus(claim: claim, volume: volume))
        }
    }

    // MARK: Volumes

    private func syncVolume(_ name: String) async throws(APIError) {
        guard let volume = client.get(.persistentVolumes, name: name), !Kit.isDeleting(volume) else { return }
        guard let ref = volume[path: "spec", "claimRef"], !ref.isNull else {
            try await Kit.writeStatus(client, .persistentVolumes, volume, Binding.volumeStatus(volume, phase: "Available"))
            return
        }
        let namespace = ref["namespace"]?.stringValue ?? "", claimName = ref["name"]?.stringValue ?? ""
        let refUID = ref["uid"]?.stringValue ?? ""
        if let claim = client.get(.persistentVolumeClaims, namespace: namespace, name: claimName), refUID.isEmpty || refUID == Kit.uid(claim) {
            let claimVolume = claim[path: "spec", "volumeName"]?.stringValue ?? ""
            if claimVolume == name {
                try await Kit.writeStatus(client, .persistentVolumes, volume, Binding.volumeStatus(volume, phase: "Bound"))
            }
            if claim[path: "status", "phase"]?.stringValue != "Bound" { queue.add(Kit.workKey(claim)) }
            return
        }
        if refUID.isEmpty { return }
        // The claim is gone: the volume is released and reclaimed by its policy.
        let released = try await Kit.writeStatus(client, .persistentVolumes, volume, Binding.volumeStatus(volume, phase: "Released"))
        switch volume[path: "spec", "persistentVolumeReclaimPolicy"]?.stringValue ?? "Retain" {
        case "Delete":
            do throws(APIError) {
                try await client.delete(.persistentVolumes, name: name, preconditionUID: Kit.uid(volume))
            } catch {
                if !Kit.isNotFound(error) { throw error }
            }
        case "Recycle":
            let recycled = try await Kit.modify(client, .persistentVolumes, namespace: "", name: name) { volume in
                guard volume[path: "spec", "claimRef"] != nil else { return false }
                volume[path: "spec", "claimRef"] = nil
                return true
            }
            if let recycled {
                try await Kit.writeStatus(client, .persistentVolumes, recycled, Binding.volumeStatus(recycled, phase: "Available"))
                await record(released, "Normal", "RecyclerPod", "Recycler pod: Successfully assigned to \(name)")
            }
        default:
            break
        }
    }

    private func record(_ object: JSON, _ type: String, _ reason: String, _ message: String,
                        component: String = Self.component) async
    {
        await context.events.record(object, type: type, reason: reason, message: message, component: component)
    }
}
