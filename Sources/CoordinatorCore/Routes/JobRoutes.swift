import FlattenProtocol
import Foundation
import Hummingbird

/// Operators' job routes: submit, list, show, cancel, and batches.
struct JobRoutes<Context: RequestContext>: Sendable {
    static var maxPageSize: Int { 500 }
    static var defaultPageSize: Int { 100 }

    let jobs: JobStore
    let auth: Authenticator
    let waiters: ClaimWaiters
    let configuration: CoordinatorConfiguration
    let instance: UUID

    func register(on router: Router<Context>) {
        router.post(RouterPath(APIPath.jobs)) { request, _ in try await submit(request) }
        router.get(RouterPath(APIPath.jobs)) { request, _ in try await list(request) }
        router.get(RouterPath(APIPath.jobTemplate)) { request, context in try await show(request, context) }
        router.post(RouterPath(APIPath.jobCancelTemplate)) { request, context in try await cancel(request, context) }
        router.get(RouterPath(APIPath.batchTemplate)) { request, context in try await batch(request, context) }
    }

    /// `POST /v1/jobs`: 201 with the new batch; 200 with the earlier batch for a repeated
    /// idempotency key; 422 when no agent matches; 409 when the key was used for another
    /// submission.
    func submit(_ request: Request) async throws -> Response {
        try await auth.requireOperator(request)
        let submission = try await request.decodeJSON(JobSubmission.self, limit: configuration.maxBodySize)
        let outcome: SubmissionOutcome
        do {
            outcome = try await jobs.submit(submission, onlineWithin: configuration.leaseDuration, instance: instance)
        } catch let refusal as SubmissionRefusal {
            switch refusal {
            case .noMatchingAgents:
                throw APIError(.unprocessableContent, .noMatchingAgents, refusal.description)
            case .idempotencyKeyReused:
                throw APIError(.conflict, .conflict, refusal.description)
            }
        }
        waiters.wakeAgents(of: outcome)
        return JSONResponse.rendered(outcome.json, status: outcome.created ? .created : .ok)
    }

    /// `GET /v1/jobs?state=&agent=&batch=&image=&cursor=&limit=`: newest first.
    func list(_ request: Request) async throws -> Response {
        try await auth.requireOperator(request)
        let query = request.uri.queryParameters
        var filter = JobFilter()
        if let text = query["state"].map(String.init) {
            guard let state = JobState(rawValue: text) else {
                throw APIError.invalidRequest("unknown value \(String(reflecting: text)) for query parameter state; expected one of: \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.state = state
        }
        if let agent = query["agent"].map(String.init) {
            filter.agentName = agent
        }
        if let text = query["batch"].map(String.init) {
            guard let id = UUID(uuidString: text) else {
                throw APIError.invalidRequest("invalid query parameter batch \(String(reflecting: text)); expected a UUID")
            }
            filter.batchID = id
        }
        if let text = query["image"].map(String.init) {
            do {
                filter.image = try ImageReference(text)
            } catch {
                throw APIError.invalidRequest("invalid query parameter image: \(error)")
            }
        }
        var cursor: NewestFirstCursor?
        if let text = query["cursor"].map(String.init) {
            guard let parsed = NewestFirstCursor(encoded: text) else {
                throw APIError.invalidRequest("invalid query parameter cursor \(String(reflecting: text)); pass a nextCursor from an earlier page")
            }
            cursor = parsed
        }
        var limit = Self.defaultPageSize
        if let text = query["limit"].map(String.init) {
            guard let value = Int(text), (1...Self.maxPageSize).contains(value) else {
                throw APIError.invalidRequest("invalid query parameter limit \(String(reflecting: text)); expected an integer from 1 to \(Self.maxPageSize)")
            }
            limit = value
        }
        let page = try await jobs.jobs(matching: filter, after: cursor, limit: limit)
        return try JSONResponse.make(page)
    }

    /// `GET /v1/jobs/{id}`.
    func show(_ request: Request, _ context: Context) async throws -> Response {
        try await auth.requireOperator(request)
        let id = try context.parameters.requireUUID(what: "job")
        guard let job = try await jobs.job(id) else {
            throw APIError.notFound("no job \(id.lowercased)")
        }
        return try JSONResponse.make(job)
    }

    /// `POST /v1/jobs/{id}/cancel`: 200 with the job (queued → canceled; running → cancel
    /// requested); 409 naming the state when it already finished.
    func cancel(_ request: Request, _ context: Context) async throws -> Response {
        try await auth.requireOperator(request)
        let id = try context.parameters.requireUUID(what: "job")
        switch try await jobs.cancel(id) {
        case .changed(let job):
            return try JSONResponse.make(job)
        case .refused(let state):
            throw APIError.invalidState("job \(id.lowercased) already finished as \(state.rawValue); there is nothing to cancel")
        case .notFound:
            throw APIError.notFound("no job \(id.lowercased)")
        }
    }

    /// `GET /v1/batches/{id}`: the batch summary and its jobs.
    func batch(_ request: Request, _ context: Context) async throws -> Response {
        try await auth.requireOperator(request)
        let id = try context.parameters.requireUUID(what: "batch")
        guard let batch = try await jobs.batch(id) else {
            throw APIError.notFound("no batch \(id.lowercased)")
        }
        return try JSONResponse.make(batch)
    }
}
