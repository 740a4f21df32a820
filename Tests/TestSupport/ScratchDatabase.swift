import Foundation
import PostgresClient

/// A database of a test's own, created on the server of `FLATTEN_TEST_DATABASE_URL` (or
/// another base URL) and dropped afterwards, so tests run in parallel without sharing rows.
public struct ScratchDatabase: Sendable {
    public let name: String
    public let url: String
    public let baseURL: String

    /// Creates `<prefix>_<unique suffix>` on the server of `baseURL` (default:
    /// `FLATTEN_TEST_DATABASE_URL`).
    public static func create(prefix: String = "test", baseURL: String? = nil) async throws -> ScratchDatabase {
        let base = try baseURL ?? TestEnvironment.require("FLATTEN_TEST_DATABASE_URL")
        let name = prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        let admin = try PostgresClient(configuration: .init(connectionString: base, maxConnections: 1))
        do {
            try await admin.execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(PostgresQuery.quoteIdentifier(name))"))
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
        return ScratchDatabase(name: name, url: url(base, database: name), baseURL: base)
    }

    /// `base` pointed at `database`: the URL's path replaced, or `dbname=` appended to a
    /// key/value connection string (libpq takes the last value).
    public static func url(_ base: String, database: String) -> String {
        if base.hasPrefix("postgres://") || base.hasPrefix("postgresql://"), var components = URLComponents(string: base) {
            components.path = "/" + database
            return components.string ?? base
        }
        return base + " dbname=\(database)"
    }

    /// Drops the database, closing whatever connections are left; never throws (clean-up).
    public func drop() async {
        guard let admin = try? PostgresClient(configuration: .init(connectionString: baseURL, maxConnections: 1)) else { return }
        _ = try? await admin.execute(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(PostgresQuery.quoteIdentifier(name)) WITH (FORCE)"))
        await admin.close()
    }
}

/// Runs `body` with a fresh database URL; the database is dropped afterwards, also on failure.
public func withScratchDatabase<T>(
    prefix: String = "test", baseURL: String? = nil, _ body: (String) async throws -> T
) async throws -> T {
    let database = try await ScratchDatabase.create(prefix: prefix, baseURL: baseURL)
    do {
        let result = try await body(database.url)
        await database.drop()
        return result
    } catch {
        await database.drop()
        throw error
    }
}
