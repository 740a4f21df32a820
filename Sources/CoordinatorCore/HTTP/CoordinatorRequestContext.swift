import Hummingbird
import NIOCore

/// The coordinator's request context: Hummingbird's basic one plus the client's address, which
/// ``CallerLimitMiddleware`` counts failed authentications against, and the connection's close,
/// which ends a held claim whose agent went away (``ClaimWaiters``).
public struct CoordinatorRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's address; nil when the request did not come over a socket (router tests).
    public let remoteAddress: SocketAddress?
    /// Completes when the request's connection closes.
    public let connectionClosed: EventLoopFuture<Void>

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.connectionClosed = source.channel.closeFuture
    }
}
