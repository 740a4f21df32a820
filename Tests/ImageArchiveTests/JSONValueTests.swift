import Testing
@testable import ImageArchive

@Suite("JSON value")
struct JSONValueTests {
    func roundTrip(_ text: String) throws -> String {
        String(decoding: try JSONValue(parsing: Array(text.utf8)).serialized(), as: UTF8.self)
    }

    @Test func numbersKeepTheirLiteralText() throws {
        let text = #"{"a":1.0,"b":1,"c":12345678901234567890123,"d":-0.5e-10,"e":1E+2,"f":0}"#
        #expect(try roundTrip(text) == text)
    }

    @Test func memberOrderAndDuplicatesArePreserved() throws {
        let text = #"{"z":1,"a":{"y":[],"b":{}},"z":2,"m":null,"t":true,"f":false}"#
        #expect(try roundTrip(text) == text)
        #expect(try JSONValue(parsing: Array(text.utf8))["z"] == .number("2"))
    }

    @Test func goStyleEscapingRoundTrips() throws {
        // Go's encoding/json output: HTML-safe escapes, \n \r \t, \u00XX for other controls.
        let text = #"{"s":"a\"b\\c\n\r\t\u0001\u003cx\u003e\u0026 é 日本 😀 \u2028"}"#
        #expect(try roundTrip(text) == text)
    }

    @Test func escapesDecode() throws {
        let value = try JSONValue(parsing: Array(#"["\/\b\f\ud83d\ude00\ud800x"]"#.utf8))
        #expect(value == .array([.string("/\u{8}\u{c}😀\u{FFFD}x")]))
    }

    @Test func whitespaceIsDroppedOnReserialization() throws {
        #expect(try roundTrip(" { \"a\" : [ 1 , 2 ] }\n") == #"{"a":[1,2]}"#)
    }

    @Test func malformedInputNamesTheOffset() throws {
        for bad in ["{", #"{"a" 1}"#, "[1,]", "01", "1.", "-", #""\x""#, "tru", "[1] x", "\"a\nb\"", "{1:2}"] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue(parsing: Array(bad.utf8)) }
        }
        do { _ = try JSONValue(parsing: Array("[1, 2, oops]".utf8)) } catch let e as JSONParseError {
            #expect(e.offset == 7)
            #expect(e.description.contains("byte 7"))
        }
    }

    @Test func settingReplacesInPlaceOrAppends() {
        let v = JSONValue.object([JSONMember(key: "a", value: .number("1")), JSONMember(key: "b", value: .null)])
        #expect(v.setting("a", to: .bool(true)) == .object([JSONMember(key: "a", value: .bool(true)), JSONMember(key: "b", value: .null)]))
        #expect(v.setting("c", to: .string("x"))["c"] == .string("x"))
    }
}
