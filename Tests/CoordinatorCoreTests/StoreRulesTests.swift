@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import Testing

/// The store applies the rules in SQL for atomicity; these tests hold the SQL to the pure
/// rules case by case.
@Suite("Store statements follow JobRules")
struct StoreRulesTests {
    @Test("a reported failure lands in the state JobRules.stateAfterFailure gives")
    func failureMatrix() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            for retryable in [true, false] {
                for cancelRequested in [true, false] {
                    for maxAttempts in [1, 2] {
                        _ = try await fleet.api.submit(.to(.host("a"), maxAttempts: maxAttempts))
                        let claim = try #require(try await fleet.api.claim(agent))
                        if cancelRequested {
                            try expectStatus(try await fleet.api.send(.post, APIPath.jobCancel(claim.job.id), token: TestTokens.admin), .ok)
                        }
                        let job = try decode(Job.self, from: try await fleet.api.fail(agent, claim, retryable: retryable))
                        let expected = JobRules.stateAfterFailure(
                            retryable: retryable, cancelRequested: cancelRequested, attempt: 1, maxAttempts: maxAttempts)
                        #expect(job.state == expected, "retryable \(retryable), cancel \(cancelRequested), max \(maxAttempts)")
                        #expect((job.finishedAt == nil) == (expected == .queued))
                        if job.state == .queued {
                            // Not claimable again before its backoff: it ends after the failure was
                            // recorded (`updated_at`, the same statement's time), whatever the load.
                            let rows = try await fleet.coordinator.client.query(
                                "SELECT not_before > updated_at AS backed_off FROM jobs WHERE id = \(job.id)")
                            #expect(try rows[0].decode(Bool.self, column: "backed_off"))
                            try expectStatus(try await fleet.api.send(.post, APIPath.jobCancel(job.id), token: TestTokens.admin), .ok)
                        }
                    }
                }
            }
        }
    }

    @Test("an expired lease lands in the state JobRules.stateAfterLeaseExpiry gives")
    func expiryMatrix() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            var cases: [(claim: ClaimResponse, cancelRequested: Bool, maxAttempts: Int)] = []
            for cancelRequested in [true, false] {
                for maxAttempts in [1, 2] {
                    _ = try await fleet.api.submit(.to(.host("a"), maxAttempts: maxAttempts))
                    let claim = try #require(try await fleet.api.claim(agent))
                    if cancelRequested {
                        try expectStatus(try await fleet.api.send(.post, APIPath.jobCancel(claim.job.id), token: TestTokens.admin), .ok)
                    }
                    cases.append((claim, cancelRequested, maxAttempts))
                }
            }
            try await fleet.coordinator.client.execute(
                "UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE state = 'running'")
            let reaped = try await fleet.coordinator.jobs.reapExpiredLeases(backoff: RetryBackoff())
            #expect(reaped.count == cases.count)
            for (claim, cancelRequested, maxAttempts) in cases {
                let expected = JobRules.stateAfterLeaseExpiry(cancelRequested: cancelRequested, attempt: 1, maxAttempts: maxAttempts)
                #expect(try await fleet.api.job(claim.job.id).state == expected, "cancel \(cancelRequested), max \(maxAttempts)")
                #expect(reaped.first { $0.jobID == claim.job.id }?.newState == expected)
            }
        }
    }
}
