import Testing
@testable import PostgresClient

/// The pool's rules, as a pure state machine: connections are strings, waiters are names.
@Suite struct ConnectionPoolStateTests {
    typealias Pool = ConnectionPoolState<String, String>
    let now = ContinuousClock.now

    @Test func opensOnDemandUpToTheLimitThenQueues() {
        var pool = Pool(maxConnections: 2)
        guard case .wait(connect: 1) = pool.checkout(1, waiter: "a") else { Issue.record("a should wait for one connect"); return }
        guard case .wait(connect: 1) = pool.checkout(2, waiter: "b") else { Issue.record("b should wait for one connect"); return }
        guard case .wait(connect: 0) = pool.checkout(3, waiter: "c") else { Issue.record("c should wait without a connect"); return }
        #expect(pool.total == 2)

        let first = pool.connectSucceeded("conn1", now: now)
        #expect(first.handOver.map(\.0) == ["a"])
        let second = pool.connectSucceeded("conn2", now: now)
        #expect(second.handOver.map(\.0) == ["b"])
        #expect(pool.leased == 2)

        // A release goes to the oldest waiter, not to the idle list.
        let released = pool.release("conn1", reusable: true, now: now)
        #expect(released.handOver.map(\.0) == ["c"])
        #expect(released.handOver.map(\.1) == ["conn1"])
        #expect(pool.idle.isEmpty)
    }

    @Test func idleConnectionsAreReusedMostRecentFirst() {
        var pool = Pool(maxConnections: 2)
        _ = pool.checkout(1, waiter: "a")
        _ = pool.checkout(2, waiter: "b")
        _ = pool.connectSucceeded("c1", now: now)
        _ = pool.connectSucceeded("c2", now: now)
        _ = pool.release("c1", reusable: true, now: now)
        _ = pool.release("c2", reusable: true, now: now + .seconds(1))
        guard case .use(let connection, let since) = pool.checkout(3, waiter: "c") else {
            Issue.record("expected an idle connection")
            return
        }
        #expect(connection == "c2")
        #expect(since == now + .seconds(1))
        #expect(pool.total == 2)
    }

    @Test func brokenConnectionsAreClosedAndReplacedForWaiters() {
        var pool = Pool(maxConnections: 1)
        _ = pool.checkout(1, waiter: "a")
        _ = pool.connectSucceeded("c1", now: now)
        _ = pool.checkout(2, waiter: "b")
        let actions = pool.release("c1", reusable: false, now: now)
        #expect(actions.close == ["c1"])
        #expect(actions.handOver.isEmpty)
        #expect(actions.connect == 1)  // for b
        #expect(pool.total == 1)
    }

    @Test func failedConnectFailsTheOldestWaiterAndRetriesForTheRest() {
        var pool = Pool(maxConnections: 1)
        _ = pool.checkout(1, waiter: "a")
        _ = pool.checkout(2, waiter: "b")
        struct Refused: Error {}
        let actions = pool.connectFailed(Refused())
        #expect(actions.fail.map(\.0) == ["a"])
        #expect(actions.connect == 1)
        #expect(pool.connecting == 1)
        #expect(pool.waiters.map(\.waiter) == ["b"])
    }

    @Test func removedWaitersAreFailedOnce() {
        var pool = Pool(maxConnections: 1)
        _ = pool.checkout(1, waiter: "a")
        _ = pool.checkout(2, waiter: "b")
        #expect(pool.removeWaiter(2) == "b")
        #expect(pool.removeWaiter(2) == nil)
        let actions = pool.connectSucceeded("c1", now: now)
        #expect(actions.handOver.map(\.0) == ["a"])
    }

    @Test func abandonedLeaseFreesItsPlace() {
        var pool = Pool(maxConnections: 1)
        _ = pool.checkout(1, waiter: "a")
        _ = pool.connectSucceeded("c1", now: now)
        _ = pool.checkout(2, waiter: "b")
        let actions = pool.abandonLease()
        #expect(actions.connect == 1)
        #expect(pool.leased == 0)
    }

    @Test func closeFailsWaitersClosesIdleAndWaitsForLeases() {
        var pool = Pool(maxConnections: 3)
        _ = pool.checkout(1, waiter: "a")
        _ = pool.checkout(2, waiter: "b")
        _ = pool.connectSucceeded("c1", now: now)
        _ = pool.connectSucceeded("c2", now: now)
        _ = pool.release("c2", reusable: true, now: now)
        _ = pool.checkout(3, waiter: "w")  // reuses c2
        _ = pool.release("c2", reusable: true, now: now)
        _ = pool.checkout(4, waiter: "x")
        _ = pool.checkout(5, waiter: "y")  // pool: c1 leased (a), c2 leased (x), y waits, one connecting
        let closing = pool.close()
        #expect(closing.fail.map(\.0) == ["y"])
        #expect(!closing.closeCompleted)
        #expect(pool.checkout(6, waiter: "z").isFail)
        let late = pool.connectSucceeded("c3", now: now)
        #expect(late.close == ["c3"])
        #expect(!late.closeCompleted)
        _ = pool.release("c1", reusable: true, now: now)
        let last = pool.release("c2", reusable: true, now: now)
        #expect(last.close == ["c2"])
        #expect(last.closeCompleted)
        #expect(pool.isClosed)
    }
}

extension ConnectionPoolState.CheckoutAction {
    var isFail: Bool {
        if case .fail = self { return true }
        return false
    }
}
