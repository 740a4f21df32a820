import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresClient
import ServiceLifecycle

/// The coordinator: an HTTP/JSON API over PostgreSQL, plus its background services (lease
/// reaper, retention pruner, queue watcher).
///
/// Stateless: every fact is in the database, so several coordinators can serve one database;
/// only the long polls held open are per process.
///
/// ```swift
/// let coordinator = try Coordinator(configuration: config, logger: logger)
/// try await coordinator.run { host, port in print("listening on \(host):\(port)") }
/// ```
public final class Coordinator: Sendable {
    public let configuration: CoordinatorConfiguration
    /// The database pool; closed by ``run(onListening:)`` when it ends.
    public let client: PostgresClient
    public let jobs: JobStore
    public let agents: AgentStore
    public let waiters: ClaimWaiters
    /// The dashboard's sign-in sessions.
    public let dashboardSessions: DashboardSessionStore
    /// Tells the dashboard's open pages when to reload.
    public let dashboardFeed: DashboardChangeFeed
    let leases: LeaseBatches
    public let metrics: CoordinatorMetrics
    public let migrator: Migrator
    /// This process's ID among the coordinators of one database (in notifications).
    public let instance: UUID
    let authenticator: Authenticator
    /// Failed authentications per client address; nil when `authFailureBurst` is 0.
    let callers: CallerLimiter?
    let polls: LongPollLimiter
    let logger: Logger
    /// The HTTPS identity and its reloading; nil serves plain HTTP.
    public let tls: TLSIdentityReloader?
    /// HTTP/1.1, over TLS when ``tls`` is set.
    let server: HTTPServerBuilder

    public init(
        configuration: CoordinatorConfiguration,
        logger: Logger = Logger(label: "flatten-coordinator", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.configuration = configuration
        self.logger = logger
        // The certificate first: a bad file stops the start before anything else is opened.
        // Requests NIO cannot parse get a JSON error body too, not an empty 400. Connections idle
        // for the idle timeout, and requests whose head or body stops coming, are closed; a
        // request being answered (a held long poll) is never cut, and one whose client left is
        // closed at once (ClientGoneHandler) so it frees its place under the connection cap.
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [HTTPParseErrorResponder(), ClientGoneHandler()],
            idleTimeout: configuration.callerLimits.idleTimeout.map { TimeAmount($0) })
        if let files = configuration.tlsIdentity {
            let tls = try TLSIdentityReloader(files: files, logger: logger)
            self.tls = tls
            self.server = try .tls(.http1(configuration: http1), tlsConfiguration: tls.serverTLSConfiguration)
        } else {
            self.tls = nil
            self.server = .http1(configuration: http1)
        }
        self.client = try PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: configuration.databaseURL,
                applicationName: "flatten-coordinator",
                maxConnections: configuration.databaseConnections,
                checkoutTimeout: .seconds(10)),
            logger: logger)
        self.jobs = JobStore(client: client)
        self.agents = AgentStore(client: client)
        self.waiters = ClaimWaiters()
        self.dashboardSessions = DashboardSessionStore(client: client)
        self.dashboardFeed = DashboardChangeFeed(jobs: jobs, onlineWithin: configuration.leaseDuration, logger: logger)
        self.leases = LeaseBatches(jobs: jobs, configuration: configuration)
        self.metrics = CoordinatorMetrics()
        metrics.registerCallerMetrics()
        self.migrator = Migrator(client: client, logger: logger)
        self.instance = UUID()
        self.authenticator = Authenticator(
            adminTokens: configuration.adminTokens, enrollmentTokens: configuration.enrollmentTokens,
            viewerTokens: configuration.viewerTokens, agents: agents)
        let limits = configuration.callerLimits
        self.callers = limits.authFailureBurst > 0
            ? CallerLimiter(burst: limits.authFailureBurst, refillPerSecond: limits.authFailureRate)
            : nil
        self.polls = LongPollLimiter(maxPerAgent: limits.maxPollsPerAgent)
    }

    /// The router with every route and middleware.
    public func makeRouter() -> Router<CoordinatorRequestContext> {
        let router = Router(context: CoordinatorRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        if let callers {
            // Outside ErrorMiddleware, so it sees the 401s routes throw as responses.
            router.add(middleware: CallerLimitMiddleware(
                limiter: callers, trustedProxies: configuration.callerLimits.trustedProxies, metrics: metrics))
        }
        router.add(middleware: ErrorMiddleware(maxBodySize: configuration.maxBodySize))
        router.add(middleware: RequestTargetMiddleware())
        JobRoutes(jobs: jobs, auth: authenticator, waiters: waiters, configuration: configuration, instance: instance)
            .register(on: router)
        AgentRoutes(jobs: jobs, leases: leases, agents: agents, auth: authenticator, waiters: waiters, metrics: metrics, polls: polls, configuration: configuration)
            .register(on: router)
        AgentControlRoutes(agents: agents, auth: authenticator, waiters: waiters, configuration: configuration, instance: instance)
            .register(on: router)
        DashboardRoutes(jobs: jobs, agents: agents, sessions: dashboardSessions, auth: authenticator, waiters: waiters,
                        feed: dashboardFeed, configuration: configuration, instance: instance)
            .register(on: router)
        HealthRoutes(jobs: jobs, migrator: migrator, metrics: metrics, waiters: waiters,
                     metricsTokenHash: configuration.metricsToken.map(SecretToken.hash(of:)), logger: logger)
            .register(on: router)
        return router
    }

    /// The background services: queue watcher, lease reaper, (with a retention) pruner and
    /// (with TLS) the certificate reload on SIGHUP.
    public func makeBackgroundServices() -> [any Service] {
        var services: [any Service] = [
            QueueWatcher(client: client, jobs: jobs, waiters: waiters, instance: instance,
                         recheckInterval: configuration.wakeRecheckInterval,
                         touchAfter: min(configuration.leaseDuration / 4, .seconds(15)), logger: logger),
            LeaseReaper(jobs: jobs, backoff: configuration.retryBackoff, interval: configuration.reaperInterval,
                        metrics: metrics, logger: logger),
        ]
        if let retention = configuration.retention {
            services.append(RetentionPruner(
                jobs: jobs, retention: retention, interval: configuration.pruneInterval,
                batchSize: configuration.pruneBatchSize, logger: logger))
        }
        if let tls {
            services.append(TLSReloadOnHangup(reloader: tls))
        }
        return services
    }

    /// The HTTP application with the background services attached; `onListening` gets the
    /// bound host and port (useful with port 0).
    public func makeApplication(
        onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }
    ) -> some ApplicationProtocol {
        let limits = configuration.callerLimits
        return Application(
            router: makeRouter(),
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: nil,
                availableConnectionsDelegate: limits.maxConnections.map {
                    ConnectionCap(maxConnections: $0, metrics: metrics, logger: logger) as any AvailableConnectionsDelegate
                }),
            services: makeBackgroundServices(),
            onServerRunning: { channel in
                let address = channel.localAddress
                await onListening(address?.ipAddress ?? "unknown", address?.port ?? 0)
            },
            logger: logger)
    }

    /// Applies the schema migrations, waiting for the database up to `timeout` (it may start
    /// after the coordinator).
    public func migrate(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(200)
        while true {
            do {
                let applied = try await migrator.migrate()
                if !applied.isEmpty {
                    logger.info("database migrated", metadata: ["versions": "\(applied)"])
                }
                return
            } catch let error as PostgresError where error.isConnectionFailure && ContinuousClock.now + delay < deadline {
                logger.warning("database unreachable; retrying", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// Migrates, serves until SIGTERM or SIGINT, then shuts down gracefully: held long polls
    /// are answered 204, the server stops accepting and drains, the services stop, and the
    /// pool closes.
    ///
    /// - Throws: ``ListenError`` when the address is taken, not this machine's, reserved, or
    ///   a name that does not resolve; the database's or a service's error otherwise.
    public func run(onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }) async throws {
        // Until the server listens, a socket error can only be the bind's.
        let listening = NIOLockedValueBox(false)
        do {
            try await migrate()
            let group = ServiceGroup(configuration: .init(
                services: [
                    makeApplication { host, port in
                        listening.withLockedValue { $0 = true }
                        await onListening(host, port)
                    },
                    ClaimWaitersDrain(waiters: waiters),
                    // After the application, so its shutdown (first) ends the dashboard's streams
                    // before the server waits for its requests to finish.
                    dashboardFeed,
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
            try await group.run()
        } catch {
            await client.close()
            if !listening.withLockedValue({ $0 }),
               let listenError = ListenError(error, address: ListenAddress(host: configuration.host, port: configuration.port)) {
                throw listenError
            }
            throw error
        }
        await client.close()
    }
}
