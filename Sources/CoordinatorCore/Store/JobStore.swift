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
                    created: false, batchID: response.batch.id, agentIDs: response.jobs.map(\.agentId))
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
                batchID: batchID,
                agentIDs: try rows.map { try $0.decode(UUID.self, column: "agent_id") })
        }
    }
}
