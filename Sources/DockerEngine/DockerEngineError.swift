/// An error from talking to a Docker engine.
///
/// Keeps the engine's own words (``engineMessage``), the HTTP status (``httpStatus``) and the
/// operation that failed (``operation``). Test for kinds with the `is…` properties rather than
/// matching on text: new kinds may be added without breaking callers.
public struct DockerEngineError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        /// A `DOCKER_HOST` value that cannot be used.
        case invalidHost(value: String, reason: String)
        /// The engine's API versions and this client's do not meet.
        case unsupportedEngine(engine: ClosedRange<APIVersion>, client: ClosedRange<APIVersion>)
        /// The engine could not be connected to.
        case unreachable(host: String, reason: String)
        /// The socket exists but this process may not open it.
        case permissionDenied(host: String)
        /// The engine answered with a 4xx or 5xx status.
        case status(code: Int, reason: String, message: String)
        /// The engine reported an error inside a 200 JSON-message stream (`errorDetail`).
        case stream(message: String, code: Int?)
        /// The engine's answer could not be understood.
        case malformedResponse(detail: String)
        /// The connection failed after it was made (reset, closed mid-stream, timed out).
        case transport(host: String, detail: String)
        /// An argument was refused before anything was sent.
        case invalidArgument(detail: String)
    }

    let kind: Kind

    /// What was being done, for example `inspect image 'alpine:3'`.
    public let operation: String

    init(_ kind: Kind, operation: String) {
        self.kind = kind
        self.operation = operation
    }

    // MARK: Kinds

    /// The HTTP status the engine answered with, when the error is an HTTP error answer.
    public var httpStatus: Int? {
        if case .status(let code, _, _) = kind { return code }
        return nil
    }

    /// The engine's own message: the `message` of an error answer or the `error` of a stream.
    public var engineMessage: String? {
        switch kind {
        case .status(_, _, let message): return message
        case .stream(let message, _): return message
        default: return nil
        }
    }

    /// The `errorDetail.code` of an error reported inside a stream (a failed `RUN`'s exit status).
    public var streamErrorCode: Int? {
        if case .stream(_, let code) = kind { return code }
        return nil
    }

    /// 404: no such image, container or resource.
    public var isNotFound: Bool {
        // Podman answers some lookups of a missing image with 500 and "image not known".
        httpStatus == 404 || (httpStatus == 500 && engineMessage?.contains("image not known") == true)
    }
    /// A list that failed because an image vanished while the engine built it.
    var isImageGoneWhileListing: Bool {
        isNotFound || (httpStatus == 500 && engineMessage.map {
            $0.contains("not known") || $0.contains("not found")
                // Podman 4.3, an image removed while it checked another for dangling:
                // `locating item named "manifest" for image with ID …: file does not exist`.
                || $0.contains("does not exist")
        } == true)
    }
    /// 409: the object is in use or already exists (for example an image used by a container).
    public var isConflict: Bool { httpStatus == 409 }
    /// 401 or 403, or a stream error saying authentication was refused.
    public var isUnauthorized: Bool {
        if httpStatus == 401 || httpStatus == 403 { return true }
        if case .stream(let message, _) = kind {
            let lowered = message.lowercased()
            return lowered.contains("unauthorized") || lowered.contains("authentication required")
                || lowered.contains("denied: requested access")
        }
        return false
    }
    /// 400: the engine refused the request's parameters.
    public var isBadRequest: Bool { httpStatus == 400 }
    /// 5xx: the engine failed.
    public var isServerError: Bool { (httpStatus ?? 0) >= 500 }
    /// An error reported inside a JSON-message stream (a failed build, load, push, pull or import).
    public var isStreamError: Bool {
        if case .stream = kind { return true }
        return false
    }
    /// The engine could not be connected to (including ``isPermissionDenied``).
    public var isUnreachable: Bool {
        switch kind {
        case .unreachable, .permissionDenied: return true
        default: return false
        }
    }
    /// The socket may not be opened by this process.
    public var isPermissionDenied: Bool {
        if case .permissionDenied = kind { return true }
        return false
    }
    /// The engine's API versions and this client's do not meet.
    public var isUnsupportedEngine: Bool {
        if case .unsupportedEngine = kind { return true }
        return false
    }
    /// A `DOCKER_HOST` value could not be used.
    public var isInvalidHost: Bool {
        if case .invalidHost = kind { return true }
        return false
    }
    /// The engine's answer was not what the API documents.
    public var isMalformedResponse: Bool {
        if case .malformedResponse = kind { return true }
        return false
    }
    /// The connection broke after it was made.
    public var isTransportFailure: Bool {
        if case .transport = kind { return true }
        return false
    }
    /// An argument was refused before anything was sent to the engine.
    public var isInvalidArgument: Bool {
        if case .invalidArgument = kind { return true }
        return false
    }

    public var description: String {
        switch kind {
        case .invalidHost(let value, let reason):
            return "invalid Docker host '\(value)': \(reason)"
        case .unsupportedEngine(let engine, let client):
            let advice = engine.upperBound < client.lowerBound
                ? "upgrade the engine to Docker 19.03 or later"
                : "this engine is newer than this flatten-agent supports: upgrade flatten-agent"
            return "the Docker engine accepts API versions \(engine.lowerBound) to \(engine.upperBound), "
                + "this client speaks \(client.lowerBound) to \(client.upperBound): no version in common; \(advice)"
        case .unreachable(let host, let reason):
            return "cannot reach the Docker engine at \(host): \(reason) (is dockerd running?)"
        case .permissionDenied(let host):
            return "permission denied opening the Docker engine socket \(host) "
                + "(run as root or as a member of the socket's group, usually 'docker')"
        case .status(let code, let reason, let message):
            return "\(operation) failed: the engine answered \(code) \(reason): \(message)"
        case .stream(let message, let code):
            let codeText = code.map { " (code \($0))" } ?? ""
            return "\(operation) failed: \(message)\(codeText)"
        case .malformedResponse(let detail):
            return "\(operation) failed: unexpected answer from the engine: \(detail)"
        case .transport(let host, let detail):
            return "\(operation) failed: the connection to the Docker engine at \(host) broke: \(detail)"
        case .invalidArgument(let detail):
            return "cannot \(operation): \(detail)"
        }
    }
}

extension DockerEngineError {
    static func invalidHost(_ value: String, _ reason: String) -> DockerEngineError {
        DockerEngineError(.invalidHost(value: value, reason: reason), operation: "parse the Docker host")
    }

    static func unsupportedEngine(engine: ClosedRange<APIVersion>, client: ClosedRange<APIVersion>) -> DockerEngineError {
        DockerEngineError(.unsupportedEngine(engine: engine, client: client), operation: "negotiate the API version")
    }

    static func malformedResponse(operation: String, detail: String) -> DockerEngineError {
        DockerEngineError(.malformedResponse(detail: detail), operation: operation)
    }

    static func invalidArgument(operation: String, detail: String) -> DockerEngineError {
        DockerEngineError(.invalidArgument(detail: detail), operation: operation)
    }
}
