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
/// It sits after the HTTP codec and answers only between requests: when a parse error comes in
/// the middle of a request a route is answering, Hummingbird's own handling stays in charge so
/// that two responses never interleave.
final class HTTPParseErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// NIO's default limit on the request line and headers together.
    static let headLimit = 80 * 1024

    private var requestInFlight = false
    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { requestInFlight = true }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { requestInFlight = false }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, !requestInFlight, !answered else {
            context.fireErrorCaught(error)
            return
        }
        answered = true
        let (status, body) = Self.answer(for: parserError)
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
