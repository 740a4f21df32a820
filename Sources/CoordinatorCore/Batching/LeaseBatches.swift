import FlattenProtocol
import Foundation

/// The agents' hot path, batched: claims from many agents share one statement, and so do
/// completions (see ``StatementBatcher``). Heartbeats and failures are rare next to them and
/// keep a statement each.
struct LeaseBatches: Sendable {
    private let claims: StatementBatcher<ClaimRequest, ClaimedJob?>
    private let completions: StatementBatcher<CompletionRequest, LeasedOutcome<RenderedJob>>

    init(jobs: JobStore, configuration: CoordinatorConfiguration) {
        let leaseDuration = configuration.leaseDuration
        self.claims = StatementBatcher(
            maxBatch: configuration.leaseBatchSize, maxInFlight: configuration.leaseStatementsInFlight
        ) { requests in
            try await jobs.claim(requests, leaseDuration: leaseDuration)
        }
        self.completions = StatementBatcher(
            maxBatch: configuration.leaseBatchSize, maxInFlight: configuration.leaseStatementsInFlight
        ) { requests in
            try await jobs.complete(requests)
        }
    }

    /// The agent's best claimable job under a new lease (see ``JobStore/claim(_:leaseDuration:)``), or nil.
    func claim(agent: UUID, leaseTokenHash: String) async throws -> ClaimedJob? {
        try await claims.submit(ClaimRequest(agent: agent, leaseTokenHash: leaseTokenHash))
    }

    /// Stores a running job's outcome (see ``JobStore/complete(_:)``).
    func complete(
        job: UUID, agent: UUID, leaseTokenHash: String, outcome: JobCompletion.Outcome
    ) async throws -> LeasedOutcome<RenderedJob> {
        try await completions.submit(
            CompletionRequest(job: job, agent: agent, leaseTokenHash: leaseTokenHash, outcome: outcome))
    }
}
