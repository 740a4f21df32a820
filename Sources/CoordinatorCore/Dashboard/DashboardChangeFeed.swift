import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Tells the dashboard's open pages when the fleet changed.
///
/// One reading of ``JobStore/changeStamp(onlineWithin:)`` per ``interval`` for the whole
/// process, and only while at least one page listens, however many browsers are open: the
/// cost of an idle dashboard is one indexed query a second. Every subscriber also gets a
/// keep-alive now and then, which is how a stream whose browser left finds out (its write fails).
///
/// Runs beside the HTTP server and, on graceful shutdown, ends every stream so the server's
/// drain is not held by pages that would never finish.
public final class DashboardChangeFeed: Service, Sendable {
    /// What a subscriber hears.
    public enum Event: Sendable, Equatable {
        /// The fleet changed: reload.
        case change
        /// Nothing changed; a comment line keeps proxies from closing the stream.
        case keepAlive
    }

    private struct State {
        var subscribers: [UUID: AsyncStream<Event>.Continuation] = [:]
        var stamp: String?
        var closed = false
    }

    let jobs: JobStore
    let onlineWithin: Duration
    /// How often the stamp is read while someone listens.
    let interval: Duration
    /// How many ``interval``s pass between keep-alives.
    let keepAliveEvery: Int
    let logger: Logger
    private let state = NIOLockedValueBox(State())

    public init(jobs: JobStore, onlineWithin: Duration, interval: Duration = .seconds(1), keepAliveEvery: Int = 15, logger: Logger) {
        self.jobs = jobs
        self.onlineWithin = onlineWithin
        self.interval = interval
        self.keepAliveEvery = keepAliveEvery
        self.logger = logger
    }

    /// How many pages listen now.
    public var subscriberCount: Int { state.withLockedValue { $0.subscribers.count } }

    /// A stream of events for one page; it ends when the feed shuts down. Call
    /// ``unsubscribe(_:)`` with the ID when the page leaves.
    public func subscribe() -> (id: UUID, events: AsyncStream<Event>) {
        let id = UUID()
        // Only the newest event matters: three changes while a page reloads are one reload.
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(1))
        let accepted = state.withLockedValue { state -> Bool in
            guard !state.closed else { return false }
            state.subscribers[id] = continuation
            return true
        }
        if !accepted { continuation.finish() }
        return (id, stream)
    }

    public func unsubscribe(_ id: UUID) {
        state.withLockedValue { $0.subscribers.removeValue(forKey: id) }?.finish()
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var tick = 0
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: self.interval)
                } catch {
                    break
                }
                tick += 1
                guard self.subscriberCount > 0 else { continue }
                await self.poll(keepAlive: tick % self.keepAliveEvery == 0)
            }
        }
        let subscribers = state.withLockedValue { state in
            state.closed = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }

    private func poll(keepAlive: Bool) async {
        let stamp: String
        do {
            stamp = try await jobs.changeStamp(onlineWithin: onlineWithin)
        } catch {
            // The pages keep what they show; the next tick tries again.
            logger.debug("dashboard change stamp unreadable", metadata: ["error": "\(error)"])
            return
        }
        let (changed, subscribers) = state.withLockedValue { state in
            defer { state.stamp = stamp }
            return (state.stamp != nil && state.stamp != stamp, Array(state.subscribers.values))
        }
        if changed {
            for subscriber in subscribers { subscriber.yield(.change) }
        } else if keepAlive {
            for subscriber in subscribers { subscriber.yield(.keepAlive) }
        }
    }
}
