import Prometheus

/// Metrics of refused callers and of the connection cap:
///
/// - `flatten_refusals_total{reason="auth_limit"|"poll_limit"}`: requests answered 429.
/// - `flatten_http_connections`: connections open now (kept when `--max-connections` is set).
/// - `flatten_http_connection_cap_reached_total`: times a new connection had to wait at the cap.
extension CoordinatorMetrics {
    /// Why a request was answered 429.
    public enum Refusal: String, Sendable, CaseIterable {
        /// The caller's address spent its failed-authentication (and enrollment) budget.
        case authenticationLimit = "auth_limit"
        /// The agent already held `--max-polls-per-agent` claim requests.
        case pollLimit = "poll_limit"
    }

    /// Creates the callers' metrics at zero, so they show before the first refusal.
    func registerCallerMetrics() {
        for reason in Refusal.allCases { _ = refusals(reason) }
        _ = openConnections
        _ = connectionCapReached
    }

    /// Records a request answered 429.
    public func recordRefusal(_ reason: Refusal) {
        refusals(reason).increment()
    }

    var openConnections: Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "flatten", subsystem: "http", metricName: "connections", unitName: "",
                helpText: "HTTP connections open now (tracked when a connection cap is set)"),
            labels: [])
    }

    var connectionCapReached: Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "flatten", subsystem: "http", metricName: "connection_cap_reached", unitName: "total",
                helpText: "Times the connection cap was reached, so new connections waited in the listen backlog"),
            labels: [])
    }

    private func refusals(_ reason: Refusal) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "flatten", metricName: "refusals", unitName: "total",
                helpText: "Requests answered 429 Too Many Requests, by reason"),
            labels: [("reason", reason.rawValue)])
    }
}
