import CoordinatorHTTPClient
import FlattenProtocol
import Foundation
import NIOHTTP1

/// The operators' side of the coordinator's HTTP API.
///
/// Every call throws ``FlatctlError`` with a line that says what to do: the coordinator is
/// unreachable, the token was rejected, the job is unknown, no agent matches.
struct CoordinatorAPI: Sendable {
    /// The coordinator with the operator token; ``EndpointScope`` owns its HTTP client.
    let endpoint: CoordinatorEndpoint

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
        try await call(.GET, APIPath.jobs + query.queryString, what: "the job list")
    }

    func job(_ id: UUID) async throws -> Job {
        try await call(.GET, APIPath.job(id), what: "job \(id.lowercased)")
    }

    func cancel(_ id: UUID) async throws -> Job {
        try await call(.POST, APIPath.jobCancel(id), what: "job \(id.lowercased)")
    }

    /// `GET /v1/batches/{id}`: the summary and the batch's jobs.
    func batch(_ id: UUID) async throws -> SubmissionResponse {
        try await call(.GET, APIPath.batch(id), what: "batch \(id.lowercased)")
    }

    /// Every agent, following the list's pages (500 agents a page).
    func agents() async throws -> AgentList {
        var agents: [AgentInfo] = []
        var cursor: String?
        repeat {
            var components = URLComponents()
            components.queryItems = [URLQueryItem(name: "limit", value: "500")] + (cursor.map { [URLQueryItem(name: "cursor", value: $0)] } ?? [])
            let page: AgentList = try await call(
                .GET, APIPath.agents + "?" + (components.percentEncodedQuery ?? ""), what: "the agent list")
            agents += page.agents
            // A coordinator that hands back the same cursor would otherwise be asked forever.
            guard page.nextCursor != cursor else { break }
            cursor = page.nextCursor
        } while cursor != nil
        return AgentList(agents: agents)
    }

    /// `POST /v1/agents/{name}/pause|resume|drain|approve` (`path` from ``APIPath``): the agent.
    func controlAgent(_ name: String, path: String) async throws -> AgentInfo {
        try await call(.POST, path, what: "agent \(String(reflecting: name))")
    }

    /// `DELETE /v1/agents/{name}?reason=`
    func removeAgent(_ name: String, reason: String?) async throws -> AgentRemoval {
        var path = APIPath.agent(name)
        if let reason {
            var components = URLComponents()
            components.queryItems = [URLQueryItem(name: "reason", value: reason)]
            path += "?" + (components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? "")
        }
        return try await call(.DELETE, path, what: "agent \(String(reflecting: name))")
    }

    /// `POST /v1/agents/{name}/rotate-token`: the agent's ID and new token.
    func rotateAgentToken(_ name: String) async throws -> AgentRegistrationResponse {
        try await call(.POST, APIPath.agentRotateToken(name), what: "agent \(String(reflecting: name))")
    }

    // MARK: Transport

    private func call<Answer: Decodable>(_ method: HTTPMethod, _ path: String, body: some Encodable, what: String) async throws -> Answer {
        try await answer(what) { try await endpoint.send(method, path, body: body) }
    }

    private func call<Answer: Decodable>(_ method: HTTPMethod, _ path: String, what: String) async throws -> Answer {
        try await answer(what) { try await endpoint.send(method, path) }
    }

    /// The decoded answer of a 2xx reply; any other outcome as the line flatctl prints.
    private func answer<Answer: Decodable>(_ what: String, _ send: () async throws -> CoordinatorReply) async throws -> Answer {
        do {
            return try await send().succeeded().decode(Answer.self)
        } catch let error as CoordinatorError {
            throw FlatctlError(error, baseURL: endpoint.baseURL, what: what)
        }
    }
}

extension UUID {
    /// The lowercase form the API uses.
    var lowercased: String { uuidString.lowercased() }
}
