import Foundation
import PostgresClient

/// The dashboard's sessions in PostgreSQL, so every coordinator of a database knows them and a
/// restart signs no one out.
public struct DashboardSessionStore: Sendable {
    /// How long a sign-in lasts.
    public static let lifetime: Duration = .seconds(12 * 3600)

    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// A new session for `role`, and the sessions that expired are deleted on the way.
    public func start(role: DashboardRole) async throws -> DashboardSession {
        let session = DashboardSession(id: SecretToken.generate(), role: role)
        let hash = SecretToken.hash(of: session.id)
        try await client.withTransaction { connection in
            _ = try await connection.execute("DELETE FROM dashboard_sessions WHERE expires_at < now()")
            _ = try await connection.execute("""
                INSERT INTO dashboard_sessions (id_hash, role, expires_at)
                VALUES (\(hash), \(role.rawValue), now() + \(Self.lifetime.seconds) * interval '1 second')
                """)
        }
        return session
    }

    /// The live session whose cookie holds `id`, or nil (unknown, expired or signed out).
    public func session(id: String) async throws -> DashboardSession? {
        let rows = try await client.query("""
            SELECT role FROM dashboard_sessions
            WHERE id_hash = \(SecretToken.hash(of: id)) AND expires_at > now()
            """)
        guard let row = rows.first, let role = DashboardRole(rawValue: try row.decode(String.self, column: "role")) else {
            return nil
        }
        return DashboardSession(id: id, role: role)
    }

    /// Ends the session (sign-out); nothing happens when it is already gone.
    public func end(_ session: DashboardSession) async throws {
        _ = try await client.execute("DELETE FROM dashboard_sessions WHERE id_hash = \(SecretToken.hash(of: session.id))")
    }
}
