import KubeJSON

/// Printers of networking, policy, RBAC, storage, scheduling, coordination and discovery kinds, after
/// pkg/printers/internalversion/printers.go. Roles and ClusterRoles have no printer upstream either: they get
/// the default Name / Created At table.
enum OtherPrinters {
    static let all: [String: TablePrinter] = [
        "networking.k8s.io/Ingress": ingress,
        "networking.k8s.io/IngressClass": ingressClass,
        "networking.k8s.io/NetworkPolicy": networkPolicy,
        "policy/PodDisruptionBudget": podDisruptionBudget,
        "coordination.k8s.io/Lease": lease,
        "storage.k8s.io/StorageClass": storageClass,
        "scheduling.k8s.io/PriorityClass": priorityClass,
        "rbac.authorization.k8s.io/RoleBinding": roleBinding(of: "roleBinding"),
        "rbac.authorization.k8s.io/ClusterRoleBinding": roleBinding(of: "clusterRoleBinding"),
        "discovery.k8s.io/EndpointSlice": endpointSlice,
    ]

    static let ingress = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Class", "string", "The name of the IngressClass resource that should be used for additional configuration"),
            tableColumn("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
            tableColumn("Address", "string", "Address is a list containing ingress points for the load-balancer"),
            tableColumn("Ports", "string", "Ports of TLS configurations that open"),
            ColumnDoc.ageColumn,
        ],
        cells: { ing, now in
            let rules = ing.tpArray("spec", "rules")
            var hosts: [String] = []
            var more = false
            for rule in rules {
                if hosts.count == 3 { more = true }
                if !more && !rule.tpString("host").isEmpty { hosts.append(rule.tpString("host")) }
            }
            var hostText = hosts.isEmpty ? "*" : hosts.joined(separator: ",")
            if !hosts.isEmpty && more { hostText += " + \(rules.count - 3) more..." }
            return [
                ing.tpName, .string(ing.tpOptionalString("spec", "ingressClassName") ?? "<none>"), .string(hostText),
                .string(PrintFormat.loadBalancerIngress(ing.tpArray("status", "loadBalancer", "ingress"))),
                .string(ing.tpArray("spec", "tls").isEmpty ? "80" : "80, 443"), ing.tpAge(now),
            ]
        })

    static let ingressClass = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Controller", "string", "Controller that is responsible for handling this class"),
            tableColumn("Parameters", "string", "A reference to a resource with additional parameters"),
            ColumnDoc.ageColumn,
        ],
        cells: { ic, now in
            var parameters = "<none>"
            if ic.tpHas("spec", "parameters") {
                parameters = ic.tpString("spec", "parameters", "kind")
                if let group = ic.tpOptionalString("spec", "parameters", "apiGroup") { parameters += "." + group }
                parameters += "/" + ic.tpString("spec", "parameters", "name")
            }
            return [ic.tpName, .string(ic.tpString("spec", "controller")), .string(parameters), ic.tpAge(now)]
        })

    static let networkPolicy = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Pod-Selector", "string", "Selects the pods to which this NetworkPolicy object applies."),
            ColumnDoc.ageColumn,
        ],
        cells: { np, now in
            // podSelector is a struct, not a pointer: absent means the empty selector (all pods).
            let selector = np[path: "spec", "podSelector"] ?? .object(JSONObject())
            return [np.tpName, .string(PrintFormat.labelSelector(selector.isNull ? .object(JSONObject()) : selector)), np.tpAge(now)]
        })

    static let podDisruptionBudget = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Min Available", "string", "The minimum number of pods that must be available."),
            tableColumn("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
            tableColumn("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
            ColumnDoc.ageColumn,
        ],
        cells: { pdb, now in
            let minAvailable = pdb.tpHas("spec", "minAvailable") ? PrintFormat.intOrString(pdb[path: "spec", "minAvailable"]!) : "N/A"
            let maxUnavailable = pdb.tpHas("spec", "maxUnavailable") ? PrintFormat.intOrString(pdb[path: "spec", "maxUnavailable"]!) : "N/A"
            return [pdb.tpName, .string(minAvailable), .string(maxUnavailable), .int(pdb.tpInt("status", "disruptionsAllowed")),
                    pdb.tpAge(now)]
        })

    static let lease = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Holder", "string", "holderIdentity contains the identity of the holder of a current lease."),
            ColumnDoc.ageColumn,
        ],
        cells: { l, now in [l.tpName, .string(l.tpString("spec", "holderIdentity")), l.tpAge(now)] })

    static let storageClass = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Provisioner", "string", "provisioner indicates the type of the provisioner."),
            tableColumn("ReclaimPolicy", "string", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
            tableColumn("VolumeBindingMode", "string", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature."),
            tableColumn("AllowVolumeExpansion", "string", "allowVolumeExpansion shows whether the storage class allow volume expand."),
            ColumnDoc.ageColumn,
        ],
        cells: { sc, now in
            var name = sc.tpString("metadata", "name")
            let annotations = sc.tpObject("metadata", "annotations")
            if annotations["storageclass.kubernetes.io/is-default-class"]?.stringValue == "true"
                || annotations["storageclass.beta.kubernetes.io/is-default-class"]?.stringValue == "true"
            {
                name += " (default)"
            }
            return [
                .string(name), .string(sc.tpString("provisioner")), .string(sc.tpOptionalString("reclaimPolicy") ?? "Delete"),
                .string(sc.tpOptionalString("volumeBindingMode") ?? "Immediate"), .bool(sc.tpBool("allowVolumeExpansion")),
                sc.tpAge(now),
            ]
        })

    static let priorityClass = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("Value", "integer", "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec."),
            tableColumn("Global-Default", "boolean", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority."),
            ColumnDoc.ageColumn,
            tableColumn("PreemptionPolicy", "string", priority: 1, "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset."),
        ],
        cells: { pc, now in
            [pc.tpName, .int(pc.tpInt("value")), .bool(pc.tpBool("globalDefault")), pc.tpAge(now),
             .string(pc.tpString("preemptionPolicy"))]
        })

    static func roleBinding(of noun: String) -> TablePrinter {
        TablePrinter(
            columns: [
                ColumnDoc.nameColumn,
                tableColumn("Role", "string", "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable."),
                ColumnDoc.ageColumn,
                tableColumn("Users", "string", priority: 1, "Users in the \(noun)"),
                tableColumn("Groups", "string", priority: 1, "Groups in the \(noun)"),
                tableColumn("ServiceAccounts", "string", priority: 1, "ServiceAccounts in the \(noun)"),
            ],
            cells: { rb, now in
                var users: [String] = [], groups: [String] = [], serviceAccounts: [String] = []
                for subject in rb.tpArray("subjects") {
                    switch subject.tpString("kind") {
                    case "ServiceAccount": serviceAccounts.append(subject.tpString("namespace") + "/" + subject.tpString("name"))
                    case "User": users.append(subject.tpString("name"))
                    case "Group": groups.append(subject.tpString("name"))
                    default: break
                    }
                }
                return [
                    rb.tpName, .string(rb.tpString("roleRef", "kind") + "/" + rb.tpString("roleRef", "name")), rb.tpAge(now),
                    .string(users.joined(separator: ", ")), .string(groups.joined(separator: ", ")),
                    .string(serviceAccounts.joined(separator: ", ")),
                ]
            })
    }

    static let endpointSlice = TablePrinter(
        columns: [
            ColumnDoc.nameColumn,
            tableColumn("AddressType", "string", "addressType specifies the type of address carried by this EndpointSlice."),
            tableColumn("Ports", "string", "ports specifies the list of network ports exposed by each endpoint in this slice."),
            tableColumn("Endpoints", "string", "endpoints is a list of unique endpoints in this slice."),
            ColumnDoc.ageColumn,
        ],
        cells: { slice, now in
            let ports = slice.tpArray("ports")
            let portList = ports.prefix(3).map { port -> String in
                if let number = port.tpOptionalInt("port") { return String(number) }
                return port.tpOptionalString("name") ?? "*"
            }
            var addresses: [String] = []
            var count = 0
            for endpoint in slice.tpArray("endpoints") {
                for address in endpoint.tpArray("addresses") {
                    if addresses.count < 3 { addresses.append(address.stringValue ?? "") }
                    count += 1
                }
            }
            return [
                slice.tpName, .string(slice.tpString("addressType")),
                .string(PrintFormat.listWithMore(Array(portList), count: ports.count)),
                .string(PrintFormat.listWithMore(addresses, count: count)), slice.tpAge(now),
            ]
        })
}
