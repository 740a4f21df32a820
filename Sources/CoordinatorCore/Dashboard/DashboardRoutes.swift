import FlattenProtocol
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web dashboard under `/ui/`: server-rendered pages, a form per action, live updates over
/// server-sent events. Every page works without JavaScript; a reload shows the truth.
///
/// Access is by a session cookie (``DashboardSession``) that a sign-in with an admin or viewer
/// token starts; an action also needs the operator role, a same-origin request
/// (``DashboardOrigin``) and the session's form token.
struct DashboardRoutes: Sendable {
    typealias Context = CoordinatorRequestContext

    /// The session cookie's name.
    static let cookieName = "flatten_session"
    /// Rows per page of the fleet, batch and job lists.
    static let pageSize = 100

    let jobs: JobStore
    let agents: AgentStore
    let sessions: DashboardSessionStore
    let auth: Authenticator
    let waiters: ClaimWaiters
    let feed: DashboardChangeFeed
    let configuration: CoordinatorConfiguration
    let instance: UUID

    func register(on router: Router<Context>) {
        router.get("/") { _, _ in Response.redirect(to: DashboardPath.root, type: .found) }
        router.get(RouterPath(DashboardPath.stylesheet)) { _, _ in Self.asset(DashboardAssets.stylesheet, type: "text/css; charset=utf-8") }
        router.get(RouterPath(DashboardPath.script)) { _, _ in Self.asset(DashboardAssets.script, type: "text/javascript; charset=utf-8") }
        router.get(RouterPath(DashboardPath.signIn)) { request, _ in try await signInPage(request) }
        router.post(RouterPath(DashboardPath.signIn)) { request, _ in try await signIn(request) }
        router.post(RouterPath(DashboardPath.signOut)) { request, _ in try await signOut(request) }
        router.get(RouterPath(DashboardPath.fleet)) { request, _ in try await page(request) { try await fleet(request, $0) } }
        router.get(RouterPath(DashboardPath.batches)) { request, _ in try await page(request) { try await batches(request, $0) } }
        router.get("/ui/batches/:id") { request, context in try await page(request) { try await batch(context, $0) } }
        router.get(RouterPath(DashboardPath.jobs)) { request, _ in try await page(request) { try await jobList(request, $0) } }
        router.get("/ui/jobs/:id") { request, context in try await page(request) { try await job(context, $0) } }
        router.get(RouterPath(DashboardPath.savings)) { request, _ in try await page(request) { try await savings($0) } }
        router.get(RouterPath(DashboardPath.submit)) { request, _ in try await page(request) { SubmitView().render(session: $0) } }
        router.post(RouterPath(DashboardPath.submit)) { request, _ in
            try await action(request) { session, form in try await submit(form, session) }
        }
        router.post("/ui/jobs/:id/cancel") { request, context in
            let id = try context.parameters.requireUUID(what: "job")
            return try await action(request) { session, form in try await cancelJob(id, form, session) }
        }
        router.post("/ui/jobs/:id/retry") { request, context in
            let id = try context.parameters.requireUUID(what: "job")
            return try await action(request) { session, form in try await retryJob(id, form, session) }
        }
        router.post("/ui/batches/:id/cancel") { request, context in
            let id = try context.parameters.requireUUID(what: "batch")
            return try await action(request) { session, form in try await cancelBatch(id, form, session) }
        }
        router.get(RouterPath(DashboardPath.events)) { request, _ in try await events(request) }
    }

    // MARK: Sessions and responses

    /// The signed-in session the request's cookie names, or nil.
    func session(of request: Request) async throws -> DashboardSession? {
        guard let id = request.cookies[Self.cookieName]?.value, !id.isEmpty, id.utf8.count <= 64 else { return nil }
        return try await sessions.session(id: id)
    }

    /// A page for a signed-in browser: without a session, a redirect to the sign-in page;
    /// an error a person can act on (an unknown job, a bad filter) becomes a page saying so.
    func page(_ request: Request, _ render: (DashboardSession) async throws -> HTML) async throws -> Response {
        guard let session = try await session(of: request) else {
            return Response.redirect(to: DashboardPath.signIn, type: .normal)
        }
        do {
            return Self.html(try await render(session))
        } catch let error as APIError {
            return Self.html(ProblemView(status: error.status, message: error.message).render(session: session), status: error.status)
        }
    }

    /// A state-changing request: refused from another origin, without a session or its form
    /// token, or from a viewer; when the person has not confirmed yet, a page that asks.
    func action(
        _ request: Request,
        _ perform: (DashboardSession, DashboardForm) async throws -> Response
    ) async throws -> Response {
        guard DashboardOrigin.isSameOrigin(request, tls: configuration.tlsIdentity != nil) else {
            return Self.problem(.forbidden, "refused: this request comes from another site's page, not from the dashboard", session: nil)
        }
        guard let session = try await session(of: request) else {
            return Self.problem(.unauthorized, "you are not signed in (or your session expired): sign in and try again", session: nil)
        }
        let form: DashboardForm
        do {
            form = try await DashboardForm(of: request, limit: configuration.maxBodySize)
        } catch let error as APIError {
            return Self.problem(error.status, error.message, session: session)
        }
        guard session.acceptsFormToken(form["csrf"]) else {
            return Self.problem(.forbidden, "refused: the form is not from this session's pages; reload the page and try again", session: session)
        }
        guard session.role.mayAct else {
            return Self.problem(.forbidden, "you are signed in as a viewer, who can see but not act; sign in with an admin token to do this", session: session)
        }
        do {
            return try await perform(session, form)
        } catch let error as APIError {
            return Self.problem(error.status, error.message, session: session)
        }
    }

    /// What a form that was not confirmed yet gets: the question, and a form that confirms.
    func confirmation(_ question: String, action: String, back: String, session: DashboardSession) -> Response {
        Self.html(ConfirmView(question: question, action: action, back: back).render(session: session))
    }

    static func problem(_ status: HTTPResponse.Status, _ message: String, session: DashboardSession?) -> Response {
        html(ProblemView(status: status, message: message).render(session: session), status: status)
    }

    /// A page, never cached, framed by no one, running only the dashboard's own script.
    static func html(_ page: HTML, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        fields[.contentSecurityPolicy] = "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        fields[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        fields[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: page.rendered)))
    }

    private static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300", HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
