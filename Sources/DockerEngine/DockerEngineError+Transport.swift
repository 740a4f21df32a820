import AsyncHTTPClient
import Foundation
import NIOCore

extension DockerEngineError {
    /// Maps a failure of the HTTP layer to an error naming the engine's address.
    ///
    /// Connection failures become ``isUnreachable`` (or ``isPermissionDenied`` for `EACCES`) and
    /// name the socket path or host:port; anything else that breaks a connection is a transport
    /// failure. `DockerEngineError`s and cancellation pass through unchanged.
    static func fromTransport(_ error: any Error, host: DockerHost, operation: String) -> any Error {
        if error is DockerEngineError || error is CancellationError {
            return error
        }
        if let clientError = error as? HTTPClientError {
            if clientError == .cancelled {
                return CancellationError()
            }
            if clientError == .connectTimeout {
                return DockerEngineError(.unreachable(host: host.description, reason: "connection timed out"), operation: operation)
            }
            if clientError == .remoteConnectionClosed {
                return DockerEngineError(.transport(host: host.description, detail: "the engine closed the connection"), operation: operation)
            }
            if clientError == .deadlineExceeded || clientError == .readTimeout {
                return DockerEngineError(.transport(host: host.description, detail: "the request timed out"), operation: operation)
            }
        }
        if let errno = findErrno(in: error, depth: 0) {
            let reason = String(cString: strerror(errno))
            switch errno {
            case EACCES, EPERM:
                return DockerEngineError(.permissionDenied(host: host.description), operation: operation)
            case ENOENT, ECONNREFUSED, ENOTDIR, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL, ETIMEDOUT, ENOTSOCK:
                return DockerEngineError(.unreachable(host: host.description, reason: reason), operation: operation)
            default:
                return DockerEngineError(.transport(host: host.description, detail: reason), operation: operation)
            }
        }
        let text = String(describing: error)
        if text.contains("NIOConnectionError") || text.contains("connectTimeout") {
            return DockerEngineError(.unreachable(host: host.description, reason: text), operation: operation)
        }
        return DockerEngineError(.transport(host: host.description, detail: text), operation: operation)
    }

    /// Finds the `errno` of an `IOError` inside `error`.
    ///
    /// NIO reports a failed connect as `NIOConnectionError` (in NIOPosix, which this module does
    /// not import) whose `connectionErrors` hold the `IOError`s, so the search walks the error's
    /// stored properties rather than naming that type.
    private static func findErrno(in value: Any, depth: Int) -> CInt? {
        if let ioError = value as? IOError {
            return ioError.errnoCode
        }
        guard depth < 6 else { return nil }
        for child in Mirror(reflecting: value).children {
            if let found = findErrno(in: child.value, depth: depth + 1) {
                return found
            }
        }
        return nil
    }
}
