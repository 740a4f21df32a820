import Hummingbird
import HummingbirdCore
import Logging

/// Caps the connections open at once (`--max-connections`): at the cap the server stops
/// accepting, so new connections wait in the listen backlog (and are refused by the kernel
/// when that is full) until one closes. Reaching the cap logs one warning per minute at most.
///
/// Hummingbird's `AvailableConnectionsChannelHandler` asks this delegate on the server
/// channel's event loop; it holds the server's read while ``isAcceptingNewConnections()`` is
/// false and reads again as soon as a connection closes below the cap. One read may accept a
/// few connections at once (NIO's `maxMessagesPerRead`), so a burst can go a few past the cap.
struct ConnectionCap: AvailableConnectionsDelegate {
    let maxConnections: Int
    let metrics: CoordinatorMetrics
    let logger: Logger
    private(set) var openConnections = 0
    private var isAtCap = false
    private var lastWarning: ContinuousClock.Instant?

    static let warningInterval = Duration.seconds(60)

    init(maxConnections: Int, metrics: CoordinatorMetrics, logger: Logger) {
        self.maxConnections = maxConnections
        self.metrics = metrics
        self.logger = logger
    }

    mutating func connectionOpened() {
        openConnections += 1
        metrics.openConnections.increment()
        guard openConnections >= maxConnections, !isAtCap else { return }
        isAtCap = true
        metrics.connectionCapReached.increment()
        let now = ContinuousClock.now
        if lastWarning.map({ now - $0 >= Self.warningInterval }) ?? true {
            lastWarning = now
            logger.warning(
                "connection cap reached: new connections wait in the listen backlog until one closes (raise --max-connections if this is normal load)",
                metadata: ["openConnections": "\(openConnections)", "maxConnections": "\(maxConnections)"])
        }
    }

    mutating func connectionClosed() {
        openConnections -= 1
        metrics.openConnections.decrement()
        if openConnections < maxConnections { isAtCap = false }
    }

    func isAcceptingNewConnections() -> Bool {
        openConnections < maxConnections
    }
}
