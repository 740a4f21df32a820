/// A token bucket: holds up to `capacity` tokens, refills at `refillPerSecond`, and each
/// spend takes one token.
///
/// A pure value: time is passed in, so its rules are tested without clocks or sleeping.
/// ``CallerLimiter`` keeps one per client address.
public struct TokenBucket: Sendable, Hashable {
    /// The most tokens the bucket holds: the burst a caller may spend at once.
    public let capacity: Double
    /// Tokens added per second, up to ``capacity``.
    public let refillPerSecond: Double
    /// Tokens left at ``updatedAt``.
    public private(set) var tokens: Double
    /// When ``tokens`` was last brought up to date.
    public private(set) var updatedAt: ContinuousClock.Instant

    /// A full bucket.
    public init(capacity: Double, refillPerSecond: Double, now: ContinuousClock.Instant) {
        precondition(capacity >= 1 && refillPerSecond > 0, "a token bucket needs a capacity of 1 or more and a positive refill rate")
        self.capacity = capacity
        self.refillPerSecond = refillPerSecond
        self.tokens = capacity
        self.updatedAt = now
    }

    /// The tokens available at `now`.
    public func available(at now: ContinuousClock.Instant) -> Double {
        guard now > updatedAt else { return tokens }
        return min(capacity, tokens + (now - updatedAt).seconds * refillPerSecond)
    }

    /// Whether a whole token is available at `now`.
    public func canSpend(at now: ContinuousClock.Instant) -> Bool {
        available(at: now) >= 1
    }

    /// Whether the bucket is full at `now`: it is then no different from a new bucket, so
    /// forgetting it loses nothing.
    public func isFull(at now: ContinuousClock.Instant) -> Bool {
        available(at: now) >= capacity
    }

    /// Takes one token when one is available; false (and nothing taken) otherwise.
    public mutating func trySpend(at now: ContinuousClock.Instant) -> Bool {
        refill(at: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Takes one token, or what is left of one: for a cost already incurred (a failed
    /// authentication), which is recorded even when the bucket is nearly empty.
    public mutating func spend(at now: ContinuousClock.Instant) {
        refill(at: now)
        tokens = max(0, tokens - 1)
    }

    /// How long from `now` until a whole token is available; zero when one is.
    public func timeUntilNextToken(at now: ContinuousClock.Instant) -> Duration {
        let missing = 1 - available(at: now)
        guard missing > 0 else { return .zero }
        return .seconds(missing / refillPerSecond)
    }

    private mutating func refill(at now: ContinuousClock.Instant) {
        tokens = available(at: now)
        if now > updatedAt { updatedAt = now }
    }
}
