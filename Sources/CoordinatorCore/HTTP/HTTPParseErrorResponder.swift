import FlattenProtocol
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request NIO's HTTP parser refused with the API's JSON error body, where Hummingbird
/// alone answers an empty 400: `414 uri_too_long` when the request line and headers overflow
/// the parser's limit (almost always an over-long URL), `400 invalid_request` otherwise.
///
/// It sits after the HTTP codec. When the parse error comes between requests it answers at once;
/// when requests read in full are still being answered (a pipelined client), it waits for their
/// last response so that responses never interleave; in the middle of a request's body it
/// leaves the error to Hummingbird, which fails that request.
final class HTTPParseErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// NIO's default limit on the request line and headers together.
    static let headLimit = 80 * 1024

    /// Whether a request's head came and its end did not yet.
    private var readingRequest = false
    /// Requests whose head came and whose response has not ended yet (a response may end
    /// before its request's body was read, e.g. a 413).
    private var unanswered = 0
    /// A parse error waiting for the answers before it.
    private var pending: HTTPParserError?
    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: readingRequest = true; unanswered += 1
        case .end: readingRequest = false
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        context.write(data, promise: promise)
        unanswered = max(0, unanswered - 1)
        if unanswered == 0, let error = pending {
            pending = nil
            respond(to: error, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, !readingRequest, !answered, pending == nil else {
            context.fireErrorCaught(error)
            return
        }
        if unanswered > 0 {
            pending = parserError
        } else {
            respond(to: parserError, context: context)
        }
    }

    private func respond(to error: HTTPParserError, context: ChannelHandlerContext) {
        answered = true
        let (status, body) = Self.answer(for: error)
        let data = (try? JSONEncoder.flattenProtocol.encode(body)) ?? Data()
        let response = HTTPResponse(status: status, headerFields: [
            .contentType: "application/json", .contentLength: "\(data.count)", .connection: "close",
        ])
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: data))), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            bound.value.close(promise: nil)
        }
    }

    static func answer(for error: HTTPParserError) -> (HTTPResponse.Status, ErrorBody) {
        switch error {
        case .headerOverflow:
            (.uriTooLong, ErrorBody(
                code: .uriTooLong,
                message: "the request line and headers are longer than the limit of \(headLimit) bytes; the URL may be at most \(ProtocolLimits.maxURIBytes) bytes"))
        default:
            (.badRequest, ErrorBody(code: .invalidRequest, message: "malformed HTTP request: \(error)"))
        }
    }
}
