import NIOConcurrencyHelpers

/// Limits failed authentications and enrollments per client address (``CallerKey``).
///
/// Each 401 and each enrollment spends a token from the caller's ``TokenBucket``; while the
/// bucket is empty every request from that caller is refused (429), valid tokens included, so
/// guessing tokens is slow. Authenticated calls that succeed never spend, so valid callers at
/// any rate are not slowed; only their share of an address with a guesser is.
///
/// Buckets are kept only for callers that spent; full buckets are forgotten first when
/// ``maxTrackedCallers`` is reached (they are the same as new ones), then the oldest.
public final class CallerLimiter: Sendable {
    /// Whether a request may go on.
    public enum Admission: Sendable, Hashable {
        case admitted
        /// The caller's bucket is empty; a token is back after `retryAfter`.
        case refused(retryAfter: Duration)
    }

    public let burst: Int
    public let refillPerSecond: Double
    public let maxTrackedCallers: Int
    private let buckets = NIOLockedValueBox<[CallerKey: TokenBucket]>([:])

    /// - Parameters:
    ///   - burst: failures (and enrollments) a caller may make at once.
    ///   - refillPerSecond: failures per second a caller may make in the long run.
    ///   - maxTrackedCallers: the most callers remembered at once.
    public init(burst: Int, refillPerSecond: Double, maxTrackedCallers: Int = 10_000) {
        precondition(burst >= 1 && refillPerSecond > 0 && maxTrackedCallers >= 1)
        self.burst = burst
        self.refillPerSecond = refillPerSecond
        self.maxTrackedCallers = maxTrackedCallers
    }

    /// Whether `caller` may make a request now (nothing is spent).
    public func admit(_ caller: CallerKey, now: ContinuousClock.Instant = .now) -> Admission {
        buckets.withLockedValue { buckets in
            guard let bucket = buckets[caller], !bucket.canSpend(at: now) else { return .admitted }
            return .refused(retryAfter: bucket.timeUntilNextToken(at: now))
        }
    }

    /// Spends a token for an enrollment by `caller`, when one is left.
    public func admitEnrollment(_ caller: CallerKey, now: ContinuousClock.Instant = .now) -> Admission {
        buckets.withLockedValue { buckets in
            var bucket = existingOrNewBucket(for: caller, in: &buckets, now: now)
            defer { buckets[caller] = bucket }
            guard bucket.trySpend(at: now) else { return .refused(retryAfter: bucket.timeUntilNextToken(at: now)) }
            return .admitted
        }
    }

    /// Spends a token for a failed authentication by `caller`.
    public func recordFailure(_ caller: CallerKey, now: ContinuousClock.Instant = .now) {
        buckets.withLockedValue { buckets in
            var bucket = existingOrNewBucket(for: caller, in: &buckets, now: now)
            bucket.spend(at: now)
            buckets[caller] = bucket
        }
    }

    /// How many callers have a bucket.
    public var trackedCallers: Int {
        buckets.withLockedValue { $0.count }
    }

    private func existingOrNewBucket(for caller: CallerKey, in buckets: inout [CallerKey: TokenBucket], now: ContinuousClock.Instant) -> TokenBucket {
        if let bucket = buckets[caller] { return bucket }
        if buckets.count >= maxTrackedCallers {
            buckets = buckets.filter { !$0.value.isFull(at: now) }
            if buckets.count >= maxTrackedCallers {
                // Many distinct callers failing at once: forget the quarter that spent longest ago.
                let oldest = buckets.sorted { $0.value.updatedAt < $1.value.updatedAt }.prefix(max(1, maxTrackedCallers / 4))
                for (key, _) in oldest { buckets[key] = nil }
            }
        }
        return TokenBucket(capacity: Double(burst), refillPerSecond: refillPerSecond, now: now)
    }
}
