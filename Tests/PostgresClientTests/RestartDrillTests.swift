import Foundation
import Testing
@testable import PostgresClient

/// Restarts a PostgreSQL instance of this suite's own (never the shared one) under a client
/// and a listener. Serialized: both tests restart the same instance.
@Suite(.serialized) struct RestartDrillTests {
    static let instance = "pgclient-drill"

    /// Runs `$FLATTEN_SERVICES postgres-instance pgclient-drill PORT ACTION` on the first port of
    /// `FLATTEN_TEST_DRILL_PORT_BASE`; returns its URL.
    @discardableResult
    static func drill(_ action: String) async throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let script = try #require(
            environment["FLATTEN_SERVICES"],
            "FLATTEN_SERVICES is not set: start the services with `scripts/services start` and load them with `eval \"$(scripts/services env)\"`"
        )
        let base = try #require(
            environment["FLATTEN_TEST_DRILL_PORT_BASE"].flatMap { Int($0) },
            "FLATTEN_TEST_DRILL_PORT_BASE is not set to a port: load the services' environment with `eval \"$(scripts/services env)\"`"
        )
        let port = String(base + 1)
        let result = try await runCommand(script, ["postgres-instance", instance, port, action])
        try #require(result.status == 0, "\(script) postgres-instance \(instance) \(port) \(action) exited with \(result.status)")
        let url = result.output.split(separator: "\n").last.map(String.init) ?? ""
        try #require(url.hasPrefix("postgresql://"), "unexpected output from \(script): \(result.output)")
        return url
    }

    /// Starts the instance, runs `body` with its URL, and stops it, also when `body` (or the
    /// start itself, half done) fails: a test stops the server it started.
    static func withDrill<T>(_ body: (String) async throws -> T) async throws -> T {
        let url: String
        do {
            url = try await drill("start")
        } catch {
            _ = try? await drill("stop")
            throw error
        }
        do {
            let result = try await body(url)
            try await drill("stop")
            return result
        } catch {
            _ = try? await drill("stop")
            throw error
        }
    }

    @Test func thePoolRecoversAfterTheServerRestarts() async throws {
        try await Self.withDrill { url in
            let application = TestDatabase.uniqueName("pgtest-drill")
            try await withClient(url: url, maxConnections: 3, applicationName: application) { client in
                let before = try await Self.backendPIDs(client, concurrent: 6)
                #expect(before.count >= 2)
                try await Self.drill("restart")
                // Every statement after the restart succeeds: dead connections are replaced on checkout.
                var after: Set<Int32> = []
                for _ in 0..<5 {
                    after.formUnion(try await Self.backendPIDs(client, concurrent: 6))
                }
                #expect(after.isDisjoint(with: before), "a connection from before the restart was reused")
                #expect(after.count <= 3)
                let value1 = try await serverConnectionCount(applicationName: application, url: url)
                #expect(value1 <= 3)
            }
        }
    }

    @Test func theListenerResubscribesAndReportsTheGap() async throws {
        try await Self.withDrill { url in
            try await withClient(url: url, maxConnections: 1) { client in
                let channel = TestDatabase.uniqueName("drill")
                let listener = PostgresListener(
                    configuration: try TestDatabase.configuration(url: url),
                    channels: [channel],
                    initialBackoff: .milliseconds(50),
                    maxBackoff: .milliseconds(500)
                )
                try await listener.start()
                defer { listener.stop() }
                let events = EventCollector(listener)
                try await client.notify(channel: channel, payload: "before")
                #expect(await events.wait { $0.payloads == ["before"] })

                try await Self.drill("restart")
                #expect(await events.wait(timeout: .seconds(60)) { $0.events.contains(.reconnected) }, "no .reconnected after the restart")
                // Subscribed again: a notification after the restart arrives, after the gap event.
                try await client.notify(channel: channel, payload: "after")
                #expect(await events.wait { $0.payloads == ["before", "after"] })
                let all = await events.events
                #expect(all.firstIndex(of: .reconnected)! < all.lastIndex { if case .notification = $0 { true } else { false } }!)
            }
        }
    }

    /// Returns the backend pids `concurrent` simultaneous statements ran on.
    static func backendPIDs(_ client: PostgresClient, concurrent: Int) async throws -> Set<Int32> {
        try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<concurrent {
                group.addTask {
                    try await client.query("SELECT pg_backend_pid(), pg_sleep(0.05)")[0].decode(Int32.self, at: 0)
                }
            }
            return try await group.reduce(into: []) { $0.insert($1) }
        }
    }
}
