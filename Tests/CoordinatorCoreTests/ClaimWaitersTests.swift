import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import CoordinatorCore

@Suite("Claim waiters (in-process wake-ups)")
struct ClaimWaitersTests {
    @Test("a wake ends a wait at once")
    func wake() async {
        let waiters = ClaimWaiters()
        let agent = UUID()
        let ticket = waiters.ticket(for: agent)
        async let reason = waiters.wait(for: agent, after: ticket, timeout: .seconds(20))
        while waiters.waitCount == 0 { await Task.yield() }
        waiters.wake(agent)
        #expect(await reason == .woken)
        #expect(waiters.waitCount == 0)
    }

    @Test("a wake between taking the ticket and waiting is not lost")
    func wakeBeforeWait() async {
        let waiters = ClaimWaiters()
        let agent = UUID()
        let ticket = waiters.ticket(for: agent)
        waiters.wake(agent)
        #expect(await waiters.wait(for: agent, after: ticket, timeout: .seconds(20)) == .woken)
    }

    @Test("another agent's wake does not end the wait; the timeout does")
    func timeout() async {
        let waiters = ClaimWaiters()
        let agent = UUID()
        let ticket = waiters.ticket(for: agent)
        waiters.wake(UUID())
        let start = ContinuousClock.now
        #expect(await waiters.wait(for: agent, after: ticket, timeout: .milliseconds(100)) == .timedOut)
        #expect(ContinuousClock.now - start >= .milliseconds(100))
        #expect(waiters.waitCount == 0)
    }

    @Test("shutdown answers every wait and every later one")
    func shutdown() async {
        let waiters = ClaimWaiters()
        let agents = (0..<10).map { _ in UUID() }
        await withTaskGroup(of: ClaimWaiters.WakeReason.self) { group in
            for agent in agents {
                let ticket = waiters.ticket(for: agent)
                group.addTask { await waiters.wait(for: agent, after: ticket, timeout: .seconds(20)) }
            }
            while waiters.waitCount < agents.count { await Task.yield() }
            #expect(Set(waiters.waitingAgents) == Set(agents))
            waiters.shutDown()
            for await reason in group {
                #expect(reason == .shuttingDown)
            }
        }
        let ticket = waiters.ticket(for: agents[0])
        #expect(await waiters.wait(for: agents[0], after: ticket, timeout: .seconds(20)) == .shuttingDown)
    }

    @Test("a cancelled wait ends and leaves nothing behind")
    func cancellation() async {
        let waiters = ClaimWaiters()
        let agent = UUID()
        let task = Task { await waiters.wait(for: agent, after: waiters.ticket(for: agent), timeout: .seconds(20)) }
        while waiters.waitCount == 0 { await Task.yield() }
        task.cancel()
        #expect(await task.value == .timedOut)
        #expect(waiters.waitCount == 0)
    }

    @Test("a connection closing during the wait ends it as clientGone and forgets the connection")
    func connectionClosesDuringTheWait() async {
        let waiters = ClaimWaiters()
        let agent = UUID()
        let closed = Self.loop.makePromise(of: Void.self)
        async let reason = waiters.wait(
            for: agent, after: waiters.ticket(for: agent), timeout: .seconds(600), connectionClosed: closed.futureResult)
        while waiters.waitCount == 0 { await Task.yield() }
        #expect(waiters.watchedConnectionCount == 1)
        closed.succeed()
        #expect(await reason == .clientGone)
        #expect(waiters.waitCount == 0)
        #expect(waiters.watchedConnectionCount == 0)
    }

    @Test("a wait on a connection that is already closed ends as clientGone")
    func connectionAlreadyClosed() async {
        let waiters = ClaimWaiters()
        let agent = UUID()
        let closed = Self.loop.makeSucceededVoidFuture()
        let reason = await waiters.wait(
            for: agent, after: waiters.ticket(for: agent), timeout: .seconds(600), connectionClosed: closed)
        #expect(reason == .clientGone)
        #expect(waiters.watchedConnectionCount == 0)
    }

    @Test("polls one after another on a kept-alive connection register one close callback")
    func oneCallbackPerConnection() async {
        let waiters = ClaimWaiters()
        let agent = UUID()
        let closed = Self.loop.makePromise(of: Void.self)
        for _ in 0..<50 {
            let ticket = waiters.ticket(for: agent)
            async let reason = waiters.wait(for: agent, after: ticket, timeout: .seconds(600), connectionClosed: closed.futureResult)
            while waiters.waitCount == 0 { await Task.yield() }
            waiters.wake(agent)
            #expect(await reason == .woken)
        }
        #expect(waiters.watchedConnectionCount == 1)
        #expect(waiters.waitCount == 0)
        closed.succeed()
        // The callback runs on the connection's event loop.
        while waiters.watchedConnectionCount != 0 { await Task.yield() }
        let other = waiters.ticket(for: agent)
        #expect(await waiters.wait(for: agent, after: other, timeout: .seconds(600), connectionClosed: closed.futureResult) == .clientGone)
    }

    static let loop = MultiThreadedEventLoopGroup.singleton.next()
}
