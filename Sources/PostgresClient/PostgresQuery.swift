/// A SQL statement and its bound parameters.
///
/// Built by string interpolation: every interpolated value becomes a parameter (`$1 … $n`) sent
/// apart from the SQL text, so no value can change the statement.
///
/// ```swift
/// let rows = try await client.query("SELECT id FROM jobs WHERE state = \(state) AND attempt < \(max)")
/// ```
/// Text that must be part of the SQL (a table name chosen by code) goes in explicitly:
/// `\(identifier: name)` quotes it as an identifier, `\(unescaped: sql)` inserts it as written
/// and must never carry outside input.
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL text, with `$1 … $n` where the parameters go.
    public var sql: String
    /// The parameters, in order.
    public var bindings: PostgresBindings

    /// A statement whose SQL is taken as written; use `$1 … $n` for `bindings`.
    public init(unsafeSQL sql: String, bindings: PostgresBindings = PostgresBindings()) {
        self.sql = sql
        self.bindings = bindings
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, bindings: stringInterpolation.bindings)
    }

    /// The SQL text and the parameters' types (never their values, which may be secrets).
    public var description: String {
        bindings.isEmpty ? sql : "\(sql) [\(bindings.typeDescriptions.joined(separator: ", "))]"
    }

    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var sql: String
        var bindings = PostgresBindings()

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Binds `value` as the next parameter; an optional's `nil` is a typed NULL.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            bindings.append(value)
            sql += "$\(bindings.count)"
        }

        /// Binds an optional: `nil` is a NULL of the wrapped type. (Spelled out so that
        /// interpolating an optional is not mistaken for printing one.)
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            bindings.append(value)
            sql += "$\(bindings.count)"
        }

        /// Inserts `name` as a quoted identifier (`"my table"`, embedded quotes doubled), so any
        /// string is safe; note that quoting makes the name case-sensitive.
        public mutating func appendInterpolation(identifier name: String) {
            sql += PostgresQuery.quoteIdentifier(name)
        }

        /// Inserts `sql` into the statement text as written. Only for SQL this program wrote:
        /// never for values or names that come from outside.
        public mutating func appendInterpolation(unescaped sql: String) {
            self.sql += sql
        }
    }

    /// `name` as a quoted SQL identifier: wrapped in double quotes with embedded ones doubled.
    /// NUL characters, which PostgreSQL cannot store, are removed.
    public static func quoteIdentifier(_ name: String) -> String {
        var quoted = "\""
        for scalar in name.unicodeScalars where scalar != "\0" {
            if scalar == "\"" { quoted += "\"" }
            quoted.unicodeScalars.append(scalar)
        }
        return quoted + "\""
    }
}

/// The parameters of a ``PostgresQuery``.
public struct PostgresBindings: Sendable, Hashable {
    struct Binding: Sendable, Hashable {
        var type: PostgresDataType
        var swiftType: String
        /// Encoding errors are kept and thrown when the query runs, because string interpolation
        /// cannot throw without `try` on every query literal.
        var value: Result<PostgresParameter, EncodingFailure>
    }

    struct EncodingFailure: Error, Hashable, Sendable {
        var message: String
    }

    private(set) var values: [Binding] = []

    public init() {}

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }

    /// Appends `value` as the next parameter.
    public mutating func append<T: PostgresEncodable>(_ value: T) {
        let encoded: Result<PostgresParameter, EncodingFailure>
        do {
            encoded = .success(try value.postgresParameter())
        } catch {
            encoded = .failure(EncodingFailure(message: "\(error)"))
        }
        values.append(Binding(type: T.postgresType, swiftType: "\(T.self)", value: encoded))
    }

    var typeDescriptions: [String] {
        values.map { "\($0.type)" }
    }
}
