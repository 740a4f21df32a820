import NIOCore
import NIOHTTP1
import NIOPosix

/// One kept-alive HTTP/1.1 connection to the coordinator under test, one request at a time.
///
/// The load tool shares the machine's cores with the coordinator and PostgreSQL, so every
/// microsecond it spends per request is taken from what it measures. A general-purpose client
/// pays for a connection pool, request validation and per-request state machines; a simulated
/// agent needs none of that: it has a single connection to a single loopback server and never
/// sends a second request before the first is answered. Here a request costs one hop onto the
/// event loop, one write and one promise.
///
/// Not `Sendable` on purpose: each simulated agent or submitter owns its connection, so the
/// compiler keeps two tasks from interleaving requests on it.
final class LoopbackHTTPConnection {
    /// Longer than any long poll the tool asks for, so only a stuck coordinator trips it.
    static let defaultResponseTimeout = TimeAmount.seconds(60)

    private let host: String
    private let port: Int
    private let group: any EventLoopGroup
    private let responseTimeout: TimeAmount
    /// Sent with every request; built once because they never change.
    private let fixedHeaders: HTTPHeaders
    private var channel: any Channel

    private init(host: String, port: Int, group: any EventLoopGroup, responseTimeout: TimeAmount, channel: any Channel) {
        self.host = host
        self.port = port
        self.group = group
        self.responseTimeout = responseTimeout
        self.channel = channel
        // A bare IPv6 address needs brackets in Host, or its colons read as the port separator.
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        self.fixedHeaders = HTTPHeaders([("Host", authority), ("Connection", "keep-alive")])
    }

    static func connect(
        host: String, port: Int, group: any EventLoopGroup,
        responseTimeout: TimeAmount = defaultResponseTimeout
    ) async throws -> LoopbackHTTPConnection {
        let channel = try await openChannel(host: host, port: port, group: group, responseTimeout: responseTimeout)
        return LoopbackHTTPConnection(host: host, port: port, group: group, responseTimeout: responseTimeout, channel: channel)
    }

    /// Sends one request and waits for the whole response.
    ///
    /// A server may close a kept-alive connection at any moment it is idle, and the client only
    /// learns of it when it reuses the connection; so when the connection turns out closed before
    /// any of the answer arrived, this reconnects once and sends again. A second close, or any
    /// other failure, is the caller's error to count.
    func send(
        method: HTTPMethod, path: String, headers: [(String, String)] = [], body: ByteBuffer? = nil
    ) async throws -> (status: UInt, body: ByteBuffer) {
        var requestHeaders = fixedHeaders
        requestHeaders.add(contentsOf: headers)
        // Always explicit, so the encoder never falls back to chunked framing for a body.
        requestHeaders.add(name: "Content-Length", value: String(body?.readableBytes ?? 0))
        let request = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: requestHeaders)
        do {
            return try await exchange(request, body: body)
        } catch LoopbackHTTPError.closedBeforeResponse {
            channel = try await Self.openChannel(host: host, port: port, group: group, responseTimeout: responseTimeout)
            return try await exchange(request, body: body)
        }
    }

    func close() {
        channel.close(promise: nil)
    }

    private func exchange(_ head: HTTPRequestHead, body: ByteBuffer?) async throws -> (status: UInt, body: ByteBuffer) {
        guard channel.isActive else { throw LoopbackHTTPError.closedBeforeResponse(host: host, port: port) }
        let response = channel.eventLoop.makePromise(of: LoopbackHTTPResponse.self)
        let (host, port) = (host, port)
        // A write can fail before it reaches the handler (the pipeline is already torn down), and
        // then nothing else would ever complete the response.
        channel.writeAndFlush(LoopbackHTTPRequest(head: head, body: body, response: response)).whenFailure { _ in
            response.fail(LoopbackHTTPError.closedBeforeResponse(host: host, port: port))
        }
        do {
            let answer = try await response.futureResult.get()
            return (answer.status, answer.body)
        } catch {
            // After a failure the connection's state is unknown: a late answer would be read as the
            // next request's. The next send starts on a fresh connection instead.
            channel.close(promise: nil)
            throw error
        }
    }

    private static func openChannel(
        host: String, port: Int, group: any EventLoopGroup, responseTimeout: TimeAmount
    ) async throws -> any Channel {
        do {
            return try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // The headers are built by this tool from fixed names and server-issued
                        // tokens; validating them again on every request is CPU for nothing.
                        try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                        try channel.pipeline.syncOperations.addHandler(
                            LoopbackHTTPResponseHandler(host: host, port: port, responseTimeout: responseTimeout))
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            throw LoopbackHTTPError.connectFailed(host: host, port: port, underlying: error)
        }
    }
}

/// Why a request on a ``LoopbackHTTPConnection`` failed.
enum LoopbackHTTPError: Error, CustomStringConvertible {
    case connectFailed(host: String, port: Int, underlying: any Error)
    /// Nothing of the answer arrived; the request may or may not have been processed.
    case closedBeforeResponse(host: String, port: Int)
    case closedDuringResponse(host: String, port: Int)
    case timedOut(method: HTTPMethod, path: String, after: TimeAmount)
    case responseTooLarge(method: HTTPMethod, path: String, limit: Int)
    case requestInFlight(method: HTTPMethod, path: String)
    case unexpectedResponse(host: String, port: Int)
    case invalidResponse(host: String, port: Int, underlying: any Error)

    var description: String {
        switch self {
        case .connectFailed(let host, let port, let underlying):
            "cannot connect to \(host):\(port): \(underlying)"
        case .closedBeforeResponse(let host, let port):
            "\(host):\(port) closed the connection before answering"
        case .closedDuringResponse(let host, let port):
            "\(host):\(port) closed the connection in the middle of an answer"
        case .timedOut(let method, let path, let after):
            "\(method) \(path): no answer within \(Double(after.nanoseconds) / 1e9) s"
        case .responseTooLarge(let method, let path, let limit):
            "\(method) \(path): the answer's body exceeds \(limit) bytes"
        case .requestInFlight(let method, let path):
            "\(method) \(path): sent while another request on the same connection awaited its answer"
        case .unexpectedResponse(let host, let port):
            "\(host):\(port) sent an answer no request asked for"
        case .invalidResponse(let host, let port, let underlying):
            "\(host):\(port) sent an answer that is not valid HTTP: \(underlying)"
        }
    }
}

/// A request as it travels down the pipeline, carrying the promise its answer completes.
struct LoopbackHTTPRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    var response: EventLoopPromise<LoopbackHTTPResponse>
}

struct LoopbackHTTPResponse: Sendable {
    var status: UInt
    var body: ByteBuffer
}

/// Pairs each answer with the request that caused it by completing that request's promise.
///
/// With one request in flight per connection there is nothing to queue: the handler holds at
/// most one pending promise, and an answer arriving without one means the stream is out of step.
final class LoopbackHTTPResponseHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = LoopbackHTTPRequest
    typealias OutboundOut = HTTPClientRequestPart

    /// Far above any answer the coordinator gives the load tool; a guard against a runaway body.
    static let maxBodySize = 8 << 20

    private struct Pending {
        var method: HTTPMethod
        var path: String
        var promise: EventLoopPromise<LoopbackHTTPResponse>
        var timeout: Scheduled<Void>
        var head: HTTPResponseHead?
        var body: ByteBuffer?
    }

    private let host: String
    private let port: Int
    private let responseTimeout: TimeAmount
    private var pending: Pending?

    init(host: String, port: Int, responseTimeout: TimeAmount) {
        self.host = host
        self.port = port
        self.responseTimeout = responseTimeout
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard pending == nil else {
            let error = LoopbackHTTPError.requestInFlight(method: request.head.method, path: request.head.uri)
            request.response.fail(error)
            promise?.fail(error)
            return
        }
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: responseTimeout) { [method = request.head.method, path = request.head.uri] in
            self.fail(LoopbackHTTPError.timedOut(method: method, path: path, after: self.responseTimeout), context: context)
        }
        pending = Pending(method: request.head.method, path: request.head.uri, promise: request.response, timeout: timeout)
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if let body = request.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard pending != nil else {
            fail(LoopbackHTTPError.unexpectedResponse(host: host, port: port), context: context)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            pending?.head = head
        case .body(var part):
            // Mutated in place through the optional, so the common single-part body is never copied.
            if pending?.body == nil {
                pending?.body = part
            } else {
                pending?.body?.writeBuffer(&part)
            }
            if let pending, let size = pending.body?.readableBytes, size > Self.maxBodySize {
                fail(LoopbackHTTPError.responseTooLarge(method: pending.method, path: pending.path, limit: Self.maxBodySize),
                     context: context)
            }
        case .end:
            guard let finished = pending, let head = finished.head else { return }
            pending = nil
            finished.timeout.cancel()
            if !head.isKeepAlive {
                // The server will not read another request here; the next send reconnects.
                context.close(promise: nil)
            }
            finished.promise.succeed(LoopbackHTTPResponse(status: head.status.code, body: finished.body ?? ByteBuffer()))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let pending {
            let error: LoopbackHTTPError = pending.head == nil
                ? .closedBeforeResponse(host: host, port: port)
                : .closedDuringResponse(host: host, port: port)
            fail(error, context: context)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is IOError {
            // A socket error (typically a reset) is the server dropping the connection: closing
            // lets channelInactive tell whether the request can be sent again.
            context.close(promise: nil)
        } else {
            fail(LoopbackHTTPError.invalidResponse(host: host, port: port, underlying: error), context: context)
        }
    }

    /// Fails the pending request and drops the connection, whose byte stream can no longer be
    /// trusted to line up with requests.
    private func fail(_ error: LoopbackHTTPError, context: ChannelHandlerContext) {
        if let failed = pending {
            pending = nil
            failed.timeout.cancel()
            failed.promise.fail(error)
        }
        context.close(promise: nil)
    }
}
