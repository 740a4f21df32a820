/// The answer to a ``JobSubmission``: the new (or, for a repeated idempotency key, the
/// earlier) batch and its jobs.
public struct SubmissionResponse: Sendable, Hashable, Codable {
    /// The batch the submission created.
    public var batch: BatchSummary
    /// One job per targeted agent.
    public var jobs: [Job]

    public init(batch: BatchSummary, jobs: [Job]) {
        self.batch = batch
        self.jobs = jobs
    }
}
