/// How a ``PostgresClient`` (and ``PostgresListener``) connects, and how its pool behaves.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection string, as key/value pairs (`host=db user=flatten dbname=flatten`) or
    /// a URL (`postgresql://flatten@db:5432/flatten?sslmode=require`).
    ///
    /// Whatever it leaves out comes from libpq's own sources, as for `psql`: `PGHOST`,
    /// `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE`, `PGSERVICE` (service files),
    /// `~/.pgpass`. An empty string means "all from the environment".
    public var connectionString: String

    /// `application_name` for the server (`pg_stat_activity`); when `nil`, the connection string
    /// or `PGAPPNAME` decides, else `flatten`.
    public var applicationName: String?

    /// The most connections the pool opens. Connections open on demand and stay open.
    public var maxConnections: Int

    /// How long a caller waits for a free connection before ``PostgresError/isCheckoutTimeout``.
    public var checkoutTimeout: Duration

    /// A pooled connection idle for longer than this is checked with a round trip before it is
    /// handed out. (Every checkout also checks, without a round trip, whether the server
    /// closed the connection.)
    public var idleCheckInterval: Duration

    /// The connection timeout used when neither the connection string nor `PGCONNECT_TIMEOUT`
    /// sets `connect_timeout`; `nil` leaves libpq's default (wait indefinitely).
    public var connectTimeout: Duration?

    public init(
        connectionString: String,
        applicationName: String? = nil,
        maxConnections: Int = 8,
        checkoutTimeout: Duration = .seconds(30),
        idleCheckInterval: Duration = .seconds(30),
        connectTimeout: Duration? = .seconds(10)
    ) {
        self.connectionString = connectionString
        self.applicationName = applicationName
        self.maxConnections = maxConnections
        self.checkoutTimeout = checkoutTimeout
        self.idleCheckInterval = idleCheckInterval
        self.connectTimeout = connectTimeout
    }
}
