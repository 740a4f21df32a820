@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import Testing

/// Claims and completions answer with JSON that PostgreSQL renders; every other route encodes
/// the ``Job`` read from the row. These tests hold the two to the same job.
@Suite("Jobs rendered by PostgreSQL")
struct RenderedJobTests {
    @Test("the SQL rendering decodes to the job Job(row:) reads, in every state and field")
    func renderingMatchesRowDecoding() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            let options = FlattenOptions(
                strategy: .export, newTag: testImage("registry.example/app:flat"),
                partial: .keepLayers(2), verify: true, push: true, minSavings: .percent(10), replace: true)
            // queued, with every option set and a priority
            _ = try await fleet.api.submit(JobSubmission(
                image: testImage("registry.example/team/app:1"), target: .host("a"), options: options, priority: 7))
            // running, with progress and a cancel requested
            _ = try await fleet.api.submit(.to(.host("a"), priority: 9))
            let running = try #require(try await fleet.api.claim(agent))
            try expectStatus(try await fleet.api.heartbeat(agent, running), .ok)
            try expectStatus(try await fleet.api.send(.post, APIPath.jobCancel(running.job.id), token: TestTokens.admin), .ok)
            // succeeded (with a result), skipped (with a reason), failed (with an error)
            for outcome in ["succeeded", "skipped", "failed"] {
                _ = try await fleet.api.submit(.to(.host("a"), maxAttempts: 1, priority: 8))
                let claim = try #require(try await fleet.api.claim(agent))
                switch outcome {
                case "succeeded":
                    try expectStatus(try await fleet.api.complete(agent, claim), .ok)
                case "skipped":
                    try expectStatus(try await fleet.api.send(
                        .post, APIPath.jobComplete(claim.job.id), token: agent.token,
                        json: JobCompletion(leaseToken: claim.leaseToken, outcome: .skipped(reason: "image \"x\" absent\n\ttab ü"))), .ok)
                default:
                    try expectStatus(try await fleet.api.fail(agent, claim, message: "boom \\ \"quoted\"", retryable: false), .ok)
                }
            }

            let rows = try await fleet.coordinator.client.query("""
                SELECT \(unescaped: Job.columns), a.name AS agent_name,
                       \(unescaped: RenderedJob.sqlExpression) AS job_json
                FROM jobs j JOIN agents a ON a.id = j.agent_id
                """)
            #expect(rows.count == 5)
            var states: Set<JobState> = []
            for row in rows {
                let fromRow = try Job(row: row)
                let json = try row.decode(String.self, column: "job_json")
                let rendered = try JSONDecoder.flattenProtocol.decode(Job.self, from: Data(json.utf8))
                #expect(rendered == fromRow, "job \(fromRow.id) (\(fromRow.state)): \(json)")
                states.insert(fromRow.state)
            }
            #expect(states == [.queued, .running, .succeeded, .skipped, .failed])
        }
    }

    @Test("a claim's and a completion's job equal what GET /v1/jobs/{id} returns")
    func hotPathsAnswerTheStoredJob() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a")))
            let claim = try #require(try await fleet.api.claim(agent))
            let afterClaim = try decode(Job.self, from: try await fleet.api.send(.get, APIPath.job(claim.job.id), token: TestTokens.admin))
            #expect(claim.job == afterClaim)
            #expect(claim.job.state == .running && claim.job.attempt == 1)
            #expect(claim.leaseToken.count == 43)
            #expect(claim.leaseExpiresAt > Date())

            let completed = try decode(Job.self, from: try await fleet.api.complete(agent, claim))
            let afterCompletion = try decode(Job.self, from: try await fleet.api.send(.get, APIPath.job(claim.job.id), token: TestTokens.admin))
            #expect(completed == afterCompletion)
            #expect(completed.state == .succeeded && completed.result == .sample())
        }
    }
}
