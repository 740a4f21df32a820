import AgentCore
import ArgumentParser
import CoordinatorHTTPClient
import DockerEngine
import FlattenSecurity
import Foundation
import Logging

/// `flatten-agent run`: the agent daemon, taking jobs from a coordinator.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent: take flatten jobs for this host from a coordinator.",
        discussion: """
            Registers once with the enrollment token and keeps its own token in the state \
            directory (mode 0600), so a restart keeps its identity. Long-polls for jobs, runs up \
            to --concurrency of them at once, heartbeats their progress, and delivers every result \
            until the coordinator acknowledges it (results wait in the state directory across \
            restarts). SIGTERM or SIGINT: stop claiming, finish running jobs, exit 0; a second \
            one cancels running jobs (each removes what it made). Logs go to standard error.
            """)

    @Option(help: ArgumentHelp("The coordinator's URL (default: $FLATTEN_COORDINATOR).", valueName: "url"))
    var coordinator: String?

    @Option(name: .customLong("enroll-token"), help: ArgumentHelp(
        "The coordinator's enrollment token, needed at the first start (default: $FLATTEN_ENROLL_TOKEN). Prefer --enroll-token-file: flags show in the process list.",
        valueName: "token"))
    var enrollToken: String?

    @Option(name: .customLong("enroll-token-file"), help: ArgumentHelp(
        "A file holding the enrollment token on one line (default: $FLATTEN_ENROLL_TOKEN_FILE).",
        valueName: "file"))
    var enrollTokenFile: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp(
        "Trust the CA certificates in this PEM file (and only them) for an https:// coordinator (default: $FLATTEN_CA_FILE).",
        valueName: "file"))
    var caFile: String?

    @Option(help: ArgumentHelp("The agent's unique name (default: the host name).", valueName: "name"))
    var name: String?

    @Option(name: .customLong("label"), help: ArgumentHelp("A label selectors match, key=value (repeatable).", valueName: "key=value"))
    var labels: [String] = []

    @Option(help: "How many jobs run at once.")
    var concurrency: Int = 1

    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "Where the agent keeps its identity and undelivered results (default: $FLATTEN_STATE_DIR, else /var/lib/flatten-agent).",
        valueName: "dir"))
    var stateDirectory: String?

    @Option(name: .customLong("docker-host"), help: ArgumentHelp(
        "The Docker engine: unix:///path/to/docker.sock or tcp://host:port (default: $DOCKER_HOST, else unix:///var/run/docker.sock).",
        valueName: "url"))
    var dockerHost: String?

    @Option(name: .customLong("work-dir"), help: ArgumentHelp(
        "Where images are spooled while flattening (default: <state dir>/work). Needs about the largest image's size free.",
        valueName: "dir"))
    var workDirectory: String?

    @OptionGroup var memoryBudget: MemoryBudgetOption

    @Option(name: .customLong("heartbeat-seconds"), help: ArgumentHelp(
        "Seconds between heartbeats of a running job (±20% jitter); keep it well under the coordinator's --lease-seconds.",
        valueName: "seconds"))
    var heartbeatSeconds: Double = 15

    @Option(name: .customLong("claim-wait-seconds"), help: ArgumentHelp("How long one claim long poll waits for a job.", valueName: "seconds"))
    var claimWaitSeconds: Double = 25

    @Option(name: .customLong("retry-cap-seconds"), help: ArgumentHelp("The longest wait between retries of a failed call to the coordinator.", valueName: "seconds"))
    var retryCapSeconds: Double = 30

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        for (flag, value) in [("--heartbeat-seconds", heartbeatSeconds), ("--retry-cap-seconds", retryCapSeconds)]
        where !(value > 0 && value.isFinite) {
            throw ValidationError("\(flag) must be a positive number of seconds (got \(value))")
        }
        guard claimWaitSeconds >= 0, claimWaitSeconds.isFinite else {
            throw ValidationError("--claim-wait-seconds must be 0 or more (got \(claimWaitSeconds))")
        }
        guard let url = resolvedCoordinator else {
            throw ValidationError("no coordinator: pass --coordinator URL or set FLATTEN_COORDINATOR")
        }
        do {
            try CoordinatorEndpoint.validate(baseURL: url)
        } catch {
            throw ValidationError("\(error) (--coordinator or FLATTEN_COORDINATOR)")
        }
        do {
            _ = try AgentConfiguration.parseLabels(labels)
        } catch {
            throw ValidationError(error.description + " (--label)")
        }
        guard concurrency >= 1 else {
            throw ValidationError("--concurrency must be at least 1 (it is \(concurrency))")
        }
        if enrollToken != nil && enrollTokenFile != nil {
            throw ValidationError("--enroll-token and --enroll-token-file both give the enrollment token; pass only one")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown --log-level \(String(reflecting: logLevel)); expected one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// `--coordinator`, else `FLATTEN_COORDINATOR`.
    var resolvedCoordinator: String? {
        coordinator ?? fromEnvironment("FLATTEN_COORDINATOR")
    }

    func fromEnvironment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `--enroll-token`, `--enroll-token-file`, `FLATTEN_ENROLL_TOKEN`,
    /// `FLATTEN_ENROLL_TOKEN_FILE`: the first given, or nil.
    func resolvedEnrollmentToken() throws -> String? {
        if let enrollToken { return enrollToken }
        do {
            if let enrollTokenFile { return try TokenFile.read(enrollTokenFile, option: "--enroll-token-file") }
            if let token = fromEnvironment("FLATTEN_ENROLL_TOKEN") { return token }
            if let path = fromEnvironment("FLATTEN_ENROLL_TOKEN_FILE") {
                return try TokenFile.read(path, option: "FLATTEN_ENROLL_TOKEN_FILE")
            }
        } catch {
            throw ValidationError(error.description)
        }
        return nil
    }

    /// The CA file of `--ca-file`, else `FLATTEN_CA_FILE`, read; nil when neither is given.
    func resolvedCertificateAuthority() throws -> CertificateAuthorityFile? {
        do {
            if let caFile { return try CertificateAuthorityFile(path: caFile, option: "--ca-file") }
            if let path = fromEnvironment("FLATTEN_CA_FILE") {
                return try CertificateAuthorityFile(path: path, option: "FLATTEN_CA_FILE")
            }
        } catch {
            throw ValidationError(error.description)
        }
        return nil
    }

    func run() async throws {
        guard let coordinatorURL = resolvedCoordinator else {
            throw ValidationError("no coordinator: pass --coordinator URL or set FLATTEN_COORDINATOR")
        }
        let host: DockerHost
        do {
            host = try dockerHost.map { try DockerHost(parsing: $0) } ?? DockerHost.fromEnvironment()
        } catch {
            throw ValidationError("\(error) (--docker-host or DOCKER_HOST)")
        }
        let parsedLabels: [String: String]
        do {
            parsedLabels = try AgentConfiguration.parseLabels(labels)
        } catch {
            throw ValidationError(error.description + " (--label)")
        }
        let retryCap = Duration.milliseconds(Int64(retryCapSeconds * 1000))
        let configuration = AgentConfiguration(
            coordinatorURL: coordinatorURL,
            enrollmentToken: try resolvedEnrollmentToken(),
            name: name ?? AgentConfiguration.defaultName(),
            labels: parsedLabels,
            concurrency: concurrency,
            stateDirectory: stateDirectory ?? fromEnvironment("FLATTEN_STATE_DIR") ?? "/var/lib/flatten-agent",
            workDirectory: workDirectory,
            mergeMemoryBudget: memoryBudget.bytes,
            dockerHost: host,
            heartbeat: HeartbeatSchedule(interval: .milliseconds(Int64(heartbeatSeconds * 1000))),
            claimWait: .milliseconds(Int64(claimWaitSeconds * 1000)),
            backoff: FullJitterBackoff(base: min(.milliseconds(500), retryCap), cap: retryCap),
            certificateAuthority: try resolvedCertificateAuthority())
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
        let logger = AgentDaemon.bootstrapLogging(level: Logger.Level(rawValue: logLevel) ?? .info)
        do {
            try await AgentDaemon.run(configuration, logger: logger)
        } catch {
            let line = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
            logger.critical("stopped: \(line)")
            FileHandle.standardError.write(Data("flatten-agent: error: \(line)\n".utf8))
            throw ExitCode(1)
        }
    }
}
