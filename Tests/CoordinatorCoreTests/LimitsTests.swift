@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Limits: lower-case UUIDs and the paginated agent list")
struct LimitsTests {
    /// Every UUID-shaped string of a JSON text.
    func uuids(in text: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }

    @Test("register, submit, claim, GET, the lists and the batch all answer UUIDs in lower case")
    func lowercaseUUIDs() async throws {
        try await TestFleet.run { fleet in
            let registered = try await fleet.api.send(
                .post, APIPath.agentsRegister, token: TestTokens.enrollment,
                json: AgentRegistration(name: "a", engineVersion: "1", engineAPIVersion: "1.41"))
            let agent = try decode(AgentRegistrationResponse.self, from: registered)
            let token = agent.agentToken
            let submitted = try await fleet.api.send(.post, APIPath.jobs, token: TestTokens.admin, json: JobSubmission.to(.all))
            let batch = try decode(SubmissionResponse.self, from: submitted)
            let claimed = try await fleet.api.send(.post, APIPath.agentsClaim, token: token)
            let job = try #require(batch.jobs.first)
            var answers = [("register", registered), ("submit", submitted), ("claim", claimed)]
            answers.append(("job", try await fleet.api.send(.get, APIPath.job(job.id), token: TestTokens.admin)))
            answers.append(("jobs", try await fleet.api.send(.get, APIPath.jobs, token: TestTokens.admin)))
            answers.append(("agents", try await fleet.api.send(.get, APIPath.agents, token: TestTokens.admin)))
            answers.append(("batch", try await fleet.api.send(.get, APIPath.batch(batch.batch.id), token: TestTokens.admin)))
            answers.append(("cancel", try await fleet.api.send(.post, APIPath.jobCancel(job.id), token: TestTokens.admin)))
            for (what, response) in answers {
                let text = String(buffer: response.body)
                let found = uuids(in: text)
                #expect(!found.isEmpty, "\(what): \(text)")
                #expect(found.allSatisfy { $0 == $0.lowercased() }, "\(what): \(text)")
            }
            #expect(uuids(in: String(buffer: answers[0].1.body)) == [agent.agentId.uuidString.lowercased()])
        }
    }

    @Test("GET /v1/agents pages by name with limit and cursor, like the jobs list")
    func agentPages() async throws {
        try await TestFleet.run { fleet in
            let names = ["e", "a", "d", "b", "c"]
            for name in names { _ = try await fleet.api.register(name) }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let response = try await fleet.api.send(
                    .get, APIPath.agents + "?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: TestTokens.admin)
                try expectStatus(response, .ok)
                let page = try decode(AgentList.self, from: response)
                #expect(page.agents.count <= 2)
                seen += page.agents.map(\.name)
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen == names.sorted())
            #expect(pages == 3)
            // Without a limit, one page of up to 100: all five, and no cursor.
            let all = try decode(AgentList.self, from: try await fleet.api.send(.get, APIPath.agents, token: TestTokens.admin))
            #expect(all.agents.map(\.name) == names.sorted())
            #expect(all.nextCursor == nil)
        }
    }

    @Test("a forged row in a name is refused; a label value with control characters is kept as sent")
    func controlCharactersStored() async throws {
        try await TestFleet.run { fleet in
            let forged = try await fleet.api.send(
                .post, APIPath.agentsRegister, token: TestTokens.enrollment,
                json: AgentRegistration(name: "evil\nA      succeeded", engineVersion: "1", engineAPIVersion: "1.41"))
            let body = try errorBody(forged, status: .badRequest)
            #expect(body.error.message.contains("name must not contain control characters"))
            _ = try await fleet.api.register("b", labels: ["note": "two\nlines\u{1B}[31m"])
            let list = try decode(AgentList.self, from: try await fleet.api.send(.get, APIPath.agents, token: TestTokens.admin))
            #expect(list.agents.map(\.labels) == [["note": "two\nlines\u{1B}[31m"]])
        }
    }
}
