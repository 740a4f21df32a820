import AsyncHTTPClient
import FlattenProtocol
import FlattenSecurity
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The operators' side of the coordinator's HTTP API.
///
/// Every call throws ``FlatctlError`` with a line that says what to do: the coordinator is
/// unreachable, the token was rejected, the job is unknown, no agent matches.
struct CoordinatorAPI: Sendable {
    let baseURL: String
    let token: String
    let httpClient: HTTPClient

    /// - Parameter certificateAuthority: the CAs trusted for an `https` coordinator; nil trusts
    ///   the system's.
    init(baseURL: String, token: String, certificateAuthority: CertificateAuthorityFile? = nil) {
        var trimmed = baseURL
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.baseURL = trimmed
        self.token = token
        self.httpClient = Self.httpClient(trusting: certificateAuthority)
    }

    /// The filters of `GET /v1/jobs`.
    struct JobQuery: Sendable {
        var state: JobState?
        var agent: String?
        var batch: UUID?
        var image: String?
        var limit: Int?
        var cursor: String?

        var queryString: String {
            var items: [URLQueryItem] = []
            if let state { items.append(.init(name: "state", value: state.rawValue)) }
            if let agent { items.append(.init(name: "agent", value: agent)) }
            if let batch { items.append(.init(name: "batch", value: batch.uuidString.lowercased())) }
            if let image { items.append(.init(name: "image", value: image)) }
            if let limit { items.append(.init(name: "limit", value: String(limit))) }
            if let cursor { items.append(.init(name: "cursor", value: cursor)) }
            var components = URLComponents()
            components.queryItems = items
            // `+` is a space to many servers' query parsers; spell it out.
            let encoded = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? ""
            return items.isEmpty ? "" : "?" + encoded
        }
    }

    func submit(_ submission: JobSubmission) async throws -> SubmissionResponse {
        try await call(.POST, APIPath.jobs, body: submission, what: "the submission")
    }

    func jobs(_ query: JobQuery) async throws -> JobList {
        try await call(.GET, APIPath.jobs + query.queryString, body: nil as String?, what: "the job list")
    }

    func job(_ id: UUID) async throws -> Job {
        try await call(.GET, APIPath.job(id), body: nil as String?, what: "job \(id.lowercased)")
    }

    func cancel(_ id: UUID) async throws -> Job {
        try await call(.POST, APIPath.jobCancel(id), body: nil as String?, what: "job \(id.lowercased)")
    }

    /// `GET /v1/batches/{id}`: the summary and the batch's jobs.
    func batch(_ id: UUID) async throws -> SubmissionResponse {
        try await call(.GET, APIPath.batch(id), body: nil as String?, what: "batch \(id.lowercased)")
    }

    /// Every agent, following the list's pages (500 agents a page).
    func agents() async throws -> AgentList {
        var agents: [AgentInfo] = []
        var cursor: String?
        repeat {
            var components = URLComponents()
            components.queryItems = [URLQueryItem(name: "limit", value: "500")] + (cursor.map { [URLQueryItem(name: "cursor", value: $0)] } ?? [])
            let page: AgentList = try await call(
                .GET, APIPath.agents + "?" + (components.percentEncodedQuery ?? ""), body: nil as String?, what: "the agent list")
            agents += page.agents
            // A coordinator that hands back the same cursor would otherwise be asked forever.
            guard page.nextCursor != cursor else { break }
            cursor = page.nextCursor
        } while cursor != nil
        return AgentList(agents: agents)
    }

    /// `POST /v1/agents/{name}/pause|resume|drain|approve` (`path` from ``APIPath``): the agent.
    func controlAgent(_ name: String, path: String) async throws -> AgentInfo {
        try await call(.POST, path, body: nil as String?, what: "agent \(String(reflecting: name))")
    }

    /// `DELETE /v1/agents/{name}?reason=`
    func removeAgent(_ name: String, reason: String?) async throws -> AgentRemoval {
        var path = APIPath.agent(name)
        if let reason {
            var components = URLComponents()
            components.queryItems = [URLQueryItem(name: "reason", value: reason)]
            path += "?" + (components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? "")
        }
        return try await call(.DELETE, path, body: nil as String?, what: "agent \(String(reflecting: name))")
    }

    /// `POST /v1/agents/{name}/rotate-token`: the agent's ID and new token.
    func rotateAgentToken(_ name: String) async throws -> AgentRegistrationResponse {
        try await call(.POST, APIPath.agentRotateToken(name), body: nil as String?, what: "agent \(String(reflecting: name))")
    }

    // MARK: Transport

    /// The clients made so far, by CA file; they live as long as the process, like
    /// `HTTPClient.shared`.
    private static let httpClients = NIOLockedValueBox<[String: HTTPClient]>([:])

    /// A refused connection fails at once instead of being retried until the deadline, so an
    /// operator pointing at the wrong port hears about it immediately.
    private static func httpClient(trusting authority: CertificateAuthorityFile?) -> HTTPClient {
        httpClients.withLockedValue { clients in
            let key = authority?.path ?? ""
            if let client = clients[key] { return client }
            var configuration = HTTPClient.Configuration(
                tlsConfiguration: authority?.clientTLSConfiguration,
                redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5)))
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = client
            return client
        }
    }

    private func call<Body: Encodable, Answer: Decodable>(
        _ method: HTTPMethod, _ path: String, body: Body?, what: String
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "flatctl/\(FlattenProtocolVersion.current)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder.flattenProtocol.encode(body)))
        }
        let status: Int
        let data: Data
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(30))
            status = Int(response.status.code)
            data = Data(try await response.body.collect(upTo: 64 << 20).readableBytesView)
        } catch {
            if let tls = TLSFailure.describe(error) {
                throw FlatctlError.connection("cannot talk to the coordinator at \(baseURL): \(tls)")
            }
            throw FlatctlError.connection("cannot reach the coordinator at \(baseURL) (\(Self.describe(error))); check --coordinator or FLATTEN_COORDINATOR and that the coordinator runs")
        }
        guard (200..<300).contains(status) else {
            throw Self.refusal(status: status, body: data, baseURL: baseURL, what: what)
        }
        do {
            return try JSONDecoder.flattenProtocol.decode(Answer.self, from: data)
        } catch {
            throw FlatctlError.refused("unreadable answer from the coordinator at \(baseURL) for \(what): \(error)")
        }
    }

    static func refusal(status: Int, body: Data, baseURL: String, what: String) -> FlatctlError {
        let errorBody = try? JSONDecoder.flattenProtocol.decode(ErrorBody.self, from: body)
        let message = errorBody?.error.message ?? String(decoding: body.prefix(200), as: UTF8.self)
        switch status {
        case 401:
            return .connection("the coordinator at \(baseURL) rejected the token (401): set --token-file, --token, FLATTEN_TOKEN_FILE or FLATTEN_TOKEN to an operator (admin) token")
        case 403:
            return .connection("the token may not do this (403): \(message); use an operator (admin) token")
        case 404:
            return .refused(message.isEmpty ? "unknown \(what) (404)" : "\(message) (404)")
        case 422 where errorBody?.error.code == .noMatchingAgents:
            return .refused("\(message); see `flatctl agents` for the agents, their labels and whether they are online")
        default:
            let code = errorBody.map { " \($0.error.code)" } ?? ""
            return .refused("the coordinator refused \(what) (HTTP \(status)\(code)): \(message)")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connect timed out"
            case .deadlineExceeded: return "no answer within 30 s"
            case .remoteConnectionClosed: return "the connection was closed"
            default: return "\(error)"
            }
        }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }
}

extension UUID {
    /// The lowercase form the API uses.
    var lowercased: String { uuidString.lowercased() }
}
