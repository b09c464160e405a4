import KubeJSON

/// apps/v1 defaults (pkg/apis/apps/v1/defaults.go). Each workload's pod template gets the
/// PodSpec-level defaults; status starts out as Go prints an empty status struct.
enum AppsDefaults {
    static func applyDeployment(_ d: inout JSON) {
        d.kEdit("spec", create: true) { spec in
            spec.kDefault("replicas", 1)
            spec.kEdit("strategy", create: true) { strategy in
                if strategy.kStr("type").isEmpty { strategy["type"] = "RollingUpdate" }
                guard strategy.kStr("type") == "RollingUpdate" else { return }
                strategy.kEdit("rollingUpdate", create: true) { ru in
                    ru.kDefault("maxUnavailable", "25%")
                    ru.kDefault("maxSurge", "25%")
                }
            }
            spec.kDefault("revisionHistoryLimit", 10)
            spec.kDefault("progressDeadlineSeconds", 600)
            spec.kEdit("template", create: true) { PodDefaults.applyTemplate(&$0) }
        }
        d.kDefault("status", .object(JSONObject()))
    }

    static func applyReplicaSet(_ rs: inout JSON) {
        rs.kEdit("spec", create: true) { spec in
            spec.kDefault("replicas", 1)
            spec.kEdit("template", create: true) { PodDefaults.applyTemplate(&$0) }
        }
        rs.kEdit("status", create: true) { $0.kDefault("replicas", 0) }
    }

    static func applyStatefulSet(_ sts: inout JSON) {
        sts.kEdit("spec", create: true) { spec in
            if spec.kStr("podManagementPolicy").isEmpty { spec["podManagementPolicy"] = "OrderedReady" }
            spec.kEdit("updateStrategy", create: true) { strategy in
                if strategy.kStr("type").isEmpty {
                    strategy["type"] = "RollingUpdate"
                    strategy.kDefault("rollingUpdate", .object(JSONObject()))
                }
                if strategy.kStr("type") == "RollingUpdate" {
                    strategy.kEdit("rollingUpdate") { $0.kDefault("partition", 0) }
                }
            }
            spec.kEdit("persistentVolumeClaimRetentionPolicy", create: true) { policy in
                if policy.kStr("whenDeleted").isEmpty { policy["whenDeleted"] = "Retain" }
                if policy.kStr("whenScaled").isEmpty { policy["whenScaled"] = "Retain" }
            }
            spec.kDefault("replicas", 1)
            spec.kDefault("revisionHistoryLimit", 10)
            spec.kEdit("template", create: true) { PodDefaults.applyTemplate(&$0) }
            spec.kEachElement("volumeClaimTemplates") { claim, _ in StorageDefaults.applyClaim(&claim) }
        }
        sts.kEdit("status", create: true) { status in
            status.kDefault("replicas", 0)
            status.kDefault("availableReplicas", 0)
        }
    }

    static func applyDaemonSet(_ ds: inout JSON) {
        ds.kEdit("spec", create: true) { spec in
            spec.kEdit("updateStrategy", create: true) { strategy in
                if strategy.kStr("type").isEmpty { strategy["type"] = "RollingUpdate" }
                guard strategy.kStr("type") == "RollingUpdate" else { return }
                strategy.kEdit("rollingUpdate", create: true) { ru in
                    ru.kDefault("maxUnavailable", 1)
                    ru.kDefault("maxSurge", 0)
                }
            }
            spec.kDefault("revisionHistoryLimit", 10)
            spec.kEdit("template", create: true) { PodDefaults.applyTemplate(&$0) }
        }
        ds.kEdit("status", create: true) { status in
            for field in ["currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady"] {
                status.kDefault(field, 0)
            }
        }
    }
}
