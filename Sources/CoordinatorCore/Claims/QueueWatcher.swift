import Foundation
import Logging
import PostgresClient
import ServiceLifecycle

/// Wakes long polls on this coordinator when work for their agent may have arrived through
/// another coordinator.
///
/// - One `LISTEN` connection receives every submission's `NOTIFY` (payload: agent ID and the
///   submitting coordinator's ID; this coordinator's own are skipped, as it woke its waiters
///   in-process already).
/// - When the listener reconnects, notifications may have been lost: every waiter is woken to
///   look again.
/// - Every ``CoordinatorConfiguration/wakeRecheckInterval`` one statement asks which waiting
///   agents have claimable work (lost notifications, ended backoffs) and wakes those; it also
///   marks the waiting agents seen.
public struct QueueWatcher: Service {
    let client: PostgresClient
    let jobs: JobStore
    let waiters: ClaimWaiters
    let instance: UUID
    let recheckInterval: Duration
    /// How stale a waiting agent's last-seen time may get before the re-check renews it.
    let touchAfter: Duration
    let logger: Logger

    public init(
        client: PostgresClient, jobs: JobStore, waiters: ClaimWaiters, instance: UUID,
        recheckInterval: Duration, touchAfter: Duration, logger: Logger
    ) {
        self.client = client
        self.jobs = jobs
        self.waiters = waiters
        self.instance = instance
        self.recheckInterval = recheckInterval
        self.touchAfter = touchAfter
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await listen() }
                group.addTask {
                    await runPeriodically(every: recheckInterval, onError: { [logger] error in
                        logger.warning("queue re-check failed", metadata: ["error": "\(error)"])
                    }) {
                        try await recheck()
                    }
                }
            }
        }
    }

    /// Wakes the waiting agents that have claimable work now.
    func recheck() async throws {
        let waiting = waiters.waitingAgents
        guard !waiting.isEmpty else { return }
        for agent in try await jobs.agentsWithClaimableJobs(among: waiting, touchAfter: touchAfter) {
            waiters.wake(agent)
        }
    }

    private func listen() async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            let listener: PostgresListener
            do {
                listener = try await client.listen(to: [JobStore.queuedChannel])
            } catch {
                logger.warning("cannot listen for submissions; retrying", metadata: ["error": "\(error)", "retryIn": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
                continue
            }
            backoff = .milliseconds(100)
            // Anything sent before the listener was up is unknown.
            waiters.wakeAll()
            await withTaskCancellationHandler {
                for await event in listener.events {
                    handle(event)
                }
            } onCancel: {
                listener.stop()
            }
        }
    }

    func handle(_ event: PostgresListenerEvent) {
        switch event {
        case .notification(let notification):
            let parts = notification.payload.split(separator: " ")
            guard let first = parts.first, let agent = UUID(uuidString: String(first)) else {
                logger.debug("ignoring malformed notification", metadata: ["payload": "\(notification.payload)"])
                return
            }
            if parts.count > 1, UUID(uuidString: String(parts[1])) == instance { return }
            waiters.wake(agent)
        case .reconnected:
            logger.info("listener reconnected; waking every waiting claim to look again")
            waiters.wakeAll()
        }
    }
}

/// Answers every held long poll (204) as soon as graceful shutdown starts, so the HTTP server
/// can drain without waiting out 25-second polls. Listed after the application in the service
/// group, so it is shut down first.
struct ClaimWaitersDrain: Service {
    let waiters: ClaimWaiters

    func run() async throws {
        try? await gracefulShutdown()
        waiters.shutDown()
    }
}
