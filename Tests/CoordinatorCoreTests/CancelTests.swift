@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Canceling jobs")
struct CancelTests {
    @Test("a queued job is canceled at once and never claimed")
    func cancelQueued() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            let submitted = try await fleet.api.submit(.to(.host("a")))
            let response = try await fleet.api.send(.post, APIPath.jobCancel(submitted.jobs[0].id), token: TestTokens.admin)
            let job = try decode(Job.self, from: response)
            #expect(job.state == .canceled)
            #expect(job.finishedAt != nil)
            #expect(try await fleet.api.claim(agent) == nil)
        }
    }

    @Test("a running job's cancel reaches its agent on the next heartbeat; its failure then cancels it")
    func cancelRunningThenFail() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a"), maxAttempts: 3))
            let claim = try #require(try await fleet.api.claim(agent))
            let response = try await fleet.api.send(.post, APIPath.jobCancel(claim.job.id), token: TestTokens.admin)
            let flagged = try decode(Job.self, from: response)
            #expect(flagged.state == .running)
            #expect(flagged.cancelRequested)

            let beat = try decode(HeartbeatResponse.self, from: try await fleet.api.heartbeat(agent, claim))
            #expect(beat.cancelRequested)
            // Even a retryable failure does not requeue a job whose cancel was requested.
            let failed = try decode(Job.self, from: try await fleet.api.fail(agent, claim, message: "stopped", retryable: true))
            #expect(failed.state == .canceled)
        }
    }

    @Test("a running job whose cancel was requested keeps the outcome its agent reports")
    func cancelRunningThenComplete() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a")))
            let claim = try #require(try await fleet.api.claim(agent))
            try expectStatus(try await fleet.api.send(.post, APIPath.jobCancel(claim.job.id), token: TestTokens.admin), .ok)
            let done = try decode(Job.self, from: try await fleet.api.complete(agent, claim))
            #expect(done.state == .succeeded)
            #expect(done.cancelRequested)
        }
    }

    @Test("canceling a finished job is 409 naming its state; an unknown job is 404")
    func cancelFinished() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a")))
            let claim = try #require(try await fleet.api.claim(agent))
            try expectStatus(try await fleet.api.complete(agent, claim), .ok)
            let response = try await fleet.api.send(.post, APIPath.jobCancel(claim.job.id), token: TestTokens.admin)
            let body = try errorBody(response, status: .conflict)
            #expect(body.error.code == .invalidState)
            #expect(body.error.message.contains("succeeded"))
            let unknown = try await fleet.api.send(.post, APIPath.jobCancel(UUID()), token: TestTokens.admin)
            #expect(try errorBody(unknown, status: .notFound).error.code == .notFound)
        }
    }

    @Test("a job whose cancel was requested and whose lease expires is canceled, not retried")
    func cancelThenExpire() async throws {
        try await TestFleet.run(configure: { $0.leaseDuration = .seconds(1) }) { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a"), maxAttempts: 3))
            let claim = try #require(try await fleet.api.claim(agent))
            try expectStatus(try await fleet.api.send(.post, APIPath.jobCancel(claim.job.id), token: TestTokens.admin), .ok)
            try await Task.sleep(for: .milliseconds(1200))
            let reaped = try await fleet.coordinator.jobs.reapExpiredLeases(backoff: RetryBackoff())
            #expect(reaped.map(\.newState) == [.canceled])
            #expect(try await fleet.api.job(claim.job.id).state == .canceled)
        }
    }
}
