/// An error from PostgreSQL or from this client.
///
/// Server errors carry the fields PostgreSQL sends (``sqlState``, ``message``, ``detail``,
/// ``hint``, …); the common ones are recognisable without matching strings:
///
/// ```swift
/// do { try await client.execute("INSERT …") }
/// catch let error as PostgresError where error.isUniqueViolation { … }
/// ```
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// The fields of a server `ErrorResponse` (see PostgreSQL's "Error Message Fields").
    struct ServerFields: Sendable, Hashable {
        var severity: String?
        var sqlState: String?
        var message: String
        var detail: String?
        var hint: String?
        var position: String?
        var context: String?
        var schemaName: String?
        var tableName: String?
        var columnName: String?
        var dataTypeName: String?
        var constraintName: String?
    }

    private enum Kind: Sendable {
        case server(ServerFields)
        case connectionFailed(target: String, message: String)
        case connectionBroken(message: String)
        case columnNotFound(name: String, available: [String])
        case columnIndexOutOfRange(index: Int, count: Int)
        case decoding(column: PostgresColumn, index: Int, swiftType: String, failure: PostgresDecodingFailure)
        case parameterEncoding(index: Int, swiftType: String, message: String)
        case checkoutTimeout(Duration)
        case clientClosed
        case connectionLeaseEnded
        case transactionRolledBack
        case unexpectedResult(String)
        case invalidArgument(String)
    }

    private let kind: Kind

    /// The statement's SQL text when the error came from running one (never parameter values).
    public private(set) var query: String?

    private init(_ kind: Kind, query: String? = nil) {
        self.kind = kind
        self.query = query
    }

    // MARK: Server error fields

    /// The five-character SQLSTATE code (`23505`, `40001`, …); `nil` for client-side errors.
    public var sqlState: String? {
        if case .server(let fields) = kind { return fields.sqlState }
        return nil
    }

    /// The primary message: the server's, or this client's for client-side errors.
    public var message: String {
        switch kind {
        case .server(let fields): fields.message
        default: description
        }
    }

    /// The server's `DETAIL`.
    public var detail: String? { serverFields?.detail }
    /// The server's `HINT`.
    public var hint: String? { serverFields?.hint }
    /// The server's severity (`ERROR`, `FATAL`, `PANIC`), not localized.
    public var severity: String? { serverFields?.severity }
    /// The 1-based character position in the statement the error refers to.
    public var position: Int? { serverFields?.position.flatMap { Int($0) } }
    /// Where the error happened (PL/pgSQL call stack).
    public var context: String? { serverFields?.context }
    public var schemaName: String? { serverFields?.schemaName }
    public var tableName: String? { serverFields?.tableName }
    public var columnName: String? { serverFields?.columnName }
    public var dataTypeName: String? { serverFields?.dataTypeName }
    /// The constraint violated, for integrity errors (`23xxx`).
    public var constraintName: String? { serverFields?.constraintName }

    private var serverFields: ServerFields? {
        if case .server(let fields) = kind { return fields }
        return nil
    }

    // MARK: Recognising errors

    /// `23505`: a unique or primary-key constraint was violated.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// `23503`: a foreign-key constraint was violated.
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// `40001`: a serializable transaction could not be serialized; retry it.
    public var isSerializationFailure: Bool { sqlState == "40001" }
    /// `40P01`: the transaction was chosen as a deadlock victim; retry it.
    public var isDeadlock: Bool { sqlState == "40P01" }
    /// A serialization failure or deadlock: the whole transaction may be retried.
    public var isRetryableTransactionFailure: Bool { isSerializationFailure || isDeadlock }
    /// `57014`: the statement was canceled (by a cancel request or `statement_timeout`).
    public var isQueryCanceled: Bool { sqlState == "57014" }
    /// The connection could not be made or was lost (including SQLSTATE class `08` and server
    /// shutdown, `57P01`–`57P03`). The statement's outcome is unknown when it was lost mid-way.
    public var isConnectionFailure: Bool {
        switch kind {
        case .connectionFailed, .connectionBroken: return true
        case .server(let fields):
            guard let state = fields.sqlState else { return false }
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
        default: return false
        }
    }
    /// No pooled connection became free within the configured checkout timeout.
    public var isCheckoutTimeout: Bool {
        if case .checkoutTimeout = kind { return true }
        return false
    }
    /// The client was closed.
    public var isClientClosed: Bool {
        if case .clientClosed = kind { return true }
        return false
    }
    /// A value could not be decoded from a column (missing column, NULL, or type mismatch).
    public var isDecodingError: Bool {
        switch kind {
        case .decoding, .columnNotFound, .columnIndexOutOfRange: true
        default: false
        }
    }

    // MARK: Description

    public var description: String {
        var text: String
        switch kind {
        case .server(let fields):
            text = "\(fields.severity ?? "ERROR")"
            if let state = fields.sqlState { text += " \(state)" }
            text += ": \(fields.message)"
            if let detail = fields.detail { text += "; detail: \(detail)" }
            if let hint = fields.hint { text += "; hint: \(hint)" }
        case .connectionFailed(let target, let message):
            text = "could not connect to PostgreSQL (\(target)): \(message)"
        case .connectionBroken(let message):
            text = "connection to PostgreSQL lost: \(message)"
        case .columnNotFound(let name, let available):
            text = "no column \"\(name)\" in the result (columns: \(available.map { "\"\($0)\"" }.joined(separator: ", ")))"
        case .columnIndexOutOfRange(let index, let count):
            text = "column index \(index) out of range: the result has \(count) column\(count == 1 ? "" : "s")"
        case .decoding(let column, _, let swiftType, let failure):
            if failure.isTypeMismatch {
                text = "column \"\(column.name)\" (\(column.dataType)) cannot be decoded as \(swiftType)"
            } else if failure.isUnexpectedNull {
                text = "column \"\(column.name)\" (\(column.dataType)) is NULL, which cannot be decoded as \(swiftType); decode \(swiftType)? instead"
            } else {
                text = "column \"\(column.name)\" (\(column.dataType)) cannot be decoded as \(swiftType): \(failure)"
            }
        case .parameterEncoding(let index, let swiftType, let message):
            text = "parameter $\(index) (\(swiftType)) could not be encoded: \(message)"
        case .checkoutTimeout(let timeout):
            text = "no PostgreSQL connection became free within \(timeout) (all pooled connections busy)"
        case .clientClosed:
            text = "the PostgreSQL client is closed"
        case .connectionLeaseEnded:
            text = "PostgresConnection used after its withConnection/withTransaction closure returned"
        case .transactionRolledBack:
            text = "COMMIT rolled the transaction back because an earlier statement in it failed"
        case .unexpectedResult(let message):
            text = message
        case .invalidArgument(let message):
            text = message
        }
        if let query { text += " (query: \(query))" }
        return text
    }

    // MARK: Constructors used inside the module

    static func server(_ fields: ServerFields, query: String?) -> PostgresError {
        PostgresError(.server(fields), query: query)
    }

    static func connectionFailed(target: String, message: String) -> PostgresError {
        PostgresError(.connectionFailed(target: target, message: message))
    }

    static func connectionBroken(_ message: String, query: String?) -> PostgresError {
        PostgresError(.connectionBroken(message: message), query: query)
    }

    static func columnNotFound(_ name: String, available: [String]) -> PostgresError {
        PostgresError(.columnNotFound(name: name, available: available))
    }

    static func columnIndexOutOfRange(_ index: Int, count: Int) -> PostgresError {
        PostgresError(.columnIndexOutOfRange(index: index, count: count))
    }

    static func decoding(column: PostgresColumn, index: Int, swiftType: String, failure: PostgresDecodingFailure) -> PostgresError {
        PostgresError(.decoding(column: column, index: index, swiftType: swiftType, failure: failure))
    }

    static func parameterEncoding(index: Int, swiftType: String, message: String, query: String) -> PostgresError {
        PostgresError(.parameterEncoding(index: index, swiftType: swiftType, message: message), query: query)
    }

    static func checkoutTimeout(_ timeout: Duration) -> PostgresError { PostgresError(.checkoutTimeout(timeout)) }
    static let clientClosed = PostgresError(.clientClosed)
    static let connectionLeaseEnded = PostgresError(.connectionLeaseEnded)
    static let transactionRolledBack = PostgresError(.transactionRolledBack, query: "COMMIT")

    static func unexpectedResult(_ message: String, query: String?) -> PostgresError {
        PostgresError(.unexpectedResult(message), query: query)
    }

    static func invalidArgument(_ message: String) -> PostgresError { PostgresError(.invalidArgument(message)) }
}
