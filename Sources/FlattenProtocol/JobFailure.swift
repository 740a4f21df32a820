/// An agent reporting that a job's attempt failed (`POST /v1/jobs/{id}/fail`).
///
/// A retryable failure with attempts left requeues the job (after a backoff); otherwise the job
/// becomes `failed` with a ``JobError`` carrying `message`.
public struct JobFailure: Sendable, Hashable, Codable {
    /// The token from the ``ClaimResponse``.
    public var leaseToken: String
    /// What went wrong, for a person.
    public var message: String
    /// Whether another attempt could succeed.
    public var retryable: Bool

    public init(leaseToken: String, message: String, retryable: Bool) {
        self.leaseToken = leaseToken
        self.message = message
        self.retryable = retryable
    }
}
