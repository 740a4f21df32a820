/// A page of jobs (`GET /v1/jobs`).
public struct JobList: Sendable, Hashable, Codable {
    /// The jobs of this page.
    public var jobs: [Job]
    /// Pass as the `cursor` query parameter to get the next page; nil on the last page.
    public var nextCursor: String?

    public init(jobs: [Job], nextCursor: String? = nil) {
        self.jobs = jobs
        self.nextCursor = nextCursor
    }
}
