/// The connection pool's bookkeeping as a pure value: which connections are idle, how many are
/// leased or being opened, who waits, and what to do next. ``PostgresClient`` keeps it under a
/// lock and carries out the returned actions (resume a waiter, open or close a connection)
/// after unlocking.
///
/// Rules:
/// - at most `maxConnections` connections exist (idle + leased + being opened);
/// - a waiter is served in arrival order; a released or new connection goes to the oldest waiter;
/// - while waiters outnumber connections being opened and there is room, more are opened;
/// - a failed open fails the oldest waiter (so callers learn of an outage at once instead of
///   at their timeout);
/// - after `close`, waiters fail, idle connections close, returned ones close, and closing
///   completes when none is leased or being opened.
struct ConnectionPoolState<Connection, Waiter> {
    typealias WaiterID = Int

    struct Idle {
        var connection: Connection
        var since: ContinuousClock.Instant
    }

    enum Failure: Equatable {
        case closed
        case timeout
        case cancelled
    }

    /// What ``checkout`` decided.
    enum CheckoutAction {
        /// Use this idle connection (idle since `since`: check it first).
        case use(Connection, idleSince: ContinuousClock.Instant)
        /// The waiter is queued; open `connect` new connections.
        case wait(connect: Int)
        case fail(Failure)
    }

    /// Work to do after an event, outside the lock.
    struct Actions {
        var handOver: [(Waiter, Connection)] = []
        var fail: [(Waiter, FailureReason)] = []
        var close: [Connection] = []
        var connect = 0
        var closeCompleted = false
    }

    enum FailureReason {
        case pool(Failure)
        case connectError(any Error)
    }

    let maxConnections: Int
    private(set) var idle: [Idle] = []
    private(set) var leased = 0
    private(set) var connecting = 0
    private(set) var waiters: [(id: WaiterID, waiter: Waiter)] = []
    private(set) var isClosing = false
    private var closeCompletionSignalled = false

    init(maxConnections: Int) {
        precondition(maxConnections > 0, "maxConnections must be at least 1")
        self.maxConnections = maxConnections
    }

    /// All connections that exist or are being opened.
    var total: Int { idle.count + leased + connecting }

    var isClosed: Bool { isClosing && leased == 0 && connecting == 0 && idle.isEmpty }

    /// A caller wants a connection.
    mutating func checkout(_ id: WaiterID, waiter: Waiter) -> CheckoutAction {
        if isClosing { return .fail(.closed) }
        if waiters.isEmpty, let entry = idle.popLast() {
            leased += 1
            return .use(entry.connection, idleSince: entry.since)
        }
        waiters.append((id, waiter))
        return .wait(connect: startConnectsIfNeeded())
    }

    /// A waiter gave up (timeout or task cancellation). Returns it if it was still waiting, so
    /// it is failed exactly once.
    mutating func removeWaiter(_ id: WaiterID) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).waiter
    }

    /// A connection opened by the pool is ready.
    mutating func connectSucceeded(_ connection: Connection, now: ContinuousClock.Instant) -> Actions {
        connecting -= 1
        var actions = Actions()
        if isClosing {
            actions.close.append(connection)
        } else if !waiters.isEmpty {
            leased += 1
            actions.handOver.append((waiters.removeFirst().waiter, connection))
        } else {
            idle.append(Idle(connection: connection, since: now))
        }
        finish(&actions)
        return actions
    }

    /// Opening a connection failed.
    mutating func connectFailed(_ error: any Error) -> Actions {
        connecting -= 1
        var actions = Actions()
        if !waiters.isEmpty {
            actions.fail.append((waiters.removeFirst().waiter, .connectError(error)))
        }
        if !isClosing { actions.connect = startConnectsIfNeeded() }
        finish(&actions)
        return actions
    }

    /// A leased connection comes back. `reusable` is false when it broke or is in an unknown
    /// state; it is then closed and its place freed.
    mutating func release(_ connection: Connection, reusable: Bool, now: ContinuousClock.Instant) -> Actions {
        leased -= 1
        var actions = Actions()
        if isClosing || !reusable {
            actions.close.append(connection)
            if !isClosing { actions.connect = startConnectsIfNeeded() }
        } else if !waiters.isEmpty {
            leased += 1
            actions.handOver.append((waiters.removeFirst().waiter, connection))
        } else {
            idle.append(Idle(connection: connection, since: now))
        }
        finish(&actions)
        return actions
    }

    /// A leased connection turned out dead on checkout, was closed, and no replacement could
    /// be opened: its place is freed.
    mutating func abandonLease() -> Actions {
        leased -= 1
        var actions = Actions()
        if !isClosing { actions.connect = startConnectsIfNeeded() }
        finish(&actions)
        return actions
    }

    /// Closes the pool.
    mutating func close() -> Actions {
        var actions = Actions()
        guard !isClosing else {
            finish(&actions)
            return actions
        }
        isClosing = true
        actions.fail = waiters.map { ($0.waiter, .pool(.closed)) }
        waiters.removeAll()
        actions.close = idle.map(\.connection)
        idle.removeAll()
        finish(&actions)
        return actions
    }

    /// Opens connections for waiters that no connection being opened will serve, within the limit.
    private mutating func startConnectsIfNeeded() -> Int {
        let wanted = min(waiters.count - connecting, maxConnections - total)
        guard wanted > 0 else { return 0 }
        connecting += wanted
        return wanted
    }

    private mutating func finish(_ actions: inout Actions) {
        if isClosing, leased == 0, connecting == 0, !closeCompletionSignalled {
            closeCompletionSignalled = true
            actions.closeCompleted = true
        }
    }
}

extension ConnectionPoolState: Sendable where Connection: Sendable, Waiter: Sendable {}
extension ConnectionPoolState.Idle: Sendable where Connection: Sendable {}
