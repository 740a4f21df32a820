import FlattenProtocol
import Hummingbird

/// Refuses request targets the coordinator will not read before any route sees them: a URI
/// longer than ``ProtocolLimits/maxURIBytes`` (414 `uri_too_long`), and a query parameter that
/// holds NUL (PostgreSQL cannot take it) or is longer than
/// ``ProtocolLimits/maxQueryParameterBytes`` (400 naming the parameter).
struct RequestTargetMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let length = request.uri.description.utf8.count
        guard length <= ProtocolLimits.maxURIBytes else {
            throw APIError.uriTooLong(length: length)
        }
        for (name, value) in request.uri.queryParameters {
            let shownName = String(reflecting: String(name.prefix(40)))
            if name.unicodeScalars.contains("\u{0}") || value.unicodeScalars.contains("\u{0}") {
                throw APIError.invalidRequest("query parameter \(shownName) must not contain NUL (U+0000)")
            }
            guard value.utf8.count <= ProtocolLimits.maxQueryParameterBytes else {
                throw APIError.invalidRequest(
                    "query parameter \(shownName) must be at most \(ProtocolLimits.maxQueryParameterBytes) bytes (it has \(value.utf8.count))")
            }
        }
        return try await next(request, context)
    }
}
