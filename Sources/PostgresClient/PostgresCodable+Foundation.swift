import Foundation

// Conformances of Foundation's value types.

extension UUID: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .uuid }

    public func postgresParameter() throws -> PostgresParameter { .text(uuidString) }

    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        guard type == .uuid else { throw .typeMismatch }
        guard let value = UUID(uuidString: text) else { throw .invalidValue("\"\(text)\" is not a UUID") }
        self = value
    }
}

extension Date: PostgresEncodable, PostgresDecodable {
    /// Sent as `timestamptz` in UTC with microsecond precision (PostgreSQL's own precision).
    public static var postgresType: PostgresDataType { .timestamptz }

    public func postgresParameter() throws -> PostgresParameter { .text(PostgresTimestamp.format(self)) }

    /// Reads `timestamptz`, and `timestamp` taken as UTC. `infinity` becomes `distantFuture`.
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        guard type == .timestamptz || type == .timestamp else { throw .typeMismatch }
        guard let value = PostgresTimestamp.parse(text) else {
            throw .invalidValue("\"\(text)\" is not an ISO timestamp (is DateStyle ISO?)")
        }
        self = value
    }
}

extension Data: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .bytea }

    public func postgresParameter() throws -> PostgresParameter { .binary([UInt8](self)) }

    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        self = Data(try PostgresBytea.decode(text, type: type))
    }
}

extension UInt8: PostgresArrayElement {
    /// `[UInt8]` is binary data, like `Data`.
    public static var postgresArrayType: PostgresDataType { .bytea }

    public static func postgresArrayParameter(_ elements: [UInt8]) throws -> PostgresParameter { .binary(elements) }

    public static func postgresArray(text: String, type: PostgresDataType) throws(PostgresDecodingFailure) -> [UInt8] {
        try PostgresBytea.decode(text, type: type)
    }
}

/// `bytea`'s text output: `\x0a1b…` (hex, the default) or the older escape format.
enum PostgresBytea {
    static func decode(_ text: String, type: PostgresDataType) throws(PostgresDecodingFailure) -> [UInt8] {
        guard type == .bytea else { throw .typeMismatch }
        let utf8 = Array(text.utf8)
        if utf8.starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "x")]) {
            guard utf8.count % 2 == 0 else { throw .invalidValue("odd number of hex digits in bytea") }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(utf8.count / 2 - 1)
            var index = 2
            while index < utf8.count {
                guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else {
                    throw .invalidValue("invalid hex digit in bytea")
                }
                bytes.append(high << 4 | low)
                index += 2
            }
            return bytes
        }
        var bytes: [UInt8] = []
        var index = 0
        while index < utf8.count {
            if utf8[index] != UInt8(ascii: "\\") {
                bytes.append(utf8[index])
                index += 1
            } else if index + 1 < utf8.count, utf8[index + 1] == UInt8(ascii: "\\") {
                bytes.append(UInt8(ascii: "\\"))
                index += 2
            } else if index + 3 < utf8.count, let value = octal(utf8[(index + 1)...(index + 3)]) {
                bytes.append(value)
                index += 4
            } else {
                throw .invalidValue("invalid escape in bytea")
            }
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(digit) else { return nil }
            value = value * 8 + Int(digit - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
