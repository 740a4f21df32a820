import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// A client of one Docker engine, over its unix socket or plain TCP.
///
/// Create one with ``connect(to:configuration:logger:)`` (the client owns an `HTTPClient` and must
/// be shut down with ``shutdown()``), ``connect(to:httpClient:configuration:logger:)`` (the caller
/// owns and shuts down the `HTTPClient`), or ``withClient(to:configuration:logger:_:)``.
/// Connecting negotiates the API version (``apiVersion``); every call afterwards uses versioned
/// paths (`/v1.51/…` or the engine's own, when older).
///
/// Image bodies are streamed both ways and never buffered: ``saveImage(_:)`` and
/// ``exportContainer(_:)`` answer a ``DockerByteStream``; `load`, `import` and `build` take a
/// ``DockerRequestBody``.
public final class DockerClient: Sendable {
    /// Timeouts and version rule of a client.
    public struct Configuration: Sendable {
        /// How long to wait for a connection to the engine. The HTTP client retries a refused
        /// connect (absent socket, engine restarting) until this elapses, so an unreachable
        /// engine is reported after this long.
        public var connectTimeout: TimeAmount
        /// The deadline of calls whose answer is a small JSON document (inspect, tag, remove,
        /// create, …). Streaming calls (save, load, import, build, push, pull, export) have no
        /// deadline: they last as long as the image takes.
        public var requestTimeout: TimeAmount
        /// Which engine API versions are accepted and spoken.
        public var negotiation: APIVersionNegotiation

        public init(
            connectTimeout: TimeAmount = .seconds(10),
            requestTimeout: TimeAmount = .minutes(5),
            negotiation: APIVersionNegotiation = APIVersionNegotiation()
        ) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.negotiation = negotiation
        }
    }

    /// The engine's address.
    public let host: DockerHost
    /// The API version spoken to the engine: the newest both the engine and this client accept.
    public let apiVersion: APIVersion
    /// The engine's `GET /version` answer, as read when connecting (engine release, OS, arch).
    public let engineVersion: EngineVersion
    /// The client's configuration.
    public let configuration: Configuration

    let httpClient: HTTPClient
    let ownsHTTPClient: Bool
    let logger: Logger

    /// The `Host` header sent over a unix socket: dockerd answers 400 to a request without one.
    static let unixSocketHostHeader = "docker"

    private init(
        host: DockerHost, apiVersion: APIVersion, engineVersion: EngineVersion, configuration: Configuration,
        httpClient: HTTPClient, ownsHTTPClient: Bool, logger: Logger
    ) {
        self.host = host
        self.apiVersion = apiVersion
        self.engineVersion = engineVersion
        self.configuration = configuration
        self.httpClient = httpClient
        self.ownsHTTPClient = ownsHTTPClient
        self.logger = logger
    }

    /// A logger that drops everything: the default.
    public static let silentLogger = Logger(label: "DockerEngine", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The `HTTPClient` configuration this client needs: no read timeout (image streams may
    /// pause for minutes while the engine works), the given connect timeout, no redirects, no
    /// decompression. Use it for an `HTTPClient` passed to ``connect(to:httpClient:configuration:logger:)``.
    public static func httpClientConfiguration(connectTimeout: TimeAmount = .seconds(10)) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: connectTimeout, read: nil),
            decompression: .disabled
        )
        configuration.httpVersion = .http1Only
        return configuration
    }

    /// Connects to the engine at `host` with an `HTTPClient` of its own, and negotiates the API
    /// version. Call ``shutdown()`` when done.
    ///
    /// - Throws: ``DockerEngineError``: unreachable engine (naming the socket or address),
    ///   permission denied, or an engine whose API is older than the configuration accepts.
    public static func connect(
        to host: DockerHost,
        configuration: Configuration = Configuration(),
        logger: Logger = DockerClient.silentLogger
    ) async throws -> DockerClient {
        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: httpClientConfiguration(connectTimeout: configuration.connectTimeout)
        )
        do {
            return try await negotiate(host: host, httpClient: httpClient, ownsHTTPClient: true, configuration: configuration, logger: logger)
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }

    /// Connects to the engine at `host` through `httpClient`, which the caller owns (and shuts
    /// down), and negotiates the API version. Build `httpClient` from
    /// ``httpClientConfiguration(connectTimeout:)`` so that long streams are not cut by a read timeout.
    public static func connect(
        to host: DockerHost,
        httpClient: HTTPClient,
        configuration: Configuration = Configuration(),
        logger: Logger = DockerClient.silentLogger
    ) async throws -> DockerClient {
        try await negotiate(host: host, httpClient: httpClient, ownsHTTPClient: false, configuration: configuration, logger: logger)
    }

    /// Connects, runs `body`, and shuts the client down whether `body` returns or throws.
    public static func withClient<Result: Sendable>(
        to host: DockerHost,
        configuration: Configuration = Configuration(),
        logger: Logger = DockerClient.silentLogger,
        _ body: (DockerClient) async throws -> Result
    ) async throws -> Result {
        let client = try await connect(to: host, configuration: configuration, logger: logger)
        let result: Result
        do {
            result = try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return result
    }

    /// Shuts down the `HTTPClient` if this client created it; does nothing otherwise.
    public func shutdown() async throws {
        if ownsHTTPClient {
            try await httpClient.shutdown()
        }
    }

    private static func negotiate(
        host: DockerHost, httpClient: HTTPClient, ownsHTTPClient: Bool, configuration: Configuration, logger: Logger
    ) async throws -> DockerClient {
        // `/version` is asked unversioned: an engine refuses versioned paths above its own version.
        let version: EngineVersion = try await RequestExecutor(
            host: host, httpClient: httpClient, apiVersion: nil, requestTimeout: configuration.requestTimeout, logger: logger
        ).json(DockerRequest(.GET, "/version"), operation: "read the engine version")
        let apiVersion = try configuration.negotiation.negotiate(engineVersion: version.apiVersion, engineMinimum: version.minAPIVersion)
        logger.debug("connected to the Docker engine", metadata: [
            "docker.host": "\(host)", "docker.engine_version": "\(version.version)",
            "docker.engine_api": "\(version.apiVersion)", "docker.api": "\(apiVersion)",
        ])
        return DockerClient(
            host: host, apiVersion: apiVersion, engineVersion: version, configuration: configuration,
            httpClient: httpClient, ownsHTTPClient: ownsHTTPClient, logger: logger
        )
    }

    var executor: RequestExecutor {
        RequestExecutor(
            host: host, httpClient: httpClient, apiVersion: apiVersion,
            requestTimeout: configuration.requestTimeout, logger: logger
        )
    }
}
