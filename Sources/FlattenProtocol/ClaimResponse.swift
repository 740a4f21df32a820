import Foundation

/// A job handed to an agent under a lease (`POST /v1/agents/claim`).
///
/// When no job arrives while the long poll is held, the coordinator answers
/// `204 No Content` instead. Every later call about the job (heartbeat, complete, fail) must
/// present `leaseToken`; a stale token is refused with ``APIErrorCode/staleLease`` (409) and the
/// agent abandons the work.
public struct ClaimResponse: Sendable, Hashable, Codable {
    /// The job, now `running`.
    public var job: Job
    /// The secret that proves this agent holds this attempt's lease.
    public var leaseToken: String
    /// When the lease runs out unless renewed by a heartbeat.
    public var leaseExpiresAt: Date

    public init(job: Job, leaseToken: String, leaseExpiresAt: Date) {
        self.job = job
        self.leaseToken = leaseToken
        self.leaseExpiresAt = leaseExpiresAt
    }
}
