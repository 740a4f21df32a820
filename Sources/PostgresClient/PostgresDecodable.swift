/// A value that can be read from a result cell.
///
/// Values arrive in PostgreSQL's text output format. A conformance checks the column's type and
/// throws ``PostgresDecodingFailure/typeMismatch`` for types it does not read, so that a wrong
/// decode names the column and both types instead of returning garbage.
public protocol PostgresDecodable: Sendable {
    /// Reads a non-NULL value of type `type` from its text representation.
    init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure)

    /// The value for SQL `NULL`; non-optional types throw ``PostgresDecodingFailure/unexpectedNull``.
    static func postgresNull() throws(PostgresDecodingFailure) -> Self
}

extension PostgresDecodable {
    public static func postgresNull() throws(PostgresDecodingFailure) -> Self {
        throw .unexpectedNull
    }
}

/// Why one cell could not be decoded. ``PostgresRow`` turns it into a ``PostgresError`` that
/// names the column, its type and the Swift type asked for.
public struct PostgresDecodingFailure: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Hashable, Sendable {
        case typeMismatch
        case unexpectedNull
        case invalidValue(String)
    }

    private let kind: Kind

    /// The column's PostgreSQL type cannot be read as the requested Swift type.
    public static let typeMismatch = PostgresDecodingFailure(kind: .typeMismatch)
    /// The cell is NULL and the requested type is not optional.
    public static let unexpectedNull = PostgresDecodingFailure(kind: .unexpectedNull)
    /// The column's type fits but its text is not a valid value (`reason` says why).
    public static func invalidValue(_ reason: String) -> PostgresDecodingFailure {
        PostgresDecodingFailure(kind: .invalidValue(reason))
    }

    public var isTypeMismatch: Bool { kind == .typeMismatch }
    public var isUnexpectedNull: Bool { kind == .unexpectedNull }

    public var description: String {
        switch kind {
        case .typeMismatch: "type mismatch"
        case .unexpectedNull: "unexpected NULL"
        case .invalidValue(let reason): reason
        }
    }

    var invalidValueReason: String? {
        if case .invalidValue(let reason) = kind { return reason }
        return nil
    }
}

/// A value that goes both ways.
public typealias PostgresCodable = PostgresEncodable & PostgresDecodable
