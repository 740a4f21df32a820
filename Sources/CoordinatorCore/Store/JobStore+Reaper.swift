import FlattenProtocol
import Foundation
import Logging
import PostgresClient

// Expired leases and the retention of finished jobs and empty batches.
extension JobStore {
    // MARK: Reaper and retention

    /// Ends up to `limit` expired leases in one statement, following
    /// ``JobRules/stateAfterLeaseExpiry(cancelRequested:attempt:maxAttempts:)``: requeued with
    /// backoff while attempts remain, else failed (canceled when a cancel was requested).
    ///
    /// Guarded on `running` and on the expiry in the same statement, and skipping rows another
    /// transaction holds, so a completion that lands at the same moment is never overwritten
    /// and several coordinators can reap at once.
    public func reapExpiredLeases(backoff: RetryBackoff, limit: Int = 500) async throws -> [ReapedLease] {
        let rows = try await client.query("""
            WITH expired AS (
                SELECT id,
                       CASE WHEN cancel_requested THEN 'canceled'
                            WHEN attempt < max_attempts THEN 'queued'
                            ELSE 'failed' END AS next_state
                FROM jobs
                WHERE state = 'running' AND lease_expires_at <= now()
                ORDER BY lease_expires_at
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            ), reaped AS (
                UPDATE jobs j
                SET state = e.next_state,
                    not_before = CASE WHEN e.next_state = 'queued'
                        THEN now() + least(\(backoff.base.seconds) * power(2, j.attempt), \(backoff.cap.seconds)) * interval '1 second'
                        ELSE j.not_before END,
                    finished_at = CASE WHEN e.next_state = 'queued' THEN NULL ELSE now() END,
                    error = CASE WHEN e.next_state = 'canceled' THEN j.error
                        ELSE jsonb_build_object(
                            'message', 'the lease of attempt ' || j.attempt || ' expired: the agent stopped reporting',
                            'retryable', true) END,
                    lease_token_hash = NULL, lease_expires_at = NULL, updated_at = now()
                FROM expired e
                WHERE j.id = e.id AND j.state = 'running' AND j.lease_expires_at <= now()
                RETURNING j.id, j.agent_id, j.state, j.attempt
            ), events AS (
                INSERT INTO job_events (job_id, kind, attempt, detail)
                SELECT id, 'lease_expired', attempt, state FROM reaped
            )
            SELECT * FROM reaped
            """)
        return try rows.map { row in
            let stateText = try row.decode(String.self, column: "state")
            guard let state = JobState(rawValue: stateText) else {
                throw StoreError.corruptColumn("state", "holds unknown state \(String(reflecting: stateText))")
            }
            return ReapedLease(
                jobID: try row.decode(UUID.self, column: "id"),
                agentID: try row.decode(UUID.self, column: "agent_id"),
                newState: state,
                attempt: try row.decode(Int.self, column: "attempt"))
        }
    }

    /// Deletes up to `limit` jobs (with their events) that finished before `retention` ago;
    /// returns how many. Call until it returns less than `limit`.
    public func pruneFinishedJobs(olderThan retention: Duration, limit: Int) async throws -> Int {
        let rows = try await client.query("""
            WITH gone AS (
                DELETE FROM jobs WHERE id IN (
                    SELECT id FROM jobs
                    WHERE finished_at < now() - \(retention.seconds) * interval '1 second'
                    ORDER BY finished_at
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING id
            ), events AS (
                DELETE FROM job_events WHERE job_id IN (SELECT id FROM gone)
            )
            SELECT count(*) AS deleted FROM gone
            """)
        return try rows.first?.decode(Int.self, column: "deleted") ?? 0
    }

    /// Deletes up to `limit` batches older than `retention` that have no jobs left.
    public func pruneEmptyBatches(olderThan retention: Duration, limit: Int) async throws -> Int {
        try await client.execute("""
            DELETE FROM batches WHERE id IN (
                SELECT b.id FROM batches b
                WHERE b.created_at < now() - \(retention.seconds) * interval '1 second'
                  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.batch_id = b.id)
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            """)
    }
}
