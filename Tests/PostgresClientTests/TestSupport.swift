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

/// Runs a program to completion and returns its exit status and standard output.
///
/// Uses `posix_spawn` and `waitpid` on a thread of its own: Foundation's `Process.waitUntilExit`
/// was seen to miss a child's exit when called from a task, and a wait of seconds must not hold
/// one of the few cooperative threads.
func runCommand(_ path: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try runCommandBlocking(path, arguments) })
        }
    }
}

struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}

private func runCommandBlocking(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    var descriptors: [Int32] = [-1, -1]
    guard pipe(&descriptors) == 0 else { throw CommandFailure(description: "pipe failed: errno \(errno)") }
    // Only the dup2'd standard output may reach the child (and the server it starts).
    for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, descriptors[1], 1)
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    // The child must not inherit this process's blocked signals (dispatch's threads block
    // them): pgbench -T ends on SIGALRM, for one.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
    close(descriptors[1])
    guard spawned == 0 else {
        close(descriptors[0])
        throw CommandFailure(description: "could not run \(path): errno \(spawned)")
    }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(descriptors[0], &buffer, buffer.count)
        if count > 0 { output.append(contentsOf: buffer[0..<count]) }
        else if count == 0 || errno != EINTR { break }
    }
    close(descriptors[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (exitStatus, String(decoding: output, as: UTF8.self))
}
