import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The long polls held open on this coordinator, by agent, so a submission can wake the agent
/// it queued work for at once.
///
/// A claim takes a ``Ticket`` *before* it looks for a job, then waits with it: a wake that
/// lands between the look and the wait (the classic lost wake-up) is seen because the agent's
/// generation moved past the ticket, and the wait returns at once.
///
/// A wait also ends when its client's connection closes: a departed agent's poll must stop
/// counting against `--max-polls-per-agent` at once, not when its wait runs out. Each
/// connection gets one close callback however many polls a kept-alive connection carries, so
/// a connection that lives for days does not collect a callback per poll.
public final class ClaimWaiters: Sendable {
    /// Why a wait ended.
    public enum WakeReason: Sendable, Hashable {
        /// Work may be there: look again.
        case woken
        /// The wait's time ran out.
        case timedOut
        /// The coordinator is shutting down: answer the long poll now.
        case shuttingDown
        /// The client's connection closed: nobody is left to answer.
        case clientGone
    }

    /// An agent's wake generation when a claim started looking.
    public struct Ticket: Sendable, Hashable {
        let generation: UInt64
    }

    private struct Entry {
        var generation: UInt64 = 0
        var parked: [Int: Parked] = [:]
    }

    /// A client connection with a close callback registered, and the waits it carries now.
    private struct WatchedConnection {
        /// Held so the future cannot be freed, and its identity reused, while it is a key.
        let closed: EventLoopFuture<Void>
        var parked: [Int: Parked] = [:]
    }

    private struct State {
        var entries: [UUID: Entry] = [:]
        var connections: [ObjectIdentifier: WatchedConnection] = [:]
        var nextID = 0
        var isShutDown = false
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// The ticket to wait with after looking for work.
    public func ticket(for agent: UUID) -> Ticket {
        state.withLockedValue { Ticket(generation: $0.entries[agent]?.generation ?? 0) }
    }

    /// Waits until `agent` is woken after `ticket` was taken, `timeout` passes, the task is
    /// cancelled (reported as ``WakeReason/timedOut``), the connection whose close future is
    /// `connectionClosed` closes, or the coordinator shuts down.
    public func wait(
        for agent: UUID, after ticket: Ticket, timeout: Duration,
        connectionClosed: EventLoopFuture<Void>? = nil
    ) async -> WakeReason {
        let parked = Parked()
        let connection = connectionClosed.map(ObjectIdentifier.init)
        let (immediate, watchConnection): (WakeReason?, Bool) = state.withLockedValue { state in
            if state.isShutDown { return (.shuttingDown, false) }
            if (state.entries[agent]?.generation ?? 0) != ticket.generation { return (.woken, false) }
            state.nextID += 1
            parked.id = state.nextID
            state.entries[agent, default: Entry()].parked[parked.id] = parked
            guard let connection, let connectionClosed else { return (nil, false) }
            let isNew = state.connections[connection] == nil
            state.connections[connection, default: WatchedConnection(closed: connectionClosed)].parked[parked.id] = parked
            return (nil, isNew)
        }
        if let immediate { return immediate }
        if watchConnection, let connection, let connectionClosed {
            // Runs at once when the connection is already closed.
            connectionClosed.whenComplete { _ in self.connectionDidClose(connection) }
        }

        let reason = await withTaskGroup(of: WakeReason?.self) { group in
            group.addTask { await parked.wait() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .timedOut
        }
        // Whatever ended the wait, the entry must not outlive it.
        state.withLockedValue { state in
            _ = state.entries[agent]?.parked.removeValue(forKey: parked.id)
            if let connection { _ = state.connections[connection]?.parked.removeValue(forKey: parked.id) }
        }
        parked.resolve(.timedOut)
        return reason
    }

    private func connectionDidClose(_ connection: ObjectIdentifier) {
        guard let gone = state.withLockedValue({ $0.connections.removeValue(forKey: connection) }) else { return }
        for parked in gone.parked.values { parked.resolve(.clientGone) }
    }

    /// Wakes every wait of `agent`, and any claim of it that is between looking and waiting.
    public func wake(_ agent: UUID) {
        let woken = state.withLockedValue { state -> [Parked] in
            var entry = state.entries[agent] ?? Entry()
            entry.generation &+= 1
            let parked = Array(entry.parked.values)
            entry.parked.removeAll()
            state.entries[agent] = entry
            return parked
        }
        for parked in woken { parked.resolve(.woken) }
    }

    /// Wakes every wait (after missed notifications: everyone looks again).
    public func wakeAll() {
        let woken = state.withLockedValue { state -> [Parked] in
            var all: [Parked] = []
            for key in state.entries.keys {
                state.entries[key]!.generation &+= 1
                all.append(contentsOf: state.entries[key]!.parked.values)
                state.entries[key]!.parked.removeAll()
            }
            return all
        }
        for parked in woken { parked.resolve(.woken) }
    }

    /// Ends every wait with ``WakeReason/shuttingDown`` and makes later waits return at once.
    public func shutDown() {
        let woken = state.withLockedValue { state -> [Parked] in
            state.isShutDown = true
            let all = state.entries.values.flatMap { $0.parked.values }
            for key in state.entries.keys { state.entries[key]!.parked.removeAll() }
            return all
        }
        for parked in woken { parked.resolve(.shuttingDown) }
    }

    /// The agents with at least one wait open now.
    public var waitingAgents: [UUID] {
        state.withLockedValue { $0.entries.compactMap { $0.value.parked.isEmpty ? nil : $0.key } }
    }

    /// How many client connections have a close callback registered now (each until it closes).
    public var watchedConnectionCount: Int {
        state.withLockedValue { $0.connections.count }
    }

    /// How many waits are open now.
    public var waitCount: Int {
        state.withLockedValue { $0.entries.values.reduce(0) { $0 + $1.parked.count } }
    }
}

/// One parked wait: resolved exactly once, by a wake, the shutdown, the timeout or
/// cancellation, whichever comes first, whether or not its task is suspended yet.
private final class Parked: @unchecked Sendable {
    // @unchecked: `id` is written once under the registry's lock before the Parked is shared;
    // everything else is behind `lock`.
    var id = 0
    private let lock = NIOLock()
    private var outcome: ClaimWaiters.WakeReason?
    private var continuation: CheckedContinuation<ClaimWaiters.WakeReason?, Never>?

    func wait() async -> ClaimWaiters.WakeReason? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ClaimWaiters.WakeReason?, Never>) in
                let ready: ClaimWaiters.WakeReason? = lock.withLock {
                    if let outcome { return outcome }
                    self.continuation = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            resolve(.timedOut)
        }
    }

    func resolve(_ reason: ClaimWaiters.WakeReason) {
        let continuation: CheckedContinuation<ClaimWaiters.WakeReason?, Never>? = lock.withLock {
            guard outcome == nil else { return nil }
            outcome = reason
            defer { self.continuation = nil }
            return self.continuation
        }
        continuation?.resume(returning: reason)
    }
}
