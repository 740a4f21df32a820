/// A value that can be sent to PostgreSQL as a bound statement parameter (`$1 … $n`).
///
/// Conformances exist for `String`, `Int`, `Int32`, `Int64`, `Bool`, `Double`, `UUID`, `Date`,
/// `Data`, `[UInt8]`, `[String]`, ``PostgresJSON`` and `Optional` of any of these (`nil` is
/// SQL `NULL`).
public protocol PostgresEncodable: Sendable {
    /// The type the parameter is declared as; ``PostgresDataType/unspecified`` lets the server
    /// infer it from the statement.
    static var postgresType: PostgresDataType { get }

    /// The value in one of PostgreSQL's wire formats.
    func postgresParameter() throws -> PostgresParameter
}

/// A statement parameter's value on the wire.
public enum PostgresParameter: Sendable, Hashable {
    /// SQL `NULL`.
    case null
    /// The value in PostgreSQL's text input format (as in SQL literals, without quoting).
    case text(String)
    /// The value in PostgreSQL's binary format for its type.
    case binary([UInt8])
}
