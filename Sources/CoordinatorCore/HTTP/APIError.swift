import FlattenProtocol
import Foundation
import Hummingbird

/// An error answered to a client as `{"error": {"code", "message"}}` with its HTTP status.
///
/// Routes throw these; ``ErrorMiddleware`` turns them (and every other error) into responses.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// The machine-readable code.
    public let code: APIErrorCode
    /// What went wrong, for a person; names the field or value at fault.
    public let message: String
    /// Extra response headers (e.g. `WWW-Authenticate`).
    public let headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: APIErrorCode, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The body sent to the client.
    public var body: ErrorBody { ErrorBody(code: code, message: message) }

    // MARK: Common errors

    static func invalidRequest(_ message: String) -> APIError {
        APIError(.badRequest, .invalidRequest, message)
    }

    static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, .unauthorized, message, headers: [.wwwAuthenticate: "Bearer"])
    }

    static func forbidden(_ message: String) -> APIError {
        APIError(.forbidden, .forbidden, message)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(.notFound, .notFound, message)
    }

    static func staleLease(job id: UUID) -> APIError {
        APIError(.conflict, .staleLease,
                 "the lease token is not the current lease of job \(id.lowercased) (it expired, was reassigned, or is wrong); abandon the work")
    }

    static func invalidState(_ message: String) -> APIError {
        APIError(.conflict, .invalidState, message)
    }

    static func payloadTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, .payloadTooLarge, "the request body is larger than the limit of \(limit) bytes")
    }

    static func uriTooLong(length: Int) -> APIError {
        APIError(.uriTooLong, .uriTooLong,
                 "the request target is \(length) bytes, longer than the limit of \(ProtocolLimits.maxURIBytes) bytes; shorten the query")
    }

    /// 429 with `Retry-After` in whole seconds (rounded up, at least 1).
    static func tooManyRequests(_ message: String, retryAfter: Duration) -> APIError {
        let seconds = max(1, Int(retryAfter.seconds.rounded(.up)))
        return APIError(.tooManyRequests, .tooManyRequests, message, headers: [.retryAfter: String(seconds)])
    }

    static func unavailable(_ message: String) -> APIError {
        APIError(.serviceUnavailable, .unavailable, message)
    }
}

extension UUID {
    /// The lowercase form the API uses.
    var lowercased: String { uuidString.lowercased() }
}
