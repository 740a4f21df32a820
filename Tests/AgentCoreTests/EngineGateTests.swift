import CoordinatorCore
import DockerEngine
import FlattenProtocol
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import Testing
import TestSupport

@testable import AgentCore

/// A real agent, a real coordinator on a scratch database, and a real engine reached through
/// a socket that can vanish (a ``ConnectionForwarder`` stopped and started again).
@Suite("The agent and its engine", .serialized)
struct EngineGateTests {
    static let admin = "agent-test-admin-token-0123456789"
    static let enrollment = "agent-test-enrollment-token-0123456789"

    @Test("while its engine is unreachable the agent claims nothing and shows engine-unavailable; once it is back it claims again")
    func noClaimsWhileTheEngineIsGone() async throws {
        let engine = try TestEnvironment.dockerHost()
        guard case .unixSocket(let engineSocket) = engine.endpoint else {
            Issue.record("\(TestEnvironment.dockerHostVariable) must be a unix socket (it is \(engine))")
            return
        }
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let socket = "/tmp/ff-agent-\(suffix).sock"
        let forwarder = ConnectionForwarder(listening: .unix(path: socket), target: .unix(path: engineSocket))
        let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("agent-engine-\(suffix)").path
        try await forwarder.start()
        try await withScratchDatabase(prefix: "agent_test") { url in
            let coordinator = try Coordinator(configuration: CoordinatorConfiguration(
                host: "127.0.0.1", port: 0, databaseURL: url, adminTokens: [Self.admin], enrollmentTokens: [Self.enrollment],
                leaseDuration: .seconds(30), retention: nil, maxClaimWait: .seconds(5), reaperInterval: .seconds(3600),
                retryBackoff: RetryBackoff(base: .milliseconds(50), cap: .seconds(1)), databaseConnections: 8))
            let port = NIOLockedValueBox<Int?>(nil)
            var server: Task<Void, any Error>?
            var agentRun: Task<Void, any Error>?
            do {
                try await coordinator.migrate()
                let application = coordinator.makeApplication { _, bound in port.withLockedValue { $0 = bound } }
                server = Task { try await application.runService(gracefulShutdownSignals: []) }
                try await eventually("the coordinator listens") { port.withLockedValue { $0 } != nil }

                let agent = Agent(configuration: AgentConfiguration(
                    coordinatorURL: "http://127.0.0.1:\(port.withLockedValue { $0! })", enrollmentToken: Self.enrollment,
                    name: "gate-\(suffix)", stateDirectory: stateDirectory,
                    dockerHost: .unixSocket(socket),
                    claimWait: .seconds(1), backoff: FullJitterBackoff(base: .milliseconds(100), cap: .milliseconds(500)),
                    requestTimeout: .seconds(10), hardStopSignals: []),
                    logger: Logger(label: "agent-test", factory: { _ in SwiftLogNoOpLogHandler() }))
                agentRun = Task { try await agent.run() }
                let name = "gate-\(suffix)"

                try await eventually("the agent registers and is online") {
                    try await coordinator.agents.agents(onlineWithin: .seconds(30)).first { $0.name == name }?.state == .online
                }

                // The engine vanishes: the agent says so and stops claiming.
                await forwarder.stop()
                try await eventually("the agent reports its engine unavailable") {
                    try await coordinator.agents.agents(onlineWithin: .seconds(30)).first { $0.name == name }?.state == .engineUnavailable
                }
                let reported = try #require(try await coordinator.agents.agents(onlineWithin: .seconds(30)).first { $0.name == name })
                #expect(reported.engineError?.contains(socket) == true, "\(reported.engineError ?? "nil")")

                let image = try ImageReference("flatten-test-absent-\(suffix):1")
                _ = try await coordinator.jobs.submit(
                    JobSubmission(image: image, target: .host(name), maxAttempts: 1), onlineWithin: .seconds(30), instance: UUID())
                let job = try #require(try await coordinator.jobs.jobs(matching: JobFilter(agentName: name), after: nil, limit: 1).jobs.first)
                // A claiming agent would take it at once (the submission wakes its long poll);
                // several of its claim waits pass, and the job stays queued with no attempt used.
                try await Task.sleep(for: .seconds(4))
                let waiting = try #require(try await coordinator.jobs.job(job.id))
                #expect(waiting.state == .queued)
                #expect(waiting.attempt == 0)

                // The engine is back: the agent claims, the job runs on the engine (the image is
                // absent there, so it is skipped), and the agent is online again.
                try await forwarder.start()
                try await eventually("the job runs once the engine is back", timeout: .seconds(90)) {
                    try await coordinator.jobs.job(job.id)?.state.isTerminal == true
                }
                let finished = try #require(try await coordinator.jobs.job(job.id))
                #expect(finished.state == .skipped, "\(finished.error?.message ?? finished.skipReason ?? "")")
                #expect(finished.attempt == 1)
                #expect(try await coordinator.agents.agents(onlineWithin: .seconds(30)).first { $0.name == name }?.state == .online)
            } catch {
                agentRun?.cancel()
                _ = await agentRun?.result
                server?.cancel()
                _ = await server?.result
                await forwarder.stop()
                await coordinator.client.close()
                try? FileManager.default.removeItem(atPath: stateDirectory)
                throw error
            }
            agentRun?.cancel()
            _ = await agentRun?.result
            server?.cancel()
            _ = await server?.result
            await forwarder.stop()
            await coordinator.client.close()
            try? FileManager.default.removeItem(atPath: stateDirectory)
        }
    }

    /// Waits until `condition` holds, failing after `timeout` (a generous bound, not a measure).
    func eventually(
        _ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                throw EngineGateTestError("timed out after \(timeout) waiting until \(what)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

struct EngineGateTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
