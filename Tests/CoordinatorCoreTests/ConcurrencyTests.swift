@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import PostgresClient
import Testing

@Suite("Concurrent claims and wake-ups")
struct ConcurrencyTests {
    @Test("20 concurrent claimers over 500 jobs never share a job and claim them all")
    func concurrentClaimers() async throws {
        // The agents do not heartbeat here: a lease long enough that 125 submissions on a loaded
        // machine never see them go offline. What the test proves is that claims never overlap.
        // Five claimers per agent are more than the default --max-polls-per-agent allows.
        try await TestFleet.run(configure: {
            $0.leaseDuration = .seconds(600)
            $0.callerLimits.maxPollsPerAgent = 5
        }) { fleet in
            var agents: [TestAgent] = []
            for index in 0..<4 {
                agents.append(try await fleet.api.register("agent-\(index)"))
            }
            var submitted: Set<UUID> = []
            for _ in 0..<125 {
                submitted.formUnion(try await fleet.api.submit(.to(.all)).jobs.map(\.id))
            }
            #expect(submitted.count == 500)

            // Five claimers per agent, so claims on one agent's queue really race.
            let claimers = (0..<20).map { agents[$0 % agents.count] }
            let claimed = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for agent in claimers {
                    group.addTask {
                        var mine: [UUID] = []
                        while let claim = try await fleet.api.claim(agent) {
                            #expect(claim.job.agentId == agent.id)
                            mine.append(claim.job.id)
                            try expectStatus(try await fleet.api.complete(agent, claim), .ok)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0.append(contentsOf: $1) }
            }
            #expect(claimed.count == 500)
            #expect(Set(claimed) == submitted)
            let rows = try await fleet.coordinator.client.query(
                "SELECT count(*) FILTER (WHERE state = 'succeeded') AS done, max(attempt) AS attempts FROM jobs")
            #expect(try rows[0].decode(Int.self, column: "done") == 500)
            #expect(try rows[0].decode(Int.self, column: "attempts") == 1)
        }
    }

    @Test("a submission wakes the waiting agent at once, well before the safety re-check")
    func inProcessWake() async throws {
        // The re-check is ten minutes away and the poll waits two: only the submission's wake-up
        // can hand the agent its job within the poll. What it proves is who woke the agent, not
        // how fast, so a loaded machine's scheduling delays cannot fail it.
        try await TestFleet.run(configure: {
            $0.wakeRecheckInterval = .seconds(600)
            $0.maxClaimWait = .seconds(120)
        }) { fleet in
            let agent = try await fleet.api.register("a")
            let other = try await fleet.api.register("b")
            async let claim = fleet.api.claim(agent, wait: 120)
            async let otherClaim = fleet.api.claim(other, wait: 10)
            try await waitUntil { fleet.coordinator.waiters.waitCount == 2 }
            let submitted = try await fleet.api.submit(.to(.host("a")))
            let claimed = try #require(try await claim, "the poll ended empty: the submission did not wake it")
            #expect(claimed.job.id == submitted.jobs[0].id)
            // The other agent was not given the job and times out empty.
            #expect(try await otherClaim == nil)
        }
    }

    @Test("the safety re-check finds work whose notification never came")
    func safetyRecheck() async throws {
        try await TestFleet.run(configure: { $0.wakeRecheckInterval = .milliseconds(300) }) { fleet in
            let agent = try await fleet.api.register("a")
            async let claim = fleet.api.claim(agent, wait: 20)
            try await waitUntil { fleet.coordinator.waiters.waitCount == 1 }
            // Queue a job behind the coordinator's back: no wake, no NOTIFY.
            try await fleet.coordinator.client.execute("""
                WITH batch AS (
                    INSERT INTO batches (id, image, target, submission) VALUES (gen_random_uuid(), 'docker.io/library/x:1', '{}', '{}')
                    RETURNING id)
                INSERT INTO jobs (id, batch_id, agent_id, image, options, state, max_attempts)
                SELECT gen_random_uuid(), batch.id, \(agent.id), 'docker.io/library/x:1', '{}', 'queued', 1 FROM batch
                """)
            // Nothing wakes the agent but the re-check (every 300 ms): without it the poll would
            // end empty after 20 s.
            let claimed = try await claim
            #expect(claimed != nil)
        }
    }

    @Test("a long poll with nothing to claim answers 204 after its wait")
    func emptyWait() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            let start = ContinuousClock.now
            #expect(try await fleet.api.claim(agent, wait: 0.5) == nil)
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(450))
            #expect(elapsed < .seconds(20))
        }
    }
}

/// Polls `condition` every 10 ms for up to `timeout`.
func waitUntil(timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(timeout)")
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
