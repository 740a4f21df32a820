import Foundation

extension JSONEncoder {
    /// An encoder for the coordinator's HTTP API.
    ///
    /// Dates are written as ISO-8601 in UTC (`2024-05-01T12:00:00Z`, with up to six fractional
    /// digits when the date has a fractional part: microseconds, PostgreSQL's precision).
    /// Keys are sorted so that equal messages encode to equal bytes, and slashes are not escaped.
    /// UUIDs are written in lower case, wherever they are nested.
    /// A new instance is returned on each access because `JSONEncoder` is a mutable class.
    public static var flattenProtocol: JSONEncoder {
        let encoder = FlattenProtocolJSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601Timestamp.format(date))
        }
        return encoder
    }
}

extension JSONDecoder {
    /// A decoder for the coordinator's HTTP API.
    ///
    /// Dates are read as ISO-8601 date-times with or without fractional seconds (any number of
    /// digits, kept to the microsecond) and with `Z` or a numeric offset (`+02:00`, `+0200`).
    /// A date in any other form fails with a `DecodingError` naming the field and the value.
    /// A new instance is returned on each access because `JSONDecoder` is a mutable class.
    public static var flattenProtocol: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let string = try container.decode(String.self)
            guard let date = ISO8601Timestamp.parse(string) else {
                throw DecodingError.described(
                    in: container,
                    "invalid date \(String(reflecting: string)) at \(decoder.codingPath.renderedPath); expected an ISO-8601 date-time such as \"2024-05-01T12:00:00Z\""
                )
            }
            return date
        }
        return decoder
    }
}
