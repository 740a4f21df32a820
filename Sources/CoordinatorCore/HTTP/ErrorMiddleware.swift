import FlattenProtocol
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PostgresClient

/// Turns every error a route throws into the API's JSON error body, so clients never see an
/// empty or HTML error.
///
/// Database outages become `503 unavailable` (the client retries later); anything unexpected is
/// logged and answered `500 internal_error` without internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodySize: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.apiError(for: error, request: request, maxBodySize: maxBodySize)
            if apiError.status.code >= 500 {
                context.logger.error("request failed", metadata: [
                    "method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)",
                ])
            }
            return JSONResponse.error(apiError)
        }
    }

    static func apiError(for error: any Error, request: Request, maxBodySize: Int) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case is NIOTooManyBytesError:
            return .payloadTooLarge(limit: maxBodySize)
        case let error as HTTPParserError:
            // The request's bytes broke off or broke the protocol while a route read its body
            // (an agent killed mid-heartbeat, say): the client's fault, not ours, and usually
            // nobody is left to read the answer.
            return .invalidRequest("the request could not be read: \(error)")
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return .notFound("no route for \(request.method) \(request.uri.path)")
            case .methodNotAllowed:
                return APIError(.methodNotAllowed, .invalidRequest, "\(request.method) is not allowed on \(request.uri.path)")
            case .contentTooLarge:
                return .payloadTooLarge(limit: maxBodySize)
            default:
                let code: APIErrorCode = error.status.code >= 500 ? .internalError : .invalidRequest
                return APIError(error.status, code, error.body ?? error.status.reasonPhrase)
            }
        case let error as PostgresError where error.isConnectionFailure || error.isCheckoutTimeout || error.isClientClosed:
            return .unavailable("the database is unreachable; retry later")
        default:
            return APIError(.internalServerError, .internalError, "internal error; the coordinator's log has the details")
        }
    }
}
