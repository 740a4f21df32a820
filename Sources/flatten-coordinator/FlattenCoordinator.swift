import ArgumentParser
import CoordinatorCore
import FlattenSecurity
import Foundation
import Logging

/// `flatten-coordinator`: the fleet's job coordinator (HTTP/JSON over PostgreSQL).
struct FlattenCoordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flatten-coordinator",
        abstract: "Coordinates image-flattening jobs across a fleet of agents (HTTP/JSON API over PostgreSQL).",
        subcommands: [Serve.self, Migrate.self],
        defaultSubcommand: Serve.self)
}

/// Options both subcommands take.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: "libpq connection string or URL (default: $DATABASE_URL, else libpq's PG* variables).")
    var databaseURL: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    var resolvedDatabaseURL: String {
        databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    }

    func makeLogger() throws -> Logger {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown --log-level \(String(reflecting: logLevel)); expected one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "flatten-coordinator")
        logger.logLevel = level
        return logger
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Migrate the database, then serve the API until SIGTERM or SIGINT.",
        discussion: """
            Tokens are best given in files (--admin-token-file, --enroll-token-file, or \
            $FLATTEN_ADMIN_TOKEN_FILE, $FLATTEN_ENROLL_TOKEN_FILE) or the environment \
            ($FLATTEN_ADMIN_TOKEN, $FLATTEN_ENROLL_TOKEN, $FLATTEN_METRICS_TOKEN; several separated by commas) so they do \
            not show in the process list. With --tls-cert and --tls-key it serves HTTPS, and \
            SIGHUP re-reads both files for new connections. On start it prints \
            `listening on HOST:PORT` (the bound port when --listen asks for port 0). The web \
            dashboard is at /ui/ on the same address: sign in with an admin token, or a viewer \
            token (--viewer-token-file, $FLATTEN_VIEWER_TOKEN) for read-only access.
            """)

    @OptionGroup var common: CommonOptions

    @OptionGroup(title: "HTTPS and token files") var security: SecurityOptions

    @Option(help: "Address to listen on, HOST:PORT (default: $FLATTEN_LISTEN, else 127.0.0.1:8080).")
    var listen: String?

    @Option(name: .customLong("admin-token"), help: "An operator bearer token (repeatable; default: $FLATTEN_ADMIN_TOKEN).")
    var adminTokens: [String] = []

    @Option(name: .customLong("enroll-token"), help: "The agents' enrollment token (repeatable; default: $FLATTEN_ENROLL_TOKEN).")
    var enrollTokens: [String] = []

    @Option(name: .customLong("viewer-token"), help: "A token that signs in to the web dashboard read-only (repeatable; default: $FLATTEN_VIEWER_TOKEN).")
    var viewerTokens: [String] = []

    @Option(name: .customLong("lease-seconds"), help: "Lease length without a heartbeat; agents silent this long are offline.")
    var leaseSeconds: Double = 60

    @Option(name: .customLong("max-body"), help: "Largest request body accepted, in bytes.")
    var maxBody: Int = 1 << 20

    @Option(name: .customLong("retention-days"), help: "Days finished jobs are kept (0 keeps them forever).")
    var retentionDays: Double = 30

    @Option(name: .customLong("max-claim-wait"), help: "Longest a claim long poll is held, in seconds.")
    var maxClaimWait: Double = 25

    @Option(name: .customLong("reaper-interval"), help: "Seconds between looks for expired leases.")
    var reaperInterval: Double = 5

    @Option(name: .customLong("recheck-interval"), help: "Seconds between safety re-checks for waiting agents' work.")
    var recheckInterval: Double = 3

    @Option(name: .customLong("retry-base"), help: "Retry backoff base in seconds (wait = base * 2^attempt).")
    var retryBase: Double = 5

    @Option(name: .customLong("retry-cap"), help: "Longest retry backoff in seconds.")
    var retryCap: Double = 600

    @Option(name: .customLong("db-connections"), help: "Most database connections to open.")
    var databaseConnections: Int = 16

    @Option(name: .customLong("lease-batch-size"), help: "Most agents' claims (and completions) one statement carries; 1 turns batching off.")
    var leaseBatchSize: Int = 64

    @Option(name: .customLong("lease-statements"), help: "Claim statements (and completion statements) run at once, each on its own connection.")
    var leaseStatements: Int = 1

    @OptionGroup(title: "Callers") var callers: CallerLimitOptions
    @Flag(name: .customLong("enroll-approval"),
          help: "New agents wait, pending, for `flatctl agents approve NAME` before they get jobs (default: $FLATTEN_ENROLL_APPROVAL=1).")
    var enrollApproval = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let address: ListenAddress
        do {
            address = try ListenAddress(parsing: listen ?? environment["FLATTEN_LISTEN"] ?? "127.0.0.1:8080")
        } catch {
            throw ValidationError("\(error)")
        }
        let admins = try SecurityOptions.tokens(
            flags: adminTokens, files: security.adminTokenFiles, fileOption: "--admin-token-file",
            variable: "FLATTEN_ADMIN_TOKEN", environment: environment)
        let enrolls = try SecurityOptions.tokens(
            flags: enrollTokens, files: security.enrollTokenFiles, fileOption: "--enroll-token-file",
            variable: "FLATTEN_ENROLL_TOKEN", environment: environment)
        let viewers = try SecurityOptions.tokens(
            flags: viewerTokens, files: security.viewerTokenFiles, fileOption: "--viewer-token-file",
            variable: "FLATTEN_VIEWER_TOKEN", environment: environment)
        guard !admins.isEmpty else {
            throw ValidationError("no admin token: pass --admin-token-file (or --admin-token), or set FLATTEN_ADMIN_TOKEN_FILE (or FLATTEN_ADMIN_TOKEN)")
        }
        let tlsIdentity = try security.tlsIdentity(environment: environment)
        let metricsToken = try callers.resolvedMetricsToken(environment: environment)
        let configuration: CoordinatorConfiguration
        do {
            configuration = try makeConfiguration(
                address: address, admins: admins, enrolls: enrolls, viewers: viewers, tlsIdentity: tlsIdentity, metricsToken: metricsToken,
                environment: environment)
        } catch {
            throw ValidationError(error.description)
        }

        let logger = try common.makeLogger()
        if enrolls.isEmpty {
            logger.warning("no enrollment token: agents cannot register (set --enroll-token-file, --enroll-token, FLATTEN_ENROLL_TOKEN_FILE or FLATTEN_ENROLL_TOKEN)")
        }
        if tlsIdentity == nil && !PlaintextTokenWarning.isLoopback(host: address.host) {
            logger.warning("serving plain HTTP on a non-loopback address: tokens cross the network in clear text; pass --tls-cert and --tls-key, or listen on 127.0.0.1 behind a TLS proxy", metadata: ["listen": "\(address)"])
        }
        if tlsIdentity != nil {
            // Until the reload service traps it, SIGHUP's default action would end the process.
            signal(SIGHUP, SIG_IGN)
        }
        let coordinator = try Coordinator(configuration: configuration, logger: logger)
        try await coordinator.run { host, port in
            let shown = host.contains(":") ? "[\(host)]" : host
            // Unbuffered, so a supervisor or test reading the pipe sees it at once.
            FileHandle.standardOutput.write(Data("listening on \(shown):\(port)\n".utf8))
            logger.info("listening", metadata: ["address": "\(shown):\(port)", "scheme": "\(tlsIdentity == nil ? "http" : "https")"])
        }
        logger.info("stopped")
    }

    /// The configuration the flags describe, checked (``CoordinatorConfiguration/validate()``):
    /// seconds are converted only once known to be finite and in range.
    func makeConfiguration(
        address: ListenAddress, admins: [String], enrolls: [String], viewers: [String], tlsIdentity: TLSIdentityFiles?, metricsToken: String?,
        environment: [String: String]
    ) throws(CoordinatorConfigurationError) -> CoordinatorConfiguration {
        typealias Configuration = CoordinatorConfiguration
        let retention = try retentionDays == 0
            ? nil
            : Configuration.duration(retentionDays, unitSeconds: 86_400, flag: "--retention-days", zeroMeans: "keep forever", unit: "days")
        var configuration = CoordinatorConfiguration(
            host: address.host, port: address.port,
            databaseURL: common.resolvedDatabaseURL,
            adminTokens: admins, enrollmentTokens: enrolls,
            leaseDuration: try Configuration.duration(leaseSeconds, flag: "--lease-seconds"),
            maxBodySize: maxBody,
            retention: retention,
            maxClaimWait: try Configuration.duration(maxClaimWait, flag: "--max-claim-wait"),
            wakeRecheckInterval: try Configuration.duration(recheckInterval, flag: "--recheck-interval"),
            reaperInterval: try Configuration.duration(reaperInterval, flag: "--reaper-interval"),
            retryBackoff: RetryBackoff(
                base: try Configuration.duration(retryBase, flag: "--retry-base"),
                cap: try Configuration.duration(retryCap, flag: "--retry-cap")),
            databaseConnections: databaseConnections,
            leaseBatchSize: leaseBatchSize,
            leaseStatementsInFlight: leaseStatements,
            tlsIdentity: tlsIdentity,
            enrollApproval: enrollApproval || Self.isTrue(environment["FLATTEN_ENROLL_APPROVAL"]))
        configuration.viewerTokens = viewers
        configuration.callerLimits = try callers.callerLimits()
        configuration.metricsToken = metricsToken
        try configuration.validate()
        return configuration
    }

    /// `1`, `true` or `yes` (any case) in an environment variable.
    static func isTrue(_ value: String?) -> Bool {
        ["1", "true", "yes"].contains(value?.trimmingCharacters(in: .whitespaces).lowercased() ?? "")
    }

    static func tokens(_ value: String?) -> [String] {
        (value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the database migrations and exit (safe to run while coordinators serve).")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let logger = try common.makeLogger()
        let coordinator = try Coordinator(
            configuration: CoordinatorConfiguration(databaseURL: common.resolvedDatabaseURL, databaseConnections: 1),
            logger: logger)
        do {
            try await coordinator.migrate(timeout: .seconds(10))
            let version = try await coordinator.migrator.currentVersion()
            print("database schema at version \(version ?? 0)")
        } catch {
            await coordinator.client.close()
            throw error
        }
        await coordinator.client.close()
    }
}
