/// How much a coordinator lets callers hold and fail: connection idle timeout and cap, long
/// polls per agent, and the failed-authentication limiter. Defaults suit a production fleet;
/// the executable fills it from `--idle-timeout`, `--max-connections`, `--max-polls-per-agent`,
/// `--auth-limit-burst`, `--auth-limit-rate` and `--trusted-proxy`.
public struct CallerLimits: Sendable, Hashable {
    /// How long a connection may be idle (no request, or a request head or body not arriving)
    /// before it is closed; nil never closes idle connections. A request being answered (a
    /// held long poll) is never cut by it. Above HTTP clients' own pool idle time (60 s in
    /// AsyncHTTPClient, which the agents and flatctl use), so a client never sends a request on
    /// a connection the coordinator is closing.
    public var idleTimeout: Duration?
    /// The most connections open at once; further ones wait in the listen backlog. Nil is no cap.
    public var maxConnections: Int?
    /// The most claim requests one agent may have open at once; more are answered 429.
    public var maxPollsPerAgent: Int
    /// Failed authentications and enrollments one address may make at once; 0 turns the
    /// limiter off.
    public var authFailureBurst: Int
    /// Failed authentications and enrollments per second one address may make in the long run.
    public var authFailureRate: Double
    /// Reverse proxies (IP addresses, as ``CallerKey/ipAddress(of:)`` spells them) whose
    /// `X-Forwarded-For` names the client the limiter counts; without them every client behind
    /// a proxy shares the proxy's budget.
    public var trustedProxies: Set<String>

    public init(
        idleTimeout: Duration? = .seconds(75),
        maxConnections: Int? = 4096,
        maxPollsPerAgent: Int = 4,
        authFailureBurst: Int = 20,
        authFailureRate: Double = 1,
        trustedProxies: Set<String> = []
    ) {
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.maxPollsPerAgent = maxPollsPerAgent
        self.authFailureBurst = authFailureBurst
        self.authFailureRate = authFailureRate
        self.trustedProxies = trustedProxies
    }
}
