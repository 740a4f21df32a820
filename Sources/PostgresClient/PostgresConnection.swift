import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// One connection leased from a ``PostgresClient``, for several statements in a row (and
/// transactions). Valid only inside the `withConnection` / `withTransaction` closure that
/// received it, and for one statement at a time.
///
/// Every statement runs on the client's thread pool, never on Swift's cooperative threads, and
/// cancelling the calling task cancels the statement on the server.
public final class PostgresConnection: Sendable {
    private enum Usage {
        case idle
        case busy
        case ended
    }

    let underlying: LibPQConnection
    private let threadPool: NIOThreadPool
    private let logger: Logger
    private let usage = NIOLockedValueBox(Usage.idle)

    init(underlying: LibPQConnection, threadPool: NIOThreadPool, logger: Logger) {
        self.underlying = underlying
        self.threadPool = threadPool
        self.logger = logger
    }

    /// The server process serving this connection (`pg_backend_pid()`).
    public var backendProcessID: Int32 { underlying.backendPID }

    /// Runs a statement and returns its rows.
    ///
    /// - Throws: ``PostgresError`` for server and connection errors; `CancellationError` when
    ///   the task was cancelled (the statement is cancelled on the server and the connection
    ///   stays usable).
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        logger.trace("query", metadata: ["postgres.query": "\(query.sql)"])
        return try await run(cancellable: true) { try $0.execute(query) }
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await self.query(query).affectedRows
    }

    /// Runs SQL text that may hold several statements (a migration), without parameters.
    ///
    /// The text is sent as written: never build it from outside input; use ``query(_:)`` for
    /// values.
    public func executeScript(_ sql: String) async throws {
        logger.trace("script", metadata: ["postgres.query": "\(sql)"])
        _ = try await run(cancellable: true) { try $0.executeScript(sql) }
    }

    /// Ends the lease; later use throws.
    func endLease() {
        usage.withLockedValue { $0 = .ended }
    }

    /// Runs SQL that must complete even when the task is cancelled (ROLLBACK, COMMIT).
    func runUncancellable(_ sql: String) async throws -> PostgresRows {
        try await run(cancellable: false) { try $0.executeScript(sql) }
    }

    private func run<T: Sendable>(cancellable: Bool, _ body: @escaping @Sendable (LibPQConnection) throws -> T) async throws -> T {
        try usage.withLockedValue { usage in
            switch usage {
            case .idle: usage = .busy
            case .busy: throw PostgresError.invalidArgument("PostgresConnection is already running a statement: a connection runs one statement at a time")
            case .ended: throw PostgresError.connectionLeaseEnded
            }
        }
        defer {
            usage.withLockedValue { usage in
                if usage == .busy { usage = .idle }
            }
        }
        let underlying = self.underlying
        guard cancellable else {
            return try await threadPool.runUncancellable { try body(underlying) }
        }
        try Task.checkCancellation()
        let cancellation = StatementCancellation()
        let logger = self.logger
        do {
            return try await withTaskCancellationHandler {
                try await threadPool.runIfActive {
                    guard cancellation.begin() else { throw CancellationError() }
                    defer { cancellation.end() }
                    return try body(underlying)
                }
            } onCancel: {
                guard cancellation.requestCancel() else { return }
                // PQcancel opens a connection to the server: never on the cooperative pool, and
                // not on the client's thread pool, whose threads may all be busy.
                Thread.detachNewThread {
                    cancellation.sendCancelRequests {
                        if let failure = underlying.sendCancel() {
                            logger.warning("could not send cancel request", metadata: ["postgres.error": "\(failure)"])
                        }
                    }
                }
            }
        } catch let error as PostgresError where error.isQueryCanceled && Task.isCancelled {
            throw CancellationError()
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw PostgresError.clientClosed
        }
    }
}

extension NIOThreadPool {
    /// Runs `body` on the pool even if the calling task is cancelled (unlike `runIfActive`,
    /// which skips work cancelled before it starts): for ROLLBACK, COMMIT and closing, which
    /// must happen. After shutdown, it runs `body` anyway on the calling thread, which only
    /// closing connections does.
    func runUncancellable<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { _ in
                continuation.resume(with: Result(catching: body))
            }
        }
    }
}
