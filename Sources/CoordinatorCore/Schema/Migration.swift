/// One versioned step of the coordinator's schema.
///
/// Versions are applied in ascending order, each exactly once, and recorded in
/// `schema_migrations`. A released migration is never edited: a change is a new version.
public struct Migration: Sendable, Hashable {
    /// The version, unique and increasing.
    public let version: Int
    /// A short name for logs and `schema_migrations`.
    public let name: String
    /// The SQL; it may hold several statements and runs inside the migration transaction.
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
