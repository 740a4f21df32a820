import Foundation
import Testing
@testable import FlattenProtocol

@Suite struct DateCodingTests {
    struct Box: Codable, Equatable { var at: Date }

    @Test(arguments: [
        (1_714_564_800.0, "2024-05-01T12:00:00Z"),
        (1_714_564_805.25, "2024-05-01T12:00:05.25Z"),
        (0.0, "1970-01-01T00:00:00Z"),
        (951_782_400.0, "2000-02-29T00:00:00Z"),
        (-1.5, "1969-12-31T23:59:58.5Z"),
        (4_102_444_799.000001, "2099-12-31T23:59:59.000001Z"),
    ])
    func writesUTC(seconds: Double, text: String) throws {
        let data = try JSONEncoder.flattenProtocol.encode(Box(at: Date(timeIntervalSince1970: seconds)))
        #expect(String(decoding: data, as: UTF8.self) == #"{"at":"\#(text)"}"#)
        let decoded = try decode(Box.self, #"{"at":"\#(text)"}"#)
        #expect(abs(decoded.at.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test(arguments: [
        ("2024-05-01T12:00:00Z", 1_714_564_800.0),
        ("2024-05-01T12:00:00.5Z", 1_714_564_800.5),
        ("2024-05-01T12:00:00.123456789Z", 1_714_564_800.123456),
        ("2024-05-01T14:00:00+02:00", 1_714_564_800.0),
        ("2024-05-01T07:30:00-0430", 1_714_564_800.0),
        ("2024-05-01t12:00:00z", 1_714_564_800.0),
    ])
    func acceptsISO8601Forms(text: String, seconds: Double) throws {
        let decoded = try decode(Box.self, #"{"at":"\#(text)"}"#)
        #expect(abs(decoded.at.timeIntervalSince1970 - seconds) < 0.000_000_5)
    }

    @Test(arguments: [
        "2024-05-01", "2024-05-01 12:00:00Z", "2024-05-01T12:00:00", "2024-13-01T12:00:00Z",
        "2023-02-29T12:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:00:00.Z", "1714564800",
        "2024-05-01T12:00:00Zjunk",
    ])
    func rejectsOtherForms(text: String) throws {
        let failure = try #require(decodingFailure(Box.self, #"{"at":"\#(text)"}"#))
        #expect(failure == #"invalid date "\#(text)" at at; expected an ISO-8601 date-time such as "2024-05-01T12:00:00Z""#)
    }

    @Test func decodedDatesRoundTripExactly() throws {
        for text in ["2024-05-01T12:00:05.123457Z", "2031-11-30T01:02:03.9Z", "2024-05-01T12:00:05.000001Z"] {
            let decoded = try decode(Box.self, #"{"at":"\#(text)"}"#)
            let again = try roundTrip(decoded)
            #expect(again == decoded)
            let data = try JSONEncoder.flattenProtocol.encode(again)
            #expect(String(decoding: data, as: UTF8.self) == #"{"at":"\#(text)"}"#)
        }
    }
}
