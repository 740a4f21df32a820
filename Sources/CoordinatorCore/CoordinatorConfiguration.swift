import Foundation

/// Everything a coordinator needs to run; the executable fills it from flags and environment.
public struct CoordinatorConfiguration: Sendable {
    /// The address to listen on; port 0 picks a free port (the bound one is logged).
    public var host: String
    public var port: Int
    /// A libpq connection string (URL or key/value); empty means libpq's `PG*` environment.
    public var databaseURL: String
    /// Bearer tokens of operators.
    public var adminTokens: [String]
    /// Tokens agents enroll with; none disables registration.
    public var enrollmentTokens: [String]
    /// Tokens that sign in to the dashboard read-only (``DashboardRole/viewer``); they open no
    /// API route.
    public var viewerTokens: [String] = []
    /// How long a lease lasts without a heartbeat; also how long an agent may be silent before
    /// it counts as offline.
    public var leaseDuration: Duration
    /// The largest request body accepted (413 above).
    public var maxBodySize: Int
    /// How long finished jobs and their events are kept; nil keeps them forever.
    public var retention: Duration?
    /// The longest a claim long poll is held.
    public var maxClaimWait: Duration
    /// How often waiting agents are checked for work whose notification may have been lost
    /// (and for requeued jobs whose backoff ended).
    public var wakeRecheckInterval: Duration
    /// How often the reaper looks for expired leases.
    public var reaperInterval: Duration
    /// The backoff of requeued jobs.
    public var retryBackoff: RetryBackoff
    /// How often the retention pruner runs, and how many rows it deletes per statement.
    public var pruneInterval: Duration
    public var pruneBatchSize: Int
    /// The most database connections this coordinator opens.
    public var databaseConnections: Int
    /// The most claims, and the most completions, one statement carries (1 turns batching off).
    public var leaseBatchSize: Int
    /// How many claim statements, and how many completion statements, run at once; each holds
    /// a database connection while it runs.
    public var leaseStatementsInFlight: Int
    /// The certificate and key to serve HTTPS with (reloaded on SIGHUP); nil serves plain HTTP.
    public var tlsIdentity: TLSIdentityFiles?
    /// Idle timeout, connection cap, long polls per agent and the failed-authentication limiter.
    public var callerLimits = CallerLimits()
    /// When set, `GET /metrics` needs `Authorization: Bearer <metricsToken>`; health stays open.
    public var metricsToken: String?
    /// Whether a newly registered agent waits, `pending`, for an operator's approval before it
    /// gets jobs (`--enroll-approval`).
    public var enrollApproval: Bool

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        databaseURL: String,
        adminTokens: [String] = [],
        enrollmentTokens: [String] = [],
        leaseDuration: Duration = .seconds(60),
        maxBodySize: Int = 1 << 20,
        retention: Duration? = .seconds(30 * 86_400),
        maxClaimWait: Duration = .seconds(25),
        wakeRecheckInterval: Duration = .seconds(3),
        reaperInterval: Duration = .seconds(5),
        retryBackoff: RetryBackoff = RetryBackoff(),
        pruneInterval: Duration = .seconds(3600),
        pruneBatchSize: Int = 1000,
        databaseConnections: Int = 16,
        leaseBatchSize: Int = 64,
        leaseStatementsInFlight: Int = 1,
        tlsIdentity: TLSIdentityFiles? = nil,
        enrollApproval: Bool = false
    ) {
        self.host = host
        self.port = port
        self.databaseURL = databaseURL
        self.adminTokens = adminTokens
        self.enrollmentTokens = enrollmentTokens
        self.leaseDuration = leaseDuration
        self.maxBodySize = maxBodySize
        self.retention = retention
        self.maxClaimWait = maxClaimWait
        self.wakeRecheckInterval = wakeRecheckInterval
        self.reaperInterval = reaperInterval
        self.retryBackoff = retryBackoff
        self.pruneInterval = pruneInterval
        self.pruneBatchSize = pruneBatchSize
        self.databaseConnections = databaseConnections
        self.leaseBatchSize = leaseBatchSize
        self.leaseStatementsInFlight = leaseStatementsInFlight
        self.tlsIdentity = tlsIdentity
        self.enrollApproval = enrollApproval
    }
}
