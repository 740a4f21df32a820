/// An agent renewing its lease and reporting progress (`POST /v1/jobs/{id}/heartbeat`).
public struct Heartbeat: Sendable, Hashable, Codable {
    /// The token from the ``ClaimResponse``.
    public var leaseToken: String
    /// Where the flatten is.
    public var progress: JobProgress

    public init(leaseToken: String, progress: JobProgress) {
        self.leaseToken = leaseToken
        self.progress = progress
    }
}
