import Foundation
import Testing
@testable import PostgresClient

@Suite struct CancellationTests {
    @Test func cancellingTheTaskCancelsTheStatementOnTheServer() async throws {
        try await withClient(maxConnections: 1) { client in
            let before = try await client.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)
            let sleeper = Task { try await client.query("SELECT pg_sleep(30)") }
            // Cancel once the server runs the statement: a cancel that reaches the server before
            // its statement does is lost (libpq's protocol), and that is not what this tests.
            let running = try await withClient(maxConnections: 1) { observer in
                await eventually(timeout: .seconds(20)) {
                    let rows = try? await observer.query(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid = \(before) AND state = 'active' AND query LIKE 'SELECT pg_sleep(30)%'")
                    return ((try? rows?[0].decode(Int.self, at: 0)) ?? 0) == 1
                }
            }
            #expect(running, "pg_sleep(30) never showed up as running on backend \(before)")
            let cancelled = ContinuousClock.now
            sleeper.cancel()
            let result = await sleeper.result
            let took = ContinuousClock.now - cancelled
            #expect(throws: CancellationError.self) { try result.get() }
            // Well before pg_sleep(30) would end: the server cancelled it. The margin absorbs a
            // loaded machine's scheduling delays.
            #expect(took < .seconds(20), "cancellation took \(took)")
            // The same connection (pool of one) is usable afterwards.
            let after = try await client.query("SELECT pg_backend_pid(), 1 + 1")
            #expect(try after[0].decode(Int32.self, at: 0) == before)
            #expect(try after[0].decode(Int.self, at: 1) == 2)
        }
    }

    /// A cancel that reaches the server before the statement does (or between a prepared
    /// statement's prepare and execute) is dropped by the server; the client must re-send it.
    /// Cancelling at many moments around the statement's start exercises those windows.
    @Test func aCancelRacingTheStatementsStartStillEndsIt() async throws {
        try await withClient(maxConnections: 1) { client in
            for round in 0..<20 {
                // A fresh statement text each round, so some rounds also prepare it first.
                let sleeper = Task { try await client.query("SELECT pg_sleep(30), \(unescaped: String(round)) AS round") }
                try await Task.sleep(for: .microseconds(round * 250))
                let cancelled = ContinuousClock.now
                sleeper.cancel()
                let result = await sleeper.result
                let took = ContinuousClock.now - cancelled
                #expect(throws: CancellationError.self, "round \(round)") { try result.get() }
                // pg_sleep(30) would take 30 s: well under it means the server cancelled it.
                #expect(took < .seconds(15), "round \(round): cancellation took \(took)")
            }
            let after = try await client.query("SELECT 1 + 1")
            #expect(try after[0].decode(Int.self, at: 0) == 2)
        }
    }

    @Test func aTaskCancelledBeforeItsStatementNeverRunsIt() async throws {
        try await withClient(maxConnections: 1) { client in
            try await withScratchTable(client, columns: "v int") { table in
                let task = Task {
                    try? await Task.sleep(for: .seconds(10))  // returns early once cancelled
                    return try await client.execute("INSERT INTO \(identifier: table) VALUES (1)")
                }
                task.cancel()
                await #expect(throws: CancellationError.self) { try await task.value }
                let value1 = try await client.query("SELECT count(*) FROM \(identifier: table)")[0].decode(Int.self, at: 0)
                #expect(value1 == 0)
            }
        }
    }

    @Test func cancellationInsideATransactionRollsItBack() async throws {
        try await withClient(maxConnections: 1) { client in
            try await withScratchTable(client, columns: "v int") { table in
                let task = Task {
                    try await client.withTransaction { connection in
                        try await connection.execute("INSERT INTO \(identifier: table) VALUES (1)")
                        try await connection.query("SELECT pg_sleep(30)")
                    }
                }
                try await Task.sleep(for: .milliseconds(500))
                task.cancel()
                await #expect(throws: CancellationError.self) { try await task.value }
                let value2 = try await client.query("SELECT count(*) FROM \(identifier: table)")[0].decode(Int.self, at: 0)
                #expect(value2 == 0)
            }
        }
    }

    @Test func aServerSideTimeoutIsAPostgresErrorNotACancellation() async throws {
        try await withClient(maxConnections: 1) { client in
            try await client.withConnection { connection in
                try await connection.query("SET statement_timeout = '100ms'")
                let error = await #expect(throws: PostgresError.self) { try await connection.query("SELECT pg_sleep(5)") }
                #expect(error?.isQueryCanceled == true)
                try await connection.query("RESET statement_timeout")
            }
        }
    }

    @Test func cancellingAWaitForAConnectionLeavesThePoolIntact() async throws {
        try await withClient(maxConnections: 1) { client in
            try await client.withConnection { _ in
                let waiter = Task { try await client.query("SELECT 1") }
                try await Task.sleep(for: .milliseconds(100))
                waiter.cancel()
                await #expect(throws: CancellationError.self) { try await waiter.value }
            }
            let value3 = try await client.query("SELECT 1")[0].decode(Int.self, at: 0)
            #expect(value3 == 1)
        }
    }
}
