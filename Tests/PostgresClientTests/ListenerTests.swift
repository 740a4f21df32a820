import Foundation
import Testing
@testable import PostgresClient

@Suite struct ListenerTests {
    @Test func notificationsArriveInOrderWithTheirPayloads() async throws {
        try await withClient(maxConnections: 2) { client in
            // Mixed case and a space: the channel is used exactly as given.
            let channel = "PgTest Chan " + UUID().uuidString.prefix(8)
            let other = TestDatabase.uniqueName("pgtest_other")
            let listener = try await client.listen(to: [channel])
            let events = EventCollector(listener)
            let payloads = ["first", "it's \"quoted\"; DROP TABLE x; --", ""]
            try await client.notify(channel: other, payload: "not for us")
            for payload in payloads {
                try await client.notify(channel: channel, payload: payload)
            }
            // Inside a rolled-back transaction nothing is sent.
            _ = try? await client.withTransaction { connection in
                try await connection.notify(channel: channel, payload: "rolled back")
                throw CancellationError()
            }
            try await client.notify(channel: channel, payload: "last")

            let expected = payloads + ["last"]
            #expect(await events.wait { $0.payloads == expected })
            listener.stop()
            #expect(await events.notifications.allSatisfy { $0.channel == channel })
        }
    }

    @Test func stopEndsTheEventsAndClosesTheConnection() async throws {
        let application = TestDatabase.uniqueName("pgtest-listener")
        let listener = PostgresListener(
            configuration: try TestDatabase.configuration(applicationName: application),
            channels: [TestDatabase.uniqueName("chan")]
        )
        try await listener.start()
        let value1 = try await serverConnectionCount(applicationName: application)
        #expect(value1 == 1)
        listener.stop()
        for await _ in listener.events {}
        let gone = try await eventually { try await serverConnectionCount(applicationName: application) == 0 }
        #expect(gone)
    }

    @Test func startFailsWhenTheServerIsUnreachable() async throws {
        let listener = PostgresListener(
            configuration: PostgresConfiguration(connectionString: "postgresql://x@127.0.0.1:1/nowhere"),
            channels: ["c"]
        )
        let error = await #expect(throws: PostgresError.self) { try await listener.start() }
        #expect(error?.isConnectionFailure == true)
    }
}

/// Collects a listener's events in the background so tests can wait for them with a timeout.
actor EventCollector {
    private(set) var events: [PostgresListenerEvent] = []

    /// Starts collecting; collection ends with the listener's events (``PostgresListener/stop()``).
    init(_ listener: PostgresListener) {
        let stream = listener.events
        Task { [weak self] in
            for await event in stream {
                await self?.append(event)
            }
        }
    }

    private func append(_ event: PostgresListenerEvent) { events.append(event) }

    var notifications: [PostgresNotification] {
        events.compactMap { if case .notification(let note) = $0 { note } else { nil } }
    }

    var payloads: [String] { notifications.map(\.payload) }

    /// Waits until `condition` holds for the collected events; false after `timeout`.
    func wait(timeout: Duration = .seconds(10), _ condition: @Sendable (isolated EventCollector) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition(self)
    }
}
