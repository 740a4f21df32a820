import FlattenProtocol

/// Why a call to the coordinator did not get the answer it asked for.
///
/// Test for kinds with the `is…` properties; new kinds may be added without breaking callers.
public struct CoordinatorError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        /// No connection, a reset, a DNS failure, a timeout: the network or the coordinator is
        /// down for now.
        case unreachable(url: String, detail: String)
        /// The coordinator answered with an error status.
        case refused(status: Int, body: ErrorBody?, url: String)
        /// The answer could not be read.
        case malformedResponse(url: String, detail: String)
    }

    let kind: Kind

    init(_ kind: Kind) {
        self.kind = kind
    }

    /// The coordinator at `url` could not be reached.
    public static func unreachable(url: String, detail: String) -> CoordinatorError {
        CoordinatorError(.unreachable(url: url, detail: detail))
    }

    /// The coordinator answered `status` with `body` (nil when the body was not an ``ErrorBody``).
    public static func refused(status: Int, body: ErrorBody?, url: String = "") -> CoordinatorError {
        CoordinatorError(.refused(status: status, body: body, url: url))
    }

    /// The coordinator's answer could not be decoded.
    public static func malformedResponse(url: String, detail: String) -> CoordinatorError {
        CoordinatorError(.malformedResponse(url: url, detail: detail))
    }

    /// The HTTP status, when the coordinator answered.
    public var httpStatus: Int? {
        if case .refused(let status, _, _) = kind { return status }
        return nil
    }

    /// The error code of the answer, when it carried one.
    public var code: APIErrorCode? {
        if case .refused(_, let body, _) = kind { return body?.error.code }
        return nil
    }

    /// The network or the coordinator is down: retry later.
    public var isUnreachable: Bool {
        if case .unreachable = kind { return true }
        return false
    }

    /// Worth retrying as is: unreachable, a timeout, throttling, a server error, or an answer
    /// cut short (the coordinator restarting mid-reply).
    public var isTransient: Bool {
        switch kind {
        case .unreachable, .malformedResponse: return true
        case .refused(let status, _, _): return status >= 500 || status == 408 || status == 429
        }
    }

    /// The token was not accepted (401).
    public var isUnauthorized: Bool { httpStatus == 401 }

    /// The coordinator says this agent no longer holds the job: a stale or expired lease (409),
    /// a job that is gone (404) or is another agent's (403). The work must be abandoned.
    public var isLeaseLost: Bool {
        guard let status = httpStatus else { return false }
        return status == 409 || status == 404 || status == 403
    }

    public var description: String {
        switch kind {
        case .unreachable(let url, let detail):
            return "cannot reach the coordinator at \(url): \(detail)"
        case .refused(let status, let body, let url):
            let what = body.map { "\($0.error.code): \($0.error.message)" } ?? "no error body"
            return "the coordinator refused \(url.isEmpty ? "the call" : url) with HTTP \(status): \(what)"
        case .malformedResponse(let url, let detail):
            return "unreadable answer from the coordinator at \(url): \(detail)"
        }
    }
}
