import FlattenProtocol
import Foundation

/// What ``JobStore/submit(_:onlineWithin:instance:)`` did.
public struct SubmissionOutcome: Sendable {
    /// The ``SubmissionResponse`` (the batch and its jobs) as the API's JSON.
    public var json: String
    /// False when an earlier submission with the same idempotency key was returned.
    public var created: Bool
    /// The batch: new, or the earlier one of a repeated idempotency key.
    public var batchID: UUID
    /// The agents the batch's jobs are bound to (to wake their long polls).
    public var agentIDs: [UUID]

    /// The ``SubmissionResponse`` JSON of a new batch whose jobs PostgreSQL rendered.
    static func responseJSON(batch: BatchSummary, jobs: [RenderedJob]) throws -> String {
        let summary = String(decoding: try JSONEncoder.flattenProtocol.encode(batch), as: UTF8.self)
        return #"{"batch":"# + summary + #","jobs":["# + jobs.map(\.json).joined(separator: ",") + "]}"
    }
}

/// Why a submission queued nothing.
public enum SubmissionRefusal: Error, Sendable, CustomStringConvertible {
    /// No agent matches the target (for a fleet target: no live one).
    case noMatchingAgents(JobTarget)
    /// The idempotency key belongs to a different submission.
    case idempotencyKeyReused(String)

    public var description: String {
        switch self {
        case .noMatchingAgents(.host(let name)):
            "no agent is registered under the name \(String(reflecting: name)) (target.host)"
        case .noMatchingAgents(.selector(let labels)):
            "no online agent matches the selector \(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")) (target.selector)"
        case .noMatchingAgents(.all):
            "no agent is online (target.all)"
        case .idempotencyKeyReused(let key):
            "idempotency key \(String(reflecting: key)) was already used for a different submission (idempotencyKey)"
        }
    }
}

/// Which jobs ``JobStore/jobs(matching:after:limit:)`` lists; nil fields do not filter.
public struct JobFilter: Sendable, Hashable {
    public var state: JobState?
    public var agentName: String?
    public var batchID: UUID?
    public var image: ImageReference?

    public init(state: JobState? = nil, agentName: String? = nil, batchID: UUID? = nil, image: ImageReference? = nil) {
        self.state = state
        self.agentName = agentName
        self.batchID = batchID
        self.image = image
    }
}

/// What a cancel did.
public enum CancelOutcome: Sendable {
    /// The job was canceled (queued) or flagged (running); the job as it is now.
    case changed(Job)
    /// The job had already finished in this state.
    case refused(JobState)
    /// No such job.
    case notFound
}

/// What an agent's leased report (heartbeat, completion, failure) did.
public enum LeasedOutcome<Value: Sendable>: Sendable {
    /// Stored.
    case applied(Value)
    /// The same report under the same lease was stored before; the job as it is.
    case repeated(Job)
    /// No such job.
    case noSuchJob
    /// The job is bound to another agent.
    case notYourJob
    /// The lease token is not the job's live lease (wrong, expired or superseded); the job as
    /// it is.
    case staleLease(Job)
}

/// A lease the reaper ended.
public struct ReapedLease: Sendable, Hashable {
    public var jobID: UUID
    public var agentID: UUID
    /// `queued` (retry after backoff), `failed` (no attempts left) or `canceled`.
    public var newState: JobState
    public var attempt: Int
}

extension BatchSummary {
    /// The summary of a batch from its jobs: counts per state and bytes saved by the
    /// succeeded ones.
    init(jobs: [Job], id: UUID, image: ImageReference, createdAt: Date) {
        var counts: [JobState: Int] = [:]
        var saved: Int64 = 0
        for job in jobs {
            counts[job.state, default: 0] += 1
            if job.state == .succeeded, let result = job.result {
                saved += result.bytesSaved
            }
        }
        self.init(id: id, image: image, createdAt: createdAt, jobCount: jobs.count, counts: counts, bytesSaved: saved)
    }
}
