import Foundation
import Logging
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Receives `NOTIFY`s on a connection and thread of its own, as an `AsyncSequence` of
/// ``PostgresListenerEvent``s.
///
/// ```swift
/// let listener = try await client.listen(to: ["jobs"])
/// for await event in listener.events {
///     switch event {
///     case .notification(let note): wake(note.payload)
///     case .reconnected: recheckEverything()   // notifications may have been missed
///     }
/// }
/// ```
///
/// The thread waits on the connection's socket with `poll`, so no thread of the client's pool or
/// of Swift's cooperative pool is held. When the connection is lost the listener reconnects with
/// exponential backoff (and jitter), listens again, then delivers ``PostgresListenerEvent/reconnected``,
/// because notifications sent in the gap are gone. It pings the server after a quiet minute, so a
/// silently dropped connection is noticed too. `events` ends after ``stop()`` (or when its
/// consumer stops iterating). Notifications are buffered without limit until consumed.
public final class PostgresListener: Sendable {
    /// The notifications and reconnections, in order. Iterate it from one task.
    public let events: AsyncStream<PostgresListenerEvent>

    /// The channels listened on (case-sensitive, as given to `pg_notify`).
    public let channels: [String]

    private let worker: ListenerWorker

    /// A listener not yet started; ``start()`` connects it. ``PostgresClient/listen(to:)`` does both.
    ///
    /// - Parameters:
    ///   - initialBackoff: the first wait before reconnecting; doubles per failure up to `maxBackoff`.
    public init(
        configuration: PostgresConfiguration,
        channels: [String],
        logger: Logger = Logger(label: "PostgresListener", factory: { _ in SwiftLogNoOpLogHandler() }),
        initialBackoff: Duration = .milliseconds(100),
        maxBackoff: Duration = .seconds(5),
        pingInterval: Duration = .seconds(60)
    ) {
        let (stream, continuation) = AsyncStream.makeStream(of: PostgresListenerEvent.self)
        self.events = stream
        self.channels = channels
        self.worker = ListenerWorker(
            configuration: configuration, channels: channels, logger: logger, continuation: continuation,
            initialBackoff: initialBackoff, maxBackoff: maxBackoff, pingInterval: pingInterval
        )
        continuation.onTermination = { [worker] _ in worker.requestStop() }
    }

    /// Connects and listens; returns once notifications on ``channels`` will be delivered.
    ///
    /// - Throws: ``PostgresError`` when the first connection or `LISTEN` fails (later failures
    ///   are retried instead), or when the listener was already started.
    public func start() async throws {
        try await worker.start()
    }

    /// Stops listening: closes the connection, ends ``events``. Idempotent.
    public func stop() {
        worker.requestStop()
    }
}

/// The listener's thread and the little state it shares with other threads.
///
/// `@unchecked Sendable` is safe because the mutable parts shared across threads (`control`)
/// are behind a lock, the wake pipe's descriptors are written once before the thread starts,
/// and the connection is only touched by the listener's own thread.
final class ListenerWorker: @unchecked Sendable {
    private struct Control {
        var started = false
        var stopRequested = false
    }

    private let configuration: PostgresConfiguration
    private let channels: [String]
    private let logger: Logger
    private let continuation: AsyncStream<PostgresListenerEvent>.Continuation
    private let initialBackoff: Duration
    private let maxBackoff: Duration
    private let pingInterval: Duration
    private let control = NIOLockedValueBox(Control())
    /// A pipe whose read end the thread polls beside the socket, so ``requestStop()`` wakes it.
    private var wakeRead: Int32 = -1
    private var wakeWrite: Int32 = -1

    init(
        configuration: PostgresConfiguration, channels: [String], logger: Logger,
        continuation: AsyncStream<PostgresListenerEvent>.Continuation,
        initialBackoff: Duration, maxBackoff: Duration, pingInterval: Duration
    ) {
        self.configuration = configuration
        self.channels = channels
        self.logger = logger
        self.continuation = continuation
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.pingInterval = pingInterval
    }

    deinit {
        if wakeRead >= 0 { close(wakeRead) }
        if wakeWrite >= 0 { close(wakeWrite) }
    }

    func start() async throws {
        try control.withLockedValue { control in
            if control.started { throw PostgresError.invalidArgument("PostgresListener.start() called twice") }
            if control.stopRequested { throw PostgresError.invalidArgument("PostgresListener was stopped before it started") }
            control.started = true
        }
        guard !channels.isEmpty else { throw PostgresError.invalidArgument("PostgresListener needs at least one channel") }
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else {
            throw PostgresError.invalidArgument("could not create the listener's wake pipe: \(String(cString: strerror(errno)))")
        }
        wakeRead = descriptors[0]
        wakeWrite = descriptors[1]
        _ = fcntl(wakeRead, F_SETFL, fcntl(wakeRead, F_GETFL) | O_NONBLOCK)
        _ = fcntl(wakeWrite, F_SETFL, fcntl(wakeWrite, F_GETFL) | O_NONBLOCK)
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            let thread = Thread { [self] in run(started: started) }
            thread.name = "PostgresListener"
            thread.start()
        }
    }

    func requestStop() {
        let wasRunning = control.withLockedValue { control in
            defer { control.stopRequested = true }
            return !control.stopRequested
        }
        if wasRunning, wakeWrite >= 0 {
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
    }

    private var isStopRequested: Bool { control.withLockedValue { $0.stopRequested } }

    // MARK: The thread

    private func run(started: CheckedContinuation<Void, any Error>) {
        var connection: LibPQConnection?
        do {
            connection = try connectAndListen()
            logger.debug("listening", metadata: ["postgres.channels": "\(channels)"])
            started.resume()
        } catch {
            started.resume(throwing: error)
            continuation.finish()
            return
        }
        var backoff = initialBackoff
        var lastTraffic = ContinuousClock.now
        while !isStopRequested {
            guard let current = connection else {
                // Jitter keeps many listeners from reconnecting in step after a restart.
                if waitForWake(timeout: backoff * Double.random(in: 0.5...1.0)) { continue }
                do {
                    connection = try connectAndListen()
                    backoff = initialBackoff
                    lastTraffic = .now
                    logger.info("listening again after reconnecting; notifications may have been missed", metadata: ["postgres.channels": "\(channels)"])
                    continuation.yield(.reconnected)
                } catch {
                    logger.warning("listener could not reconnect", metadata: ["postgres.error": "\(error)", "postgres.retryIn": "\(backoff)"])
                    backoff = min(backoff * 2, maxBackoff)
                }
                continue
            }
            switch waitForSocket(current.socket, timeout: pingInterval) {
            case .woken:
                continue
            case .readable:
                guard let notifications = current.readNotifications() else {
                    lost(current, &connection)
                    continue
                }
                lastTraffic = .now
                for notification in notifications {
                    continuation.yield(.notification(notification))
                }
            case .timeout:
                if ContinuousClock.now - lastTraffic >= pingInterval {
                    if current.ping() {
                        lastTraffic = .now
                        // A ping can carry notifications that arrived with its reply.
                        for notification in current.readNotifications() ?? [] {
                            continuation.yield(.notification(notification))
                        }
                    } else {
                        lost(current, &connection)
                    }
                }
            case .failed:
                lost(current, &connection)
            }
        }
        connection?.close()
        continuation.finish()
        logger.debug("listener stopped")
    }

    private func lost(_ current: LibPQConnection, _ connection: inout LibPQConnection?) {
        logger.warning("listener lost its PostgreSQL connection; reconnecting", metadata: ["postgres.server": "\(current.target)"])
        current.close()
        connection = nil
    }

    private func connectAndListen() throws -> LibPQConnection {
        let connection = try LibPQConnection.connect(configuration, logger: logger)
        do {
            let script = channels.map { "LISTEN \(PostgresQuery.quoteIdentifier($0))" }.joined(separator: "; ")
            _ = try connection.executeScript(script)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    private enum WaitResult {
        case readable
        case woken
        case timeout
        case failed
    }

    private func waitForSocket(_ socket: Int32, timeout: Duration) -> WaitResult {
        guard socket >= 0 else { return .failed }
        var descriptors = [
            pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        let ready = poll(&descriptors, 2, Self.milliseconds(timeout))
        if ready < 0 { return errno == EINTR ? .woken : .failed }
        if ready == 0 { return .timeout }
        if descriptors[1].revents != 0 {
            drainWakePipe()
            return .woken
        }
        // POLLHUP / POLLERR also go to libpq, which turns them into a failed read.
        return .readable
    }

    /// Sleeps up to `timeout`; true when woken (stop requested) instead.
    private func waitForWake(timeout: Duration) -> Bool {
        var descriptor = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Self.milliseconds(timeout))
        if ready > 0 { drainWakePipe() }
        return ready != 0
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
