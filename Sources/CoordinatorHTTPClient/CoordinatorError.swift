import AsyncHTTPClient
import FlattenProtocol
import FlattenSecurity

/// Why a call to the coordinator did not get the answer it asked for.
///
/// Test for kinds with the `is…` properties; new kinds may be added without breaking callers.
public struct CoordinatorError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        /// No connection, a reset, a DNS failure, a timeout: the network or the coordinator is
        /// down for now.
        case unreachable(url: String, detail: String)
        /// The TLS handshake failed: a certificate the trusted CAs do not vouch for, or a
        /// coordinator that does not speak TLS.
        case tls(url: String, detail: String)
        /// The coordinator answered with an error status; `text` is the start of the body.
        case refused(status: Int, body: ErrorBody?, text: String, request: String, baseURL: String)
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
        CoordinatorError(.refused(status: status, body: body, text: body?.error.message ?? "", request: "", baseURL: url))
    }

    /// The coordinator's answer could not be decoded.
    public static func malformedResponse(url: String, detail: String) -> CoordinatorError {
        CoordinatorError(.malformedResponse(url: url, detail: detail))
    }

    /// A transport failure of a call to `url` with deadline `timeout`.
    static func transport(_ error: any Error, url: String, timeout: Duration) -> CoordinatorError {
        if let tls = TLSFailure.describe(error) { return CoordinatorError(.tls(url: url, detail: tls)) }
        return CoordinatorError(.unreachable(url: url, detail: describe(error, timeout: timeout)))
    }

    /// A short description of a transport error (AsyncHTTPClient's and NIO's are terse).
    static func describe(_ error: any Error, timeout: Duration) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connect timed out"
            case .deadlineExceeded: return "no answer within \(Int(timeout.seconds.rounded())) s"
            case .remoteConnectionClosed: return "the connection was closed"
            default: return "\(error)"
            }
        }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }

    // MARK: Kinds

    /// The HTTP status, when the coordinator answered.
    public var httpStatus: Int? {
        if case .refused(let status, _, _, _, _) = kind { return status }
        return nil
    }

    /// The error code of the answer, when it carried one.
    public var code: APIErrorCode? {
        if case .refused(_, let body, _, _, _) = kind { return body?.error.code }
        return nil
    }

    /// The coordinator's message, or the start of its answer when that was not the API's JSON
    /// error; nil when it did not answer.
    public var message: String? {
        if case .refused(_, let body, let text, _, _) = kind { return body?.error.message ?? text }
        return nil
    }

    /// The network or the coordinator is down, or TLS failed: no answer came.
    public var isUnreachable: Bool {
        switch kind {
        case .unreachable, .tls: return true
        case .refused, .malformedResponse: return false
        }
    }

    /// The TLS handshake failed (the description says why, naming the CA file's role).
    public var isTLSFailure: Bool {
        if case .tls = kind { return true }
        return false
    }

    /// The answer could not be read or decoded.
    public var isMalformedResponse: Bool {
        if case .malformedResponse = kind { return true }
        return false
    }

    /// Worth retrying as is: unreachable, a timeout, throttling, a server error, or an answer
    /// cut short (the coordinator restarting mid-reply).
    public var isTransient: Bool {
        switch kind {
        case .unreachable, .tls, .malformedResponse: return true
        case .refused(let status, _, _, _, _): return status >= 500 || status == 408 || status == 429
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
        case .tls(let url, let detail):
            return "cannot talk to the coordinator at \(url): \(detail)"
        case .refused(let status, let body, let text, let request, let baseURL):
            let what = body.map { "\($0.error.code): \($0.error.message)" } ?? (text.isEmpty ? "no error body" : text)
            if status == 401 {
                return "the coordinator\(baseURL.isEmpty ? "" : " at \(baseURL)") rejected the token (401): \(what)"
            }
            return "the coordinator refused \(request.isEmpty ? "the call" : request) with HTTP \(status): \(what)"
        case .malformedResponse(let url, let detail):
            return "unreadable answer from the coordinator at \(url): \(detail)"
        }
    }
}
