import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A peer in front of a real one (the coordinator's TCP port, an engine's socket) that a test
/// can put in the way of the agent's connections:
///
/// - ``pass()``: every byte is forwarded both ways, as if the agent talked to the peer itself;
/// - ``hold()``: no byte is forwarded any more, in either direction, and connections stay
///   open (new ones are accepted and held too): the peer looks stuck. What arrives meanwhile is
///   kept, in order, and forwarded on ``pass()``, unless its sender closed the connection
///   meanwhile: then it is dropped, as a stuck network loses it, so that a request its client
///   gave up on (a cancelled flatten's) never reaches the peer after the client moved on;
/// - ``refuse()``: every open connection is closed and new ones are closed as soon as they are
///   accepted: the peer looks down.
///
/// ``stop()`` closes the listener and every connection (and removes a unix socket's file), as a
/// dead peer does; ``start()`` listens again at the same address.
///
/// The mode changes take effect for every byte read after the call returns, so a hook run
/// inside the agent's log call (``AgentLog``) can stop a flatten exactly at a phase.
final class ConnectionForwarder: Sendable {
    /// Where the forwarder listens or connects.
    enum Address: Sendable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case unix(path: String)

        var description: String {
            switch self {
            case .tcp(let host, let port): "\(host):\(port)"
            case .unix(let path): path
            }
        }
    }

    enum Mode: Sendable, Equatable {
        case pass, hold, refuse
    }

    let target: Address
    private let requested: Address
    private let shared: Shared

    /// - Parameters:
    ///   - listening: the address to listen at; a TCP port 0 takes a free port (see ``address``).
    ///   - target: the real peer.
    init(listening: Address, target: Address) {
        self.requested = listening
        self.target = target
        self.shared = Shared()
    }

    /// The address the agent should use: the listening one, with the port actually bound.
    var address: Address {
        if case .tcp(let host, _) = requested, let port = shared.state.withLockedValue({ $0.boundPort }) {
            return .tcp(host: host, port: port)
        }
        return requested
    }

    /// `http://127.0.0.1:<port>` for a TCP forwarder.
    var httpURL: String { "http://\(address)" }

    var mode: Mode { shared.state.withLockedValue { $0.mode } }

    /// Listens (again, after ``stop()``, at the same address and port).
    func start() async throws {
        let shared = self.shared
        let target = self.target
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                guard shared.state.withLockedValue({ $0.mode }) != .refuse else {
                    return child.close()
                }
                return Self.connect(to: target, on: child.eventLoop).flatMapThrowing { upstream in
                    let toUpstream = Relay(peer: upstream, shared: shared)
                    let toClient = Relay(peer: child, shared: shared)
                    let accepted = shared.state.withLockedValue { state -> Bool in
                        guard state.mode != .refuse else { return false }
                        state.connections.append(contentsOf: [child, upstream])
                        state.relays.append(contentsOf: [toUpstream, toClient])
                        return true
                    }
                    guard accepted else {
                        upstream.close(promise: nil)
                        child.close(promise: nil)
                        return
                    }
                    try child.pipeline.syncOperations.addHandler(toUpstream)
                    try upstream.pipeline.syncOperations.addHandler(toClient)
                }
            }
        let server: Channel
        switch requested {
        case .tcp(let host, let port):
            let again = shared.state.withLockedValue { $0.boundPort }
            server = try await bootstrap.bind(host: host, port: again ?? port).get()
        case .unix(let path):
            server = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        }
        shared.state.withLockedValue {
            $0.server = server
            $0.boundPort = $0.boundPort ?? server.localAddress?.port
        }
    }

    /// Forwards every byte again, first those held meanwhile.
    func pass() {
        let relays = shared.state.withLockedValue { state in
            state.mode = .pass
            return state.relays
        }
        for relay in relays {
            relay.release()
        }
    }

    /// Stops forwarding bytes; connections stay open.
    func hold() {
        shared.state.withLockedValue { $0.mode = .hold }
    }

    /// Closes every connection and each new one.
    func refuse() {
        let connections = shared.state.withLockedValue { state in
            state.mode = .refuse
            defer { state.connections = []; state.relays = [] }
            return state.connections
        }
        for connection in connections {
            connection.close(promise: nil)
        }
    }

    /// Closes the listener and every connection, and removes a unix socket's file. The mode
    /// is kept for the next ``start()``.
    func stop() async {
        let (server, connections) = shared.state.withLockedValue { state in
            defer { state.server = nil; state.connections = []; state.relays = [] }
            return (state.server, state.connections)
        }
        try? await server?.close()
        for connection in connections {
            try? await connection.close()
        }
        if case .unix(let path) = requested {
            unlink(path)
        }
    }

    private static func connect(to target: Address, on eventLoop: any EventLoop) -> EventLoopFuture<Channel> {
        let bootstrap = ClientBootstrap(group: eventLoop)
        switch target {
        case .tcp(let host, let port): return bootstrap.connect(host: host, port: port)
        case .unix(let path): return bootstrap.connect(unixDomainSocketPath: path)
        }
    }

    /// What the listener, the relays and the test share.
    fileprivate final class Shared: Sendable {
        struct State {
            var mode = Mode.pass
            var server: Channel?
            var boundPort: Int?
            var connections: [Channel] = []
            var relays: [Relay] = []
        }

        let state = NIOLockedValueBox(State())

        var isHolding: Bool { state.withLockedValue { $0.mode == .hold } }
    }
}

/// Forwards what one side of a connection reads to the other side, unless the forwarder holds:
/// then it keeps the bytes until ``release()``. It keeps reading meanwhile (tests hold small
/// requests and answers), so that it sees at once when the sender closes: a close while
/// holding drops what was kept and closes the other side.
private final class Relay: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: `kept` and `closed` are only touched on the event loop of the connection
    // (both of its channels share it); `release()` hops there.
    typealias InboundIn = ByteBuffer

    let peer: Channel
    private let shared: ConnectionForwarder.Shared
    private var kept: [ByteBuffer] = []
    private var closed = false

    init(peer: Channel, shared: ConnectionForwarder.Shared) {
        self.peer = peer
        self.shared = shared
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        kept.append(unwrapInboundIn(data))
        if !shared.isHolding {
            forwardKept()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        if !shared.isHolding {
            forwardKept()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Forwards what was kept (called by the forwarder on ``pass()``). Both
    /// sides of a forwarded connection share one event loop, the peer's.
    func release() {
        peer.eventLoop.execute {
            guard !self.shared.isHolding else { return }
            self.forwardKept()
        }
    }

    private func forwardKept() {
        // Bytes are only kept while holding: a sender that closed since gave up on them.
        if closed {
            kept.removeAll()
        }
        if !kept.isEmpty {
            for buffer in kept {
                peer.write(buffer, promise: nil)
            }
            kept.removeAll()
            peer.flush()
        }
        if closed {
            peer.close(promise: nil)
        }
    }
}
