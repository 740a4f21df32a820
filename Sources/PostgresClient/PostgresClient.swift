import CLibPQ
import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// A pool of PostgreSQL connections over libpq.
///
/// ```swift
/// let client = try PostgresClient(configuration: .init(connectionString: url), logger: logger)
/// let rows = try await client.query("SELECT id, name FROM hosts WHERE name = \(name)")
/// for row in rows { let id = try row.decode(UUID.self, column: "id") }
/// try await client.withTransaction { conn in … }
/// await client.close()
/// ```
///
/// Connections open on demand up to ``PostgresConfiguration/maxConnections``; a caller waits in
/// line for a free one up to ``PostgresConfiguration/checkoutTimeout``. A pooled connection is
/// checked before it is handed out and replaced when the server closed it (restart, idle
/// timeout), so callers see a fresh connection rather than a dead one. Every blocking libpq call
/// runs on the client's own thread pool (one thread per connection, plus one), never on Swift's
/// cooperative threads. Call ``close()`` when done.
public final class PostgresClient: Sendable {
    typealias Pool = ConnectionPoolState<LibPQConnection, Waiter>

    struct Waiter: Sendable {
        let id: Int
        let continuation: CheckedContinuation<Lease, any Error>
    }

    /// A connection handed to a caller; `idleSince` is set when it comes from the idle list and
    /// must be checked.
    struct Lease: Sendable {
        let connection: LibPQConnection
        let idleSince: ContinuousClock.Instant?
    }

    private struct State: Sendable {
        var pool: Pool
        var nextWaiterID = 0
        var timeouts: [Int: Task<Void, Never>] = [:]
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
        var isClosed = false
    }

    /// How the client connects and sizes its pool.
    public let configuration: PostgresConfiguration
    let logger: Logger
    let threadPool: NIOThreadPool
    private let state: NIOLockedValueBox<State>
    /// Connections being closed on the thread pool; ``close()`` waits for them.
    private let pendingCloses = DispatchGroup()

    /// Creates the pool; no connection opens until the first statement.
    ///
    /// - Throws: ``PostgresError`` when the connection string does not parse or
    ///   `maxConnections` is below 1.
    public init(
        configuration: PostgresConfiguration,
        logger: Logger = Logger(label: "PostgresClient", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        guard configuration.maxConnections >= 1 else {
            throw PostgresError.invalidArgument("maxConnections must be at least 1 (got \(configuration.maxConnections))")
        }
        try Self.validate(connectionString: configuration.connectionString)
        self.configuration = configuration
        self.logger = logger
        self.state = NIOLockedValueBox(State(pool: Pool(maxConnections: configuration.maxConnections)))
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.maxConnections + 1)
        threadPool.start()
    }

    static func validate(connectionString: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &error) else {
            let message = error.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "out of memory"
            if let error { PQfreemem(error) }
            throw PostgresError.invalidArgument("invalid PostgreSQL connection string: \(LibPQConnection.redactPassword(in: message, connectionString: connectionString))")
        }
        PQconninfoFree(options)
    }

    // MARK: Statements

    /// Runs a statement on a pooled connection and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await withConnection { try await $0.query(query) }
    }

    /// Runs a statement on a pooled connection and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await withConnection { try await $0.execute(query) }
    }

    /// Sends a notification (`pg_notify`) to listeners of `channel`.
    public func notify(channel: String, payload: String = "") async throws {
        try await withConnection { try await $0.notify(channel: channel, payload: payload) }
    }

    /// Leases one connection for the duration of `body`, for several statements in a row.
    ///
    /// A connection returned inside an open transaction is rolled back first; one that broke is
    /// closed and its place in the pool freed.
    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = PostgresConnection(underlying: try await checkout(), threadPool: threadPool, logger: logger)
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            await release(connection)
            throw error
        }
        await release(connection)
        return result
    }

    /// Runs `body` in a transaction on one pooled connection: commits when it returns, rolls
    /// back when it throws.
    public func withTransaction<Result>(
        isolation: isolated (any Actor)? = #isolation,
        isolationLevel: PostgresIsolationLevel? = nil,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.withTransaction(isolationLevel: isolationLevel) { try await body($0) }
        }
    }

    /// Runs `body` in a transaction that first takes the advisory lock `key`
    /// (`pg_advisory_xact_lock`), so only one holder of `key` runs at a time across every
    /// client of the database (migrations, singleton jobs).
    public func withAdvisoryLock<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ key: Int64,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withTransaction { connection in
            try await connection.advisoryTransactionLock(key)
            return try await body(connection)
        }
    }

    /// A stable advisory-lock key for a name (64-bit FNV-1a of its UTF-8), so programs can agree
    /// on `advisoryLockKey(for: "flatten.migrations")` instead of a magic number.
    public static func advisoryLockKey(for name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// Starts a listener for `channels` on its own connection and thread; returns once it is
    /// listening. See ``PostgresListener``.
    public func listen(to channels: [String]) async throws -> PostgresListener {
        let listener = PostgresListener(configuration: configuration, channels: channels, logger: logger)
        try await listener.start()
        return listener
    }

    // MARK: Closing

    /// Closes the pool: waiting callers fail with ``PostgresError/isClientClosed``, idle
    /// connections close now, leased ones when they are returned (this waits for them), then the
    /// thread pool stops.
    public func close() async {
        let actions = state.withLockedValue { $0.pool.close() }
        perform(actions)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let closed = state.withLockedValue { state in
                if state.isClosed { return true }
                state.closeWaiters.append(continuation)
                return false
            }
            if closed { continuation.resume() }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            pendingCloses.notify(queue: .global()) { continuation.resume() }
        }
        try? await threadPool.shutdownGracefully()
    }

    /// How many callers wait for a connection now (tests use it to order events).
    var waitingCallerCount: Int { state.withLockedValue { $0.pool.waiters.count } }

    // MARK: Pool mechanics

    private func checkout() async throws -> LibPQConnection {
        let id = state.withLockedValue { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let lease: Lease
        do {
            lease = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Lease, any Error>) in
                    let waiter = Waiter(id: id, continuation: continuation)
                    let action = state.withLockedValue { $0.pool.checkout(id, waiter: waiter) }
                    switch action {
                    case .use(let connection, let since):
                        continuation.resume(returning: Lease(connection: connection, idleSince: since))
                    case .fail(let failure):
                        continuation.resume(throwing: error(for: failure))
                    case .wait(let connects):
                        for _ in 0..<connects { startConnect() }
                        // Cancellation before the waiter was queued found nothing to remove.
                        if Task.isCancelled {
                            failWaiter(id, with: .cancelled)
                        } else {
                            scheduleTimeout(for: id)
                        }
                    }
                }
            } onCancel: {
                failWaiter(id, with: .cancelled)
            }
        } catch {
            cancelTimeout(for: id)
            throw error
        }
        cancelTimeout(for: id)
        guard let since = lease.idleSince else { return lease.connection }
        return try await checked(lease.connection, idleSince: since)
    }

    /// Verifies an idle connection before use; replaces it when the server closed it.
    private func checked(_ connection: LibPQConnection, idleSince: ContinuousClock.Instant) async throws -> LibPQConnection {
        var alive = connection.isAliveWithoutRoundTrip()
        if alive, ContinuousClock.now - idleSince > configuration.idleCheckInterval {
            alive = (try? await threadPool.runUncancellable { connection.ping() }) ?? false
        }
        if alive { return connection }
        logger.info("replacing a pooled PostgreSQL connection the server closed", metadata: ["postgres.server": "\(connection.target)"])
        closeInBackground(connection)
        do {
            let configuration = self.configuration, logger = self.logger
            return try await threadPool.runUncancellable { try LibPQConnection.connect(configuration, logger: logger) }
        } catch {
            perform(state.withLockedValue { $0.pool.abandonLease() })
            throw error
        }
    }

    private func release(_ connection: PostgresConnection) async {
        connection.endLease()
        let underlying = connection.underlying
        var reusable = !underlying.isBroken
        if reusable, !underlying.isIdleOutsideTransaction {
            // Left inside a transaction block: roll back so the next caller starts clean.
            logger.debug("rolling back a transaction left open on a returned connection")
            reusable = ((try? await threadPool.runUncancellable { try underlying.executeScript("ROLLBACK") }) != nil)
                && underlying.isIdleOutsideTransaction && !underlying.isBroken
        }
        perform(state.withLockedValue { $0.pool.release(underlying, reusable: reusable, now: .now) })
    }

    private func startConnect() {
        let configuration = self.configuration, logger = self.logger
        threadPool.submit { [self] workState in
            let result: Result<LibPQConnection, any Error>
            if case .active = workState {
                result = Result { try LibPQConnection.connect(configuration, logger: logger) }
            } else {
                result = .failure(PostgresError.clientClosed)
            }
            switch result {
            case .success(let connection):
                logger.debug("opened a PostgreSQL connection", metadata: ["postgres.server": "\(connection.target)", "postgres.pid": "\(connection.backendPID)"])
                perform(state.withLockedValue { $0.pool.connectSucceeded(connection, now: .now) })
            case .failure(let error):
                logger.warning("could not open a PostgreSQL connection", metadata: ["postgres.error": "\(error)"])
                perform(state.withLockedValue { $0.pool.connectFailed(error) })
            }
        }
    }

    /// Closes on the thread pool (PQfinish writes to the socket); also runs when the pool is
    /// shutting down, which hands queued work over as cancelled.
    private func closeInBackground(_ connection: LibPQConnection) {
        pendingCloses.enter()
        threadPool.submit { [pendingCloses] _ in
            connection.close()
            pendingCloses.leave()
        }
    }

    private func failWaiter(_ id: Int, with failure: Pool.Failure) {
        if let waiter = state.withLockedValue({ $0.pool.removeWaiter(id) }) {
            waiter.continuation.resume(throwing: error(for: failure))
        }
    }

    private func scheduleTimeout(for id: Int) {
        let timeout = configuration.checkoutTimeout
        let task = Task { [weak self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.failWaiter(id, with: .timeout)
        }
        state.withLockedValue { $0.timeouts[id] = task }
    }

    private func cancelTimeout(for id: Int) {
        state.withLockedValue { $0.timeouts.removeValue(forKey: id) }?.cancel()
    }

    private func error(for failure: Pool.Failure) -> any Error {
        switch failure {
        case .closed: PostgresError.clientClosed
        case .timeout: PostgresError.checkoutTimeout(configuration.checkoutTimeout)
        case .cancelled: CancellationError()
        }
    }

    /// Carries out what the pool state decided, outside the lock.
    private func perform(_ actions: Pool.Actions) {
        for (waiter, connection) in actions.handOver {
            waiter.continuation.resume(returning: Lease(connection: connection, idleSince: nil))
        }
        for (waiter, reason) in actions.fail {
            switch reason {
            case .pool(let failure): waiter.continuation.resume(throwing: error(for: failure))
            case .connectError(let error): waiter.continuation.resume(throwing: error)
            }
        }
        for connection in actions.close {
            closeInBackground(connection)
        }
        for _ in 0..<actions.connect {
            startConnect()
        }
        if actions.closeCompleted {
            let waiters = state.withLockedValue { state in
                state.isClosed = true
                defer { state.closeWaiters.removeAll() }
                return state.closeWaiters
            }
            waiters.forEach { $0.resume() }
        }
    }
}
