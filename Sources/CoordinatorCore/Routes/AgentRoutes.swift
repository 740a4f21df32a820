import FlattenProtocol
import Foundation
import Hummingbird
import NIOCore

/// Agents' routes: register, claim (long poll), and the leased reports on a job; plus the
/// operators' agent list.
struct AgentRoutes: Sendable {
    typealias Context = CoordinatorRequestContext

    let jobs: JobStore
    let leases: LeaseBatches
    let agents: AgentStore
    let auth: Authenticator
    let waiters: ClaimWaiters
    let metrics: CoordinatorMetrics
    let polls: LongPollLimiter
    let configuration: CoordinatorConfiguration

    func register(on router: Router<Context>) {
        router.get(RouterPath(APIPath.agents)) { request, _ in try await list(request) }
        router.post(RouterPath(APIPath.agentsRegister)) { request, _ in try await registerAgent(request) }
        router.post(RouterPath(APIPath.agentsClaim)) { request, context in try await claim(request, context) }
        router.post(RouterPath(APIPath.jobHeartbeatTemplate)) { request, context in try await heartbeat(request, context) }
        router.post(RouterPath(APIPath.jobCompleteTemplate)) { request, context in try await complete(request, context) }
        router.post(RouterPath(APIPath.jobFailTemplate)) { request, context in try await fail(request, context) }
    }

    /// `GET /v1/agents?cursor=&limit=` (operators): by name, a page at a time like the jobs list.
    func list(_ request: Request) async throws -> Response {
        try await auth.requireOperator(request)
        let query = request.uri.queryParameters
        var cursor: AgentCursor?
        if let text = query["cursor"].map(String.init) {
            guard let parsed = AgentCursor(encoded: text) else {
                throw APIError.invalidRequest("invalid query parameter cursor \(String(reflecting: text)); pass a nextCursor from an earlier page")
            }
            cursor = parsed
        }
        var limit = JobRoutes<Context>.defaultPageSize
        if let text = query["limit"].map(String.init) {
            guard let value = Int(text), (1...JobRoutes<Context>.maxPageSize).contains(value) else {
                throw APIError.invalidRequest("invalid query parameter limit \(String(reflecting: text)); expected an integer from 1 to \(JobRoutes<Context>.maxPageSize)")
            }
            limit = value
        }
        let page = try await agents.agents(onlineWithin: configuration.leaseDuration, after: cursor, limit: limit)
        return try JSONResponse.make(AgentList(agents: page.agents, nextCursor: page.next?.encoded))
    }

    /// `POST /v1/agents/register`: 201 with a new agent's ID and token; 200 (same ID, same
    /// token) when an agent re-registers its name with its own token; 409 when the name is
    /// another agent's; 426 for a protocol version this coordinator does not speak.
    func registerAgent(_ request: Request) async throws -> Response {
        let presentedAgentToken = try auth.requireEnrollment(request)
        let registration = try await request.decodeJSON(AgentRegistration.self, limit: configuration.maxBodySize)
        guard FlattenProtocolVersion.isSupported(registration.protocolVersion) else {
            let supported = FlattenProtocolVersion.supported
            let speaks = supported.lowerBound == supported.upperBound ? "\(supported.lowerBound)" : "\(supported.lowerBound) to \(supported.upperBound)"
            throw APIError(.upgradeRequired, .unsupportedProtocolVersion,
                           "the agent speaks protocol version \(registration.protocolVersion) (protocolVersion); this coordinator speaks version \(speaks)")
        }
        let newToken = SecretToken.generate()
        let registered: (id: UUID, created: Bool)
        do {
            registered = try await agents.register(
                registration,
                presentedTokenHash: presentedAgentToken.map(SecretToken.hash(of:)),
                newTokenHash: SecretToken.hash(of: newToken),
                pendingApproval: configuration.enrollApproval)
        } catch let refusal as RegistrationRefusal {
            throw APIError(.conflict, .conflict, refusal.description)
        }
        // A re-registration keeps the agent's token (it proved it holds it), so a lost answer
        // never locks the agent out.
        let token = registered.created ? newToken : (presentedAgentToken ?? newToken)
        return try JSONResponse.make(
            AgentRegistrationResponse(agentId: registered.id, agentToken: token),
            status: registered.created ? .created : .ok)
    }

    /// `POST /v1/agents/claim?wait=SECONDS`: 200 with a job under a new lease, or 204 when none
    /// came within the wait (at most ``CoordinatorConfiguration/maxClaimWait``; 0 when absent);
    /// 429 when the agent already has ``CallerLimits/maxPollsPerAgent`` claims open.
    /// A paused, draining or pending agent waits and gets 204 (``AgentRules/mayClaim(_:)``).
    func claim(_ request: Request, _ context: Context) async throws -> Response {
        let agent = try await auth.requireAgent(request)
        let wait = try claimWait(request)
        let claimed = try await polls.withPoll(for: agent.id) {
            try await claim(for: agent, wait: wait, connectionClosed: context.connectionClosed)
        }
        guard let response = claimed else {
            metrics.recordRefusal(.pollLimit)
            throw APIError.tooManyRequests(
                "agent \(String(reflecting: agent.name)) already has \(polls.maxPerAgent) claim requests open (the coordinator's --max-polls-per-agent); retry when one has been answered",
                retryAfter: .seconds(1))
        }
        return response
    }

    private func claim(for agent: AuthenticatedAgent, wait: Duration, connectionClosed: EventLoopFuture<Void>) async throws -> Response {
        let start = ContinuousClock.now
        let deadline = start + wait
        while true {
            let ticket = waiters.ticket(for: agent.id)
            let leaseToken = SecretToken.generate()
            if let claimed = try await leases.claim(agent: agent.id, leaseTokenHash: SecretToken.hash(of: leaseToken)) {
                metrics.recordClaim(handedOutJob: true, wait: ContinuousClock.now - start)
                return JSONResponse.rendered(claimed.responseJSON(leaseToken: leaseToken))
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { break }
            let reason = await waiters.wait(
                for: agent.id, after: ticket, timeout: remaining, connectionClosed: connectionClosed)
            guard reason == .woken else { break }
        }
        metrics.recordClaim(handedOutJob: false, wait: ContinuousClock.now - start)
        return JSONResponse.noContent()
    }

    private func claimWait(_ request: Request) throws -> Duration {
        guard let text = request.uri.queryParameters["wait"] else { return .zero }
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0 else {
            throw APIError.invalidRequest("invalid query parameter wait \(String(reflecting: String(text))); expected seconds from 0 to \(configuration.maxClaimWait.seconds)")
        }
        return .milliseconds(Int64(min(seconds, configuration.maxClaimWait.seconds) * 1000))
    }

    /// `POST /v1/jobs/{id}/heartbeat`: 200 with the new expiry and whether cancel was requested.
    func heartbeat(_ request: Request, _ context: Context) async throws -> Response {
        let agent = try await auth.requireAgent(request)
        let id = try context.parameters.requireUUID(what: "job")
        let heartbeat = try await request.decodeJSON(Heartbeat.self, limit: configuration.maxBodySize)
        let outcome = try await jobs.heartbeat(
            job: id, agent: agent.id, leaseTokenHash: SecretToken.hash(of: heartbeat.leaseToken),
            progress: heartbeat.progress, leaseDuration: configuration.leaseDuration)
        return try respond(outcome, job: id) { try JSONResponse.make($0) }
    }

    /// `POST /v1/jobs/{id}/complete`: 200 with the finished job (also for a repeated delivery).
    func complete(_ request: Request, _ context: Context) async throws -> Response {
        let agent = try await auth.requireAgent(request)
        let id = try context.parameters.requireUUID(what: "job")
        let completion = try await request.decodeJSON(JobCompletion.self, limit: configuration.maxBodySize)
        let outcome = try await leases.complete(
            job: id, agent: agent.id, leaseTokenHash: SecretToken.hash(of: completion.leaseToken),
            outcome: completion.outcome)
        return try respond(outcome, job: id) { JSONResponse.rendered($0.json) }
    }

    /// `POST /v1/jobs/{id}/fail`: 200 with the job, now queued (retry), failed or canceled.
    func fail(_ request: Request, _ context: Context) async throws -> Response {
        let agent = try await auth.requireAgent(request)
        let id = try context.parameters.requireUUID(what: "job")
        let failure = try await request.decodeJSON(JobFailure.self, limit: configuration.maxBodySize)
        let outcome = try await jobs.fail(
            job: id, agent: agent.id, leaseTokenHash: SecretToken.hash(of: failure.leaseToken),
            message: failure.message, retryable: failure.retryable,
            engineUnavailable: failure.engineUnavailable ?? false, backoff: configuration.retryBackoff)
        return try respond(outcome, job: id) { try JSONResponse.make($0) }
    }

    private func respond<Value>(
        _ outcome: LeasedOutcome<Value>, job id: UUID, applied: (Value) throws -> Response
    ) throws -> Response {
        switch outcome {
        case .applied(let value):
            return try applied(value)
        case .repeated(let job):
            return try JSONResponse.make(job)
        case .noSuchJob:
            throw APIError.notFound("no job \(id.lowercased)")
        case .notYourJob:
            throw APIError.forbidden("job \(id.lowercased) is bound to another agent")
        case .staleLease(let job):
            throw APIError(.conflict, .staleLease,
                           "the lease token is not the live lease of job \(id.lowercased) (the job is \(job.state.rawValue), attempt \(job.attempt)); the lease expired, was superseded or is wrong: abandon the work")
        }
    }
}
