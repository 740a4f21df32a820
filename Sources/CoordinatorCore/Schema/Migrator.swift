import Logging
import PostgresClient

/// Applies ``Migrations`` to a database, once, even with several coordinators starting at once.
///
/// Everything happens in one transaction holding an advisory lock: a second coordinator waits
/// for the first, then finds the versions recorded and applies nothing. A failing migration
/// rolls back with every version before it in the same run, so a database is never left
/// between two versions.
public struct Migrator: Sendable {
    /// The advisory lock every coordinator takes while migrating.
    public static let lockKey = PostgresClient.advisoryLockKey(for: "flatten-coordinator.migrations")

    let client: PostgresClient
    let migrations: [Migration]
    let logger: Logger

    public init(
        client: PostgresClient,
        migrations: [Migration] = Migrations.all,
        logger: Logger = Logger(label: "Migrator", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.client = client
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Applies the missing migrations; returns the versions it applied (empty when current).
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await client.withAdvisoryLock(Self.lockKey) { connection in
            try await connection.executeScript("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            let rows = try await connection.query("SELECT version FROM schema_migrations")
            let applied = Set(try rows.map { try $0.decode(Int.self, column: "version") })
            var appliedNow: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                do {
                    try await connection.executeScript(migration.sql)
                } catch {
                    throw MigrationError(version: migration.version, name: migration.name, underlying: error)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))")
                appliedNow.append(migration.version)
            }
            return appliedNow
        }
    }

    /// The highest version recorded in the database, or nil when it was never migrated.
    public func currentVersion() async throws -> Int? {
        // Two statements: a query naming a missing table fails to parse, whatever guards it.
        let exists = try await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
        guard try exists.first?.decode(Bool.self, column: "present") == true else { return nil }
        let rows = try await client.query("SELECT max(version) AS version FROM schema_migrations")
        return try rows.first?.decode(Int?.self, column: "version")
    }
}

/// A migration that failed to apply; nothing of the run was kept.
public struct MigrationError: Error, CustomStringConvertible {
    public let version: Int
    public let name: String
    public let underlying: any Error

    public var description: String {
        "migration \(version) (\(name)) failed and was rolled back: \(underlying)"
    }
}
