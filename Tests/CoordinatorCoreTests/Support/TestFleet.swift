@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport

/// Tokens every test coordinator is configured with.
enum TestTokens {
    static let admin = "test-admin-token-0123456789"
    static let enrollment = "test-enrollment-token-0123456789"
    /// Signs in to the dashboard read-only.
    static let viewer = "test-viewer-token-0123456789"
}

/// A coordinator on a scratch database, driven through HummingbirdTesting's client.
struct TestFleet: Sendable {
    let api: TestAPI
    let coordinator: Coordinator

    /// A configuration with short intervals so tests about time run fast. The lease, which is
    /// also how recently an agent must have been seen to count as online, is long: under the
    /// whole suite's load a test's few calls can take a minute, and an agent registered at its
    /// start must still be online at its end. Tests about expiry set their own.
    static func configuration(databaseURL: String) -> CoordinatorConfiguration {
        var configuration = CoordinatorConfiguration(
            host: "127.0.0.1", port: 0, databaseURL: databaseURL,
            adminTokens: [TestTokens.admin], enrollmentTokens: [TestTokens.enrollment],
            leaseDuration: .seconds(300), maxBodySize: 64 * 1024, retention: nil,
            maxClaimWait: .seconds(25), wakeRecheckInterval: .seconds(3), reaperInterval: .seconds(3600),
            retryBackoff: RetryBackoff(base: .milliseconds(50), cap: .seconds(1)),
            databaseConnections: 24)
        configuration.viewerTokens = [TestTokens.viewer]
        return configuration
    }

    /// Runs `body` against a fresh coordinator (its background services running) and tears
    /// everything down afterwards.
    static func run<T: Sendable>(
        _ setup: TestingSetup = .router,
        configure: (inout CoordinatorConfiguration) -> Void = { _ in },
        _ body: @Sendable (TestFleet) async throws -> T
    ) async throws -> T {
        try await withScratchDatabase(prefix: "coord_test") { url in
            var configuration = Self.configuration(databaseURL: url)
            configure(&configuration)
            let coordinator = try Coordinator(configuration: configuration)
            do {
                try await coordinator.migrate()
                let result = try await coordinator.makeApplication().test(setup) { client in
                    try await body(TestFleet(api: TestAPI(client: client), coordinator: coordinator))
                }
                await coordinator.client.close()
                return result
            } catch {
                await coordinator.client.close()
                throw error
            }
        }
    }
}

/// A registered test agent.
struct TestAgent: Sendable {
    let id: UUID
    let name: String
    let token: String
}

/// Typed calls to the API over a HummingbirdTesting client.
struct TestAPI: Sendable {
    let client: any TestClientProtocol

    func send(
        _ method: HTTPRequest.Method, _ path: String, token: String?, body: ByteBuffer? = nil,
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        if body != nil { fields[.contentType] = "application/json" }
        return try await client.executeRequest(uri: path, method: method, headers: fields, body: body)
    }

    func send(
        _ method: HTTPRequest.Method, _ path: String, token: String?, json: some Encodable,
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        let data = try JSONEncoder.flattenProtocol.encode(json)
        return try await send(method, path, token: token, body: ByteBuffer(bytes: data), headers: headers)
    }

    func send(
        _ method: HTTPRequest.Method, _ path: String, token: String?, rawJSON: String,
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        try await send(method, path, token: token, body: ByteBuffer(string: rawJSON), headers: headers)
    }

    // MARK: Agents

    func register(
        _ name: String, labels: [String: String] = [:], protocolVersion: Int = FlattenProtocolVersion.current
    ) async throws -> TestAgent {
        let response = try await send(
            .post, APIPath.agentsRegister, token: TestTokens.enrollment,
            json: AgentRegistration(name: name, labels: labels, engineVersion: "20.10.24", engineAPIVersion: "1.41",
                                    protocolVersion: protocolVersion, capacity: 2))
        try expectStatus(response, .created)
        let body = try decode(AgentRegistrationResponse.self, from: response)
        return TestAgent(id: body.agentId, name: name, token: body.agentToken)
    }

    /// Claims for `agent`: the claim, or nil on 204.
    func claim(_ agent: TestAgent, wait: Double = 0) async throws -> ClaimResponse? {
        let response = try await send(.post, APIPath.agentsClaim + "?wait=\(wait)", token: agent.token)
        if response.status == .noContent { return nil }
        try expectStatus(response, .ok)
        return try decode(ClaimResponse.self, from: response)
    }

    func complete(_ agent: TestAgent, _ claim: ClaimResponse, result: FlattenResult = .sample()) async throws -> TestResponse {
        try await send(.post, APIPath.jobComplete(claim.job.id), token: agent.token,
                       json: JobCompletion(leaseToken: claim.leaseToken, outcome: .succeeded(result)))
    }

    func fail(_ agent: TestAgent, _ claim: ClaimResponse, message: String = "boom", retryable: Bool) async throws -> TestResponse {
        try await send(.post, APIPath.jobFail(claim.job.id), token: agent.token,
                       json: JobFailure(leaseToken: claim.leaseToken, message: message, retryable: retryable))
    }

    func heartbeat(_ agent: TestAgent, _ claim: ClaimResponse, phase: FlattenPhase = .merging) async throws -> TestResponse {
        try await send(.post, APIPath.jobHeartbeat(claim.job.id), token: agent.token,
                       json: Heartbeat(leaseToken: claim.leaseToken, progress: JobProgress(phase: phase, bytesDone: 10, bytesTotal: 100)))
    }

    // MARK: Operators

    func submit(_ submission: JobSubmission, expect status: HTTPResponse.Status = .created) async throws -> SubmissionResponse {
        let response = try await send(.post, APIPath.jobs, token: TestTokens.admin, json: submission)
        try expectStatus(response, status)
        return try decode(SubmissionResponse.self, from: response)
    }

    func job(_ id: UUID) async throws -> Job {
        let response = try await send(.get, APIPath.job(id), token: TestTokens.admin)
        try expectStatus(response, .ok)
        return try decode(Job.self, from: response)
    }
}

/// An image reference for tests (valid by construction).
func testImage(_ text: String = "registry.example/app:1") -> ImageReference {
    try! ImageReference(text)
}

extension JobSubmission {
    static func to(_ target: JobTarget, image: String = "registry.example/app:1", key: String? = nil, maxAttempts: Int = 3, priority: Int = 0) -> JobSubmission {
        JobSubmission(image: testImage(image), target: target, priority: priority, maxAttempts: maxAttempts, idempotencyKey: key)
    }
}

extension FlattenResult {
    static func sample(saved: Int64 = 1000) -> FlattenResult {
        FlattenResult(
            originalImageId: "sha256:" + String(repeating: "a", count: 64),
            newImageId: "sha256:" + String(repeating: "b", count: 64),
            originalSize: 5000, originalLayerCount: 5, newSize: 5000 - saved, newLayerCount: 1,
            bytesSaved: saved, phaseDurations: [.merging: 1.5], strategy: .merge, tags: ["registry.example/app:1"])
    }
}

/// A response's status, or a failure showing the body.
struct UnexpectedStatus: Error, CustomStringConvertible {
    let expected: HTTPResponse.Status
    let actual: HTTPResponse.Status
    let body: String

    var description: String { "expected HTTP \(expected.code), got \(actual.code): \(body)" }
}

func expectStatus(_ response: TestResponse, _ status: HTTPResponse.Status) throws {
    guard response.status == status else {
        throw UnexpectedStatus(expected: status, actual: response.status, body: String(buffer: response.body))
    }
}

func decode<T: Decodable>(_ type: T.Type, from response: TestResponse) throws -> T {
    try JSONDecoder.flattenProtocol.decode(T.self, from: Data(response.body.readableBytesView))
}

/// The error body of `response`, after checking its status.
func errorBody(_ response: TestResponse, status: HTTPResponse.Status) throws -> ErrorBody {
    try expectStatus(response, status)
    return try decode(ErrorBody.self, from: response)
}
