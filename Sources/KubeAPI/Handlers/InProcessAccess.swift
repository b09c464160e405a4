import KubeJSON
import KubeStore

/// Reads for in-process clients (the simulated cluster's controllers): the same objects and selectors as the
/// HTTP list and watch, without the HTTP framing.
extension KubeAPIServer {
    public func list(type: ResourceType, namespace: String?, labelSelector: String? = nil,
                     fieldSelector: String? = nil) throws(APIError) -> ListSnapshot
    {
        var query: [(name: String, value: String)] = []
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        let selection = try ListSelection(APIRequest(method: "GET", path: "/", query: query), type: type)
        var snapshot: ListSnapshot
        do {
            snapshot = try store.list(resource: type.storageResource, namespace: namespace, atRevision: nil)
        } catch {
            throw APIError.from(error, resource: type.groupResource)
        }
        if !selection.isEmpty { snapshot.items.removeAll { !selection.matches($0.attributes) } }
        return snapshot
    }

    /// A raw subscription to every change of a resource after `fromRevision` (or from now, with the current
    /// objects first). The subscriber filters.
    public func watch(type: ResourceType, namespace: String?, fromRevision: Int64?, bufferLimit: Int = 1_000_000) throws(APIError) -> WatchSubscription {
        do {
            return try store.watch(resource: type.storageResource, namespace: namespace, fromRevision: fromRevision,
                                   bufferLimit: bufferLimit)
        } catch {
            throw APIError.from(error, resource: type.groupResource)
        }
    }
}
