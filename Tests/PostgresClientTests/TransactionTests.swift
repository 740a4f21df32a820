import Foundation
import Testing
@testable import PostgresClient

@Suite struct TransactionTests {
    struct Boom: Error {}

    @Test func commitsWhenTheBodyReturns() async throws {
        try await withClient { client in
            try await withScratchTable(client, columns: "v text") { table in
                let value = try await client.withTransaction { connection in
                    try await connection.execute("INSERT INTO \(identifier: table) VALUES (\("kept"))")
                    return 42
                }
                #expect(value == 42)
                let rows = try await client.query("SELECT v FROM \(identifier: table)")
                #expect(try rows.map { try $0.decode(String.self, at: 0) } == ["kept"])
            }
        }
    }

    @Test func rollsBackWhenTheBodyThrows() async throws {
        try await withClient { client in
            try await withScratchTable(client, columns: "v text") { table in
                await #expect(throws: Boom.self) {
                    try await client.withTransaction { connection in
                        try await connection.execute("INSERT INTO \(identifier: table) VALUES (\("lost"))")
                        throw Boom()
                    }
                }
                let rows = try await client.query("SELECT count(*) FROM \(identifier: table)")
                #expect(try rows[0].decode(Int.self, at: 0) == 0)
            }
        }
    }

    @Test func commitAfterACaughtStatementErrorReportsTheRollback() async throws {
        try await withClient { client in
            try await withScratchTable(client, columns: "v text") { table in
                let error = await #expect(throws: PostgresError.self) {
                    try await client.withTransaction { connection in
                        try await connection.execute("INSERT INTO \(identifier: table) VALUES (\("lost"))")
                        _ = try? await connection.query("SELECT 1/0")
                    }
                }
                #expect(error?.description.contains("rolled the transaction back") == true)
                let rows = try await client.query("SELECT count(*) FROM \(identifier: table)")
                #expect(try rows[0].decode(Int.self, at: 0) == 0)
            }
        }
    }

    @Test func serializableIsolationIsApplied() async throws {
        try await withClient { client in
            let level = try await client.withTransaction(isolationLevel: .serializable) { connection in
                try await connection.query("SHOW transaction_isolation")[0].decode(String.self, at: 0)
            }
            #expect(level == "serializable")
        }
    }

    @Test func advisoryLockSerializesTwoHolders() async throws {
        try await withClient(maxConnections: 4) { client in
            let key = PostgresClient.advisoryLockKey(for: TestDatabase.uniqueName("lock"))
            let sameKey = try await Self.holdConcurrently(client, keys: [key, key])
            #expect(!Self.overlaps(sameKey[0], sameKey[1]), "holders of one key overlapped: \(sameKey)")
            // The control, decided by the server rather than by timing: while one holder has the
            // key, another connection cannot take it but can take a different key.
            let (sameKeyFree, otherKeyFree) = try await client.withAdvisoryLock(key) { _ in
                try await client.withConnection { other in
                    try await other.withTransaction { transaction in
                        (try await transaction.tryAdvisoryTransactionLock(key),
                         try await transaction.tryAdvisoryTransactionLock(key &+ 1))
                    }
                }
            }
            #expect(!sameKeyFree, "a second connection took a key that was held")
            #expect(otherKeyFree, "a second connection could not take a different key")
        }
    }

    @Test func advisoryLockNeedsATransaction() async throws {
        try await withClient(maxConnections: 1) { client in
            try await client.withConnection { connection in
                await #expect(throws: PostgresError.self) { try await connection.advisoryTransactionLock(1) }
                let free = try await connection.withTransaction { try await $0.tryAdvisoryTransactionLock(7_777_001) }
                #expect(free)
            }
        }
    }

    /// Runs one lock holder per key at the same time; each holds for 300 ms and reports when
    /// it held the lock.
    static func holdConcurrently(_ client: PostgresClient, keys: [Int64]) async throws -> [Range<ContinuousClock.Instant>] {
        try await withThrowingTaskGroup(of: Range<ContinuousClock.Instant>.self) { group in
            for key in keys {
                group.addTask {
                    try await client.withAdvisoryLock(key) { connection in
                        let start = ContinuousClock.now
                        try await connection.query("SELECT pg_sleep(0.3)")
                        return start..<ContinuousClock.now
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    static func overlaps(_ a: Range<ContinuousClock.Instant>, _ b: Range<ContinuousClock.Instant>) -> Bool {
        a.overlaps(b)
    }
}
