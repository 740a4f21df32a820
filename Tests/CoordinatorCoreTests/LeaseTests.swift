@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import Testing

@Suite("Claims, heartbeats and results")
struct LeaseTests {
    @Test("claim → heartbeat → complete, and the batch sums the bytes saved")
    func happyPath() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            let submitted = try await fleet.api.submit(.to(.host("a")))
            let claim = try #require(try await fleet.api.claim(agent))
            #expect(claim.job.id == submitted.jobs[0].id)
            #expect(claim.job.state == .running)
            #expect(claim.job.attempt == 1)
            #expect(claim.leaseExpiresAt > Date())
            #expect(try await fleet.api.claim(agent) == nil)

            let beat = try await fleet.api.heartbeat(agent, claim)
            try expectStatus(beat, .ok)
            let heartbeat = try decode(HeartbeatResponse.self, from: beat)
            #expect(!heartbeat.cancelRequested)
            #expect(heartbeat.leaseExpiresAt >= claim.leaseExpiresAt)
            #expect(try await fleet.api.job(claim.job.id).progress?.phase == .merging)

            let done = try await fleet.api.complete(agent, claim, result: .sample(saved: 1234))
            try expectStatus(done, .ok)
            let job = try decode(Job.self, from: done)
            #expect(job.state == .succeeded)
            #expect(job.result?.bytesSaved == 1234)
            #expect(job.finishedAt != nil)

            let batch = try decode(SubmissionResponse.self, from: try await fleet.api.send(
                .get, APIPath.batch(submitted.batch.id), token: TestTokens.admin))
            #expect(batch.batch.count(in: .succeeded) == 1)
            #expect(batch.batch.bytesSaved == 1234)
            #expect(batch.jobs.map(\.id) == [claim.job.id])
        }
    }

    @Test("a heartbeat's rate is stored and shown; one without a rate (an older agent) has none")
    func heartbeatRatePassesThrough() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a")))
            let claim = try #require(try await fleet.api.claim(agent))
            let withRate = JobProgress(phase: .merging, bytesDone: 400, bytesTotal: 1000, bytesPerSecond: 120.5)
            try expectStatus(try await fleet.api.send(
                .post, APIPath.jobHeartbeat(claim.job.id), token: agent.token,
                json: Heartbeat(leaseToken: claim.leaseToken, progress: withRate)), .ok)
            #expect(try await fleet.api.job(claim.job.id).progress == withRate)

            try expectStatus(try await fleet.api.send(
                .post, APIPath.jobHeartbeat(claim.job.id), token: agent.token,
                json: Heartbeat(leaseToken: claim.leaseToken, progress: JobProgress(phase: .merging, bytesDone: 1, bytesPerSecond: -1))),
                .badRequest)

            try expectStatus(try await fleet.api.heartbeat(agent, claim), .ok)
            let progress = try await fleet.api.job(claim.job.id).progress
            #expect(progress == JobProgress(phase: .merging, bytesDone: 10, bytesTotal: 100))
            #expect(progress?.bytesPerSecond == nil)
        }
    }

    @Test("a skipped completion stores the reason")
    func skipped() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a")))
            let claim = try #require(try await fleet.api.claim(agent))
            let response = try await fleet.api.send(.post, APIPath.jobComplete(claim.job.id), token: agent.token,
                                                    json: JobCompletion(leaseToken: claim.leaseToken, outcome: .skipped(reason: "image absent")))
            let job = try decode(Job.self, from: response)
            #expect(job.state == .skipped)
            #expect(job.skipReason == "image absent")
        }
    }

    @Test("repeating a stored completion returns the stored outcome; another outcome does not replace it")
    func idempotentCompletion() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a")))
            let claim = try #require(try await fleet.api.claim(agent))
            let first = try decode(Job.self, from: try await fleet.api.complete(agent, claim, result: .sample(saved: 7)))
            let repeated = try await fleet.api.complete(agent, claim, result: .sample(saved: 7))
            try expectStatus(repeated, .ok)
            #expect(try decode(Job.self, from: repeated) == first)
            let different = try await fleet.api.complete(agent, claim, result: .sample(saved: 99))
            #expect(try decode(Job.self, from: different).result?.bytesSaved == 7)
            // A failure report for a lease that completed is stale.
            let late = try await fleet.api.fail(agent, claim, retryable: true)
            #expect(try errorBody(late, status: .conflict).error.code == .staleLease)
        }
    }

    @Test("a wrong lease token is 409 and changes nothing")
    func wrongToken() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a")))
            var claim = try #require(try await fleet.api.claim(agent))
            let before = try await fleet.api.job(claim.job.id)
            claim.leaseToken = SecretToken.generate()
            for response in [
                try await fleet.api.heartbeat(agent, claim),
                try await fleet.api.complete(agent, claim),
                try await fleet.api.fail(agent, claim, retryable: false),
            ] {
                #expect(try errorBody(response, status: .conflict).error.code == .staleLease)
            }
            #expect(try await fleet.api.job(claim.job.id) == before)
        }
    }

    @Test("a retryable failure requeues after a backoff; the next claim is attempt 2")
    func retryableFailure() async throws {
        try await TestFleet.run(configure: { $0.retryBackoff = RetryBackoff(base: .milliseconds(300), cap: .seconds(5)) }) { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a"), maxAttempts: 2))
            let first = try #require(try await fleet.api.claim(agent))
            let failed = try decode(Job.self, from: try await fleet.api.fail(agent, first, message: "network blip", retryable: true))
            #expect(failed.state == .queued)
            #expect(failed.error == JobError(message: "network blip", retryable: true))
            // Backoff: base 0.3 s · 2^1 = 0.6 s before it can be claimed again. Whenever the
            // next claim lands (a loaded machine may stall this test longer than that), the
            // database's own clock must show it at least 0.6 s after the failure.
            var next = try await fleet.api.claim(agent)
            if next == nil { next = try await fleet.api.claim(agent, wait: 20) }
            let second = try #require(next)
            let claimedAt = try #require(second.job.startedAt)
            #expect(claimedAt.timeIntervalSince(failed.updatedAt) >= 0.6 - 1e-6,
                    "claimed \(claimedAt.timeIntervalSince(failed.updatedAt)) s after the failure")
            #expect(second.job.attempt == 2)
            // Once the job is claimed again, the first lease is stale.
            let repeated = try await fleet.api.fail(agent, first, message: "network blip", retryable: true)
            #expect(try errorBody(repeated, status: .conflict).error.code == .staleLease)
            // The last attempt's failure is final.
            let final = try decode(Job.self, from: try await fleet.api.fail(agent, second, retryable: true))
            #expect(final.state == .failed)
            #expect(final.finishedAt != nil)
        }
    }

    @Test("a failure whose answer was lost can be delivered again")
    func repeatedFailure() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a"), maxAttempts: 3))
            let claim = try #require(try await fleet.api.claim(agent))
            let first = try decode(Job.self, from: try await fleet.api.fail(agent, claim, retryable: false))
            #expect(first.state == .failed)
            let again = try await fleet.api.fail(agent, claim, retryable: false)
            try expectStatus(again, .ok)
            #expect(try decode(Job.self, from: again) == first)
        }
    }

    @Test("an expired lease is requeued by the reaper and the late completion gets 409")
    func leaseExpiry() async throws {
        try await TestFleet.run(configure: { $0.leaseDuration = .seconds(1) }) { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a"), maxAttempts: 2))
            let claim = try #require(try await fleet.api.claim(agent))
            try await Task.sleep(for: .milliseconds(1200))
            let reaper = LeaseReaper(jobs: fleet.coordinator.jobs, backoff: fleet.coordinator.configuration.retryBackoff,
                                     interval: .seconds(1), metrics: fleet.coordinator.metrics, logger: .init(label: "test"))
            #expect(try await reaper.reapOnce() == 1)
            let requeued = try await fleet.api.job(claim.job.id)
            #expect(requeued.state == .queued)
            #expect(requeued.attempt == 1)
            #expect(requeued.error?.message.contains("expired") == true)

            let late = try await fleet.api.complete(agent, claim)
            #expect(try errorBody(late, status: .conflict).error.code == .staleLease)
            #expect(try await fleet.api.job(claim.job.id).state == .queued)

            // The second attempt expires too: no attempts left, so it fails.
            let second = try #require(try await fleet.api.claim(agent, wait: 20))
            #expect(second.job.attempt == 2)
            try await Task.sleep(for: .milliseconds(1200))
            #expect(try await reaper.reapOnce() == 1)
            #expect(try await fleet.api.job(claim.job.id).state == .failed)

            let metrics = String(buffer: try await fleet.api.send(.get, APIPath.metrics, token: nil).body)
            #expect(metrics.contains(#"flatten_lease_expiries_total{outcome="queued"} 1"#))
            #expect(metrics.contains(#"flatten_lease_expiries_total{outcome="failed"} 1"#))
        }
    }

    @Test("the reaper leaves live leases alone and never overwrites a completion")
    func reaperGuards() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a")))
            _ = try await fleet.api.submit(.to(.host("a")))
            let live = try #require(try await fleet.api.claim(agent))
            let done = try #require(try await fleet.api.claim(agent))
            try expectStatus(try await fleet.api.complete(agent, done), .ok)
            try expectStatus(try await fleet.api.heartbeat(agent, live), .ok)
            // A completed job holds no lease (the schema's CHECK ties a lease to `running`), and
            // the reaper's statement is guarded on state and expiry: it can touch neither job.
            // The default lease keeps `live` live however slow the machine is.
            let reaped = try await fleet.coordinator.jobs.reapExpiredLeases(backoff: RetryBackoff())
            #expect(reaped.isEmpty)
            #expect(try await fleet.api.job(done.job.id).state == .succeeded)
            #expect(try await fleet.api.job(live.job.id).state == .running)
        }
    }

    @Test("higher priority is claimed first, then older")
    func priorityOrder() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            let low = try await fleet.api.submit(.to(.host("a"), priority: 0))
            let high = try await fleet.api.submit(.to(.host("a"), priority: 10))
            let lowToo = try await fleet.api.submit(.to(.host("a"), priority: 0))
            var order: [UUID] = []
            while let claim = try await fleet.api.claim(agent) { order.append(claim.job.id) }
            #expect(order == [high.jobs[0].id, low.jobs[0].id, lowToo.jobs[0].id])
        }
    }
}
