@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import Testing

@Suite("Authentication and roles")
struct AuthTests {
    @Test("no token is 401 with a JSON error on every protected route")
    func noToken() async throws {
        try await TestFleet.run { fleet in
            let id = UUID()
            let routes: [(HTTPRequest.Method, String)] = [
                (.post, APIPath.jobs), (.get, APIPath.jobs), (.get, APIPath.job(id)), (.post, APIPath.jobCancel(id)),
                (.get, APIPath.batch(id)), (.get, APIPath.agents), (.post, APIPath.agentsClaim),
                (.post, APIPath.jobHeartbeat(id)), (.post, APIPath.jobComplete(id)), (.post, APIPath.jobFail(id)),
                (.post, APIPath.agentsRegister),
            ]
            for (method, path) in routes {
                let response = try await fleet.api.send(method, path, token: nil)
                let body = try errorBody(response, status: .unauthorized)
                #expect(body.error.code == .unauthorized, "\(method) \(path)")
            }
        }
    }

    @Test("an unknown token or a malformed header is 401")
    func badToken() async throws {
        try await TestFleet.run { fleet in
            let wrong = try await fleet.api.send(.get, APIPath.jobs, token: "not-a-token")
            #expect(try errorBody(wrong, status: .unauthorized).error.code == .unauthorized)
            let basic = try await fleet.api.send(.get, APIPath.jobs, token: nil, headers: [.authorization: "Basic Zm9vOmJhcg=="])
            #expect(try errorBody(basic, status: .unauthorized).error.message.contains("Bearer"))
        }
    }

    @Test("agents cannot submit or list; operators cannot claim or report")
    func roles() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            for (method, path) in [(HTTPRequest.Method.get, APIPath.jobs), (.get, APIPath.agents), (.get, APIPath.job(UUID()))] {
                let response = try await fleet.api.send(method, path, token: agent.token)
                #expect(try errorBody(response, status: .forbidden).error.code == .forbidden)
            }
            let submit = try await fleet.api.send(.post, APIPath.jobs, token: agent.token, json: JobSubmission.to(.all))
            #expect(try errorBody(submit, status: .forbidden).error.code == .forbidden)

            let claim = try await fleet.api.send(.post, APIPath.agentsClaim, token: TestTokens.admin)
            #expect(try errorBody(claim, status: .forbidden).error.code == .forbidden)
            let complete = try await fleet.api.send(.post, APIPath.jobComplete(UUID()), token: TestTokens.admin,
                                                    json: JobCompletion(leaseToken: "x", outcome: .skipped(reason: "r")))
            #expect(try errorBody(complete, status: .forbidden).error.code == .forbidden)
        }
    }

    @Test("an agent cannot act on another agent's job (403), even with its lease token")
    func otherAgentsJob() async throws {
        try await TestFleet.run { fleet in
            let owner = try await fleet.api.register("owner")
            let intruder = try await fleet.api.register("intruder")
            _ = try await fleet.api.submit(.to(.host("owner")))
            let claim = try #require(try await fleet.api.claim(owner))
            for response in [
                try await fleet.api.heartbeat(intruder, claim),
                try await fleet.api.complete(intruder, claim),
                try await fleet.api.fail(intruder, claim, retryable: false),
            ] {
                #expect(try errorBody(response, status: .forbidden).error.code == .forbidden)
            }
            #expect(try await fleet.api.job(claim.job.id).state == .running)
            // Unknown jobs are 404.
            let unknown = try await fleet.api.send(.post, APIPath.jobComplete(UUID()), token: owner.token,
                                                   json: JobCompletion(leaseToken: claim.leaseToken, outcome: .skipped(reason: "r")))
            #expect(try errorBody(unknown, status: .notFound).error.code == .notFound)
        }
    }

    @Test("only the token's hash is stored")
    func tokenHashStored() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            let rows = try await fleet.coordinator.client.query("SELECT token_hash FROM agents WHERE id = \(agent.id)")
            let stored = try rows[0].decode(String.self, column: "token_hash")
            #expect(stored == SecretToken.hash(of: agent.token))
            #expect(stored != agent.token)
        }
    }
}

@Suite("Agent registration")
struct RegistrationTests {
    func registration(_ name: String, labels: [String: String] = [:], protocolVersion: Int = FlattenProtocolVersion.current) -> AgentRegistration {
        AgentRegistration(name: name, labels: labels, engineVersion: "20.10.24", engineAPIVersion: "1.41",
                          protocolVersion: protocolVersion, capacity: 1)
    }

    @Test("re-registering with the agent's own token updates it and keeps ID and token")
    func reRegister() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a", labels: ["old": "1"])
            let response = try await fleet.api.send(
                .post, APIPath.agentsRegister, token: agent.token, json: registration("a", labels: ["new": "2"]),
                headers: [Authenticator.enrollmentTokenHeader: TestTokens.enrollment])
            try expectStatus(response, .ok)
            let body = try decode(AgentRegistrationResponse.self, from: response)
            #expect(body.agentId == agent.id)
            #expect(body.agentToken == agent.token)
            let list = try decode(AgentList.self, from: try await fleet.api.send(.get, APIPath.agents, token: TestTokens.admin))
            #expect(list.agents.map(\.labels) == [["new": "2"]])
        }
    }

    @Test("the same name without its token, or with another agent's, is 409")
    func nameTaken() async throws {
        try await TestFleet.run { fleet in
            _ = try await fleet.api.register("a")
            let other = try await fleet.api.register("b")
            let bare = try await fleet.api.send(.post, APIPath.agentsRegister, token: TestTokens.enrollment, json: registration("a"))
            let bareError = try errorBody(bare, status: .conflict)
            #expect(bareError.error.code == .conflict)
            #expect(bareError.error.message.contains("\"a\""))
            let wrong = try await fleet.api.send(
                .post, APIPath.agentsRegister, token: other.token, json: registration("a"),
                headers: [Authenticator.enrollmentTokenHeader: TestTokens.enrollment])
            #expect(try errorBody(wrong, status: .conflict).error.code == .conflict)
        }
    }

    @Test("a wrong enrollment token is 401")
    func wrongEnrollment() async throws {
        try await TestFleet.run { fleet in
            let response = try await fleet.api.send(.post, APIPath.agentsRegister, token: "nope", json: registration("a"))
            #expect(try errorBody(response, status: .unauthorized).error.code == .unauthorized)
            let admin = try await fleet.api.send(.post, APIPath.agentsRegister, token: TestTokens.admin, json: registration("a"))
            #expect(try errorBody(admin, status: .unauthorized).error.code == .unauthorized)
        }
    }

    @Test("a protocol version the coordinator does not speak is 426 naming both versions")
    func unsupportedVersion() async throws {
        try await TestFleet.run { fleet in
            let response = try await fleet.api.send(.post, APIPath.agentsRegister, token: TestTokens.enrollment,
                                                    json: registration("a", protocolVersion: 99))
            let body = try errorBody(response, status: .upgradeRequired)
            #expect(body.error.code == .unsupportedProtocolVersion)
            #expect(body.error.message.contains("99"))
            #expect(body.error.message.contains("\(FlattenProtocolVersion.current)"))
        }
    }
}
