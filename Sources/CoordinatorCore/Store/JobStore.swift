import FlattenProtocol
import Foundation
import Logging
import PostgresClient

/// Every SQL statement about jobs and batches, one method per statement (or transaction).
///
/// State changes are single statements guarded on the job's state (and, for agents, on the
/// lease), so two coordinators, or an agent and the reaper, can race without either
/// overwriting the other: the loser's statement matches no row and is told why by a second,
/// read-only query. The transitions follow ``JobRules``; each statement says which rule it
/// mirrors.
public struct JobStore: Sendable {
    /// The `NOTIFY` channel a submission signals on; the payload is
    /// `"<agent id> <coordinator instance id>"`.
    public static let queuedChannel = "flatten_job_queued"

    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    // MARK: Submitting

    /// Queues one job per target agent under a new batch, in one transaction, and notifies
    /// (at commit) every coordinator that those agents have work.
    ///
    /// With an idempotency key already used by an identical submission, returns that batch
    /// (`created == false`) instead; the unique constraint on the key makes this safe when the
    /// same submission races itself.
    ///
    /// - Parameters:
    ///   - onlineWithin: how recently an agent must have been seen to count as live for a fleet
    ///     target (`selector` or `all`), which reaches only `online` agents
    ///     (``AgentRules/receivesFleetJobs(_:)``: active, seen, engine available); a `host`
    ///     target names its agent whatever its state, unless it was removed.
    ///   - instance: this coordinator's ID, put in the notification so it can ignore its own.
    /// - Throws: ``SubmissionRefusal`` when no agent matches or the key was used for a
    ///   different submission.
    public func submit(
        _ submission: JobSubmission, onlineWithin: Duration, instance: UUID
    ) async throws -> SubmissionOutcome {
        let submissionJSON = try JSONColumn.encode(submission)
        let optionsJSON = try JSONColumn.encode(submission.options)
        let targetJSON = try JSONColumn.encode(submission.target)
        let image = submission.image.description
        let batchID = UUID()

        var host: String?
        var selectorJSON: String?
        var fleet = false
        switch submission.target {
        case .host(let name): host = name
        case .selector(let labels): selectorJSON = try JSONColumn.encode(labels); fleet = true
        case .all: fleet = true
        }
        let onlineSeconds = onlineWithin.seconds

        return try await client.withTransaction { connection in
            let inserted = try await connection.query("""
                INSERT INTO batches (id, image, target, idempotency_key, submission)
                VALUES (\(batchID), \(image), \(targetJSON)::jsonb, \(submission.idempotencyKey), \(submissionJSON)::jsonb)
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING id
                """)
            if inserted.isEmpty, let key = submission.idempotencyKey {
                // The key's batch committed before us (ON CONFLICT waited for it if it was in
                // flight); this statement's fresh snapshot sees it.
                let existing = try await connection.query("""
                    SELECT id, submission = \(submissionJSON)::jsonb AS same
                    FROM batches WHERE idempotency_key = \(key)
                    """)
                guard let row = existing.first else {
                    throw StoreError(description: "batch for idempotency key \(key) vanished during submission")
                }
                guard try row.decode(Bool.self, column: "same") else {
                    throw SubmissionRefusal.idempotencyKeyReused(key)
                }
                let id = try row.decode(UUID.self, column: "id")
                guard let response = try await Self.batch(id, on: connection) else {
                    throw StoreError(description: "batch \(id) for idempotency key \(key) has no row")
                }
                return SubmissionOutcome(
                    json: String(decoding: try JSONEncoder.flattenProtocol.encode(response), as: UTF8.self),
                    created: false, agentIDs: response.jobs.map(\.agentId))
            }

            let rows = try await connection.query("""
                WITH inserted AS (
                    INSERT INTO jobs (id, batch_id, agent_id, image, options, state, priority, max_attempts)
                    SELECT gen_random_uuid(), \(batchID), a.id, \(image), \(optionsJSON)::jsonb, 'queued',
                           \(submission.priority), \(submission.maxAttempts)
                    FROM agents a
                    WHERE a.removed_at IS NULL
                      AND (\(host)::text IS NULL OR a.name = \(host))
                      AND (\(selectorJSON)::jsonb IS NULL OR a.labels @> \(selectorJSON)::jsonb)
                      AND (NOT \(fleet) OR (a.last_seen_at > now() - \(onlineSeconds) * interval '1 second'
                                            AND a.control = 'active' AND a.engine_unavailable_since IS NULL))
                    RETURNING *
                ), events AS (
                    INSERT INTO job_events (job_id, kind, attempt) SELECT id, 'queued', 0 FROM inserted
                )
                SELECT j.id, j.agent_id, j.created_at, \(unescaped: RenderedJob.sqlExpression) AS job_json,
                       pg_notify(\(Self.queuedChannel), j.agent_id::text || ' ' || \(instance.lowercased)) AS notified
                FROM inserted j JOIN agents a ON a.id = j.agent_id
                ORDER BY a.name
                """)
            guard let first = rows.first else {
                throw SubmissionRefusal.noMatchingAgents(submission.target)
            }
            // A fan-out answers with every job it queued: rendered by PostgreSQL, like claims.
            let batch = BatchSummary(
                id: batchID, image: submission.image, createdAt: try first.decode(Date.self, column: "created_at"),
                jobCount: rows.count, counts: [.queued: rows.count], bytesSaved: 0)
            let jobs = try rows.map(RenderedJob.init(row:))
            return SubmissionOutcome(
                json: try SubmissionOutcome.responseJSON(batch: batch, jobs: jobs),
                created: true,
                agentIDs: try rows.map { try $0.decode(UUID.self, column: "agent_id") })
        }
    }

    // MARK: Reading

    /// One job, or nil.
    public func job(_ id: UUID) async throws -> Job? {
        let rows = try await client.query("""
            SELECT \(unescaped: Job.columns), a.name AS agent_name
            FROM jobs j JOIN agents a ON a.id = j.agent_id
            WHERE j.id = \(id)
            """)
        return try rows.first.map(Job.init(row:))
    }

    /// A page of jobs matching `filter`, newest first, after `cursor`.
    public func jobs(matching filter: JobFilter, after cursor: JobCursor?, limit: Int) async throws -> JobList {
        let rows = try await client.query("""
            SELECT \(unescaped: Job.columns), a.name AS agent_name,
                   (extract(epoch FROM j.created_at) * 1000000)::bigint AS created_us
            FROM jobs j JOIN agents a ON a.id = j.agent_id
            WHERE (\(filter.state?.rawValue)::text IS NULL OR j.state = \(filter.state?.rawValue))
              AND (\(filter.agentName)::text IS NULL OR a.name = \(filter.agentName))
              AND (\(filter.batchID)::uuid IS NULL OR j.batch_id = \(filter.batchID))
              AND (\(filter.image?.description)::text IS NULL OR j.image = \(filter.image?.description))
              AND (\(cursor?.createdAtMicroseconds)::bigint IS NULL
                   OR (j.created_at, j.id) < (to_timestamp(0) + \(cursor?.createdAtMicroseconds) * interval '1 microsecond', \(cursor?.id)::uuid))
            ORDER BY j.created_at DESC, j.id DESC
            LIMIT \(limit + 1)
            """)
        let jobs = try rows.prefix(limit).map(Job.init(row:))
        var next: String?
        if rows.count > limit, let last = rows.prefix(limit).last {
            next = JobCursor(
                createdAtMicroseconds: try last.decode(Int64.self, column: "created_us"),
                id: try last.decode(UUID.self, column: "id")
            ).encoded
        }
        return JobList(jobs: jobs, nextCursor: next)
    }

    /// A batch with its counts and jobs (by agent name), or nil.
    public func batch(_ id: UUID) async throws -> SubmissionResponse? {
        try await client.withConnection { try await Self.batch(id, on: $0) }
    }

    static func batch(_ id: UUID, on connection: PostgresConnection) async throws -> SubmissionResponse? {
        let batchRows = try await connection.query("SELECT image, created_at FROM batches WHERE id = \(id)")
        guard let batchRow = batchRows.first else { return nil }
        let imageText = try batchRow.decode(String.self, column: "image")
        let image: ImageReference
        do {
            image = try ImageReference(imageText)
        } catch {
            throw StoreError.corruptColumn("batches.image", "holds an invalid image reference: \(error)")
        }
        let rows = try await connection.query("""
            SELECT \(unescaped: Job.columns), a.name AS agent_name
            FROM jobs j JOIN agents a ON a.id = j.agent_id
            WHERE j.batch_id = \(id)
            ORDER BY a.name, j.id
            """)
        let jobs = try rows.map(Job.init(row:))
        let batch = BatchSummary(jobs: jobs, id: id, image: image, createdAt: try batchRow.decode(Date.self, column: "created_at"))
        return SubmissionResponse(batch: batch, jobs: jobs)
    }

    /// How many jobs are in each state (for the metrics gauge).
    public func countsByState() async throws -> [JobState: Int] {
        let rows = try await client.query("SELECT state, count(*) AS n FROM jobs GROUP BY state")
        var counts: [JobState: Int] = [:]
        for row in rows {
            if let state = JobState(rawValue: try row.decode(String.self, column: "state")) {
                counts[state] = try row.decode(Int.self, column: "n")
            }
        }
        return counts
    }

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
