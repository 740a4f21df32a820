import Hummingbird
import NIOCore

/// The coordinator's request context: Hummingbird's basic one plus the client's address, which
/// ``CallerLimitMiddleware`` counts failed authentications against.
public struct CoordinatorRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's address; nil when the request did not come over a socket (router tests).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
