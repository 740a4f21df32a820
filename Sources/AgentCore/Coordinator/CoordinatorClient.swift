import CoordinatorHTTPClient
import FlattenProtocol
import Foundation
import NIOHTTP1

/// The agent's side of the coordinator's HTTP API: register, claim, heartbeat, report.
///
/// Every method throws ``CoordinatorError`` for anything but success, or `CancellationError`
/// when the calling task is cancelled.
public struct CoordinatorClient: Sendable {
    /// The header that carries the enrollment token when the bearer token is the agent's own
    /// (a re-registration).
    public static let enrollmentTokenHeader = "X-Flatten-Enrollment-Token"

    /// The coordinator, with the agent token for every call but registration (nil before
    /// registration).
    let endpoint: CoordinatorEndpoint

    /// The coordinator's base URL, without a trailing slash, e.g. `http://10.0.0.5:8080`.
    public var baseURL: String { endpoint.baseURL }

    /// - Parameter endpoint: the coordinator to call (the caller keeps its HTTP client alive);
    ///   its token is replaced by `agentToken`.
    public init(endpoint: CoordinatorEndpoint, agentToken: String? = nil) {
        var endpoint = endpoint
        endpoint.token = agentToken
        self.endpoint = endpoint
    }

    // MARK: Calls

    /// `POST /v1/agents/register`. With `agentToken` set, re-registers under the agent's own
    /// token (the coordinator keeps the agent's ID and token and updates its details).
    ///
    /// - Returns: the answer, and whether the coordinator created a new agent.
    public func register(
        _ registration: AgentRegistration, enrollmentToken: String, agentToken: String? = nil
    ) async throws -> (response: AgentRegistrationResponse, created: Bool) {
        var headers: [(String, String)] = []
        var registering = endpoint
        if let agentToken {
            registering.token = agentToken
            headers.append((Self.enrollmentTokenHeader, enrollmentToken))
        } else {
            registering.token = enrollmentToken
        }
        let reply = try await registering.send(.POST, APIPath.agentsRegister, headers: headers, body: registration).succeeded()
        return (try reply.decode(AgentRegistrationResponse.self), reply.status == 201)
    }

    /// `POST /v1/agents/claim?wait=…`: a job under a new lease, or nil when none came in `wait`.
    public func claim(wait: Duration) async throws -> ClaimResponse? {
        let seconds = max(0, Int(wait.components.seconds))
        let reply = try await endpoint.send(
            .POST, APIPath.agentsClaim + "?wait=\(seconds)", timeout: endpoint.requestTimeout + wait
        ).succeeded()
        if reply.status == 204 { return nil }
        return try reply.decode(ClaimResponse.self)
    }

    /// `POST /v1/jobs/{id}/heartbeat`.
    public func heartbeat(job id: UUID, _ heartbeat: Heartbeat) async throws -> HeartbeatResponse {
        try await endpoint.send(.POST, APIPath.jobHeartbeat(id), body: heartbeat).succeeded().decode(HeartbeatResponse.self)
    }

    /// `POST /v1/jobs/{id}/complete` or `/fail`: the job as the coordinator stored it.
    public func deliver(job id: UUID, _ report: JobReport) async throws -> Job {
        let reply = switch report {
        case .complete(let completion):
            try await endpoint.send(.POST, APIPath.jobComplete(id), body: completion)
        case .fail(let failure):
            try await endpoint.send(.POST, APIPath.jobFail(id), body: failure)
        }
        return try reply.succeeded().decode(Job.self)
    }

    /// `POST /v1/agents/engine`: whether the agent's engine answers (protocol version 2).
    public func reportEngine(_ report: EngineReport) async throws {
        _ = try await endpoint.send(.POST, APIPath.agentsEngine, body: report).succeeded()
    }
}
