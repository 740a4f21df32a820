import Logging
import ServiceLifecycle

/// Returns expired leases to the queue (or fails them after their last attempt), every
/// ``CoordinatorConfiguration/reaperInterval``.
///
/// Safe with any number of coordinators running: each statement is guarded on state and
/// expiry and skips rows another transaction holds (see ``JobStore/reapExpiredLeases(backoff:limit:)``).
public struct LeaseReaper: Service {
    static let batchSize = 500

    let jobs: JobStore
    let backoff: RetryBackoff
    let interval: Duration
    let metrics: CoordinatorMetrics
    let logger: Logger

    public init(jobs: JobStore, backoff: RetryBackoff, interval: Duration, metrics: CoordinatorMetrics, logger: Logger) {
        self.jobs = jobs
        self.backoff = backoff
        self.interval = interval
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        await runPeriodically(every: interval, onError: { [logger] error in
            logger.warning("lease reaper failed; retrying at the next interval", metadata: ["error": "\(error)"])
        }) {
            try await reapOnce()
        }
    }

    /// Ends every lease expired now; returns how many.
    @discardableResult
    public func reapOnce() async throws -> Int {
        var total = 0
        while true {
            let reaped = try await jobs.reapExpiredLeases(backoff: backoff, limit: Self.batchSize)
            for lease in reaped {
                metrics.recordLeaseExpiry(newState: lease.newState)
                logger.info("lease expired", metadata: [
                    "job": "\(lease.jobID)", "agent": "\(lease.agentID)",
                    "attempt": "\(lease.attempt)", "state": "\(lease.newState.rawValue)",
                ])
            }
            total += reaped.count
            if reaped.count < Self.batchSize { return total }
        }
    }
}
