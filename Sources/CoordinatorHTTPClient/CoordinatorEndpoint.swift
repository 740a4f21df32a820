import AsyncHTTPClient
import FlattenProtocol
import FlattenSecurity
import Foundation
import NIOCore
import NIOHTTP1

/// One coordinator as a client reaches it: its base URL, the bearer token, the TLS trust, and
/// the HTTP client the calls go through. The agent, `flatctl` and the load tool all call the
/// coordinator through this type, so they share one client set-up and one way of reading
/// answers and failures (``CoordinatorReply``, ``CoordinatorError``).
///
/// An endpoint made with ``init(baseURL:token:certificateAuthority:userAgent:requestTimeout:)``
/// owns its HTTP client and must be shut down (``shutdown()``); ``withEndpoint(baseURL:token:certificateAuthority:configuration:userAgent:requestTimeout:isolation:_:)``
/// does that however its body ends.
public struct CoordinatorEndpoint: Sendable {
    /// The coordinator's base URL, without a trailing slash, e.g. `https://flatten.example.internal`.
    public let baseURL: String
    /// The bearer token sent with every call; nil sends none.
    public var token: String?
    /// Sent as `User-Agent`, e.g. `flatctl/2`.
    public var userAgent: String
    /// The deadline of a call that names none.
    public var requestTimeout: Duration
    /// The largest answer read; a longer one is a malformed answer.
    public var maxAnswerBytes: Int = 64 << 20
    public let httpClient: HTTPClient

    /// An endpoint that calls through `httpClient`, which the caller keeps alive and shuts down.
    public init(baseURL: String, token: String? = nil, userAgent: String, requestTimeout: Duration = .seconds(30), httpClient: HTTPClient) {
        var trimmed = baseURL
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.baseURL = trimmed
        self.token = token
        self.userAgent = userAgent
        self.requestTimeout = requestTimeout
        self.httpClient = httpClient
    }

    /// An endpoint with an HTTP client of its own (``httpClientConfiguration(trusting:)``); the
    /// caller must ``shutdown()`` it.
    public init(
        baseURL: String, token: String? = nil, certificateAuthority: CertificateAuthorityFile?, userAgent: String,
        requestTimeout: Duration = .seconds(30)
    ) {
        self.init(
            baseURL: baseURL, token: token, userAgent: userAgent, requestTimeout: requestTimeout,
            httpClient: HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.httpClientConfiguration(trusting: certificateAuthority)))
    }

    /// Runs `body` with an endpoint whose HTTP client is made for it and shut down once `body`
    /// ends, whether it returns, throws or is cancelled.
    ///
    /// - Parameter configuration: the HTTP client's configuration; by default
    ///   ``httpClientConfiguration(trusting:)`` with `certificateAuthority`.
    public static func withEndpoint<Result>(
        baseURL: String, token: String? = nil, certificateAuthority: CertificateAuthorityFile? = nil,
        configuration: HTTPClient.Configuration? = nil, userAgent: String, requestTimeout: Duration = .seconds(30),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (CoordinatorEndpoint) async throws -> Result
    ) async throws -> Result {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: configuration ?? httpClientConfiguration(trusting: certificateAuthority))
        let endpoint = CoordinatorEndpoint(
            baseURL: baseURL, token: token, userAgent: userAgent, requestTimeout: requestTimeout, httpClient: client)
        let result: Result
        do {
            result = try await body(endpoint)
        } catch {
            await endpoint.shutdown()
            throw error
        }
        await endpoint.shutdown()
        return result
    }

    /// The HTTP client's configuration for a coordinator: a refused connection fails at once
    /// rather than being retried until the deadline (an operator pointing at the wrong port hears
    /// about it immediately; the agent's own backoff decides when to try again, and a hard stop
    /// is not held up), connects time out after 5 s, no redirects are followed (they would carry
    /// the token elsewhere), and an `https` coordinator's certificate must chain to `authority`
    /// when one is given.
    public static func httpClientConfiguration(trusting authority: CertificateAuthorityFile?) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: authority?.clientTLSConfiguration,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// Shuts the HTTP client down; calls still under way fail. Only for an endpoint that owns
    /// its client.
    public func shutdown() async {
        try? await httpClient.shutdown()
    }

    /// Checks that `url` is an absolute `http` or `https` URL with a host.
    public static func validate(baseURL url: String) throws(CoordinatorURLError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw CoordinatorURLError(url: url)
        }
    }

    // MARK: Calls

    /// Sends `body` encoded as JSON; see ``send(_:_:headers:json:timeout:)``.
    public func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: some Encodable,
        timeout: Duration? = nil
    ) async throws -> CoordinatorReply {
        let data: Data
        do {
            data = try JSONEncoder.flattenProtocol.encode(body)
        } catch {
            throw CoordinatorError.malformedResponse(url: baseURL + path, detail: "cannot encode the request: \(error)")
        }
        return try await send(method, path, headers: headers, json: ByteBuffer(bytes: data), timeout: timeout)
    }

    /// Sends one request and answers what the coordinator answered, error statuses included
    /// (``CoordinatorReply/succeeded()`` turns those into errors).
    ///
    /// - Throws: ``CoordinatorError`` when no answer came (unreachable, TLS, timeout), or
    ///   `CancellationError` when the calling task was cancelled.
    public func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], json body: ByteBuffer? = nil,
        timeout: Duration? = nil
    ) async throws -> CoordinatorReply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "User-Agent", value: userAgent)
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let deadline = timeout ?? requestTimeout
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(deadline.seconds * 1e9)))
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw CoordinatorError.transport(error, url: baseURL, timeout: deadline)
        }
        let answer: ByteBuffer
        do {
            answer = try await response.body.collect(upTo: maxAnswerBytes)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if error is NIOTooManyBytesError {
                throw CoordinatorError.malformedResponse(url: baseURL, detail: "\(method) \(path): the answer is longer than \(maxAnswerBytes) bytes")
            }
            // Cut short, as when the coordinator restarts mid-answer: no answer came.
            throw CoordinatorError.unreachable(url: baseURL, detail: "the answer was cut short: \(CoordinatorError.describe(error, timeout: deadline))")
        }
        return CoordinatorReply(status: Int(response.status.code), body: answer, request: "\(method) \(path)", baseURL: baseURL)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
