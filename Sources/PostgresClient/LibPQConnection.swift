import CLibPQ
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection (`PGconn`). Every method except ``sendCancel()`` blocks and must run
/// off Swift's cooperative pool (on the client's thread pool or the listener's thread).
///
/// `@unchecked Sendable` is safe because a `PGconn` (and the statement cache beside it) is used
/// by one thread at a time: the pool hands a connection to one caller, whose calls run one after
/// another, and the listener keeps its connection to its own thread. The only use from another thread is ``sendCancel()``,
/// which goes through a `PGcancel`, the object libpq made for exactly that.
final class LibPQConnection: @unchecked Sendable {
    private let conn: OpaquePointer
    private let cancelHandle: OpaquePointer?
    /// Kept alive as long as `conn`, which holds an unretained pointer to it.
    private let noticeSink: NoticeSink
    private var isClosed = false
    /// Statements prepared on this connection (`PQprepare`), by SQL text and parameter types:
    /// parsing and planning a statement costs the server more than running most of ours, so
    /// each distinct statement is prepared once per connection and then only executed.
    private var preparedStatements: [PreparedStatementKey: PreparedStatement] = [:]
    private var nextPreparedStatementID = 0
    /// A statement is prepared afresh after this many executions, then after ten times as
    /// many, up to ``replanIntervalCap``.
    ///
    /// PostgreSQL keeps a prepared statement's generic plan until the tables' statistics
    /// change (an ANALYZE), and costs it from the tables' sizes when it was made. A new
    /// database's job table is nearly empty when the coordinator first prepares its
    /// statements, so a sequential scan is the cheap plan then, and it stayed while the table
    /// grew to thousands of pages: batched completions ran up to nine times slower in such
    /// benchmark runs. Preparing again, soon at first and then rarely, bounds how long a plan
    /// outlives the table it was made for, at the cost of PostgreSQL's five custom plans
    /// before it settles on a generic one again.
    static let firstReplanAfterExecutions = 10
    static let replanIntervalCap = 5000
    /// Past this many distinct statements on one connection, new ones run unprepared, so SQL
    /// built with varying text cannot grow the server's memory without bound.
    static let preparedStatementCapacity = 256

    /// Where the connection goes, for messages: `host 127.0.0.1 port 5432 database flatten user flatten`.
    let target: String
    /// The server process serving this connection (`pg_backend_pid()`).
    let backendPID: Int32

    private init(conn: OpaquePointer, noticeSink: NoticeSink, target: String) {
        self.conn = conn
        self.noticeSink = noticeSink
        self.target = target
        self.cancelHandle = PQgetCancel(conn)
        self.backendPID = PQbackendPID(conn)
    }

    deinit {
        if !isClosed { PQfinish(conn) }
        if let cancelHandle { PQfreeCancel(cancelHandle) }
    }

    // MARK: Connecting

    /// Opens a connection; blocks for the TCP/TLS handshake and authentication.
    static func connect(_ configuration: PostgresConfiguration, logger: Logger) throws -> LibPQConnection {
        // Later keywords override earlier ones, and `dbname` is expanded into the connection
        // string's own keywords: so defaults go before it and what this client needs after it.
        var parameters: [(String, String)] = [("fallback_application_name", "flatten")]
        if let timeout = configuration.connectTimeout, getenv("PGCONNECT_TIMEOUT") == nil {
            parameters.append(("connect_timeout", String(max(1, timeout.components.seconds))))
        }
        parameters.append(("dbname", configuration.connectionString))
        if let name = configuration.applicationName { parameters.append(("application_name", name)) }
        parameters.append(("client_encoding", "UTF8"))

        let keys = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keyPointers = keys.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let conn = PQconnectdbParams(keyPointers, valuePointers, 1) else {
            throw PostgresError.connectionFailed(target: "unknown", message: "libpq could not allocate a connection")
        }
        let target = describeTarget(conn)
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = redactPassword(in: errorMessage(conn), connectionString: configuration.connectionString)
            PQfinish(conn)
            throw PostgresError.connectionFailed(target: target, message: message)
        }
        let sink = NoticeSink(logger: logger, target: target)
        PQsetNoticeReceiver(conn, noticeReceiver, Unmanaged.passUnretained(sink).toOpaque())
        let connection = LibPQConnection(conn: conn, noticeSink: sink, target: target)
        // Dates are read in ISO format; only a server configured otherwise costs a round trip.
        let dateStyle = PQparameterStatus(conn, "DateStyle").map { String(cString: $0) } ?? ""
        if !dateStyle.hasPrefix("ISO") {
            _ = try connection.executeScript("SET DateStyle TO ISO")
        }
        return connection
    }

    private static func describeTarget(_ conn: OpaquePointer) -> String {
        func value(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
            pointer.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "(default)"
        }
        return "host \(value(PQhost(conn))) port \(value(PQport(conn))) database \(value(PQdb(conn))) user \(value(PQuser(conn)))"
    }

    /// libpq's messages do not normally contain the password, but a malformed connection
    /// string can be quoted back; never let the password reach a log.
    static func redactPassword(in message: String, connectionString: String) -> String {
        var passwords: [String] = []
        var error: UnsafeMutablePointer<CChar>?
        if let options = PQconninfoParse(connectionString, &error) {
            var option = options
            while let keyword = option.pointee.keyword {
                if String(cString: keyword) == "password", let value = option.pointee.val {
                    passwords.append(String(cString: value))
                }
                option += 1
            }
            PQconninfoFree(options)
        }
        if let error { PQfreemem(error) }
        if let url = URLComponents(string: connectionString), let password = url.percentEncodedPassword {
            passwords.append(password)
            if let decoded = url.password { passwords.append(decoded) }
        }
        var redacted = message
        for password in passwords where !password.isEmpty {
            redacted = redacted.replacingOccurrences(of: password, with: "********")
        }
        return redacted
    }

    // MARK: Running statements

    /// Runs one statement with bound parameters (`PQexecParams`, extended protocol).
    func execute(_ query: PostgresQuery) throws -> PostgresRows {
        let bindings = query.bindings.values
        var types: [Oid] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        var offsets: [Int] = []
        var buffer: [UInt8] = []
        types.reserveCapacity(bindings.count)
        for (index, binding) in bindings.enumerated() {
            types.append(binding.type.oid)
            switch binding.value {
            case .failure(let failure):
                throw PostgresError.parameterEncoding(index: index + 1, swiftType: binding.swiftType, message: failure.message, query: query.sql)
            case .success(.null):
                offsets.append(-1)
                lengths.append(0)
                formats.append(0)
            case .success(.text(let text)):
                // Text parameters end at the first NUL, so one inside would silently cut the value.
                guard !text.utf8.contains(0) else {
                    throw PostgresError.parameterEncoding(index: index + 1, swiftType: binding.swiftType, message: "contains a NUL character, which PostgreSQL text cannot store", query: query.sql)
                }
                offsets.append(buffer.count)
                buffer.append(contentsOf: text.utf8)
                buffer.append(0)
                lengths.append(Int32(text.utf8.count))
                formats.append(0)
            case .success(.binary(let bytes)):
                offsets.append(buffer.count)
                buffer.append(contentsOf: bytes)
                lengths.append(Int32(bytes.count))
                formats.append(1)
            }
        }
        if buffer.isEmpty { buffer.append(0) }
        let key = PreparedStatementKey(sql: query.sql, types: types)
        let name = try preparedStatementName(for: key)
        if name == nil { try Self.checkNoNUL(query.sql) }
        func run(_ name: String?) -> OpaquePointer? {
            buffer.withUnsafeBufferPointer { buffer -> OpaquePointer? in
                let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
                let values: [UnsafePointer<CChar>?] = offsets.map { $0 < 0 ? nil : base + $0 }
                if let name {
                    return PQexecPrepared(conn, name, Int32(bindings.count), values, lengths, formats, 0)
                }
                return PQexecParams(conn, query.sql, Int32(bindings.count), types, values, lengths, formats, 0)
            }
        }
        do {
            return try makeRows(run(name), query: query.sql)
        } catch let error as PostgresError where name != nil && Self.invalidatesPreparedStatement(error) {
            // The server forgot the statement (DISCARD / DEALLOCATE in a script) or its result
            // shape changed under it (DDL): forget it too. Outside a transaction nothing was
            // applied, so prepare afresh and run once more; inside one, the transaction is
            // aborted anyway and the caller sees the error.
            preparedStatements.removeValue(forKey: key)
            guard isIdleOutsideTransaction, let fresh = try preparedStatementName(for: key) else { throw error }
            return try makeRows(run(fresh), query: query.sql)
        }
    }

    /// The name of `key`'s prepared statement, preparing it on first use; nil once the cache is
    /// full (the statement then runs unnamed, parsed and planned each time).
    private func preparedStatementName(for key: PreparedStatementKey) throws -> String? {
        if let index = preparedStatements.index(forKey: key) {
            let statement = preparedStatements.values[index]
            // Inside a transaction a failed DEALLOCATE would abort the caller's work: replan
            // only between transactions.
            guard statement.executions >= statement.replanAfter, isIdleOutsideTransaction else {
                preparedStatements.values[index].executions += 1
                return statement.name
            }
            preparedStatements.remove(at: index)
            // Outside a transaction a failure harms nothing: the server may have forgotten the
            // statement already (a script's DEALLOCATE ALL), and a broken connection fails the
            // PREPARE that follows with its own error.
            _ = try? makeRows(PQexec(conn, "DEALLOCATE \(statement.name)"), query: "DEALLOCATE \(statement.name)")
            return try prepare(key, replanAfter: min(statement.replanAfter * 10, Self.replanIntervalCap))
        }
        guard preparedStatements.count < Self.preparedStatementCapacity else { return nil }
        return try prepare(key, replanAfter: Self.firstReplanAfterExecutions)
    }

    private func prepare(_ key: PreparedStatementKey, replanAfter: Int) throws -> String {
        // Checked once, when the text first goes to the server: the hot statements' SQL runs to
        // kilobytes, and a cached statement's text was checked when it was prepared.
        try Self.checkNoNUL(key.sql)
        nextPreparedStatementID += 1
        let name = "flatten_s\(nextPreparedStatementID)"
        _ = try makeRows(PQprepare(conn, name, key.sql, Int32(key.types.count), key.types), query: key.sql)
        preparedStatements[key] = PreparedStatement(name: name, executions: 1, replanAfter: replanAfter)
        return name
    }

    /// Whether `error` says a prepared statement is gone or stale (rather than the statement
    /// itself failing): `26000` invalid_sql_statement_name, or `0A000` "cached plan must not
    /// change result type".
    private static func invalidatesPreparedStatement(_ error: PostgresError) -> Bool {
        switch error.sqlState {
        case "26000": return true
        case "0A000": return error.message.contains("cached plan must not change result type")
        default: return false
        }
    }

    /// libpq reads SQL as a C string, so a NUL inside would silently cut the statement.
    private static func checkNoNUL(_ sql: String) throws {
        guard !sql.utf8.contains(0) else { throw PostgresError.invalidArgument("SQL text contains a NUL character") }
    }

    /// Runs SQL text without parameters, which may hold several statements (`PQexec`, simple
    /// protocol); returns the last statement's result.
    func executeScript(_ sql: String) throws -> PostgresRows {
        try Self.checkNoNUL(sql)
        return try makeRows(PQexec(conn, sql), query: sql)
    }

    private func makeRows(_ result: OpaquePointer?, query: String) throws -> PostgresRows {
        guard let result else {
            throw brokenOrUnexpected(query: query)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(storage: Self.readStorage(result))
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR:
            if let error = Self.serverError(result, query: query) { throw error }
            throw brokenOrUnexpected(query: query, message: Self.resultMessage(result))
        default:
            // COPY would leave the connection waiting for data this client never sends.
            abandon()
            let name = String(cString: PQresStatus(status))
            throw PostgresError.unexpectedResult("\(name) is not supported (COPY needs a different API); the connection was closed", query: query)
        }
    }

    private func brokenOrUnexpected(query: String, message: String? = nil) -> PostgresError {
        let text = message ?? Self.errorMessage(conn)
        if PQstatus(conn) != CONNECTION_OK {
            return .connectionBroken(text.isEmpty ? "connection is bad" : text, query: query)
        }
        return .unexpectedResult(text.isEmpty ? "libpq returned no result" : text, query: query)
    }

    private static func readStorage(_ result: OpaquePointer) -> PostgresResultStorage {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [PostgresColumn] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<Int32(columnCount) {
            columns.append(PostgresColumn(name: String(cString: PQfname(result, column)), dataType: PostgresDataType(oid: PQftype(result, column))))
        }
        var cells: [String?] = []
        cells.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    cells.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let value = UnsafeRawPointer(PQgetvalue(result, row, column)!).assumingMemoryBound(to: UInt8.self)
                    cells.append(String(decoding: UnsafeBufferPointer(start: value, count: length), as: UTF8.self))
                }
            }
        }
        let tag = String(cString: PQcmdStatus(result))
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresResultStorage(columns: columns, cells: cells, rowCount: rowCount, commandTag: tag, affectedRows: affected)
    }

    private static func serverError(_ result: OpaquePointer, query: String?) -> PostgresError? {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        // libpq reports its own failures (a lost connection) as results without SQLSTATE.
        guard let sqlState = field("C") else { return nil }
        let fields = PostgresError.ServerFields(
            severity: field("V") ?? field("S"),
            sqlState: sqlState,
            message: field("M") ?? "",
            detail: field("D"),
            hint: field("H"),
            position: field("P"),
            context: field("W"),
            schemaName: field("s"),
            tableName: field("t"),
            columnName: field("c"),
            dataTypeName: field("d"),
            constraintName: field("n")
        )
        return .server(fields, query: query)
    }

    private static func resultMessage(_ result: OpaquePointer) -> String {
        String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func errorMessage(_ conn: OpaquePointer) -> String {
        String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: State and health

    /// libpq has seen the connection fail (`PQstatus` is bad).
    var isBroken: Bool { isClosed || PQstatus(conn) != CONNECTION_OK }

    /// Whether the connection is outside any transaction block.
    var isIdleOutsideTransaction: Bool { PQtransactionStatus(conn) == PQTRANS_IDLE }

    /// Whether a transaction block is open (healthy or failed).
    var isInTransaction: Bool {
        let status = PQtransactionStatus(conn)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Checks without a round trip: reads whatever the server sent while the connection sat
    /// idle (a shutdown's FATAL message, end of file) and says whether it is still usable.
    /// Never blocks: libpq's socket is non-blocking and `poll` gets a zero timeout.
    func isAliveWithoutRoundTrip() -> Bool {
        guard !isBroken else { return false }
        let socket = PQsocket(conn)
        guard socket >= 0 else { return false }
        for _ in 0..<8 {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 0)
            if ready == 0 { return !isBroken }
            if ready < 0 {
                if errno == EINTR { continue }
                return false
            }
            if PQconsumeInput(conn) == 0 { return false }
            _ = PQisBusy(conn)  // parses what arrived; messages while idle go to the notice receiver
            while let notification = PQnotifies(conn) { PQfreemem(notification) }
            if isBroken { return false }
        }
        return !isBroken
    }

    /// A round trip (an empty query) that proves the server still answers.
    func ping() -> Bool {
        guard !isBroken, let result = PQexec(conn, "") else { return false }
        defer { PQclear(result) }
        return PQresultStatus(result) == PGRES_EMPTY_QUERY && !isBroken
    }

    /// Asks the server to cancel the statement running on this connection. Safe from any
    /// thread while another thread runs a statement; blocks for a short connection to the server.
    /// Returns libpq's message when the request could not be sent.
    func sendCancel() -> String? {
        guard let cancelHandle else { return "no cancel handle" }
        var buffer = [CChar](repeating: 0, count: 256)
        if PQcancel(cancelHandle, &buffer, Int32(buffer.count)) == 1 { return nil }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Marks the connection unusable after a protocol state this client cannot continue from.
    private func abandon() {
        close()
    }

    /// Closes the connection (`PQfinish`); idempotent.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        PQfinish(conn)
    }

    // MARK: Notifications (listener)

    /// The socket to wait on for incoming notifications.
    var socket: Int32 { PQsocket(conn) }

    /// Reads what the server sent and returns the notifications in it; `nil` when the
    /// connection failed.
    func readNotifications() -> [PostgresNotification]? {
        guard !isBroken, PQconsumeInput(conn) == 1 else { return nil }
        _ = PQisBusy(conn)
        var notifications: [PostgresNotification] = []
        while let pointer = PQnotifies(conn) {
            let notify = pointer.pointee
            notifications.append(PostgresNotification(
                channel: String(cString: notify.relname),
                payload: String(cString: notify.extra),
                processID: notify.be_pid
            ))
            PQfreemem(pointer)
        }
        return isBroken ? nil : notifications
    }
}

/// Sends server notices (`RAISE NOTICE`, warnings) to the logger instead of libpq's default,
/// stderr.
final class NoticeSink: Sendable {
    let logger: Logger
    let target: String

    init(logger: Logger, target: String) {
        self.logger = logger
        self.target = target
    }

    func receive(_ result: OpaquePointer) {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        let severity = field("V") ?? field("S") ?? "NOTICE"
        let level: Logger.Level = switch severity {
        case "WARNING": .warning
        case "NOTICE": .notice
        case "INFO", "LOG": .info
        case "ERROR", "FATAL", "PANIC": .error
        default: .debug
        }
        var metadata: Logger.Metadata = ["postgres.severity": "\(severity)", "postgres.server": "\(target)"]
        if let state = field("C") { metadata["postgres.sqlstate"] = "\(state)" }
        if let detail = field("D") { metadata["postgres.detail"] = "\(detail)" }
        if let hint = field("H") { metadata["postgres.hint"] = "\(hint)" }
        logger.log(level: level, "\(field("M") ?? "")", metadata: metadata)
    }
}

private let noticeReceiver: PQnoticeReceiver = { context, result in
    guard let context, let result else { return }
    Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue().receive(result)
}

/// A statement prepared on a connection: its server-side name, how often it ran since, and
/// after how many runs it is prepared afresh.
struct PreparedStatement {
    var name: String
    var executions: Int
    var replanAfter: Int
}

/// What a prepared statement is keyed by: the same text with other parameter types is another
/// statement to the server.
struct PreparedStatementKey: Hashable {
    let sql: String
    let types: [Oid]
}
