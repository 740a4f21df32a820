import Foundation
import Testing
@testable import FlattenProtocol

@Suite struct MinSavingsTests {
    @Test(arguments: [
        ("12345", MinSavings.bytes(12_345)),
        ("0", .bytes(0)),
        ("100MB", .bytes(100_000_000)),
        ("100 mb", .bytes(100_000_000)),
        ("1.5GB", .bytes(1_500_000_000)),
        ("2KiB", .bytes(2048)),
        ("1GiB", .bytes(1 << 30)),
        ("7B", .bytes(7)),
        ("3kB", .bytes(3000)),
        ("10%", .percent(10)),
        ("12.5%", .percent(12.5)),
        (" 0% ", .percent(0)),
        ("100%", .percent(100)),
    ])
    func parses(text: String, expected: MinSavings) throws {
        #expect(try MinSavings(parsing: text) == expected)
        #expect(try decode(MinSavings.self, "\"\(text)\"") == expected)
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("abc", "unknown unit \"abc\""),
        ("10XB", "unknown unit \"XB\""),
        ("-5", "unknown unit \"-5\""),
        ("101%", "a percentage must be between 0 and 100"),
        ("-1%", "a percentage must be between 0 and 100"),
        ("x%", "the percentage is not a number"),
        ("1.2.3MB", "expected a byte count"),
        ("99999999999TB", "the amount is too large"),
    ])
    func rejects(text: String, reason: String) {
        #expect {
            try MinSavings(parsing: text)
        } throws: { error in
            "\(error)".hasPrefix("invalid minimum savings \"\(text)\": ") && "\(error)".contains(reason)
        }
    }

    @Test func encodesAsStringAndReadsBareIntegers() throws {
        struct Box: Codable, Equatable { var minSavings: MinSavings }
        let data = try JSONEncoder.flattenProtocol.encode(Box(minSavings: .bytes(100_000_000)))
        #expect(String(decoding: data, as: UTF8.self) == #"{"minSavings":"100000000"}"#)
        #expect(try decode(Box.self, #"{"minSavings":4096}"#) == Box(minSavings: .bytes(4096)))
        #expect(MinSavings.percent(10).description == "10%")
        #expect(MinSavings.percent(12.5).description == "12.5%")
        #expect(try roundTrip(Box(minSavings: .percent(12.5))) == Box(minSavings: .percent(12.5)))

        let negative = try #require(decodingFailure(Box.self, #"{"minSavings":-1}"#))
        #expect(negative == "invalid minimum savings -1 at minSavings: must not be negative")
        let bad = try #require(decodingFailure(Box.self, #"{"minSavings":"lots"}"#))
        #expect(bad.hasPrefix(#"minSavings: invalid minimum savings "lots": unknown unit"#))
    }

    @Test func isSatisfied() {
        #expect(MinSavings.bytes(100).isSatisfied(originalSize: 1000, newSize: 900))
        #expect(!MinSavings.bytes(101).isSatisfied(originalSize: 1000, newSize: 900))
        #expect(MinSavings.percent(10).isSatisfied(originalSize: 1000, newSize: 900))
        #expect(!MinSavings.percent(10.1).isSatisfied(originalSize: 1000, newSize: 900))
        #expect(!MinSavings.percent(1).isSatisfied(originalSize: 1000, newSize: 1100))
        #expect(!MinSavings.percent(1).isSatisfied(originalSize: 0, newSize: 0))
        #expect(MinSavings.percent(0).isSatisfied(originalSize: 0, newSize: 0))
    }
}
