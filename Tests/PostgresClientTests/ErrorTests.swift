import Foundation
import Logging
import Testing
@testable import PostgresClient

@Suite struct ErrorTests {
    @Test func serverErrorsCarryTheirFields() async throws {
        try await withClient(maxConnections: 1) { client in
            let error = await #expect(throws: PostgresError.self) {
                try await client.query("""
                    DO $$ BEGIN
                      RAISE EXCEPTION 'job % failed', 42 USING ERRCODE = 'P0001', DETAIL = 'the detail', HINT = 'the hint';
                    END $$
                    """)
            }
            #expect(error?.sqlState == "P0001")
            #expect(error?.message == "job 42 failed")
            #expect(error?.detail == "the detail")
            #expect(error?.hint == "the hint")
            #expect(error?.severity == "ERROR")
            #expect(error?.description.contains("P0001: job 42 failed; detail: the detail; hint: the hint") == true)
            #expect(error?.isUniqueViolation == false)
        }
    }

    @Test func uniqueViolationsAreRecognisable() async throws {
        try await withClient(maxConnections: 1) { client in
            try await withScratchTable(client, columns: "id int PRIMARY KEY") { table in
                try await client.execute("INSERT INTO \(identifier: table) VALUES (1)")
                let error = await #expect(throws: PostgresError.self) {
                    try await client.execute("INSERT INTO \(identifier: table) VALUES (1)")
                }
                #expect(error?.isUniqueViolation == true)
                #expect(error?.sqlState == "23505")
                #expect(error?.constraintName == "\(table)_pkey")
                #expect(error?.tableName == table)
                #expect(error?.detail == "Key (id)=(1) already exists.")
                #expect(error?.query?.contains("INSERT INTO") == true)
            }
        }
    }

    @Test(arguments: [
        ("serialization_failure", "40001"),
        ("deadlock_detected", "40P01"),
        ("query_canceled", "57014"),
        ("foreign_key_violation", "23503"),
    ])
    func transactionFailuresAreRecognisable(condition: String, sqlState: String) async throws {
        try await withClient(maxConnections: 1) { client in
            let error = await #expect(throws: PostgresError.self) {
                try await client.query(PostgresQuery(unsafeSQL: "DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '\(condition)'; END $$"))
            }
            #expect(error?.sqlState == sqlState)
            #expect(error?.isSerializationFailure == (sqlState == "40001"))
            #expect(error?.isDeadlock == (sqlState == "40P01"))
            #expect(error?.isRetryableTransactionFailure == (sqlState == "40001" || sqlState == "40P01"))
            #expect(error?.isQueryCanceled == (sqlState == "57014"))
            #expect(error?.isForeignKeyViolation == (sqlState == "23503"))
        }
    }

    @Test func syntaxErrorsGiveAPosition() async throws {
        try await withClient(maxConnections: 1) { client in
            let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT 1 FROM WHERE") }
            #expect(error?.sqlState == "42601")
            #expect(error?.position == 15)
        }
    }

    @Test func decodeErrorsNameTheColumnAndTypes() async throws {
        try await withClient(maxConnections: 1) { client in
            let rows = try await client.query("SELECT 3::int4 AS attempt, NULL::text AS name, 'zz'::text AS label")
            let row = rows[0]
            let mismatch = #expect(throws: PostgresError.self) { try row.decode(UUID.self, column: "attempt") }
            #expect(mismatch?.description == #"column "attempt" (int4) cannot be decoded as UUID"#)
            #expect(mismatch?.isDecodingError == true)
            let null = #expect(throws: PostgresError.self) { try row.decode(String.self, column: "name") }
            #expect(null?.description.contains(#"column "name" (text) is NULL"#) == true)
            #expect(try row.decode(String?.self, column: "name") == nil)
            let byIndex = #expect(throws: PostgresError.self) { try row.decode(Int.self, at: 2) }
            #expect(byIndex?.description == #"column "label" (text) cannot be decoded as Int"#)
            let missing = #expect(throws: PostgresError.self) { try row.decode(Int.self, column: "nope") }
            #expect(missing?.description == #"no column "nope" in the result (columns: "attempt", "name", "label")"#)
            let outOfRange = #expect(throws: PostgresError.self) { try row.decode(Int.self, at: 3) }
            #expect(outOfRange?.description.contains("column index 3 out of range") == true)
            let bad = try await client.query("SELECT 'not a uuid'::text::varchar AS v, '{{a},{b}}'::text[] AS grid")
            let grid = #expect(throws: PostgresError.self) { try bad[0].decode([String].self, column: "grid") }
            #expect(grid?.description.contains("multi-dimensional") == true)
        }
    }

    @Test func connectionFailuresNameTheTargetButNotThePassword() async throws {
        let client = try PostgresClient(configuration: PostgresConfiguration(
            connectionString: "postgresql://someone:SuperSecret42@127.0.0.1:1/nowhere", maxConnections: 1
        ))
        let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
        await client.close()
        let text = try #require(error?.description)
        #expect(error?.isConnectionFailure == true)
        #expect(text.contains("host 127.0.0.1"), "\(text)")
        #expect(text.contains("port 1"), "\(text)")
        #expect(text.contains("database nowhere"), "\(text)")
        #expect(text.contains("user someone"), "\(text)")
        #expect(!text.contains("SuperSecret42"), "\(text)")
    }

    @Test func invalidConnectionStringsAreRejectedUpFront() {
        let error = #expect(throws: PostgresError.self) {
            try PostgresClient(configuration: PostgresConfiguration(connectionString: "host=x bogus_option=1"))
        }
        #expect(error?.description.contains("bogus_option") == true)
        #expect(throws: PostgresError.self) {
            try PostgresClient(configuration: PostgresConfiguration(connectionString: "host=x", maxConnections: 0))
        }
    }

    @Test func nulCharactersInTextAreRejectedNotTruncated() async throws {
        try await withClient(maxConnections: 1) { client in
            let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT \("a\u{0}b")") }
            #expect(error?.description.contains("parameter $1 (String)") == true)
        }
    }

    @Test func serverNoticesGoToTheLogger() async throws {
        let handler = CapturingLogHandler()
        let logger = Logger(label: "test", factory: { _ in handler })
        try await withClient(maxConnections: 1, logger: logger) { client in
            _ = try await client.query("DO $$ BEGIN RAISE NOTICE 'hello from %', 'plpgsql'; RAISE WARNING 'careful'; END $$")
        }
        let notices = handler.entries.filter { $0.metadata["postgres.severity"] != nil }
        #expect(notices.map(\.message) == ["hello from plpgsql", "careful"])
        #expect(notices.map(\.level) == [.notice, .warning])
    }
}
