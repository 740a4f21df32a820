import FlattenProtocol
import Foundation
import PostgresClient

/// Every SQL statement about agents.
public struct AgentStore: Sendable {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// Registers a new agent under `registration.name`, or updates the agent of that name when
    /// `presentedTokenHash` is the hash of its token.
    ///
    /// An update replaces every detail with what was sent: engine details an older agent does not
    /// report become NULL rather than keeping what its engine was before.
    ///
    /// - Parameters:
    ///   - presentedTokenHash: the hash of the agent token the caller presented, if any.
    ///   - newTokenHash: the hash to store for a new agent (its token is returned to it once).
    ///   - pendingApproval: a new agent starts `pending` (``AgentControl``) instead of `active`.
    /// - Returns: the agent's ID and whether it was created. The name of a removed agent is
    ///   free: registering it again revives that row (its jobs keep their history) with the new
    ///   token, as a new agent (`created`).
    /// - Throws: ``RegistrationRefusal/nameTaken(_:)`` when the name belongs to an agent whose
    ///   token was not presented.
    public func register(
        _ registration: AgentRegistration, presentedTokenHash: String?, newTokenHash: String, pendingApproval: Bool = false
    ) async throws -> (id: UUID, created: Bool) {
        let initialControl = (pendingApproval ? AgentControl.pending : .active).rawValue
        let labelsJSON = try JSONColumn.encode(registration.labels)
        let newID = UUID()
        return try await client.withTransaction { connection in
            let inserted = try await connection.query("""
                INSERT INTO agents (id, name, labels, engine_version, engine_api_version, protocol_version, capacity, token_hash,
                                    engine_product, image_store, platform, control)
                VALUES (\(newID), \(registration.name), \(labelsJSON)::jsonb, \(registration.engineVersion),
                        \(registration.engineAPIVersion), \(registration.protocolVersion), \(registration.capacity), \(newTokenHash),
                        \(registration.engineProduct), \(registration.imageStore), \(registration.platform), \(initialControl))
                ON CONFLICT (name) DO NOTHING
                RETURNING id
                """)
            if inserted.first != nil {
                return (newID, true)
            }
            let existing = try await connection.query(
                "SELECT id, token_hash, removed_at IS NOT NULL AS removed FROM agents WHERE name = \(registration.name) FOR UPDATE")
            guard let row = existing.first else {
                throw StoreError(description: "agent \(registration.name) vanished during registration")
            }
            if try row.decode(Bool.self, column: "removed") {
                let id = try row.decode(UUID.self, column: "id")
                try await connection.query("""
                    UPDATE agents
                    SET labels = \(labelsJSON)::jsonb, engine_version = \(registration.engineVersion),
                        engine_api_version = \(registration.engineAPIVersion),
                        protocol_version = \(registration.protocolVersion), capacity = \(registration.capacity),
                        engine_product = \(registration.engineProduct), image_store = \(registration.imageStore),
                        platform = \(registration.platform), token_hash = \(newTokenHash), control = \(initialControl),
                        removed_at = NULL, engine_unavailable_since = NULL, engine_error = NULL,
                        registered_at = now(), last_seen_at = now()
                    WHERE id = \(id)
                    """)
                return (id, true)
            }
            let storedHash = try row.decode(String.self, column: "token_hash")
            guard let presentedTokenHash, ConstantTime.equals(storedHash, presentedTokenHash) else {
                throw RegistrationRefusal.nameTaken(registration.name)
            }
            let id = try row.decode(UUID.self, column: "id")
            try await connection.query("""
                UPDATE agents
                SET labels = \(labelsJSON)::jsonb, engine_version = \(registration.engineVersion),
                    engine_api_version = \(registration.engineAPIVersion),
                    protocol_version = \(registration.protocolVersion), capacity = \(registration.capacity),
                    engine_product = \(registration.engineProduct), image_store = \(registration.imageStore),
                    platform = \(registration.platform),
                    registered_at = now(), last_seen_at = now()
                WHERE id = \(id)
                """)
            return (id, false)
        }
    }

    /// The agent whose token hashes to `tokenHash`, or nil.
    public func agent(tokenHash: String) async throws -> AuthenticatedAgent? {
        let rows = try await client.query(
            "SELECT id, name, token_hash FROM agents WHERE token_hash = \(tokenHash) AND removed_at IS NULL")
        guard let row = rows.first else { return nil }
        // The index lookup already matched; comparing again in constant time keeps the final
        // decision free of data-dependent timing whatever the index does.
        guard ConstantTime.equals(try row.decode(String.self, column: "token_hash"), tokenHash) else { return nil }
        return AuthenticatedAgent(id: try row.decode(UUID.self, column: "id"), name: try row.decode(String.self, column: "name"))
    }

    /// Every agent not removed, by name, online when seen within `onlineWithin`.
    public func agents(onlineWithin: Duration) async throws -> [AgentInfo] {
        try await agents(onlineWithin: onlineWithin, after: nil, limit: nil).agents
    }

    /// A page of at most `limit` agents by name after `cursor` (all of them when `limit` is nil),
    /// and the cursor of the next page when there is one; with a `selector`, only the agents
    /// that have all its labels (by the labels' GIN index).
    public func agents(
        onlineWithin: Duration, matching selector: [String: String] = [:], after cursor: AgentCursor?, limit: Int?
    ) async throws -> (agents: [AgentInfo], next: AgentCursor?) {
        // One row more than the page tells whether another page follows.
        let fetch = limit.map { $0 + 1 }
        let selectorJSON = selector.isEmpty ? nil : try JSONColumn.encode(selector)
        let rows = try await client.query("""
            SELECT \(unescaped: AgentInfo.columns),
                   a.last_seen_at > now() - \(onlineWithin.seconds) * interval '1 second' AS online
            FROM agents a
            WHERE a.removed_at IS NULL AND (\(cursor?.name)::text IS NULL OR a.name > \(cursor?.name))
              AND (\(selectorJSON)::jsonb IS NULL OR a.labels @> \(selectorJSON)::jsonb)
            ORDER BY a.name
            LIMIT \(fetch)
            """)
        let page = try rows.prefix(limit ?? rows.count).map(AgentInfo.init(row:))
        let next = limit.flatMap { rows.count > $0 ? page.last.map { AgentCursor(name: $0.name) } : nil }
        return (page, next)
    }
}

/// An agent identified by its token.
public struct AuthenticatedAgent: Sendable, Hashable {
    public var id: UUID
    public var name: String
}

/// Why a registration was refused.
public enum RegistrationRefusal: Error, Sendable, CustomStringConvertible {
    /// Another agent holds the name and its token was not presented.
    case nameTaken(String)

    public var description: String {
        switch self {
        case .nameTaken(let name):
            "the agent name \(String(reflecting: name)) is registered to another agent; re-registering it needs that agent's token as the bearer token (name)"
        }
    }
}
