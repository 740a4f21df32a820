import FlattenProtocol
import Foundation

/// One agent's claim, as a row of a batched claim statement.
struct ClaimRequest: Sendable {
    /// The claiming agent.
    var agent: UUID
    /// SHA-256 of the lease token the agent will hold if it gets a job.
    var leaseTokenHash: String
}

/// One agent's report of a finished job, as a row of a batched completion statement.
struct CompletionRequest: Sendable {
    var job: UUID
    /// The reporting agent.
    var agent: UUID
    /// SHA-256 of the lease token the agent presented.
    var leaseTokenHash: String
    var outcome: JobCompletion.Outcome
}
