@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Logging
import Testing

/// The dashboard's change feed against a real database: a change is announced, a quiet fleet
/// only gets keep-alives, and the end of the feed ends every stream.
@Suite("Dashboard change feed")
struct DashboardChangeFeedTests {
    @Test("a submission is announced as a change; quiet ticks bring keep-alives; the feed's end ends the streams")
    func announcesChanges() async throws {
        try await TestFleet.run { fleet in
            _ = try await fleet.api.register("a")
            let feed = DashboardChangeFeed(
                jobs: fleet.coordinator.jobs, onlineWithin: .seconds(300), interval: .milliseconds(50), keepAliveEvery: 4,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            let running = Task { try await feed.run() }
            let (id, stream) = feed.subscribe()
            #expect(feed.subscriberCount == 1)
            var events = stream.makeAsyncIterator()

            // Quiet: the first reading only sets the baseline, then keep-alives.
            #expect(await events.next() == .keepAlive)
            _ = try await fleet.api.submit(.to(.host("a")))
            var next = await events.next()
            while next == .keepAlive { next = await events.next() }
            #expect(next == .change)

            feed.unsubscribe(id)
            #expect(feed.subscriberCount == 0)
            #expect(await events.next() == nil)

            let (_, second) = feed.subscribe()
            running.cancel()
            _ = try? await running.value
            var rest = second.makeAsyncIterator()
            while let event = await rest.next() { #expect(event == .keepAlive || event == .change) }
            // After the end, a new page gets a stream that is already finished.
            var late = feed.subscribe().events.makeAsyncIterator()
            #expect(await late.next() == nil)
        }
    }
}
