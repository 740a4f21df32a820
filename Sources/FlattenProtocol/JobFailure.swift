/// An agent reporting that a job's attempt failed (`POST /v1/jobs/{id}/fail`).
///
/// A retryable failure with attempts left requeues the job (after a backoff); otherwise the job
/// becomes `failed` with a ``JobError`` carrying `message`.
///
/// A failure with `engineUnavailable` (the agent's engine stopped answering during the attempt,
/// and still does not) is requeued without using an attempt, even the last one: the job never
/// had a chance to run. Coordinators before protocol version 2 ignore the field.
public struct JobFailure: Sendable, Hashable, Codable {
    /// The token from the ``ClaimResponse``.
    public var leaseToken: String
    /// What went wrong, for a person.
    public var message: String
    /// Whether another attempt could succeed.
    public var retryable: Bool
    /// The attempt failed only because the agent's container engine became unreachable; nil
    /// (left out of the JSON) otherwise.
    public var engineUnavailable: Bool?

    public init(leaseToken: String, message: String, retryable: Bool, engineUnavailable: Bool? = nil) {
        self.leaseToken = leaseToken
        self.message = message
        self.retryable = retryable
        self.engineUnavailable = engineUnavailable
    }
}
