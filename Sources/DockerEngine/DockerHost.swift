import Foundation

/// Where a Docker engine listens, parsed the way the docker CLI reads `DOCKER_HOST`.
///
/// Accepted forms:
/// - `unix:///var/run/docker.sock` (an absolute socket path)
/// - `tcp://host:port` and `http://host:port` (plain HTTP; a trailing `/` is allowed)
///
/// TLS (`https://`, or `tcp://` with `DOCKER_TLS_VERIFY`), `ssh://` and `npipe://` are refused with
/// an error that names the scheme: this client speaks plain HTTP only.
public struct DockerHost: Sendable, Hashable, CustomStringConvertible {
    /// The transport and address of the engine.
    public enum Endpoint: Sendable, Hashable {
        /// A unix domain socket at an absolute path.
        case unixSocket(path: String)
        /// A TCP address spoken to in plain HTTP.
        case tcp(host: String, port: Int)
    }

    /// The engine's address.
    public let endpoint: Endpoint

    /// The engine docker uses when `DOCKER_HOST` is unset.
    public static let defaultSocketPath = "/var/run/docker.sock"

    /// `unix:///var/run/docker.sock`.
    public static let `default` = DockerHost(endpoint: .unixSocket(path: defaultSocketPath))

    /// The default port docker uses for `tcp://host` without a port (plain HTTP).
    public static let defaultTCPPort = 2375

    public init(endpoint: Endpoint) {
        self.endpoint = endpoint
    }

    /// A host at a unix socket path.
    public static func unixSocket(_ path: String) -> DockerHost {
        DockerHost(endpoint: .unixSocket(path: path))
    }

    /// A host at a TCP address.
    public static func tcp(host: String, port: Int) -> DockerHost {
        DockerHost(endpoint: .tcp(host: host, port: port))
    }

    /// Parses a `DOCKER_HOST` value.
    ///
    /// - Throws: `DockerEngineError` (``DockerEngineError/isInvalidHost``) naming the value and
    ///   what is wrong with it.
    public init(parsing value: String) throws {
        let trimmed = value.trimmingWhitespace()
        guard !trimmed.isEmpty else {
            throw DockerEngineError.invalidHost(value, "the value is empty")
        }
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw DockerEngineError.invalidHost(
                value,
                "it has no scheme; expected unix:///path/to/docker.sock or tcp://host:port"
            )
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        let rest = String(trimmed[schemeEnd.upperBound...])
        switch scheme {
        case "unix":
            guard rest.hasPrefix("/") else {
                throw DockerEngineError.invalidHost(value, "the socket path must be absolute (unix:///path/to/docker.sock)")
            }
            guard !rest.contains("?"), !rest.contains("#") else {
                throw DockerEngineError.invalidHost(value, "a unix socket path cannot carry a query or fragment")
            }
            self.init(endpoint: .unixSocket(path: rest))
        case "tcp", "http":
            self.init(endpoint: try Self.parseTCPAddress(rest, original: value))
        case "https":
            throw DockerEngineError.invalidHost(value, "TLS (https://) is not supported by this client; use a unix socket or plain tcp://")
        case "ssh":
            throw DockerEngineError.invalidHost(value, "ssh:// hosts are not supported; run the agent on the Docker host and use its unix socket")
        case "npipe":
            throw DockerEngineError.invalidHost(value, "npipe:// (Windows named pipes) is not supported")
        case "fd":
            throw DockerEngineError.invalidHost(value, "fd:// is a daemon listen address, not a client address")
        default:
            throw DockerEngineError.invalidHost(value, "unknown scheme '\(scheme)'; expected unix:// or tcp://")
        }
    }

    /// The host named by `DOCKER_HOST` in `environment`, or ``default`` when it is unset or empty.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> DockerHost {
        guard let value = environment["DOCKER_HOST"], !value.isEmpty else {
            return .default
        }
        return try DockerHost(parsing: value)
    }

    /// The host as a `DOCKER_HOST` value: `unix:///path` or `tcp://host:port`.
    public var description: String {
        switch endpoint {
        case .unixSocket(let path):
            return "unix://\(path)"
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "tcp://\(shownHost):\(port)"
        }
    }

    private static func parseTCPAddress(_ rest: String, original: String) throws -> Endpoint {
        var address = Substring(rest)
        // The docker CLI accepts `tcp://host:port/` and `tcp://host:port/base`; we accept only an empty
        // path because a base path would silently change every API URL.
        if let slash = address.firstIndex(of: "/") {
            let path = address[slash...]
            guard path == "/" else {
                throw DockerEngineError.invalidHost(original, "a path ('\(path)') after the address is not supported")
            }
            address = address[..<slash]
        }
        guard !address.contains("?"), !address.contains("#"), !address.contains("@") else {
            throw DockerEngineError.invalidHost(original, "the address must be host:port, without user, query or fragment")
        }
        var host: Substring
        var portText: Substring?
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]") else {
                throw DockerEngineError.invalidHost(original, "an IPv6 address is missing its closing ']'")
            }
            host = address[address.index(after: address.startIndex)..<close]
            let afterClose = address[address.index(after: close)...]
            if !afterClose.isEmpty {
                guard afterClose.hasPrefix(":") else {
                    throw DockerEngineError.invalidHost(original, "unexpected text '\(afterClose)' after the IPv6 address")
                }
                portText = afterClose.dropFirst()
            }
        } else {
            let parts = address.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw DockerEngineError.invalidHost(original, "too many ':' in the address (write IPv6 addresses as [addr]:port)")
            }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
        }
        guard !host.isEmpty else {
            throw DockerEngineError.invalidHost(original, "the host name is empty")
        }
        var port = defaultTCPPort
        if let portText {
            guard let parsed = Int(portText), (1...65535).contains(parsed) else {
                throw DockerEngineError.invalidHost(original, "the port '\(portText)' is not a number from 1 to 65535")
            }
            port = parsed
        }
        return .tcp(host: String(host), port: port)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
