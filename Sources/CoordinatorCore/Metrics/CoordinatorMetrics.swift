import FlattenProtocol
import Foundation
import NIOConcurrencyHelpers
import Prometheus

/// The coordinator's Prometheus metrics, in a registry of its own (so several coordinators in
/// one test process do not share counters).
///
/// - `flatten_jobs{state}`: jobs per state, queried from the database at each scrape.
/// - `flatten_claims_total{result="claimed"|"empty"}`: claim requests by outcome.
/// - `flatten_claim_wait_seconds`: how long a claim request was held before it was answered.
/// - `flatten_claims_held`: the claim long polls parked on this coordinator now.
/// - `flatten_lease_expiries_total{outcome}`: leases the reaper ended, by the job's new state.
/// - `flatten_http_request_duration_seconds{route,method,status}`: request latency.
public final class CoordinatorMetrics: Sendable {
    /// The registry; ``render(jobCounts:claimsHeld:)`` writes it in the text exposition format.
    public let registry: PrometheusCollectorRegistry

    private let claimed: Counter
    private let emptyClaims: Counter
    private let claimWait: DurationHistogram
    private let claimsHeld: Gauge
    /// Routes are templates and statuses few, so this stays small.
    private let requestHistograms = NIOLockedValueBox<[RequestKey: DurationHistogram]>([:])

    private static let claimWaitBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
        .seconds(5), .seconds(10), .seconds(25), .seconds(30),
    ]
    private static let requestBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let claims = MetricNameDescriptor(
            namespace: "flatten", metricName: "claims", unitName: "total",
            helpText: "Claim requests answered, by whether they handed out a job")
        claimed = registry.makeCounter(descriptor: claims, labels: [("result", "claimed")])
        emptyClaims = registry.makeCounter(descriptor: claims, labels: [("result", "empty")])
        claimWait = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "flatten", metricName: "claim_wait", unitName: "seconds",
                helpText: "How long claim requests were held before they were answered"),
            labels: [], buckets: Self.claimWaitBuckets)
        claimsHeld = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "flatten", metricName: "claims_held", unitName: "",
                helpText: "Claim long polls parked on this coordinator now"),
            labels: [])
        for state in JobState.allCases {
            _ = jobsGauge(state)
        }
        for outcome in [JobState.queued, .failed, .canceled] {
            _ = leaseExpiries(outcome)
        }
    }

    /// Records a claim request that ended after `wait`.
    public func recordClaim(handedOutJob: Bool, wait: Duration) {
        (handedOutJob ? claimed : emptyClaims).increment()
        claimWait.record(wait)
    }

    /// Records a lease the reaper ended, by the job's new state.
    public func recordLeaseExpiry(newState: JobState) {
        leaseExpiries(newState).increment()
    }

    /// Records one HTTP request.
    public func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let key = RequestKey(route: route, method: method, status: status)
        // The registry's lookup builds and validates the label set each time; on the hot path
        // a histogram per (route, method, status) is looked up here instead.
        let histogram = requestHistograms.withLockedValue { cache in
            if let histogram = cache[key] { return histogram }
            let histogram = registry.makeDurationHistogram(
                descriptor: Self.requestDuration,
                labels: [("route", route), ("method", method), ("status", String(status))],
                buckets: Self.requestBuckets)
            cache[key] = histogram
            return histogram
        }
        histogram.record(duration)
    }

    private struct RequestKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    /// The exposition text, after setting the job gauges to `jobCounts` (when known) and the
    /// held claims to `claimsHeld`.
    public func render(jobCounts: [JobState: Int]?, claimsHeld held: Int) -> [UInt8] {
        claimsHeld.set(Double(held))
        if let jobCounts {
            for state in JobState.allCases {
                jobsGauge(state).set(Double(jobCounts[state] ?? 0))
            }
        }
        return registry.emitToBuffer()
    }

    private static var requestDuration: MetricNameDescriptor {
        MetricNameDescriptor(
        namespace: "flatten", subsystem: "http", metricName: "request_duration", unitName: "seconds",
            helpText: "HTTP request latency by route template, method and status")
    }

    private func jobsGauge(_ state: JobState) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "flatten", metricName: "jobs", unitName: "",
                helpText: "Jobs per state, as counted in the database at scrape time"),
            labels: [("state", state.rawValue)])
    }

    private func leaseExpiries(_ outcome: JobState) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "flatten", metricName: "lease_expiries", unitName: "total",
                helpText: "Leases that expired and were ended by the reaper, by the job's new state"),
            labels: [("outcome", outcome.rawValue)])
    }
}
