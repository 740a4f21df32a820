extension CallerLimits {
    /// Checks the limits' invariants, naming the flag of the first value that breaks one.
    public func validate() throws(CoordinatorConfigurationError) {
        if let idleTimeout, !CoordinatorConfiguration.isPositive(idleTimeout) {
            throw .seconds(idleTimeout.seconds, flag: "--idle-timeout", zeroMeans: "never")
        }
        if let maxConnections, maxConnections < 1 {
            throw .count(maxConnections, minimum: 1, flag: "--max-connections", zeroMeans: "no cap")
        }
        guard maxPollsPerAgent >= 1 else { throw .count(maxPollsPerAgent, minimum: 1, flag: "--max-polls-per-agent") }
        guard authFailureBurst >= 0 else {
            throw .count(authFailureBurst, minimum: 0, flag: "--auth-limit-burst", zeroMeans: "no limit")
        }
        guard authFailureRate > 0, authFailureRate.isFinite else { throw .rate(authFailureRate, flag: "--auth-limit-rate") }
    }
}
