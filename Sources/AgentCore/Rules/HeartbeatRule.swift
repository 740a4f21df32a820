import CoordinatorHTTPClient
import FlattenProtocol

/// What to do after each heartbeat of a running job, as a pure decision on the answer.
///
/// - Accepted, no cancel: beat again after the schedule's delay.
/// - Accepted with `cancelRequested`: stop the flatten (it cleans up), keep beating while the
///   outcome is reported.
/// - Lease lost (409 stale lease, 404, 403): stop the flatten and abandon the job; nothing is
///   reported, because the coordinator has already given the job to another attempt or closed it.
/// - Any other failure (network, coordinator restarting, 5xx, 401 while tokens are rotated):
///   retry soon with full-jitter backoff, never later than the normal schedule. The coordinator,
///   not this agent's clock, decides when a lease has run out: a late heartbeat gets 409.
public struct HeartbeatRule: Sendable, Hashable {
    /// What the agent does next.
    public enum Action: Sendable, Hashable {
        /// Beat again after this long.
        case beatAgain(after: Duration)
        /// An operator asked to cancel: stop the flatten, then beat again after this long.
        case cancelRequested(beatAgainAfter: Duration)
        /// The lease is gone: stop the flatten and report nothing. The message says why.
        case abandon(reason: String)
    }

    /// The normal heartbeat schedule.
    public var schedule: HeartbeatSchedule
    /// The retry backoff after a failed heartbeat.
    public var backoff: FullJitterBackoff
    /// Failed heartbeats in a row.
    public private(set) var consecutiveFailures = 0

    public init(schedule: HeartbeatSchedule, backoff: FullJitterBackoff? = nil) {
        self.schedule = schedule
        // Retries should land inside one interval, so the backoff caps at the interval.
        self.backoff = backoff ?? FullJitterBackoff(
            base: min(.milliseconds(250), schedule.interval), cap: schedule.interval)
    }

    /// Decides on a heartbeat's answer. `unit` is a uniform random number in `0...1` for the
    /// jitter (passed in so the rule stays deterministic under test).
    public mutating func decide(_ answer: Result<HeartbeatResponse, CoordinatorError>, unit: Double) -> Action {
        switch answer {
        case .success(let response):
            consecutiveFailures = 0
            let next = schedule.delay(unit: unit)
            return response.cancelRequested ? .cancelRequested(beatAgainAfter: next) : .beatAgain(after: next)
        case .failure(let error) where error.isLeaseLost:
            return .abandon(reason: "the coordinator no longer leases this job to this agent (\(error))")
        case .failure:
            let delay = backoff.delay(forAttempt: consecutiveFailures, unit: unit)
            consecutiveFailures += 1
            return .beatAgain(after: delay)
        }
    }
}
