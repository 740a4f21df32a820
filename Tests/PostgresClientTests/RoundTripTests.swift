import Foundation
import Testing
@testable import PostgresClient

/// Every supported type goes to the server and back unchanged, NULLs included, and values
/// never become SQL.
@Suite struct RoundTripTests {
    struct Payload: Codable, Equatable, Sendable {
        var name: String
        var tags: [String]
        var counts: [String: Int]
        var note: String?
    }

    /// Statements are prepared once per connection; a script that makes the server forget
    /// them (`DEALLOCATE ALL`) must not break the next run of the same statement.
    @Test func aStatementTheServerForgotIsPreparedAgain() async throws {
        try await withClient(maxConnections: 1) { client in
            try await client.withConnection { connection in
                let first = try await connection.query("SELECT \(41)::int + 1 AS answer")
                #expect(try first[0].decode(Int.self, column: "answer") == 42)
                try await connection.executeScript("DEALLOCATE ALL")
                let again = try await connection.query("SELECT \(41)::int + 1 AS answer")
                #expect(try again[0].decode(Int.self, column: "answer") == 42)
                let prepared = try await connection.query("SELECT count(*) AS n FROM pg_prepared_statements")
                #expect(try prepared[0].decode(Int.self, column: "n") >= 1, "the statement was not prepared again")
            }
        }
    }

    /// A generic plan made when a table was small must not outlive its growth: after
    /// `firstReplanAfterExecutions` runs the statement is prepared afresh, and the old one freed.
    @Test func aStatementIsPreparedAfreshAfterManyExecutions() async throws {
        try await withClient(maxConnections: 1) { client in
            try await client.withConnection { connection in
                func preparedNames() async throws -> [String] {
                    let rows = try await connection.query(
                        "SELECT name FROM pg_prepared_statements WHERE statement LIKE \("%AS replanned%") ORDER BY name")
                    return try rows.map { try $0.decode(String.self, column: "name") }
                }
                _ = try await connection.query("SELECT \(1)::int AS replanned")
                let first = try await preparedNames()
                #expect(first.count == 1)
                for value in 0..<LibPQConnection.firstReplanAfterExecutions {
                    _ = try await connection.query("SELECT \(value)::int AS replanned")
                }
                let later = try await preparedNames()
                #expect(later.count == 1, "the old statement should be deallocated: \(later)")
                #expect(later != first, "the statement should have been prepared afresh")
            }
        }
    }

    @Test func everyTypeRoundTripsThroughATableIncludingNulls() async throws {
        try await withClient { client in
            try await withScratchTable(client, columns: """
                id int PRIMARY KEY, s text, i int8, i32 int4, b bool, d float8, u uuid, t timestamptz,
                data bytea, bytes bytea, arr text[], j jsonb
                """) { table in
                let s = "O'Brien \"quoted\" \\ back 🚀 ü\n\ttab"
                let i = Int.min
                let i32 = Int32.max
                let b = true
                let d = 1234.5678e-300
                let u = UUID()
                let t = Date(timeIntervalSince1970: 1_709_210_096.789012)
                let data = Data((0...255).map { UInt8($0) })
                let bytes: [UInt8] = [0, 1, 2, 0xfe, 0xff]
                let arr = ["a", "b,c", "\"q\"", "back\\slash", "NULL", "", " spaced ", "{braces}"]
                let j = PostgresJSON(Payload(name: "x", tags: ["a", "b"], counts: ["n": 3], note: nil))
                try await client.execute("""
                    INSERT INTO \(identifier: table) (id, s, i, i32, b, d, u, t, data, bytes, arr, j)
                    VALUES (1, \(s), \(i), \(i32), \(b), \(d), \(u), \(t), \(data), \(bytes), \(arr), \(j))
                    """)
                let none: (String?, Int?, Int32?, Bool?, Double?, UUID?, Date?, Data?, [UInt8]?, [String]?, PostgresJSON<Payload>?) =
                    (nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)
                try await client.execute("""
                    INSERT INTO \(identifier: table) (id, s, i, i32, b, d, u, t, data, bytes, arr, j)
                    VALUES (2, \(none.0), \(none.1), \(none.2), \(none.3), \(none.4), \(none.5), \(none.6), \(none.7), \(none.8), \(none.9), \(none.10))
                    """)

                let rows = try await client.query("SELECT * FROM \(identifier: table) ORDER BY id")
                #expect(rows.count == 2)
                let row = rows[0]
                #expect(try row.decode(String.self, column: "s") == s)
                #expect(try row.decode(Int.self, column: "i") == i)
                #expect(try row.decode(Int32.self, column: "i32") == i32)
                #expect(try row.decode(Bool.self, column: "b") == b)
                #expect(try row.decode(Double.self, column: "d") == d)
                #expect(try row.decode(UUID.self, column: "u") == u)
                #expect(try row.decode(Date.self, column: "t") == t)
                #expect(try row.decode(Data.self, column: "data") == data)
                #expect(try row.decode([UInt8].self, column: "bytes") == bytes)
                #expect(try row.decode([String].self, column: "arr") == arr)
                #expect(try row.decode(PostgresJSON<Payload>.self, column: "j") == j)

                let nulls = rows[1]
                for column in ["s", "i", "i32", "b", "d", "u", "t", "data", "bytes", "arr", "j"] {
                    #expect(try nulls.isNull(column: column), "column \(column) should be NULL")
                }
                #expect(try nulls.decode(String?.self, column: "s") == nil)
                #expect(try nulls.decode(Int?.self, column: "i") == nil)
                #expect(try nulls.decode(Int32?.self, column: "i32") == nil)
                #expect(try nulls.decode(Bool?.self, column: "b") == nil)
                #expect(try nulls.decode(Double?.self, column: "d") == nil)
                #expect(try nulls.decode(UUID?.self, column: "u") == nil)
                #expect(try nulls.decode(Date?.self, column: "t") == nil)
                #expect(try nulls.decode(Data?.self, column: "data") == nil)
                #expect(try nulls.decode([UInt8]?.self, column: "bytes") == nil)
                #expect(try nulls.decode([String]?.self, column: "arr") == nil)
                #expect(try nulls.decode(PostgresJSON<Payload>?.self, column: "j") == nil)
                // The optionals' NULLs went typed: the server knows them as the column types.
                let present = try await client.query("SELECT \(Optional("x")) IS NOT NULL AS yes, \(UUID?.none)::uuid IS NULL AS no")
                #expect(try present[0].decode(Bool.self, column: "yes"))
                #expect(try present[0].decode(Bool.self, column: "no"))
            }
        }
    }

    @Test func theServerReadsValuesAsTheirMeaning() async throws {
        try await withClient { client in
            let date = Date(timeIntervalSince1970: -86_400 * 365.25 * 30 + 0.000001)  // before 1970
            let data: [UInt8] = [0, 0x10, 0xab, 0xff]
            let rows = try await client.query("""
                SELECT extract(epoch FROM \(date))::float8 AS epoch,
                       encode(\(data), 'hex') AS hex,
                       array_length(\(["a", "b,c", "d"]), 1) AS n,
                       \(PostgresJSON(["k": [1, 2]]))->'k'->>1 AS second,
                       \(Int.max) = 9223372036854775807 AS max_ok,
                       \(Double.infinity) = 'Infinity'::float8 AS inf_ok
                """)
            let row = rows[0]
            #expect(try abs(row.decode(Double.self, column: "epoch") - date.timeIntervalSince1970) < 0.000_001)
            #expect(try row.decode(String.self, column: "hex") == "0010abff")
            #expect(try row.decode(Int.self, column: "n") == 3)
            #expect(try row.decode(String.self, column: "second") == "2")
            #expect(try row.decode(Bool.self, column: "max_ok"))
            #expect(try row.decode(Bool.self, column: "inf_ok"))
        }
    }

    @Test func nullableTextArraysKeepTheirNullsThroughTheServer() async throws {
        try await withClient { client in
            let elements: [String?] = ["a", nil, "NULL", "", nil]
            let rows = try await client.query("""
                SELECT \(elements) AS arr,
                       array_position(\(elements), NULL) AS first_null,
                       (SELECT count(*) FROM unnest(\(elements)) AS e WHERE e IS NULL) AS nulls
                """)
            #expect(try rows[0].decode([String?].self, column: "arr") == elements)
            #expect(try rows[0].decode(Int.self, column: "first_null") == 2)
            #expect(try rows[0].decode(Int.self, column: "nulls") == 2)
        }
    }

    @Test(arguments: ["", "plain", "NULL", "'); DROP TABLE x; --", "$1", "\\x00", "tab\tnew\nline", "ünï©ødé 🚀", String(repeating: "long ", count: 20_000)])
    func stringsEchoUnchanged(_ value: String) async throws {
        try await withClient(maxConnections: 1) { client in
            let rows = try await client.query("SELECT \(value) AS v, \(value)::varchar AS vc, length(\(value)) AS n")
            #expect(try rows[0].decode(String.self, column: "v") == value)
            #expect(try rows[0].decode(String.self, column: "vc") == value)
            #expect(try rows[0].decode(Int.self, column: "n") == value.count)
        }
    }

    @Test(arguments: [0, 1, -1, 1.5, .pi, 1e-300, 1e300, .greatestFiniteMagnitude, .leastNonzeroMagnitude, .infinity, -.infinity] as [Double])
    func doublesEchoExactly(_ value: Double) async throws {
        try await withClient(maxConnections: 1) { client in
            let rows = try await client.query("SELECT \(value) AS v")
            #expect(try rows[0].decode(Double.self, column: "v") == value)
        }
    }

    @Test func nanAndExtremeIntegersEcho() async throws {
        try await withClient(maxConnections: 1) { client in
            let rows = try await client.query("SELECT \(Double.nan) AS nan, \(Int.min) AS min, \(Int.max) AS max, \(Int32.min) AS min32, \(false) AS f")
            #expect(try rows[0].decode(Double.self, column: "nan").isNaN)
            #expect(try rows[0].decode(Int.self, column: "min") == .min)
            #expect(try rows[0].decode(Int.self, column: "max") == .max)
            #expect(try rows[0].decode(Int32.self, column: "min32") == .min)
            #expect(try rows[0].decode(Bool.self, column: "f") == false)
        }
    }

    @Test(arguments: [
        0, 1_709_210_096_789_012, -1, -2_208_988_800_000_000, -62_135_596_800_000_000,
        -62_135_596_801_000_000, 253_402_300_799_000_000,
    ] as [Int64])
    func datesEchoToTheMicrosecond(_ micros: Int64) async throws {
        try await withClient(maxConnections: 1) { client in
            let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
            let rows = try await client.query("SELECT \(date) AS t, (\(date) AT TIME ZONE 'UTC') AS local")
            #expect(try rows[0].decode(Date.self, column: "t") == date)
            #expect(try rows[0].decode(Date.self, column: "local") == date)
        }
    }

    @Test func datesDecodeInAnySessionTimeZone() async throws {
        try await withClient(maxConnections: 1) { client in
            let date = Date(timeIntervalSince1970: 1_714_979_289.123456)
            try await client.withConnection { connection in
                try await connection.query("SET TimeZone TO 'Asia/Kolkata'")
                let rows = try await connection.query("SELECT \(date) AS t, \(date)::text AS shown")
                #expect(try rows[0].decode(String.self, column: "shown").hasSuffix("+05:30"))
                #expect(try rows[0].decode(Date.self, column: "t") == date)
                try await connection.query("RESET TimeZone")
            }
        }
    }

    @Test func injectionAttemptsStayData() async throws {
        try await withClient { client in
            try await withScratchTable(client, columns: "id serial PRIMARY KEY, v text") { table in
                let attacks = [
                    "'); DROP TABLE \(table); --",
                    "\"; DROP TABLE \(table); --",
                    "x' OR '1'='1",
                    "$$; DROP TABLE \(table); $$",
                    "\\'; DROP TABLE \(table); --",
                ]
                for attack in attacks {
                    try await client.execute("INSERT INTO \(identifier: table) (v) VALUES (\(attack))")
                }
                let rows = try await client.query("SELECT v FROM \(identifier: table) ORDER BY id")
                #expect(try rows.map { try $0.decode(String.self, column: "v") } == attacks)
                let matches = try await client.query("SELECT count(*) FROM \(identifier: table) WHERE v = \("x' OR '1'='1")")
                #expect(try matches[0].decode(Int.self, at: 0) == 1)

                // A hostile identifier is quoted into one (odd) name, not into SQL.
                let hostileName = "\(table)\"; DROP TABLE \(table); --"
                try await client.query("CREATE TABLE \(identifier: hostileName) (x int)")
                try await client.query("DROP TABLE \(identifier: hostileName)")

                let survived = try await client.query("SELECT to_regclass(\(table)) IS NOT NULL AS present")
                #expect(try survived[0].decode(Bool.self, column: "present"))
            }
        }
    }
}
