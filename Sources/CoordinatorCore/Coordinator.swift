import FlattenProtocol
import Foundation
import Hummingbird
import Logging
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
    let leases: LeaseBatches
    public let metrics: CoordinatorMetrics
    public let migrator: Migrator
    /// This process's ID among the coordinators of one database (in notifications).
    public let instance: UUID
    let authenticator: Authenticator
    let logger: Logger

    public init(
        configuration: CoordinatorConfiguration,
        logger: Logger = Logger(label: "flatten-coordinator", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.configuration = configuration
        self.logger = logger
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
        self.leases = LeaseBatches(jobs: jobs, configuration: configuration)
        self.metrics = CoordinatorMetrics()
        self.migrator = Migrator(client: client, logger: logger)
        self.instance = UUID()
        self.authenticator = Authenticator(
            adminTokens: configuration.adminTokens, enrollmentTokens: configuration.enrollmentTokens, agents: agents)
    }

    /// The router with every route and middleware.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware(maxBodySize: configuration.maxBodySize))
        JobRoutes(jobs: jobs, auth: authenticator, waiters: waiters, configuration: configuration, instance: instance)
            .register(on: router)
        AgentRoutes(jobs: jobs, leases: leases, agents: agents, auth: authenticator, waiters: waiters, metrics: metrics, configuration: configuration)
            .register(on: router)
        AgentControlRoutes(agents: agents, auth: authenticator, waiters: waiters, configuration: configuration, instance: instance)
            .register(on: router)
        HealthRoutes(jobs: jobs, migrator: migrator, metrics: metrics, logger: logger)
            .register(on: router)
        return router
    }

    /// The background services: queue watcher, lease reaper and (with a retention) pruner.
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
        return services
    }

    /// The HTTP application with the background services attached; `onListening` gets the
    /// bound host and port (useful with port 0).
    public func makeApplication(
        onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: nil),
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
    public func run(onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }) async throws {
        do {
            try await migrate()
            let group = ServiceGroup(configuration: .init(
                services: [makeApplication(onListening: onListening), ClaimWaitersDrain(waiters: waiters)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
            try await group.run()
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }
}
