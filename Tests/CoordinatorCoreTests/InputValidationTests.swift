@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Bad input")
struct InputValidationTests {
    @Test("malformed JSON is 400")
    func malformed() async throws {
        try await TestFleet.run { fleet in
            let response = try await fleet.api.send(.post, APIPath.jobs, token: TestTokens.admin, rawJSON: #"{"image": "#)
            let body = try errorBody(response, status: .badRequest)
            #expect(body.error.code == .invalidRequest)
            #expect(body.error.message.contains("JSON"))
            let empty = try await fleet.api.send(.post, APIPath.jobs, token: TestTokens.admin, rawJSON: "")
            #expect(try errorBody(empty, status: .badRequest).error.message.contains("empty"))
        }
    }

    @Test("a missing field, an unknown enum value and an invalid image are 400 naming the field")
    func namesTheField() async throws {
        try await TestFleet.run { fleet in
            let missing = try await fleet.api.send(.post, APIPath.jobs, token: TestTokens.admin, rawJSON: #"{"target": {"all": true}}"#)
            #expect(try errorBody(missing, status: .badRequest).error.message.contains("image"))

            let unknownStrategy = try await fleet.api.send(
                .post, APIPath.jobs, token: TestTokens.admin,
                rawJSON: #"{"image": "app:1", "target": {"all": true}, "options": {"strategy": "bogus"}}"#)
            let strategyMessage = try errorBody(unknownStrategy, status: .badRequest).error.message
            #expect(strategyMessage.contains("strategy"))
            #expect(strategyMessage.contains("bogus"))

            let badImage = try await fleet.api.send(
                .post, APIPath.jobs, token: TestTokens.admin, rawJSON: #"{"image": "UPPER/Case", "target": {"all": true}}"#)
            #expect(try errorBody(badImage, status: .badRequest).error.message.contains("image"))

            let badTarget = try await fleet.api.send(
                .post, APIPath.jobs, token: TestTokens.admin, rawJSON: #"{"image": "app:1", "target": {}}"#)
            #expect(try errorBody(badTarget, status: .badRequest).error.message.contains("target"))
        }
    }

    @Test("a body over the limit is 413")
    func tooLarge() async throws {
        try await TestFleet.run(configure: { $0.maxBodySize = 1024 }) { fleet in
            let padding = String(repeating: "x", count: 2048)
            let response = try await fleet.api.send(
                .post, APIPath.jobs, token: TestTokens.admin,
                rawJSON: #"{"image": "app:1", "target": {"all": true}, "idempotencyKey": "\#(padding)"}"#)
            let body = try errorBody(response, status: .contentTooLarge)
            #expect(body.error.code == .payloadTooLarge)
            #expect(body.error.message.contains("1024"))
        }
    }

    @Test("a bad UUID in the path is 400 naming it")
    func badUUID() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            let job = try await fleet.api.send(.get, "/v1/jobs/not-a-uuid", token: TestTokens.admin)
            #expect(try errorBody(job, status: .badRequest).error.message.contains("\"not-a-uuid\""))
            let batch = try await fleet.api.send(.get, "/v1/batches/123", token: TestTokens.admin)
            #expect(try errorBody(batch, status: .badRequest).error.message.contains("batch"))
            let complete = try await fleet.api.send(.post, "/v1/jobs/xyz/complete", token: agent.token,
                                                    json: JobCompletion(leaseToken: "t", outcome: .skipped(reason: "r")))
            #expect(try errorBody(complete, status: .badRequest).error.code == .invalidRequest)
        }
    }

    @Test("bad list parameters are 400 naming the parameter", arguments: [
        ("state=bogus", "state"), ("limit=0", "limit"), ("limit=501", "limit"), ("limit=ten", "limit"),
        ("batch=nope", "batch"), ("cursor=%21%21", "cursor"), ("image=UPPER", "image"),
    ])
    func listParameters(query: String, parameter: String) async throws {
        try await TestFleet.run { fleet in
            let response = try await fleet.api.send(.get, APIPath.jobs + "?" + query, token: TestTokens.admin)
            #expect(try errorBody(response, status: .badRequest).error.message.contains(parameter))
        }
    }

    @Test("a bad wait is 400; unknown routes are a JSON 404")
    func claimWaitAndRoutes() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            let wait = try await fleet.api.send(.post, APIPath.agentsClaim + "?wait=soon", token: agent.token)
            #expect(try errorBody(wait, status: .badRequest).error.message.contains("wait"))
            let missing = try await fleet.api.send(.get, "/v2/nothing", token: TestTokens.admin)
            #expect(try errorBody(missing, status: .notFound).error.code == .notFound)
        }
    }

    @Test("maxAttempts below 1 and a negative capacity are refused")
    func semanticValidation() async throws {
        try await TestFleet.run { fleet in
            let attempts = try await fleet.api.send(
                .post, APIPath.jobs, token: TestTokens.admin, rawJSON: #"{"image": "app:1", "target": {"all": true}, "maxAttempts": 0}"#)
            #expect(try errorBody(attempts, status: .badRequest).error.message.contains("maxAttempts"))
            let capacity = try await fleet.api.send(
                .post, APIPath.agentsRegister, token: TestTokens.enrollment,
                rawJSON: #"{"name": "a", "engineVersion": "1", "engineAPIVersion": "1.41", "protocolVersion": 1, "capacity": -1}"#)
            #expect(try errorBody(capacity, status: .badRequest).error.message.contains("capacity"))
        }
    }
}
