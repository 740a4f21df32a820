/// Where a job is in its life: `queued → running → succeeded | failed | skipped | canceled`.
public enum JobState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting for its agent to claim it.
    case queued
    /// Claimed under a lease by its agent.
    case running
    /// Flattened; the job has a ``FlattenResult``.
    case succeeded
    /// Gave up; the job has a ``JobError``.
    case failed
    /// Nothing to do on this host (e.g. the image is absent); the job has a skip reason.
    case skipped
    /// Canceled by an operator.
    case canceled

    /// Whether the job is finished: no transition leaves a terminal state.
    public var isTerminal: Bool {
        switch self {
        case .queued, .running: false
        case .succeeded, .failed, .skipped, .canceled: true
        }
    }

    /// The states this state may move to.
    ///
    /// `running → queued` is a lease that expired with attempts left; `queued → failed` is not
    /// allowed because a job fails only while an agent holds it (the reaper moves an expired
    /// last attempt from `running`).
    public var successors: Set<JobState> {
        switch self {
        case .queued: [.running, .canceled]
        case .running: [.succeeded, .failed, .skipped, .canceled, .queued]
        case .succeeded, .failed, .skipped, .canceled: []
        }
    }

    /// Whether moving from this state to `next` is allowed.
    public func canTransition(to next: JobState) -> Bool {
        successors.contains(next)
    }

    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeProtocolEnum()
    }
}
