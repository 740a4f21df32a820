import Foundation
import PostgresClient
import Testing

/// A test environment variable that is missing: the test fails with what to do.
struct MissingEnvironment: Error, CustomStringConvertible {
    let variable: String

    var description: String {
        "\(variable) is not set: start the test services with `scripts/services start` and load them with `eval \"$(scripts/services env)\"`"
    }
}

func requireEnvironment(_ name: String) throws -> String {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
        throw MissingEnvironment(variable: name)
    }
    return value
}

/// A database of a test's own, created on the server of `FLATTEN_TEST_DATABASE_URL` (or
/// another base URL) and dropped afterwards, so tests run in parallel without sharing rows.
struct ScratchDatabase: Sendable {
    let name: String
    let url: String
    let baseURL: String

    static func create(baseURL: String? = nil) async throws -> ScratchDatabase {
        let base = try baseURL ?? requireEnvironment("FLATTEN_TEST_DATABASE_URL")
        let name = "coord_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        let admin = try PostgresClient(configuration: .init(connectionString: base, maxConnections: 1))
        do {
            try await admin.execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(PostgresQuery.quoteIdentifier(String(name)))"))
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
        return ScratchDatabase(name: String(name), url: Self.url(base, database: String(name)), baseURL: base)
    }

    /// `base` pointed at `database`: the URL's path replaced, or `dbname=` appended to a
    /// key/value connection string (libpq takes the last value).
    static func url(_ base: String, database: String) -> String {
        if base.hasPrefix("postgres://") || base.hasPrefix("postgresql://"), var components = URLComponents(string: base) {
            components.path = "/" + database
            return components.string ?? base
        }
        return base + " dbname=\(database)"
    }

    func drop() async {
        guard let admin = try? PostgresClient(configuration: .init(connectionString: baseURL, maxConnections: 1)) else { return }
        _ = try? await admin.execute(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(PostgresQuery.quoteIdentifier(name)) WITH (FORCE)"))
        await admin.close()
    }
}

/// Runs `body` with a fresh database URL; the database is dropped afterwards, also on failure.
func withScratchDatabase<T>(baseURL: String? = nil, _ body: (String) async throws -> T) async throws -> T {
    let database = try await ScratchDatabase.create(baseURL: baseURL)
    do {
        let result = try await body(database.url)
        await database.drop()
        return result
    } catch {
        await database.drop()
        throw error
    }
}
