import KubeJSON

/// Where `metrics.k8s.io` numbers come from: the monitoring engine's model of the simulated cluster.
public protocol MetricsSource: Sendable {
    func podMetrics(namespace: String?, labelSelector: String?) -> JSON
    func podMetrics(namespace: String, name: String) -> JSON?
    func nodeMetrics() -> JSON
    func nodeMetrics(name: String) -> JSON?
}

/// `metrics.k8s.io/v1beta1` PodMetrics and NodeMetrics, read-only, as metrics-server serves them to `kubectl top`
/// and autoscalers.
extension KubeAPIServer {
    public func setMetricsSource(_ source: any MetricsSource) {
        metricsSource.withLock { $0 = source }
    }

    func metricsResponse(info: RequestInfo, type: ResourceType, request: APIRequest) throws(APIError) -> APIResponse {
        guard info.verb == "get" || info.verb == "list" else { throw .methodNotSupported(type.groupResource, info.verb) }
        guard let source = metricsSource.withLock({ $0 }) else {
            throw APIError(code: 503, reason: "ServiceUnavailable", message: "the metrics source is not running")
        }
        let document: JSON?
        switch (type.plural, info.name) {
        case ("pods", let name?): document = source.podMetrics(namespace: info.namespace ?? "", name: name)
        case ("pods", nil): document = source.podMetrics(namespace: info.namespace, labelSelector: request.queryValue("labelSelector"))
        case ("nodes", let name?): document = source.nodeMetrics(name: name)
        default: document = source.nodeMetrics()
        }
        guard let document else { throw .notFound(type.groupResource, info.name ?? "") }
        return .json(200, document.serialized())
    }
}
