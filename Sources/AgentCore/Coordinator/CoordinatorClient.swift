import AsyncHTTPClient
import FlattenProtocol
import FlattenSecurity
import Foundation
import NIOCore
import NIOHTTP1

/// The agent's side of the coordinator's HTTP API: register, claim, heartbeat, report.
///
/// Every method throws ``CoordinatorError`` for anything but success, or `CancellationError`
/// when the calling task is cancelled.
public struct CoordinatorClient: Sendable {
    /// The header that carries the enrollment token when the bearer token is the agent's own
    /// (a re-registration).
    public static let enrollmentTokenHeader = "X-Flatten-Enrollment-Token"

    /// The coordinator's base URL, without a trailing slash, e.g. `http://10.0.0.5:8080`.
    public let baseURL: String
    /// The agent token for every call but registration; nil before registration.
    public var agentToken: String?
    /// The deadline of ordinary calls (a claim adds its wait).
    public var requestTimeout: Duration
    let httpClient: HTTPClient

    /// - Parameter httpClient: the client to call through (the caller keeps it alive).
    public init(baseURL: String, agentToken: String? = nil, requestTimeout: Duration = .seconds(30), httpClient: HTTPClient = .shared) {
        var trimmed = baseURL
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.baseURL = trimmed
        self.agentToken = agentToken
        self.requestTimeout = requestTimeout
        self.httpClient = httpClient
    }

    /// Checks that `url` is an absolute `http` or `https` URL with a host.
    public static func validate(baseURL url: String) throws(CoordinatorURLError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw CoordinatorURLError(url: url)
        }
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
        let bearer: String
        if let agentToken {
            bearer = agentToken
            headers.append((Self.enrollmentTokenHeader, enrollmentToken))
        } else {
            bearer = enrollmentToken
        }
        let reply = try await send(.POST, APIPath.agentsRegister, token: bearer, headers: headers, body: registration)
        return (try decode(AgentRegistrationResponse.self, reply), reply.status == 201)
    }

    /// `POST /v1/agents/claim?wait=…`: a job under a new lease, or nil when none came in `wait`.
    public func claim(wait: Duration) async throws -> ClaimResponse? {
        let seconds = max(0, Int(wait.components.seconds))
        let reply = try await send(
            .POST, APIPath.agentsClaim + "?wait=\(seconds)", token: agentToken, body: nil as String?,
            timeout: requestTimeout + wait)
        if reply.status == 204 { return nil }
        return try decode(ClaimResponse.self, reply)
    }

    /// `POST /v1/jobs/{id}/heartbeat`.
    public func heartbeat(job id: UUID, _ heartbeat: Heartbeat) async throws -> HeartbeatResponse {
        try decode(HeartbeatResponse.self, try await send(.POST, APIPath.jobHeartbeat(id), token: agentToken, body: heartbeat))
    }

    /// `POST /v1/jobs/{id}/complete` or `/fail`: the job as the coordinator stored it.
    public func deliver(job id: UUID, _ report: JobReport) async throws -> Job {
        let reply = switch report {
        case .complete(let completion):
            try await send(.POST, APIPath.jobComplete(id), token: agentToken, body: completion)
        case .fail(let failure):
            try await send(.POST, APIPath.jobFail(id), token: agentToken, body: failure)
        }
        return try decode(Job.self, reply)
    }

    /// `POST /v1/agents/engine`: whether the agent's engine answers (protocol version 2).
    public func reportEngine(_ report: EngineReport) async throws {
        _ = try await send(.POST, APIPath.agentsEngine, token: agentToken, body: report)
    }

    // MARK: Transport

    struct Reply {
        var status: Int
        var body: Data
        var url: String
    }

    func send<Body: Encodable>(
        _ method: HTTPMethod, _ path: String, token: String?, headers: [(String, String)] = [],
        body: Body?, timeout: Duration? = nil
    ) async throws -> Reply {
        let url = baseURL + path
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "flatten-agent/\(FlattenProtocolVersion.current)")
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            let data: Data
            do {
                data = try JSONEncoder.flattenProtocol.encode(body)
            } catch {
                throw CoordinatorError.malformedResponse(url: url, detail: "cannot encode the request: \(error)")
            }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let deadline = timeout ?? requestTimeout
        do {
            let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(deadline.seconds * 1e9)))
            let buffer = try await response.body.collect(upTo: 16 << 20)
            let reply = Reply(status: Int(response.status.code), body: Data(buffer.readableBytesView), url: url)
            guard (200..<300).contains(reply.status) else {
                let errorBody = try? JSONDecoder.flattenProtocol.decode(ErrorBody.self, from: reply.body)
                throw CoordinatorError.refused(status: reply.status, body: errorBody, url: "\(method) \(path)")
            }
            return reply
        } catch let error as CoordinatorError {
            throw error
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw CoordinatorError.unreachable(url: baseURL, detail: Self.describe(error))
        }
    }

    func decode<Value: Decodable>(_ type: Value.Type, _ reply: Reply) throws -> Value {
        do {
            return try JSONDecoder.flattenProtocol.decode(Value.self, from: reply.body)
        } catch {
            throw CoordinatorError.malformedResponse(url: reply.url, detail: "expected \(Value.self): \(error)")
        }
    }

    /// A short description of a transport error (AsyncHTTPClient's and NIO's are terse).
    static func describe(_ error: any Error) -> String {
        if let tls = TLSFailure.describe(error) { return tls }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connect timed out"
            case .deadlineExceeded: return "no answer in time"
            case .remoteConnectionClosed: return "the connection was closed"
            default: return "\(error)"
            }
        }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }
}

/// A coordinator URL that is not an absolute `http` or `https` URL.
public struct CoordinatorURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public let url: String
    public var description: String {
        "invalid coordinator URL \(String(reflecting: url)); expected http://HOST:PORT or https://HOST[:PORT]"
    }
}
