// Conformances of the standard library's value types.

extension String: PostgresEncodable, PostgresDecodable {
    /// Sent as `text`, so expressions such as `\(name) IS NULL` have a type. Comparing with an
    /// enum or inserting into a `jsonb` column needs a cast: `state = \(state)::job_state`.
    public static var postgresType: PostgresDataType { .text }

    public func postgresParameter() throws -> PostgresParameter { .text(self) }

    /// Reads text-like columns (`text`, `varchar`, `bpchar`, `name`, `char`, `unknown`, `json`,
    /// `jsonb`, `xml`) and user-defined types such as enums, whose text form is their label.
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        switch type {
        case .text, .varchar, .bpchar, .name, .char, .unknown, .json, .jsonb, .xml: self = text
        case _ where type.isUserDefined: self = text
        default: throw .typeMismatch
        }
    }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .int8 }

    public func postgresParameter() throws -> PostgresParameter { .text(String(self)) }

    /// Reads `int2`, `int4` and `int8`.
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        guard type == .int2 || type == .int4 || type == .int8 else { throw .typeMismatch }
        guard let value = Int(text) else { throw .invalidValue("\"\(text)\" is not an integer") }
        self = value
    }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .int8 }

    public func postgresParameter() throws -> PostgresParameter { .text(String(self)) }

    /// Reads `int2`, `int4` and `int8`.
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        guard type == .int2 || type == .int4 || type == .int8 else { throw .typeMismatch }
        guard let value = Int64(text) else { throw .invalidValue("\"\(text)\" is not an integer") }
        self = value
    }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .int4 }

    public func postgresParameter() throws -> PostgresParameter { .text(String(self)) }

    /// Reads `int2` and `int4` (an `int8` column needs `Int`).
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        guard type == .int2 || type == .int4 else { throw .typeMismatch }
        guard let value = Int32(text) else { throw .invalidValue("\"\(text)\" is not a 32-bit integer") }
        self = value
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .bool }

    public func postgresParameter() throws -> PostgresParameter { .text(self ? "t" : "f") }

    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        guard type == .bool else { throw .typeMismatch }
        switch text {
        case "t": self = true
        case "f": self = false
        default: throw .invalidValue("\"\(text)\" is not a boolean")
        }
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresDataType { .float8 }

    public func postgresParameter() throws -> PostgresParameter {
        if isNaN { return .text("NaN") }
        if isInfinite { return .text(self < 0 ? "-Infinity" : "Infinity") }
        // Swift's description is the shortest text that reads back as the same Double.
        return .text(description)
    }

    /// Reads `float4`, `float8` and `numeric` (a `numeric` may lose precision).
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        guard type == .float8 || type == .float4 || type == .numeric else { throw .typeMismatch }
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(text) else { throw .invalidValue("\"\(text)\" is not a number") }
            self = value
        }
    }
}

/// An element type whose Swift arrays have a PostgreSQL form: `[String]` is `text[]`, and
/// `[UInt8]` is `bytea`. (Swift allows one conditional conformance of `Array` per protocol, so
/// the element type decides.)
public protocol PostgresArrayElement: Sendable {
    static var postgresArrayType: PostgresDataType { get }
    static func postgresArrayParameter(_ elements: [Self]) throws -> PostgresParameter
    static func postgresArray(text: String, type: PostgresDataType) throws(PostgresDecodingFailure) -> [Self]
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresType: PostgresDataType { Element.postgresArrayType }

    public func postgresParameter() throws -> PostgresParameter { try Element.postgresArrayParameter(self) }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        self = try Element.postgresArray(text: text, type: type)
    }
}

extension String: PostgresArrayElement {
    public static var postgresArrayType: PostgresDataType { .textArray }

    public static func postgresArrayParameter(_ elements: [String]) throws -> PostgresParameter {
        .text(PostgresTextArray.format(elements))
    }

    /// Reads one-dimensional `text[]`, `varchar[]`, `bpchar[]` and `name[]` without NULL elements.
    public static func postgresArray(text: String, type: PostgresDataType) throws(PostgresDecodingFailure) -> [String] {
        let elements = try Optional<String>.postgresArray(text: text, type: type)
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard let element else { throw .invalidValue("element \(index + 1) is NULL") }
            strings.append(element)
        }
        return strings
    }
}

/// `[String?]` is `text[]` with NULL elements: the shape of one nullable column across the
/// rows of a batch (`unnest($1::text[], ...)`).
extension Optional: PostgresArrayElement where Wrapped == String {
    public static var postgresArrayType: PostgresDataType { .textArray }

    public static func postgresArrayParameter(_ elements: [String?]) throws -> PostgresParameter {
        .text(PostgresTextArray.format(elements))
    }

    /// Reads one-dimensional `text[]`, `varchar[]`, `bpchar[]` and `name[]`, NULL elements as nil.
    public static func postgresArray(text: String, type: PostgresDataType) throws(PostgresDecodingFailure) -> [String?] {
        guard [.textArray, .varcharArray, .bpcharArray, .nameArray].contains(type) else { throw .typeMismatch }
        do {
            return try PostgresTextArray.parse(text)
        } catch {
            throw .invalidValue(error.description)
        }
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresType: PostgresDataType { Wrapped.postgresType }

    public func postgresParameter() throws -> PostgresParameter {
        switch self {
        case .none: .null
        case .some(let wrapped): try wrapped.postgresParameter()
        }
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        self = .some(try Wrapped(postgresText: text, type: type))
    }

    public static func postgresNull() throws(PostgresDecodingFailure) -> Self { nil }
}
