import CoordinatorHTTPClient
import FlattenProtocol

/// What to do after each attempt to deliver a report, as a pure decision.
///
/// A report is delivered until the coordinator acknowledges it, however long that takes:
/// a network blink, a coordinator restart or an expired token only delay it. It is dropped only
/// when the coordinator says it can never take it: the job is no longer this agent's (409
/// stale lease, 404, 403) or the report itself is refused as invalid (400, 413, 422), which
/// retrying cannot change.
public struct DeliveryRule: Sendable, Hashable {
    /// What the agent does next.
    public enum Action: Sendable, Hashable {
        /// The coordinator stored the report (or had stored it before): forget it.
        case acknowledged
        /// The coordinator will never take this report: forget it, logging why.
        case dropped(reason: String)
        /// Try again after this long.
        case retry(after: Duration)
    }

    /// The backoff between attempts.
    public var backoff: FullJitterBackoff
    /// Failed attempts so far.
    public private(set) var failedAttempts = 0

    public init(backoff: FullJitterBackoff = .coordinatorDefault) {
        self.backoff = backoff
    }

    /// Decides on a delivery's answer; `unit` is a uniform random number in `0...1`.
    public mutating func decide(_ answer: Result<Job, CoordinatorError>, unit: Double) -> Action {
        switch answer {
        case .success:
            return .acknowledged
        case .failure(let error) where error.isLeaseLost:
            return .dropped(reason: "the coordinator no longer takes reports for this job: \(error)")
        case .failure(let error) where [400, 413, 422].contains(error.httpStatus ?? 0):
            return .dropped(reason: "the coordinator refuses this report as invalid: \(error)")
        case .failure:
            let delay = backoff.delay(forAttempt: failedAttempts, unit: unit)
            failedAttempts += 1
            return .retry(after: delay)
        }
    }
}
