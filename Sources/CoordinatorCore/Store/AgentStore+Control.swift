import FlattenProtocol
import Foundation
import PostgresClient

/// What an operator's action on an agent did.
public enum AgentControlOutcome: Sendable {
    /// Applied (or already so); the agent as it is now, and whether it may claim again after
    /// it could not (its long polls must look again).
    case applied(AgentInfo, claimsResumed: Bool)
    /// The action does not apply to the agent's control; the agent and why.
    case refused(AgentInfo, reason: String)
    /// No agent (not removed) has this name or ID.
    case notFound
}

extension AgentStore {
    /// The agent row a name or an ID names (an ID wins over an equal name), locked for the
    /// rest of the transaction; removed agents are not found.
    private static func lockAgent(_ nameOrID: String, on connection: PostgresConnection) async throws -> (id: UUID, control: AgentControl, tokenHash: String)? {
        let id = UUID(uuidString: nameOrID)
        let rows = try await connection.query("""
            SELECT id, control, token_hash FROM agents
            WHERE removed_at IS NULL AND (id = \(id) OR name = \(nameOrID))
            ORDER BY id = \(id) DESC NULLS LAST
            LIMIT 1
            FOR UPDATE
            """)
        guard let row = rows.first else { return nil }
        let text = try row.decode(String.self, column: "control")
        guard let control = AgentControl(rawValue: text) else {
            throw StoreError.corruptColumn("agents.control", "holds unknown value \(String(reflecting: text))")
        }
        return (try row.decode(UUID.self, column: "id"), control, try row.decode(String.self, column: "token_hash"))
    }

    private static func info(_ id: UUID, onlineWithin: Duration, on connection: PostgresConnection) async throws -> AgentInfo {
        let rows = try await connection.query("""
            SELECT \(unescaped: AgentInfo.columns),
                   a.last_seen_at > now() - \(onlineWithin.seconds) * interval '1 second' AS online
            FROM agents a WHERE a.id = \(id)
            """)
        guard let row = rows.first else { throw StoreError(description: "agent \(id) vanished") }
        return try AgentInfo(row: row)
    }

    /// Applies `action` to the agent named `nameOrID`, following
    /// ``AgentRules/transition(_:from:)``.
    ///
    /// When the agent may claim again, every coordinator is told (the submission channel) so
    /// that its held long polls look for the jobs queued meanwhile.
    public func apply(
        _ action: AgentAction, to nameOrID: String, onlineWithin: Duration, instance: UUID
    ) async throws -> AgentControlOutcome {
        try await client.withTransaction { connection in
            guard let agent = try await Self.lockAgent(nameOrID, on: connection) else { return .notFound }
            switch AgentRules.transition(action, from: agent.control) {
            case .refused(let reason):
                return .refused(try await Self.info(agent.id, onlineWithin: onlineWithin, on: connection), reason: reason)
            case .unchanged:
                return .applied(try await Self.info(agent.id, onlineWithin: onlineWithin, on: connection), claimsResumed: false)
            case .changed(let control):
                let resumed = AgentRules.mayClaim(control) && !AgentRules.mayClaim(agent.control)
                try await connection.query("UPDATE agents SET control = \(control.rawValue) WHERE id = \(agent.id)")
                if resumed {
                    try await connection.query(
                        "SELECT pg_notify(\(JobStore.queuedChannel), \(agent.id.lowercased + " " + instance.lowercased))")
                }
                return .applied(try await Self.info(agent.id, onlineWithin: onlineWithin, on: connection), claimsResumed: resumed)
            }
        }
    }

    /// Gives the agent a new token: the old one stops working at once.
    ///
    /// - Returns: the agent and the old token's hash (to forget it in caches), or nil when no
    ///   agent has this name or ID.
    public func rotateToken(
        of nameOrID: String, newTokenHash: String
    ) async throws -> (id: UUID, oldTokenHash: String)? {
        try await client.withTransaction { connection in
            guard let agent = try await Self.lockAgent(nameOrID, on: connection) else { return nil }
            try await connection.query("UPDATE agents SET token_hash = \(newTokenHash) WHERE id = \(agent.id)")
            return (agent.id, agent.tokenHash)
        }
    }

    /// Removes an agent: its token is revoked, its queued jobs are canceled with `reason` as
    /// their error, its running jobs are asked to cancel (the agent can no longer report, so
    /// they end `canceled` when their lease runs out). The row stays for its jobs' history.
    ///
    /// - Returns: the removal and the revoked token's hash, or nil when no agent has this name
    ///   or ID.
    public func remove(
        _ nameOrID: String, reason: String, onlineWithin: Duration
    ) async throws -> (removal: AgentRemoval, oldTokenHash: String)? {
        let errorJSON = try JSONColumn.encode(JobError(message: reason, retryable: false))
        return try await client.withTransaction { connection in
            guard let agent = try await Self.lockAgent(nameOrID, on: connection) else { return nil }
            // No token hashes to this value (hashes are hex), and it stays unique per agent.
            try await connection.query("""
                UPDATE agents SET removed_at = now(), token_hash = 'removed:' || id::text WHERE id = \(agent.id)
                """)
            let rows = try await connection.query("""
                WITH changed AS (
                    UPDATE jobs
                    SET state = CASE WHEN state = 'queued' THEN 'canceled' ELSE state END,
                        finished_at = CASE WHEN state = 'queued' THEN now() ELSE finished_at END,
                        cancel_requested = true, error = \(errorJSON)::jsonb, updated_at = now()
                    WHERE agent_id = \(agent.id) AND state IN ('queued', 'running')
                    RETURNING id, state, attempt
                ), events AS (
                    INSERT INTO job_events (job_id, kind, attempt, detail)
                    SELECT id, CASE WHEN state = 'canceled' THEN 'canceled' ELSE 'cancel_requested' END, attempt, \(reason)
                    FROM changed
                )
                SELECT count(*) FILTER (WHERE state = 'canceled') AS canceled,
                       count(*) FILTER (WHERE state = 'running') AS running
                FROM changed
                """)
            let canceled = try rows.first?.decode(Int.self, column: "canceled") ?? 0
            let running = try rows.first?.decode(Int.self, column: "running") ?? 0
            let info = try await Self.info(agent.id, onlineWithin: onlineWithin, on: connection)
            return (AgentRemoval(agent: info, canceledJobs: canceled, cancelRequestedJobs: running), agent.tokenHash)
        }
    }

    /// Stores an agent's report on its engine, and marks it seen.
    public func reportEngine(_ report: EngineReport, agent id: UUID) async throws {
        try await client.execute("""
            UPDATE agents
            SET engine_unavailable_since = CASE WHEN \(report.available) THEN NULL
                                                ELSE coalesce(engine_unavailable_since, now()) END,
                engine_error = CASE WHEN \(report.available) THEN NULL ELSE \(report.message) END,
                last_seen_at = now()
            WHERE id = \(id) AND removed_at IS NULL
            """)
    }
}
