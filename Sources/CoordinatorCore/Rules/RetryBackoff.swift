/// How long a requeued job waits before it can be claimed again: exponential in the attempts
/// used, capped.
public struct RetryBackoff: Sendable, Hashable {
    /// The wait after the first attempt is `base · 2`.
    public var base: Duration
    /// No wait is longer than this.
    public var cap: Duration

    public init(base: Duration = .seconds(5), cap: Duration = .seconds(600)) {
        self.base = base
        self.cap = cap
    }

    /// The wait before the attempt after `attempt` (1-based): `min(base · 2^attempt, cap)`.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt, 0), 62)
        let seconds = min(base.seconds * Double(1 << exponent), cap.seconds)
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

extension Duration {
    /// The duration in seconds, as a `Double` (for SQL intervals and JSON).
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
