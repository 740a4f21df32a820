@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import Testing

@Suite("Submitting jobs")
struct SubmissionTests {
    @Test("a host target queues one job bound to that agent")
    func hostTarget() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("host-a")
            _ = try await fleet.api.register("host-b")
            let response = try await fleet.api.submit(.to(.host("host-a")))
            #expect(response.jobs.count == 1)
            let job = try #require(response.jobs.first)
            #expect(job.agentId == agent.id)
            #expect(job.agentName == "host-a")
            #expect(job.state == .queued)
            #expect(job.attempt == 0)
            #expect(job.batchId == response.batch.id)
            #expect(response.batch.jobCount == 1)
            #expect(response.batch.count(in: .queued) == 1)
            #expect(try await fleet.api.job(job.id) == job)
        }
    }

    @Test("a selector fans out to every matching online agent under one batch")
    func selectorFanOut() async throws {
        try await TestFleet.run { fleet in
            let eu1 = try await fleet.api.register("eu-1", labels: ["region": "eu", "tier": "build"])
            let eu2 = try await fleet.api.register("eu-2", labels: ["region": "eu"])
            _ = try await fleet.api.register("us-1", labels: ["region": "us"])
            let response = try await fleet.api.submit(.to(.selector(["region": "eu"])))
            #expect(Set(response.jobs.map(\.agentId)) == [eu1.id, eu2.id])
            #expect(Set(response.jobs.map(\.batchId)) == [response.batch.id])
            #expect(response.batch.jobCount == 2)

            let narrow = try await fleet.api.submit(.to(.selector(["region": "eu", "tier": "build"])))
            #expect(narrow.jobs.map(\.agentId) == [eu1.id])
        }
    }

    @Test("target all skips offline agents")
    func allSkipsOffline() async throws {
        try await TestFleet.run { fleet in
            let online = try await fleet.api.register("online")
            let offline = try await fleet.api.register("offline")
            try await fleet.coordinator.client.execute(
                "UPDATE agents SET last_seen_at = now() - interval '1 hour' WHERE id = \(offline.id)")
            let response = try await fleet.api.submit(.to(.all))
            #expect(response.jobs.map(\.agentId) == [online.id])
            // A host target names its agent whatever its state: the job waits for it.
            let direct = try await fleet.api.submit(.to(.host("offline")))
            #expect(direct.jobs.map(\.agentId) == [offline.id])
        }
    }

    @Test("no matching agent is 422 naming the selector or host, and nothing is written")
    func noMatch() async throws {
        try await TestFleet.run { fleet in
            _ = try await fleet.api.register("eu-1", labels: ["region": "eu"])
            let bySelector = try await fleet.api.send(.post, APIPath.jobs, token: TestTokens.admin,
                                                      json: JobSubmission.to(.selector(["region": "mars"])))
            let selectorError = try errorBody(bySelector, status: .unprocessableContent)
            #expect(selectorError.error.code == .noMatchingAgents)
            #expect(selectorError.error.message.contains("region=mars"))

            let byHost = try await fleet.api.send(.post, APIPath.jobs, token: TestTokens.admin,
                                                  json: JobSubmission.to(.host("nobody")))
            let hostError = try errorBody(byHost, status: .unprocessableContent)
            #expect(hostError.error.message.contains("\"nobody\""))

            let counts = try await fleet.coordinator.client.query(
                "SELECT (SELECT count(*) FROM batches) AS batches, (SELECT count(*) FROM jobs) AS jobs")
            #expect(try counts[0].decode(Int.self, column: "batches") == 0)
            #expect(try counts[0].decode(Int.self, column: "jobs") == 0)
        }
    }

    @Test("the same idempotency key returns the same batch, not a second one")
    func idempotentSubmission() async throws {
        try await TestFleet.run { fleet in
            _ = try await fleet.api.register("a")
            _ = try await fleet.api.register("b")
            let submission = JobSubmission.to(.all, key: "deploy-42")
            let first = try await fleet.api.submit(submission, expect: .created)
            let again = try await fleet.api.submit(submission, expect: .ok)
            #expect(again == first)
            let jobs = try await fleet.coordinator.client.query("SELECT count(*) AS n FROM jobs")
            #expect(try jobs[0].decode(Int.self, column: "n") == 2)
        }
    }

    @Test("concurrent submissions with one key create exactly one batch")
    func idempotentRace() async throws {
        try await TestFleet.run { fleet in
            _ = try await fleet.api.register("a")
            let submission = JobSubmission.to(.all, key: "race-key")
            let responses = try await withThrowingTaskGroup(of: (Int, SubmissionResponse).self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        let response = try await fleet.api.send(.post, APIPath.jobs, token: TestTokens.admin, json: submission)
                        return (response.status.code, try decode(SubmissionResponse.self, from: response))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.filter { $0.0 == 201 }.count == 1)
            #expect(responses.filter { $0.0 == 200 }.count == 9)
            #expect(Set(responses.map(\.1.batch.id)).count == 1)
            let batches = try await fleet.coordinator.client.query("SELECT count(*) AS n FROM batches")
            #expect(try batches[0].decode(Int.self, column: "n") == 1)
        }
    }

    @Test("an idempotency key reused for a different submission is 409")
    func keyReuse() async throws {
        try await TestFleet.run { fleet in
            _ = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.all, image: "registry.example/app:1", key: "k"))
            let other = try await fleet.api.send(.post, APIPath.jobs, token: TestTokens.admin,
                                                 json: JobSubmission.to(.all, image: "registry.example/app:2", key: "k"))
            let body = try errorBody(other, status: .conflict)
            #expect(body.error.code == .conflict)
            #expect(body.error.message.contains("idempotencyKey"))
        }
    }
}
