import Foundation

/// One image flatten on one agent, as the coordinator reports it.
public struct Job: Sendable, Hashable, Codable, Identifiable {
    /// The job's ID.
    public var id: UUID
    /// The submission this job came from; a fleet submission has one job per agent.
    public var batchId: UUID
    /// The agent bound to the job when it was queued.
    public var agentId: UUID
    /// That agent's name.
    public var agentName: String
    /// The image to flatten.
    public var image: ImageReference
    /// Where the job is in its life.
    public var state: JobState
    /// The current or last attempt, starting at 1 when first claimed (0 before).
    public var attempt: Int
    /// How many attempts the job may use.
    public var maxAttempts: Int
    /// Higher runs first.
    public var priority: Int
    /// When the job was queued.
    public var createdAt: Date
    /// When the current or last attempt was claimed.
    public var startedAt: Date?
    /// When the job reached a terminal state.
    public var finishedAt: Date?
    /// When anything about the job last changed.
    public var updatedAt: Date
    /// How to flatten.
    public var options: FlattenOptions
    /// The last reported progress of the running attempt.
    public var progress: JobProgress?
    /// Whether an operator asked to cancel the running job; its agent learns it on heartbeat.
    public var cancelRequested: Bool
    /// The result, when `state` is `succeeded`.
    public var result: FlattenResult?
    /// The failure, when `state` is `failed` (or the last failed attempt of a requeued job).
    public var error: JobError?
    /// Why nothing was done, when `state` is `skipped`.
    public var skipReason: String?

    public init(
        id: UUID,
        batchId: UUID,
        agentId: UUID,
        agentName: String,
        image: ImageReference,
        state: JobState,
        attempt: Int,
        maxAttempts: Int,
        priority: Int,
        createdAt: Date,
        startedAt: Date? = nil,
        finishedAt: Date? = nil,
        updatedAt: Date,
        options: FlattenOptions,
        progress: JobProgress? = nil,
        cancelRequested: Bool = false,
        result: FlattenResult? = nil,
        error: JobError? = nil,
        skipReason: String? = nil
    ) {
        self.id = id
        self.batchId = batchId
        self.agentId = agentId
        self.agentName = agentName
        self.image = image
        self.state = state
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.priority = priority
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.updatedAt = updatedAt
        self.options = options
        self.progress = progress
        self.cancelRequested = cancelRequested
        self.result = result
        self.error = error
        self.skipReason = skipReason
    }
}
