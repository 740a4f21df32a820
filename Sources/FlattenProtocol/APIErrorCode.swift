/// A machine-readable error code in an ``ErrorBody``.
///
/// A string-backed struct rather than an enum so that a client decodes codes added by a newer
/// coordinator; compare against the well-known constants.
public struct APIErrorCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// 400: the body or a parameter is malformed or invalid.
    public static let invalidRequest = APIErrorCode("invalid_request")
    /// 401: no valid bearer token.
    public static let unauthorized = APIErrorCode("unauthorized")
    /// 403: the token may not do this (e.g. an agent acting on another agent's job).
    public static let forbidden = APIErrorCode("forbidden")
    /// 404: no such job, batch, agent or route.
    public static let notFound = APIErrorCode("not_found")
    /// 409: the lease token is not the job's current one; abandon the work.
    public static let staleLease = APIErrorCode("stale_lease")
    /// 409: the job's state does not allow this (e.g. canceling a finished job).
    public static let invalidState = APIErrorCode("invalid_state")
    /// 409: something else conflicts, e.g. an idempotency key reused with a different body.
    public static let conflict = APIErrorCode("conflict")
    /// 422: a fleet submission matched no live agent, or the named host is unknown.
    public static let noMatchingAgents = APIErrorCode("no_matching_agents")
    /// 400: the agent's protocol version is outside ``FlattenProtocolVersion/supported``.
    public static let unsupportedProtocolVersion = APIErrorCode("unsupported_protocol_version")
    /// 413: the body is too large.
    public static let payloadTooLarge = APIErrorCode("payload_too_large")
    /// 414: the request target (path and query) is longer than the coordinator reads.
    public static let uriTooLong = APIErrorCode("uri_too_long")

    /// 429: too many failed authentications or enrollments from the caller's address, or too
    /// many concurrent long polls by one agent; retry after the response's `Retry-After` seconds.
    public static let tooManyRequests = APIErrorCode("too_many_requests")
    /// 503: the coordinator cannot serve now (e.g. the database is unreachable); retry later.
    public static let unavailable = APIErrorCode("unavailable")
    /// 500: a bug or an unexpected failure.
    public static let internalError = APIErrorCode("internal_error")

    /// The HTTP status a well-known code is sent with; nil for codes this build does not know.
    public var httpStatus: Int? {
        switch self {
        case .invalidRequest, .unsupportedProtocolVersion: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .staleLease, .invalidState, .conflict: 409
        case .payloadTooLarge: 413
        case .uriTooLong: 414
        case .noMatchingAgents: 422
        case .tooManyRequests: 429
        case .internalError: 500
        case .unavailable: 503
        default: nil
        }
    }
}
