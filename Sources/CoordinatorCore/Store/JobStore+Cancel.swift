import FlattenProtocol
import Foundation
import Logging
import PostgresClient

// An operator's cancel of one job.
extension JobStore {
    // MARK: Operators

    /// Cancels a job, following ``JobRules/cancelDecision(for:)``: a queued job is canceled at
    /// once, a running one is flagged for its agent; a finished one is left alone.
    public func cancel(_ id: UUID) async throws -> CancelOutcome {
        let rows = try await client.query("""
            WITH target AS (
                SELECT id, state AS old_state FROM jobs
                WHERE id = \(id) AND state IN ('queued', 'running')
                FOR UPDATE
            ), changed AS (
                UPDATE jobs j
                SET state = CASE WHEN t.old_state = 'queued' THEN 'canceled' ELSE j.state END,
                    finished_at = CASE WHEN t.old_state = 'queued' THEN now() ELSE j.finished_at END,
                    cancel_requested = true,
                    updated_at = now()
                FROM target t, agents a
                WHERE j.id = t.id AND a.id = j.agent_id
                RETURNING \(unescaped: Job.columns), a.name AS agent_name
            ), events AS (
                INSERT INTO job_events (job_id, kind, attempt)
                SELECT id, CASE WHEN state = 'canceled' THEN 'canceled' ELSE 'cancel_requested' END, attempt FROM changed
            )
            SELECT * FROM changed
            """)
        if let row = rows.first {
            return .changed(try Job(row: row))
        }
        guard let job = try await job(id) else { return .notFound }
        return .refused(job.state)
    }
}
