import Foundation
import Testing
@testable import PostgresClient

/// The pool under concurrency, limits, broken connections and closing.
@Suite struct PoolTests {
    @Test func fiftyConcurrentTasksShareAPoolOfFour() async throws {
        let application = TestDatabase.uniqueName("pgtest-pool")
        // A generous checkout timeout: under the whole suite's load the server can be slow to
        // open the pool's connections, and that is not what this tests.
        try await withClient(maxConnections: 4, applicationName: application, checkoutTimeout: .seconds(120)) { client in
            let seen = try await withThrowingTaskGroup(of: (count: Int, pid: Int32).self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let rows = try await client.query("""
                            SELECT (SELECT count(*) FROM pg_stat_activity WHERE application_name = \(application)) AS n,
                                   pg_backend_pid() AS pid, pg_sleep(0.02)
                            """)
                        return (try rows[0].decode(Int.self, column: "n"), try rows[0].decode(Int32.self, column: "pid"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(seen.count == 50)
            let most = seen.map(\.count).max() ?? 0
            #expect(most <= 4, "the server saw \(most) connections of a pool of 4")
            #expect(Set(seen.map(\.pid)).count <= 4)
            #expect(Set(seen.map(\.pid)).count >= 2, "50 concurrent tasks should have used more than one connection")
            let value1 = try await serverConnectionCount(applicationName: application)
            #expect(value1 <= 4)
        }
        // Closing the client closes every connection.
        let gone = try await eventually { try await serverConnectionCount(applicationName: application) == 0 }
        #expect(gone, "connections of a closed client are still open")
    }

    @Test func checkoutTimesOutWhenAllConnectionsAreBusy() async throws {
        try await withClient(maxConnections: 1, checkoutTimeout: .milliseconds(300)) { client in
            // Open the pool's one connection first: on a loaded machine connecting alone can
            // take longer than the timeout under test, and that is not what this tests.
            let connected = await eventually(timeout: .seconds(30)) { (try? await client.query("SELECT 1")) != nil }
            try #require(connected, "could not open the pool's connection within 30 s")
            try await client.withConnection { _ in
                let started = ContinuousClock.now
                let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
                #expect(error?.isCheckoutTimeout == true)
                // It waited for the timeout, and gave up instead of waiting for the held
                // connection (which is never returned while we are here). The upper bound is
                // loose on purpose: a loaded CI machine delays timers, not correctness.
                let waited = ContinuousClock.now - started
                #expect(waited >= .milliseconds(300))
                #expect(waited < .seconds(60))
            }
            // The pool still works once the connection is back.
            let value2 = try await client.query("SELECT 1")[0].decode(Int.self, at: 0)
            #expect(value2 == 1)
        }
    }

    @Test func aConnectionKilledByTheServerIsReplaced() async throws {
        let application = TestDatabase.uniqueName("pgtest-kill")
        try await withClient(maxConnections: 1, applicationName: application) { client in
            let before = try await client.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)
            try await withClient(maxConnections: 1) { admin in
                let killed = try await admin.query("SELECT pg_terminate_backend(\(before))")[0].decode(Bool.self, at: 0)
                #expect(killed)
            }
            // Give the server a moment to close the socket, as after a restart.
            _ = try await eventually { try await serverConnectionCount(applicationName: application) == 0 }
            let after = try await client.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)
            #expect(after != before)
            let value3 = try await serverConnectionCount(applicationName: application)
            #expect(value3 == 1)
        }
    }

    @Test func failingStatementsDoNotLeakConnections() async throws {
        let application = TestDatabase.uniqueName("pgtest-leak")
        try await withClient(maxConnections: 2, applicationName: application) { client in
            for _ in 0..<20 {
                await #expect(throws: PostgresError.self) { try await client.query("SELECT * FROM no_such_table_at_all") }
                await #expect(throws: PostgresError.self) {
                    try await client.withConnection { connection in
                        try await connection.query("BEGIN")
                        try await connection.query("SELECT 1/0")
                    }
                }
            }
            let value4 = try await serverConnectionCount(applicationName: application)
            #expect(value4 <= 2)
            // The connection left in a failed transaction was rolled back, not handed out broken.
            let value5 = try await client.query("SELECT 1")[0].decode(Int.self, at: 0)
            #expect(value5 == 1)
        }
    }

    @Test func closedClientRejectsWorkAndWaitingCallersFail() async throws {
        let client = try PostgresClient(configuration: TestDatabase.configuration(maxConnections: 1))
        let (acquired, signalAcquired) = AsyncStream.makeStream(of: Void.self)
        let (released, signalRelease) = AsyncStream.makeStream(of: Void.self)
        // The holder keeps the only connection until the test lets it go, so the order of
        // events below does not depend on timing.
        let holder = Task {
            try await client.withConnection { _ in
                signalAcquired.yield()
                for await _ in released { break }
            }
        }
        var acquiredIterator = acquired.makeAsyncIterator()
        await acquiredIterator.next()
        let waiter = Task { try await client.query("SELECT 1") }
        let queued = await eventually { client.waitingCallerCount == 1 }
        #expect(queued, "the second caller never queued for the busy connection")
        let closing = Task { await client.close() }  // waits for the holder to return its connection
        let waiterError = await #expect(throws: PostgresError.self) { try await waiter.value }
        #expect(waiterError?.isClientClosed == true)
        signalRelease.yield()
        try await holder.value
        await closing.value
        let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
        #expect(error?.isClientClosed == true)
    }

    @Test func connectionsEscapingTheirClosureAreRejected() async throws {
        try await withClient(maxConnections: 1) { client in
            let escaped = try await client.withConnection { $0 }
            let error = await #expect(throws: PostgresError.self) { try await escaped.query("SELECT 1") }
            #expect(error?.description.contains("after its withConnection") == true)
        }
    }
}

@Suite struct ConnectionStringTests {
    @Test func keyValueConnectionStringsWorkLikeURLs() async throws {
        let url = try #require(URLComponents(string: try TestDatabase.url()))
        var parts = ["host=\(url.host ?? "127.0.0.1")", "dbname=\(url.path.dropFirst())"]
        if let port = url.port { parts.append("port=\(port)") }
        if let user = url.user { parts.append("user=\(user)") }
        let client = try PostgresClient(configuration: PostgresConfiguration(connectionString: parts.joined(separator: " "), maxConnections: 1))
        let rows = try await client.query("SELECT current_database(), current_setting('application_name')")
        await client.close()
        #expect(try rows[0].decode(String.self, at: 0) == String(url.path.dropFirst()))
        // Without an application name configured, libpq's fallback applies.
        #expect(try rows[0].decode(String.self, at: 1) == "flatten")
    }

    @Test func scriptsRunSeveralStatements() async throws {
        try await withClient(maxConnections: 1) { client in
            let table = TestDatabase.uniqueName("pgtest_script")
            try await client.withConnection { connection in
                try await connection.executeScript("""
                    CREATE TEMPORARY TABLE \(PostgresQuery.quoteIdentifier(table)) (v int);
                    INSERT INTO \(PostgresQuery.quoteIdentifier(table)) VALUES (1), (2);
                    INSERT INTO \(PostgresQuery.quoteIdentifier(table)) VALUES (3);
                    """)
                let sum = try await connection.query("SELECT sum(v)::int8 FROM \(identifier: table)")[0].decode(Int.self, at: 0)
                #expect(sum == 6)
            }
        }
    }
}
