import FlattenProtocol
import HTTPTypes
import Hummingbird

/// Slows callers that fail authentication: spends from the caller's bucket in ``CallerLimiter``
/// on each 401 and each enrollment, and answers 429 `too_many_requests` with `Retry-After`
/// while it is empty, whatever token the request carries.
///
/// Behind a reverse proxy listed in `trustedProxies`, the caller is the address the proxy
/// appended to `X-Forwarded-For`.
///
/// Health checks are neither counted nor refused: they need no token. Requests without an IP
/// address (see ``CallerKey/init(address:)``) are not limited.
struct CallerLimitMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let limiter: CallerLimiter
    let trustedProxies: Set<String>
    let metrics: CoordinatorMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path != APIPath.healthz, path != APIPath.readyz else { return try await next(request, context) }
        let client = CallerKey.clientAddress(
            peer: context.remoteAddress, forwardedFor: request.headers[xForwardedFor], trustedProxies: trustedProxies)
        guard let caller = CallerKey(address: client) else { return try await next(request, context) }
        let isEnrollment = request.method == .post && path == APIPath.agentsRegister
        let admission = isEnrollment ? limiter.admitEnrollment(caller) : limiter.admit(caller)
        if case .refused(let retryAfter) = admission {
            metrics.recordRefusal(.authenticationLimit)
            let what = isEnrollment ? "enrollments" : "failed authentications"
            return JSONResponse.error(.tooManyRequests(
                "too many \(what) from \(caller); retry after the Retry-After seconds", retryAfter: retryAfter))
        }
        let response = try await next(request, context)
        // An enrollment has already paid; a wrong enrollment token costs no more than a right one.
        if response.status == .unauthorized, !isEnrollment {
            limiter.recordFailure(caller)
        }
        return response
    }
}

/// The header a reverse proxy appends the client's address to.
private let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
