import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A unix socket that forwards every connection to a real engine's socket, and can vanish:
/// ``stop()`` closes every connection and removes the socket file, as a dead engine does;
/// ``start()`` brings it back at the same path.
final class EngineSocketForwarder: Sendable {
    let path: String
    let target: String
    private let state = NIOLockedValueBox<(server: Channel?, connections: [ObjectIdentifier: Channel])>((nil, [:]))

    init(path: String, target: String) {
        self.path = path
        self.target = target
    }

    /// Listens at ``path``.
    func start() async throws {
        let target = self.target
        let state = self.state
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                ClientBootstrap(group: child.eventLoop)
                    .connect(unixDomainSocketPath: target)
                    .flatMapThrowing { upstream in
                        state.withLockedValue {
                            $0.connections[ObjectIdentifier(child)] = child
                            $0.connections[ObjectIdentifier(upstream)] = upstream
                        }
                        try upstream.pipeline.syncOperations.addHandler(Relay(peer: child))
                        try child.pipeline.syncOperations.addHandler(Relay(peer: upstream))
                    }
            }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
            .get()
        state.withLockedValue { $0.server = server }
    }

    /// Closes the listener and every forwarded connection, and removes the socket file.
    func stop() async {
        let (server, connections) = state.withLockedValue { state in
            defer { state = (nil, [:]) }
            return (state.server, Array(state.connections.values))
        }
        try? await server?.close()
        for connection in connections {
            try? await connection.close()
        }
        unlink(path)
    }
}

/// Writes what one side reads to the other, and closes the other when one side closes.
private final class Relay: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let peer: Channel

    init(peer: Channel) {
        self.peer = peer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
