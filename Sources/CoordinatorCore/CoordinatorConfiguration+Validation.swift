extension CoordinatorConfiguration {
    /// The longest duration a setting may hold (1,000 years): far beyond any sensible value,
    /// and well inside what `Duration` and PostgreSQL intervals hold.
    public static let maximumSeconds: Double = 1000 * 365 * 86_400

    /// `value` (in units of `unitSeconds`, e.g. 86,400 for days) as a duration, checked first:
    /// converting NaN, an infinity or an out-of-range number to a `Duration` traps.
    ///
    /// - Parameter zeroMeans: what 0 does where 0 is allowed (the caller maps it, e.g. to nil);
    ///   nil refuses 0.
    /// - Throws: ``CoordinatorConfigurationError`` naming `flag` and the value.
    public static func duration(
        _ value: Double, unitSeconds: Double = 1, flag: String, zeroMeans: String? = nil, unit: String = "seconds"
    ) throws(CoordinatorConfigurationError) -> Duration {
        let seconds = value * unitSeconds
        guard seconds.isFinite, seconds >= 0, seconds <= maximumSeconds, seconds > 0 || zeroMeans != nil else {
            throw .seconds(value, flag: flag, zeroMeans: zeroMeans, unit: unit)
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// Checks the invariants the coordinator relies on, naming the flag of the first value
    /// that breaks one. The executable calls it before serving; values built in code (tests,
    /// `migrate`, which needs one connection) are not held to the serving limits.
    public func validate() throws(CoordinatorConfigurationError) {
        for (flag, value) in [
            ("--lease-seconds", leaseDuration), ("--max-claim-wait", maxClaimWait),
            ("--recheck-interval", wakeRecheckInterval), ("--reaper-interval", reaperInterval),
            ("--retry-base", retryBackoff.base), ("--retry-cap", retryBackoff.cap),
            ("pruneInterval", pruneInterval),
        ] where !Self.isPositive(value) {
            throw .seconds(value.seconds, flag: flag)
        }
        if let retention, !Self.isPositive(retention) {
            throw .seconds(retention.seconds / 86_400, flag: "--retention-days", zeroMeans: "keep forever", unit: "days")
        }
        guard maxBodySize >= 1 else { throw .count(maxBodySize, minimum: 1, flag: "--max-body") }
        guard pruneBatchSize >= 1 else { throw .count(pruneBatchSize, minimum: 1, flag: "pruneBatchSize") }
        guard databaseConnections >= 1 else { throw .count(databaseConnections, minimum: 1, flag: "--db-connections") }
        guard leaseBatchSize >= 1 else { throw .count(leaseBatchSize, minimum: 1, flag: "--lease-batch-size") }
        // Claims and completions each run this many statements, each on a connection of its
        // own; at least one connection must stay for everything else.
        guard leaseStatementsInFlight >= 1, leaseStatementsInFlight * 2 < databaseConnections else {
            throw .leaseStatements(leaseStatementsInFlight, connections: databaseConnections)
        }
        try callerLimits.validate()
    }

    static func isPositive(_ duration: Duration) -> Bool {
        duration > .zero && duration.seconds <= maximumSeconds
    }
}
