import Foundation
import Hummingbird

// Signing in and out. The token is posted once, compared by hash, and never stored or put in
// a URL; the browser keeps only the random session ID, in a cookie scripts cannot read and
// other sites' requests do not carry.
extension DashboardRoutes {
    /// `GET /ui/sign-in`: the form, or the fleet when already signed in.
    func signInPage(_ request: Request) async throws -> Response {
        if try await session(of: request) != nil {
            return Response.redirect(to: DashboardPath.fleet, type: .normal)
        }
        return Self.html(SignInView().render())
    }

    /// `POST /ui/sign-in`: 303 to the fleet with a session cookie; 401 with the form again for
    /// a token that is not an admin or viewer token (counted by the failed-authentication limit).
    func signIn(_ request: Request) async throws -> Response {
        guard DashboardOrigin.isSameOrigin(request, tls: configuration.tlsIdentity != nil) else {
            return Self.problem(.forbidden, "refused: this sign-in comes from another site's page", session: nil)
        }
        let form: DashboardForm
        do {
            form = try await DashboardForm(of: request, limit: configuration.maxBodySize)
        } catch let error as APIError {
            return Self.html(SignInView().render(message: DashboardLayout.message(error.message, error: true)), status: error.status)
        }
        guard let token = form.text("token"), let role = auth.dashboardRole(signingInWith: token) else {
            let message = "that token does not sign in: use an admin token, or a viewer token for read-only access (agents' and enrollment tokens cannot sign in)"
            return Self.html(SignInView().render(message: DashboardLayout.message(message, error: true)), status: .unauthorized)
        }
        let session = try await sessions.start(role: role)
        var response = Response.redirect(to: DashboardPath.fleet, type: .normal)
        response.setCookie(sessionCookie(value: session.id, maxAge: Int(DashboardSessionStore.lifetime.components.seconds)))
        return response
    }

    /// `POST /ui/sign-out`: ends the session in the database (so a copied cookie is worthless
    /// too) and clears the cookie.
    func signOut(_ request: Request) async throws -> Response {
        guard DashboardOrigin.isSameOrigin(request, tls: configuration.tlsIdentity != nil) else {
            return Self.problem(.forbidden, "refused: this sign-out comes from another site's page", session: nil)
        }
        if let session = try await session(of: request) {
            let form = try? await DashboardForm(of: request, limit: configuration.maxBodySize)
            guard session.acceptsFormToken(form?["csrf"]) else {
                return Self.problem(.forbidden, "refused: the form is not from this session's pages; reload the page and try again", session: session)
            }
            try await sessions.end(session)
        }
        var response = Response.redirect(to: DashboardPath.signIn, type: .normal)
        response.setCookie(sessionCookie(value: "", maxAge: 0))
        return response
    }

    /// The session cookie: HttpOnly, SameSite=Strict, for `/ui/` only, Secure under HTTPS.
    private func sessionCookie(value: String, maxAge: Int) -> Cookie {
        Cookie(name: Self.cookieName, value: value, maxAge: maxAge, path: "/ui",
               secure: configuration.tlsIdentity != nil, httpOnly: true, sameSite: .strict)
    }
}
