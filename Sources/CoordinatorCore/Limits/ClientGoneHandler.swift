import NIOCore
import NIOHTTPTypes

/// Closes a connection as soon as its client closes its side while a response is still owed
/// (a held long poll whose agent went away).
///
/// Hummingbird allows half-closed connections and only looks at the connection again once the
/// response is written, so without this a gone client's long poll kept its connection open,
/// and its place under `--max-connections` taken, for the rest of the poll's wait (up to
/// `--max-claim-wait`): connections waiting at the cap were not accepted when the client
/// closed. Clients that half-close after sending a request and still expect the answer are not
/// supported (HTTP clients do not do that; agents and flatctl never do).
final class ClientGoneHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Requests read whose response has not ended yet.
    private var responsesOwed = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { responsesOwed += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { responsesOwed = max(0, responsesOwed - 1) }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed? = event as? ChannelEvent, responsesOwed > 0 {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
