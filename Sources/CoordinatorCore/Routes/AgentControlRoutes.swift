import FlattenProtocol
import Foundation
import Hummingbird

/// Operators' control of agents (pause, resume, drain, approve, rotate the token, remove), and
/// the agents' engine reports.
///
/// An agent is named in the path by its name or its ID.
struct AgentControlRoutes<Context: RequestContext>: Sendable {
    let agents: AgentStore
    let auth: Authenticator
    let waiters: ClaimWaiters
    let configuration: CoordinatorConfiguration
    let instance: UUID

    func register(on router: Router<Context>) {
        router.post(RouterPath(APIPath.agentsEngine)) { request, _ in try await engineReport(request) }
        let actions: [(String, AgentAction)] = [
            (APIPath.agentPauseTemplate, .pause), (APIPath.agentResumeTemplate, .resume),
            (APIPath.agentDrainTemplate, .drain), (APIPath.agentApproveTemplate, .approve),
        ]
        for (path, action) in actions {
            router.post(RouterPath(path)) { request, context in try await apply(action, request, context) }
        }
        router.post(RouterPath(APIPath.agentRotateTokenTemplate)) { request, context in try await rotateToken(request, context) }
        router.delete(RouterPath(APIPath.agentTemplate)) { request, context in try await remove(request, name: try agentName(context)) }
        // The router prefers a constant segment to the `{id}` capture: an agent named like one
        // of the agents' own routes is removed through that path.
        for path in [APIPath.agentsEngine, APIPath.agentsRegister, APIPath.agentsClaim] {
            let name = String(path.split(separator: "/").last ?? "")
            router.delete(RouterPath(path)) { request, _ in try await remove(request, name: name) }
        }
    }

    /// `POST /v1/agents/engine` (agents): 204; the agent reads `engine-unavailable` while its
    /// last report says the engine does not answer.
    func engineReport(_ request: Request) async throws -> Response {
        let agent = try await auth.requireAgent(request)
        let report = try await request.decodeJSON(EngineReport.self, limit: configuration.maxBodySize)
        try await agents.reportEngine(report, agent: agent.id)
        return JSONResponse.noContent()
    }

    /// `POST /v1/agents/{name or id}/pause|resume|drain|approve`: 200 with the agent; 409
    /// `invalid_state` when the action does not apply (approving an agent that is not pending,
    /// pausing a pending one); 404 for an unknown or removed agent.
    func apply(_ action: AgentAction, _ request: Request, _ context: Context) async throws -> Response {
        try await auth.requireOperator(request)
        let name = try agentName(context)
        switch try await agents.apply(action, to: name, onlineWithin: configuration.leaseDuration, instance: instance) {
        case .applied(let agent, let claimsResumed):
            if claimsResumed { waiters.wake(agent.id) }
            return try JSONResponse.make(agent)
        case .refused(let agent, let reason):
            throw APIError.invalidState("cannot \(action.rawValue) agent \(String(reflecting: agent.name)): \(reason)")
        case .notFound:
            throw Self.noAgent(name)
        }
    }

    /// `POST /v1/agents/{name or id}/rotate-token`: 200 with the agent's ID and its new token
    /// (shown only here); the old token is refused from now on.
    func rotateToken(_ request: Request, _ context: Context) async throws -> Response {
        try await auth.requireOperator(request)
        let name = try agentName(context)
        let token = SecretToken.generate()
        guard let rotated = try await agents.rotateToken(of: name, newTokenHash: SecretToken.hash(of: token)) else {
            throw Self.noAgent(name)
        }
        auth.forgetAgentToken(hash: rotated.oldTokenHash)
        return try JSONResponse.make(AgentRegistrationResponse(agentId: rotated.id, agentToken: token))
    }

    /// `DELETE /v1/agents/{name or id}?reason=TEXT`: 200 with the ``AgentRemoval``; the token is
    /// revoked and the agent's queued jobs are canceled with the reason.
    func remove(_ request: Request, name: String) async throws -> Response {
        try await auth.requireOperator(request)
        var reason = "the agent \(name) was removed by an operator"
        if let given = request.uri.queryParameters["reason"].map(String.init) {
            let trimmed = given.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.count <= 1000 else {
                throw APIError.invalidRequest("query parameter reason has \(trimmed.count) characters; at most 1000 are kept")
            }
            if !trimmed.isEmpty { reason += ": " + trimmed }
        }
        guard let removed = try await agents.remove(name, reason: reason, onlineWithin: configuration.leaseDuration) else {
            throw Self.noAgent(name)
        }
        // A long poll the agent holds ends with 204 (claims skip removed agents); its next
        // call is refused.
        auth.forgetAgentToken(hash: removed.oldTokenHash)
        return try JSONResponse.make(removed.removal)
    }

    private func agentName(_ context: Context) throws -> String {
        guard let raw = context.parameters.get(APIPath.idParameter) else {
            throw APIError.invalidRequest("missing agent name or ID in the path")
        }
        guard let name = raw.removingPercentEncoding, !name.isEmpty else {
            throw APIError.invalidRequest("invalid agent name \(String(reflecting: raw)) in the path")
        }
        return name
    }

    private static func noAgent(_ name: String) -> APIError {
        APIError.notFound("no agent is registered under the name or ID \(String(reflecting: name)); see GET /v1/agents")
    }
}
