import FlattenProtocol
import Foundation
import Logging
import PostgresClient

// The safety re-check that wakes long polls a lost notification left waiting.
extension JobStore {
    // MARK: Waking

    /// Of `agents`, those with a job they could claim now (the safety re-check's statement).
    ///
    /// Their long polls are held open on this coordinator, so they are alive: the statement
    /// also marks seen those not marked within `touchAfter`, which keeps a quietly waiting
    /// agent online without rewriting every agent row at every re-check.
    public func agentsWithClaimableJobs(among agents: [UUID], touchAfter: Duration) async throws -> [UUID] {
        guard !agents.isEmpty else { return [] }
        let ids = agents.map(\.lowercased)
        let rows = try await client.query("""
            WITH seen AS (
                UPDATE agents SET last_seen_at = now()
                WHERE id = ANY(\(ids)::uuid[]) AND last_seen_at < now() - \(touchAfter.seconds) * interval '1 second'
            )
            SELECT DISTINCT j.agent_id FROM jobs j JOIN agents a ON a.id = j.agent_id
            WHERE j.state = 'queued' AND j.not_before <= now() AND j.agent_id = ANY(\(ids)::uuid[])
              AND a.control = 'active' AND a.removed_at IS NULL
            """)
        return try rows.map { try $0.decode(UUID.self, column: "agent_id") }
    }
}
