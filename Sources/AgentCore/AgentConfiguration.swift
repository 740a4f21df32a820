import CoordinatorHTTPClient
import DockerEngine
import FlattenProtocol
import FlattenSecurity
import Flattening
import Foundation
import UnixSignals

/// Everything `flatten-agent run` is told: where the coordinator is, who this agent is, which
/// engine it flattens on, and its timings.
public struct AgentConfiguration: Sendable {
    /// The coordinator's base URL, e.g. `https://coordinator.internal`.
    public var coordinatorURL: String
    /// The CAs trusted for an `https` coordinator (`--ca-file`); nil trusts the system's.
    public var certificateAuthority: CertificateAuthorityFile?
    /// The coordinator's enrollment token: needed for the first registration, and to update
    /// the agent's details (labels, engine version, capacity) on later starts.
    public var enrollmentToken: String?
    /// The agent's unique name; `{"host": name}` targets it.
    public var name: String
    /// Labels a selector matches.
    public var labels: [String: String]
    /// How many jobs run at once.
    public var concurrency: Int
    /// Where the identity, the undelivered reports and (by default) the work directory live.
    public var stateDirectory: String
    /// Where images are spooled while flattening; nil means `<state dir>/work`.
    public var workDirectory: String?
    /// Bytes of a merge's tables kept in memory before the rest spills to the work directory;
    /// nil keeps them all in memory.
    public var mergeMemoryBudget: Int?
    /// The engine to flatten on.
    public var dockerHost: DockerHost
    /// How often running jobs heartbeat.
    public var heartbeat: HeartbeatSchedule
    /// How long one claim long poll waits for a job (the coordinator caps it, at 25 s by default).
    public var claimWait: Duration
    /// The backoff of retried calls (claim, registration, reports, engine connection).
    public var backoff: FullJitterBackoff
    /// The deadline of one call to the coordinator (a claim adds its wait).
    public var requestTimeout: Duration
    /// Signals that, sent a second time while the agent winds down, cancel the running jobs.
    /// The first one is the service group's graceful shutdown.
    public var hardStopSignals: [UnixSignal]

    public init(
        coordinatorURL: String,
        enrollmentToken: String? = nil,
        name: String = AgentConfiguration.defaultName(),
        labels: [String: String] = [:],
        concurrency: Int = 1,
        stateDirectory: String,
        workDirectory: String? = nil,
        mergeMemoryBudget: Int? = FlattenJob.defaultMergeMemoryBudget,
        dockerHost: DockerHost = .default,
        heartbeat: HeartbeatSchedule = .default,
        claimWait: Duration = .seconds(25),
        backoff: FullJitterBackoff = .coordinatorDefault,
        requestTimeout: Duration = .seconds(15),
        hardStopSignals: [UnixSignal] = [.sigterm, .sigint],
        certificateAuthority: CertificateAuthorityFile? = nil
    ) {
        self.coordinatorURL = coordinatorURL
        self.certificateAuthority = certificateAuthority
        self.enrollmentToken = enrollmentToken
        self.name = name
        self.labels = labels
        self.concurrency = concurrency
        self.stateDirectory = stateDirectory
        self.workDirectory = workDirectory
        self.mergeMemoryBudget = mergeMemoryBudget
        self.dockerHost = dockerHost
        self.heartbeat = heartbeat
        self.claimWait = claimWait
        self.backoff = backoff
        self.requestTimeout = requestTimeout
        self.hardStopSignals = hardStopSignals
    }

    /// The host name (up to its first dot), the default agent name.
    public static func defaultName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "agent" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let short = name.split(separator: ".").first.map(String.init) ?? name
        return short.isEmpty ? "agent" : short
    }

    /// Parses `key=value` labels; a later key replaces an earlier one.
    ///
    /// - Throws: ``AgentConfigurationError`` naming the label that has no `=` or an empty key.
    public static func parseLabels(_ texts: [String]) throws(AgentConfigurationError) -> [String: String] {
        var labels: [String: String] = [:]
        for text in texts {
            guard let equals = text.firstIndex(of: "=") else {
                throw AgentConfigurationError("invalid label \(String(reflecting: text)): expected key=value")
            }
            let key = text[..<equals].trimmingCharacters(in: .whitespaces)
            let value = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else {
                throw AgentConfigurationError("invalid label \(String(reflecting: text)): the key is empty")
            }
            labels[key] = value
        }
        return labels
    }

    /// Checks the values a person typed.
    public func validate() throws(AgentConfigurationError) {
        do {
            try CoordinatorEndpoint.validate(baseURL: coordinatorURL)
        } catch {
            throw AgentConfigurationError(error.description + " (--coordinator or FLATTEN_COORDINATOR)")
        }
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw AgentConfigurationError("invalid agent name \(String(reflecting: name)): it must be non-empty without spaces (--name)")
        }
        guard concurrency >= 1 else {
            throw AgentConfigurationError("--concurrency must be at least 1 (it is \(concurrency))")
        }
        guard !stateDirectory.isEmpty else {
            throw AgentConfigurationError("--state-dir must not be empty")
        }
        if let enrollmentToken, enrollmentToken.isEmpty {
            throw AgentConfigurationError("the enrollment token is empty (--enroll-token or FLATTEN_ENROLL_TOKEN)")
        }
        // The coordinator refuses a registration over the protocol's limits; say so at start.
        let registration = AgentRegistration(
            name: name, labels: labels, engineVersion: "0", engineAPIVersion: "0", capacity: concurrency)
        do {
            try registration.validate()
        } catch {
            throw AgentConfigurationError("\(error) (--name, --label or --concurrency): the coordinator would refuse it")
        }
    }
}

/// A configuration value that cannot be used; the description names it.
public struct AgentConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
