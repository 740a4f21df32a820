import Foundation
import Logging
import Testing
@testable import PostgresClient

/// Finds the test database and gives each test its own names.
enum TestDatabase {
    /// The shared test server's URL, or a failure naming the variable to set.
    static func url() throws -> String {
        try #require(
            ProcessInfo.processInfo.environment["FLATTEN_TEST_DATABASE_URL"],
            "FLATTEN_TEST_DATABASE_URL is not set: start the services with `scripts/services start` and load them with `eval \"$(scripts/services env)\"`"
        )
    }

    /// A name no other test (or test run) uses, for tables, channels and application names.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func configuration(
        url: String? = nil,
        maxConnections: Int = 4,
        applicationName: String? = nil,
        checkoutTimeout: Duration = .seconds(30)
    ) throws -> PostgresConfiguration {
        PostgresConfiguration(
            connectionString: try url ?? Self.url(),
            applicationName: applicationName,
            maxConnections: maxConnections,
            checkoutTimeout: checkoutTimeout
        )
    }
}

/// Runs `body` with a client and closes it afterwards, also when `body` throws.
func withClient<Result>(
    url: String? = nil,
    maxConnections: Int = 4,
    applicationName: String? = nil,
    checkoutTimeout: Duration = .seconds(30),
    logger: Logger? = nil,
    _ body: (PostgresClient) async throws -> Result
) async throws -> Result {
    let configuration = try TestDatabase.configuration(url: url, maxConnections: maxConnections, applicationName: applicationName, checkoutTimeout: checkoutTimeout)
    let client = if let logger {
        try PostgresClient(configuration: configuration, logger: logger)
    } else {
        try PostgresClient(configuration: configuration)
    }
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}

/// Creates a table of the test's own with `columns`, runs `body` with its name, drops it.
func withScratchTable<Result>(
    _ client: PostgresClient,
    columns: String,
    _ body: (String) async throws -> Result
) async throws -> Result {
    let table = TestDatabase.uniqueName("pgtest")
    try await client.query("CREATE TABLE \(identifier: table) (\(unescaped: columns))")
    do {
        let result = try await body(table)
        try await client.query("DROP TABLE IF EXISTS \(identifier: table)")
        return result
    } catch {
        _ = try? await client.query("DROP TABLE IF EXISTS \(identifier: table)")
        throw error
    }
}

/// Counts the server connections with `applicationName`, as seen from a separate connection.
func serverConnectionCount(applicationName: String, url: String? = nil) async throws -> Int {
    try await withClient(url: url, maxConnections: 1, applicationName: "pgtest-observer") { observer in
        let rows = try await observer.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = \(applicationName)")
        return try rows[0].decode(Int.self, at: 0)
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}

/// A log handler that keeps what it receives, to check what reaches the logger.
final class CapturingLogHandler: LogHandler, @unchecked Sendable {
    // @unchecked: `entries` is only reached under `lock`; the other stored properties are
    // configured before the handler is shared, as LogHandler expects.
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let lock = NSLock()
    private var stored: [Entry] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.lock()
        defer { lock.unlock() }
        stored.append(Entry(level: event.level, message: event.message.description, metadata: event.metadata ?? [:]))
    }

    var entries: [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
