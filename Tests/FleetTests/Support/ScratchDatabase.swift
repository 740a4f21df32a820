import Foundation
import PostgresClient

/// A database of the test's own on the server of `FLATTEN_TEST_DATABASE_URL`, dropped after.
struct ScratchDatabase: Sendable {
    let name: String
    let url: String
    let baseURL: String

    static func create() async throws -> ScratchDatabase {
        let base = try TestEnvironment.require("FLATTEN_TEST_DATABASE_URL")
        let name = "fleet_test_" + TestEnvironment.uniqueSuffix()
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

    /// `base` pointed at `database`.
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
