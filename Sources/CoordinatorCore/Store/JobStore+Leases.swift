import FlattenProtocol
import Foundation
import Logging
import PostgresClient

// The agents' side: the claim SQL, heartbeats, completions and failures, each guarded on the lease.
extension JobStore {
    // MARK: Agents' leases

    /// Claims, for each request, the best claimable job of its agent (highest priority, then
    /// oldest; backoff respected) under the request's new lease, and marks the agents seen. One
    /// statement for the whole batch, so concurrent claimers never get the same job
    /// (`FOR UPDATE SKIP LOCKED`); several requests of one agent get that agent's best jobs in
    /// request order.
    ///
    /// Only agents that may claim (``AgentRules/mayClaim(_:)``: `control` is `active`) get jobs.
    /// A claim also clears an agent's report of an unavailable engine: it claims only when its
    /// engine answers.
    ///
    /// - Returns: per request, in order, the job (now `running`, attempt counted) and the
    ///   lease's expiry, or nil when the agent had nothing (more) to claim.
    func claim(_ requests: [ClaimRequest], leaseDuration: Duration) async throws -> [ClaimedJob?] {
        guard !requests.isEmpty else { return [] }
        let agents = requests.map(\.agent.lowercased)
        let hashes = requests.map(\.leaseTokenHash)
        let rows = try await client.query("""
            WITH req AS (
                SELECT r.agent_id::uuid AS agent_id, r.lease_hash, r.n,
                       row_number() OVER (PARTITION BY r.agent_id ORDER BY r.n) AS slot
                FROM unnest(\(agents)::text[], \(hashes)::text[]) WITH ORDINALITY AS r(agent_id, lease_hash, n)
            ), wanted AS (
                SELECT agent_id, count(*) AS k FROM req GROUP BY agent_id
            ), allowed AS (
                SELECT w.agent_id, w.k FROM wanted w JOIN agents ag ON ag.id = w.agent_id
                WHERE ag.control = 'active' AND ag.removed_at IS NULL
            ), picked AS (
                SELECT p.id, w.agent_id,
                       row_number() OVER (PARTITION BY w.agent_id ORDER BY p.priority DESC, p.created_at, p.id) AS slot
                FROM allowed w CROSS JOIN LATERAL (
                    SELECT id, priority, created_at FROM jobs
                    WHERE agent_id = w.agent_id AND state = 'queued' AND not_before <= now()
                    ORDER BY priority DESC, created_at, id
                    LIMIT w.k
                    FOR UPDATE SKIP LOCKED
                ) p
            ), claimed AS (
                UPDATE jobs j
                SET state = 'running', attempt = j.attempt + 1, lease_token_hash = r.lease_hash,
                    lease_expires_at = now() + \(leaseDuration.seconds) * interval '1 second',
                    started_at = now(), updated_at = now(), progress = NULL
                FROM picked p JOIN req r ON r.agent_id = p.agent_id AND r.slot = p.slot
                WHERE j.id = p.id
                RETURNING j.*, r.n
            ), seen AS (
                \(unescaped: Self.markSeenSQL(agentsRelation: "SELECT agent_id FROM wanted", clearingEngineReport: true))
            ), events AS (
                INSERT INTO job_events (job_id, kind, attempt) SELECT id, 'claimed', attempt FROM claimed
            )
            SELECT j.n, j.id, \(unescaped: RenderedJob.sqlExpression) AS job_json,
                   \(unescaped: RenderedJob.timestampSQL("j.lease_expires_at")) AS lease_expires_at
            FROM claimed j JOIN agents a ON a.id = j.agent_id
            """)
        return try Self.perRequest(rows, count: requests.count, statement: "claim") { row in
            ClaimedJob(job: try RenderedJob(row: row), leaseExpiresAt: try row.decode(String.self, column: "lease_expires_at"))
        }
    }

    /// A batched statement's answer, one value per request: each row names its request by
    /// the 1-based ordinal `n` of the input arrays; requests without a row get nil.
    private static func perRequest<Value>(
        _ rows: PostgresRows, count: Int, statement: String, _ value: (PostgresRow) throws -> Value
    ) throws -> [Value?] {
        var values = [Value?](repeating: nil, count: count)
        for row in rows {
            let index = try row.decode(Int.self, column: "n") - 1
            guard values.indices.contains(index) else {
                throw StoreError(description: "a batched \(statement) answered for request \(index + 1) of \(count)")
            }
            values[index] = try value(row)
        }
        return values
    }

    /// The statement (for a CTE) that marks agents seen, those of `agentsRelation` (a query
    /// selecting agent IDs) not marked within the last second.
    ///
    /// Batches mark many agents at once; taking their rows in ID order and skipping rows another
    /// transaction holds means two batches never wait on each other (or deadlock) over who
    /// records a sighting that the other is recording anyway.
    ///
    /// With `clearingEngineReport` (claims), it also clears a report of an unavailable engine,
    /// in the same update: two updates of one row in one statement would keep only one.
    static func markSeenSQL(agentsRelation: String, clearingEngineReport: Bool = false) -> String {
        guard clearingEngineReport else {
            return """
                UPDATE agents SET last_seen_at = now()
                WHERE id IN (
                    SELECT id FROM agents
                    WHERE id IN (\(agentsRelation)) AND last_seen_at < now() - interval '1 second'
                    ORDER BY id
                    FOR UPDATE SKIP LOCKED
                )
                """
        }
        return """
            UPDATE agents SET last_seen_at = now(), engine_unavailable_since = NULL, engine_error = NULL
            WHERE id IN (
                SELECT id FROM agents
                WHERE id IN (\(agentsRelation))
                  AND (last_seen_at < now() - interval '1 second' OR engine_unavailable_since IS NOT NULL)
                ORDER BY id
                FOR UPDATE SKIP LOCKED
            )
            """
    }

    /// Renews the lease of a running job and stores its progress.
    public func heartbeat(
        job id: UUID, agent: UUID, leaseTokenHash: String, progress: JobProgress, leaseDuration: Duration
    ) async throws -> LeasedOutcome<HeartbeatResponse> {
        let progressJSON = try JSONColumn.encode(progress)
        let rows = try await client.query("""
            WITH beat AS (
                UPDATE jobs
                SET lease_expires_at = now() + \(leaseDuration.seconds) * interval '1 second',
                    progress = \(progressJSON)::jsonb, updated_at = now()
                WHERE id = \(id) AND agent_id = \(agent) AND state = 'running'
                  AND lease_token_hash = \(leaseTokenHash) AND lease_expires_at > now()
                RETURNING cancel_requested, lease_expires_at
            ), seen AS (
                UPDATE agents SET last_seen_at = now()
                WHERE id = \(agent) AND last_seen_at < now() - interval '1 second'
            )
            SELECT * FROM beat
            """)
        if let row = rows.first {
            return .applied(HeartbeatResponse(
                cancelRequested: try row.decode(Bool.self, column: "cancel_requested"),
                leaseExpiresAt: try row.decode(Date.self, column: "lease_expires_at")))
        }
        return try await diagnose(job: id, agent: agent, leaseTokenHash: leaseTokenHash, repeatableStates: [])
    }

    /// Stores running jobs' outcomes, following ``JobRules/stateAfterCompletion(_:)``: one
    /// statement for the whole batch, each row guarded on its own lease.
    ///
    /// A request that changed nothing is told why by ``diagnose(job:agent:leaseTokenHash:repeatableStates:)``:
    /// a repeat of a delivery that was already stored (same lease, job already succeeded or
    /// skipped) returns the stored job as ``LeasedOutcome/repeated(_:)``.
    ///
    /// - Returns: per request, in order, its outcome.
    func complete(_ requests: [CompletionRequest]) async throws -> [LeasedOutcome<RenderedJob>] {
        guard !requests.isEmpty else { return [] }
        var ids: [String] = [], agents: [String] = [], hashes: [String] = [], states: [String] = []
        var results: [String?] = [], skipReasons: [String?] = [], bytesSaved: [String?] = []
        for request in requests {
            ids.append(request.job.lowercased)
            agents.append(request.agent.lowercased)
            hashes.append(request.leaseTokenHash)
            states.append(JobRules.stateAfterCompletion(request.outcome).rawValue)
            switch request.outcome {
            case .succeeded(let result):
                results.append(try JSONColumn.encode(result))
                skipReasons.append(nil)
                bytesSaved.append(String(result.bytesSaved))
            case .skipped(let reason):
                results.append(nil)
                skipReasons.append(reason)
                bytesSaved.append(nil)
            }
        }
        let rows = try await client.query("""
            WITH req AS (
                SELECT r.id::uuid AS id, r.agent_id::uuid AS agent_id, r.lease_hash, r.state,
                       r.result::jsonb AS result, r.skip_reason, r.bytes_saved::bigint AS bytes_saved, r.n
                FROM unnest(\(ids)::text[], \(agents)::text[], \(hashes)::text[], \(states)::text[],
                            \(results)::text[], \(skipReasons)::text[], \(bytesSaved)::text[])
                     WITH ORDINALITY AS r(id, agent_id, lease_hash, state, result, skip_reason, bytes_saved, n)
            ), target AS (
                -- Found by ID alone, so the plan is a primary-key lookup per request whatever the
                -- statistics say (a guard in this WHERE lets the planner pick the leases index,
                -- whose dead entries a busy queue piles up). Locked in ID order, so two batches
                -- sharing jobs (a repeated delivery) queue behind each other instead of
                -- deadlocking; FOR UPDATE reads the latest version, which the guards then check.
                SELECT j.id, j.agent_id AS job_agent_id, j.state AS job_state, j.lease_token_hash,
                       j.lease_expires_at, r.agent_id, r.lease_hash, r.state, r.result, r.skip_reason,
                       r.bytes_saved, r.n
                FROM req r JOIN jobs j ON j.id = r.id
                ORDER BY j.id
                FOR UPDATE OF j
            ), valid AS (
                SELECT * FROM target
                WHERE job_agent_id = agent_id AND job_state = 'running' AND lease_token_hash = lease_hash
                  AND lease_expires_at > now()
            ), done AS (
                UPDATE jobs j
                SET state = v.state, result = v.result, skip_reason = v.skip_reason,
                    bytes_saved = v.bytes_saved, error = NULL, lease_expires_at = NULL,
                    finished_at = now(), updated_at = now()
                FROM valid v
                WHERE j.id = v.id
                RETURNING j.*, v.n
            ), events AS (
                INSERT INTO job_events (job_id, kind, attempt, detail) SELECT id, state, attempt, skip_reason FROM done
            ), seen AS (
                \(unescaped: Self.markSeenSQL(agentsRelation: "SELECT agent_id FROM done"))
            )
            SELECT j.n, j.id, \(unescaped: RenderedJob.sqlExpression) AS job_json
            FROM done j JOIN agents a ON a.id = j.agent_id
            """)
        let applied = try Self.perRequest(rows, count: requests.count, statement: "completion", RenderedJob.init(row:))
        var outcomes: [LeasedOutcome<RenderedJob>] = []
        outcomes.reserveCapacity(requests.count)
        for (request, job) in zip(requests, applied) {
            if let job {
                outcomes.append(.applied(job))
            } else {
                outcomes.append(try await diagnose(
                    job: request.job, agent: request.agent, leaseTokenHash: request.leaseTokenHash,
                    repeatableStates: [.succeeded, .skipped]))
            }
        }
        return outcomes
    }

    /// Records a failed attempt, following ``JobRules/outcomeAfterFailure(retryable:engineUnavailable:cancelRequested:attempt:maxAttempts:)``:
    /// canceled when a cancel was requested; requeued with the attempt refunded when the
    /// agent's engine became unavailable; requeued after `backoff` when retryable with attempts
    /// left; else failed.
    ///
    /// A repeat of a failure that was already stored (same lease; job requeued, failed or
    /// canceled since) returns the job as ``LeasedOutcome/repeated(_:)``.
    public func fail(
        job id: UUID, agent: UUID, leaseTokenHash: String, message: String, retryable: Bool,
        engineUnavailable: Bool = false, backoff: RetryBackoff
    ) async throws -> LeasedOutcome<Job> {
        let errorJSON = try JSONColumn.encode(JobError(message: message, retryable: retryable || engineUnavailable))
        let rows = try await client.query("""
            WITH target AS (
                SELECT id,
                       CASE WHEN cancel_requested THEN 'canceled'
                            WHEN \(engineUnavailable) THEN 'queued'
                            WHEN \(retryable) AND attempt < max_attempts THEN 'queued'
                            ELSE 'failed' END AS next_state,
                       (NOT cancel_requested AND \(engineUnavailable)) AS refund
                FROM jobs
                WHERE id = \(id) AND agent_id = \(agent) AND state = 'running'
                  AND lease_token_hash = \(leaseTokenHash) AND lease_expires_at > now()
                FOR UPDATE
            ), failed AS (
                UPDATE jobs j
                SET state = t.next_state,
                    attempt = CASE WHEN t.refund THEN j.attempt - 1 ELSE j.attempt END,
                    not_before = CASE WHEN t.next_state = 'queued'
                        THEN now() + least(\(backoff.base.seconds) * power(2, CASE WHEN t.refund THEN j.attempt - 1 ELSE j.attempt END),
                                           \(backoff.cap.seconds)) * interval '1 second'
                        ELSE j.not_before END,
                    finished_at = CASE WHEN t.next_state = 'queued' THEN NULL ELSE now() END,
                    error = \(errorJSON)::jsonb, lease_expires_at = NULL, updated_at = now()
                FROM target t, agents a
                WHERE j.id = t.id AND a.id = j.agent_id
                RETURNING \(unescaped: Job.columns), a.name AS agent_name
            ), events AS (
                INSERT INTO job_events (job_id, kind, attempt, detail)
                SELECT id, CASE WHEN state = 'queued' THEN 'requeued' ELSE state END, attempt, \(message) FROM failed
            )
            SELECT * FROM failed
            """)
        if let row = rows.first {
            return .applied(try Job(row: row))
        }
        return try await diagnose(job: id, agent: agent, leaseTokenHash: leaseTokenHash, repeatableStates: [.queued, .failed, .canceled])
    }

    /// Why a leased statement matched no row: no such job, another agent's job, a repeat of a
    /// stored report (the lease token still recorded and the job in a state that report
    /// leads to), or a stale lease.
    private func diagnose<Value: Sendable>(
        job id: UUID, agent: UUID, leaseTokenHash: String, repeatableStates: Set<JobState>
    ) async throws -> LeasedOutcome<Value> {
        let rows = try await client.query("""
            SELECT \(unescaped: Job.columns), a.name AS agent_name, j.lease_token_hash
            FROM jobs j JOIN agents a ON a.id = j.agent_id
            WHERE j.id = \(id)
            """)
        guard let row = rows.first else { return .noSuchJob }
        let job = try Job(row: row)
        guard job.agentId == agent else { return .notYourJob }
        let storedHash = try row.decode(String?.self, column: "lease_token_hash")
        if let storedHash, ConstantTime.equals(storedHash, leaseTokenHash), repeatableStates.contains(job.state) {
            return .repeated(job)
        }
        return .staleLease(job)
    }
}
