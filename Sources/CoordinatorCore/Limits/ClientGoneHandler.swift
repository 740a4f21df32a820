import NIOCore
import NIOHTTPTypes

/// Closes a connection as soon as its client closes its side: while a response is still owed
/// (a held long poll whose agent went away) and when none is (a `Connection: close` answer
/// already sent, or an idle kept-alive connection).
///
/// Hummingbird allows half-closed connections and only looks at the connection again once the
/// response is written, so without this a gone client's long poll kept its connection open,
/// and its place under `--max-connections` taken, for the rest of the poll's wait (up to
/// `--max-claim-wait`); and a connection answered with `Connection: close` could stay
/// half-open until the idle timeout: either way connections waiting at the cap were not
/// accepted when the client closed. Once the client has closed its side no request can follow,
/// so nothing is lost. Clients that half-close after sending a request and still expect the
/// answer are not supported (HTTP clients do not do that; agents and flatctl never do).
final class ClientGoneHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed? = event as? ChannelEvent {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
