@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import Testing

@Suite("Listing jobs, batches and agents")
struct ListingTests {
    func list(_ fleet: TestFleet, _ query: String) async throws -> JobList {
        let response = try await fleet.api.send(.get, APIPath.jobs + "?" + query, token: TestTokens.admin)
        try expectStatus(response, .ok)
        return try decode(JobList.self, from: response)
    }

    @Test("pages walk every job newest first without repeats")
    func pagination() async throws {
        try await TestFleet.run { fleet in
            _ = try await fleet.api.register("a")
            _ = try await fleet.api.register("b")
            var submitted: [UUID] = []
            for _ in 0..<6 {
                // Two jobs per batch share a creation time: the ID breaks the tie.
                submitted += try await fleet.api.submit(.to(.all)).jobs.map(\.id)
            }
            var seen: [Job] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await list(fleet, "limit=5" + (cursor.map { "&cursor=\($0)" } ?? ""))
                seen += page.jobs
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen.count == 12)
            #expect(Set(seen.map(\.id)) == Set(submitted))
            let keys = seen.map { ($0.createdAt, $0.id.uuidString) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0.0 >= $1.0 })
        }
    }

    @Test("filters by state, agent, batch and image")
    func filters() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            _ = try await fleet.api.register("b")
            let first = try await fleet.api.submit(.to(.all, image: "registry.example/app:1"))
            _ = try await fleet.api.submit(.to(.all, image: "registry.example/other:2"))
            let claim = try #require(try await fleet.api.claim(a))

            #expect(try await list(fleet, "state=running").jobs.map(\.id) == [claim.job.id])
            #expect(try await list(fleet, "agent=b").jobs.allSatisfy { $0.agentName == "b" })
            #expect(try await list(fleet, "agent=b").jobs.count == 2)
            #expect(Set(try await list(fleet, "batch=\(first.batch.id.uuidString)").jobs.map(\.id)) == Set(first.jobs.map(\.id)))
            // The image filter matches the normalized reference.
            let byImage = try await list(fleet, "image=registry.example/other:2")
            #expect(byImage.jobs.count == 2)
            #expect(byImage.jobs.allSatisfy { $0.image == testImage("registry.example/other:2") })
            #expect(try await list(fleet, "state=failed").jobs.isEmpty)
        }
    }

    @Test("an unknown batch is 404; a batch counts its jobs per state")
    func batch() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            _ = try await fleet.api.register("b")
            let submitted = try await fleet.api.submit(.to(.all))
            let claim = try #require(try await fleet.api.claim(a))
            try expectStatus(try await fleet.api.complete(a, claim, result: .sample(saved: 500)), .ok)
            let batch = try decode(SubmissionResponse.self, from: try await fleet.api.send(
                .get, APIPath.batch(submitted.batch.id), token: TestTokens.admin))
            #expect(batch.batch.jobCount == 2)
            #expect(batch.batch.count(in: .succeeded) == 1)
            #expect(batch.batch.count(in: .queued) == 1)
            #expect(batch.batch.bytesSaved == 500)
            #expect(!batch.batch.isFinished)
            let missing = try await fleet.api.send(.get, APIPath.batch(UUID()), token: TestTokens.admin)
            #expect(try errorBody(missing, status: .notFound).error.code == .notFound)
        }
    }

    @Test("agents are listed with online/offline from their last contact and running jobs")
    func agents() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a", labels: ["zone": "1"])
            let b = try await fleet.api.register("b")
            _ = try await fleet.api.submit(.to(.host("a")))
            _ = try #require(try await fleet.api.claim(a))
            try await fleet.coordinator.client.execute(
                "UPDATE agents SET last_seen_at = now() - interval '1 hour' WHERE id = \(b.id)")
            let list = try decode(AgentList.self, from: try await fleet.api.send(.get, APIPath.agents, token: TestTokens.admin))
            #expect(list.agents.map(\.name) == ["a", "b"])
            #expect(list.agents.map(\.state) == [.online, .offline])
            #expect(list.agents.map(\.runningJobs) == [1, 0])
            #expect(list.agents[0].labels == ["zone": "1"])
            #expect(list.agents[0].engineAPIVersion == "1.41")
        }
    }
}
