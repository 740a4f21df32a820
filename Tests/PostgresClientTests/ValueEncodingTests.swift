import Foundation
import Testing
@testable import PostgresClient

/// The pure parts of value handling: no server needed.
@Suite struct ValueEncodingTests {
    @Test func interpolatedValuesBecomeNumberedParameters() throws {
        let name = "x'); DROP TABLE t; --"
        let limit = 5
        let query: PostgresQuery = "SELECT * FROM \(identifier: "my \"table\"") WHERE name = \(name) AND n < \(limit) \(unescaped: "ORDER BY 1")"
        #expect(query.sql == "SELECT * FROM \"my \"\"table\"\"\" WHERE name = $1 AND n < $2 ORDER BY 1")
        #expect(query.bindings.count == 2)
        #expect(!query.description.contains("DROP"))
        let values = query.bindings.values.map { try? $0.value.get() }
        #expect(values == [.text(name), .text("5")])
        #expect(query.bindings.values.map(\.type) == [.text, .int8])
    }

    @Test func nilBindsATypedNull() throws {
        let missing: UUID? = nil
        let query: PostgresQuery = "SELECT \(missing)"
        #expect(query.sql == "SELECT $1")
        #expect(query.bindings.values[0].type == .uuid)
        #expect(try query.bindings.values[0].value.get() == .null)
    }

    @Test(arguments: [
        (0, "1970-01-01 00:00:00.000000+00"),
        (1_709_210_096_789_012, "2024-02-29 12:34:56.789012+00"),
        (-1, "1969-12-31 23:59:59.999999+00"),
        (-62_135_596_800_000_000, "0001-01-01 00:00:00.000000+00"),
        (-62_135_596_801_000_000, "0001-12-31 23:59:59.000000+00 BC"),
        (253_402_300_799_000_000, "9999-12-31 23:59:59.000000+00"),
    ] as [(Int64, String)])
    func timestampsFormatAndParse(micros: Int64, text: String) throws {
        let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        #expect(PostgresTimestamp.format(date) == text)
        #expect(PostgresTimestamp.parse(text) == date)
    }

    @Test func timestampOffsetsAndShortFractionsParse() {
        let utc = PostgresTimestamp.parse("2024-05-06 07:08:09.5+00")
        #expect(utc == Date(timeIntervalSince1970: 1_714_979_289.5))
        #expect(PostgresTimestamp.parse("2024-05-06 12:38:09.5+05:30") == utc)
        #expect(PostgresTimestamp.parse("2024-05-06 03:08:09.5-04") == utc)
        #expect(PostgresTimestamp.parse("2024-05-06 07:08:09.5") == utc)  // timestamp without zone: UTC
        #expect(PostgresTimestamp.parse("infinity") == .distantFuture)
        #expect(PostgresTimestamp.parse("05/06/2024 07:08:09") == nil)
        #expect(PostgresTimestamp.parse("2024-13-06 07:08:09+00") == nil)
    }

    @Test func textArraysQuoteEveryElementAndParseBack() throws {
        let elements = ["a", "b,c", "\"q\"", "back\\slash", "NULL", "", " spaced ", "{braces}", "🚀"]
        let literal = PostgresTextArray.format(elements)
        #expect(literal == #"{"a","b,c","\"q\"","back\\slash","NULL",""," spaced ","{braces}","🚀"}"#)
        #expect(try PostgresTextArray.parse(literal) == elements)
        #expect(try PostgresTextArray.parse("{}") == [])
        #expect(try PostgresTextArray.parse("{a,NULL,\"NULL\",b c}") == ["a", nil, "NULL", "b c"])
        #expect(try PostgresTextArray.parse("[0:1]={x,y}") == ["x", "y"])
        #expect(throws: PostgresTextArray.ParseError.self) { try PostgresTextArray.parse("{{a},{b}}") }
        #expect(throws: PostgresTextArray.ParseError.self) { try PostgresTextArray.parse("{\"open}") }
    }

    @Test func textArraysWriteNilAsAnUnquotedNull() throws {
        let elements: [String?] = ["a", nil, "NULL", nil, ""]
        let literal = PostgresTextArray.format(elements)
        #expect(literal == #"{"a",NULL,"NULL",NULL,""}"#)
        #expect(try PostgresTextArray.parse(literal) == elements)
        #expect(PostgresTextArray.format([String?]()) == "{}")
    }

    @Test func byteaReadsHexAndEscapeFormats() throws {
        #expect(try PostgresBytea.decode("\\x00ff10", type: .bytea) == [0, 255, 16])
        #expect(try PostgresBytea.decode("\\x", type: .bytea) == [])
        #expect(try PostgresBytea.decode("a\\\\b\\000\\377", type: .bytea) == [97, 92, 98, 0, 255])
        #expect(throws: PostgresDecodingFailure.self) { try PostgresBytea.decode("\\x0g", type: .bytea) }
        #expect(throws: PostgresDecodingFailure.typeMismatch) { try PostgresBytea.decode("\\x00", type: .text) }
    }

    @Test func decodingChecksTheColumnType() throws {
        #expect(throws: PostgresDecodingFailure.typeMismatch) { try UUID(postgresText: "1", type: .int4) }
        #expect(throws: PostgresDecodingFailure.typeMismatch) { try Int32(postgresText: "1", type: .int8) }
        #expect(throws: PostgresDecodingFailure.typeMismatch) { try String(postgresText: "1", type: .int4) }
        #expect(throws: PostgresDecodingFailure.unexpectedNull) { try Int.postgresNull() }
        #expect(try String(postgresText: "queued", type: PostgresDataType(oid: 16_500)) == "queued")  // an enum
        #expect(try Int?.postgresNull() == nil)
    }

    @Test func doublesUsePostgresSpellingsForSpecialValues() throws {
        #expect(try Double.infinity.postgresParameter() == .text("Infinity"))
        #expect(try (-Double.infinity).postgresParameter() == .text("-Infinity"))
        #expect(try Double.nan.postgresParameter() == .text("NaN"))
        #expect(try Double(postgresText: "-Infinity", type: .float8) == -.infinity)
    }

    @Test func jsonEncodingFailureIsReportedWhenTheQueryRuns() {
        // A Double that JSON cannot represent fails at encoding; interpolation keeps the error.
        let query: PostgresQuery = "SELECT \(PostgresJSON(["x": Double.nan]))"
        guard case .failure(let failure) = query.bindings.values[0].value else {
            Issue.record("expected an encoding failure")
            return
        }
        #expect(!failure.message.isEmpty)
    }

    @Test func advisoryLockKeysAreStable() {
        #expect(PostgresClient.advisoryLockKey(for: "flatten.migrations") == PostgresClient.advisoryLockKey(for: "flatten.migrations"))
        #expect(PostgresClient.advisoryLockKey(for: "a") != PostgresClient.advisoryLockKey(for: "b"))
        // FNV-1a 64 of the empty string is its offset basis.
        #expect(PostgresClient.advisoryLockKey(for: "") == Int64(bitPattern: 0xcbf2_9ce4_8422_2325))
    }

    @Test func passwordsAreRedactedFromMessages() {
        let message = LibPQConnection.redactPassword(
            in: "failed for s3cr%t and s3cr%25t",
            connectionString: "postgresql://u:s3cr%25t@h/db"
        )
        #expect(!message.contains("s3cr"))
        let keyValue = LibPQConnection.redactPassword(in: "bad hunter2", connectionString: "host=h password=hunter2")
        #expect(keyValue == "bad ********")
    }
}
