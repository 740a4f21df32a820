/// How long to wait before retrying a call that failed: "full jitter" exponential backoff.
///
/// The n-th retry (counting from 0) waits a uniformly random time in `0...min(cap, base * 2^n)`.
/// Spreading retries over the whole window keeps a fleet of agents from hammering a coordinator
/// in lock step when it comes back after an outage.
public struct FullJitterBackoff: Sendable, Hashable {
    /// The window of the first retry.
    public var base: Duration
    /// The largest window.
    public var cap: Duration

    /// - Precondition: `base` is positive and `cap >= base`.
    public init(base: Duration, cap: Duration) {
        precondition(base > .zero && cap >= base, "backoff base must be positive and at most the cap")
        self.base = base
        self.cap = cap
    }

    /// The defaults for calls to the coordinator: 0.5 s doubling up to 30 s.
    public static let coordinatorDefault = FullJitterBackoff(base: .milliseconds(500), cap: .seconds(30))

    /// The longest wait before retry number `attempt` (0 for the first retry).
    public func ceiling(forAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt, 0), 40)
        let window = base.seconds * Double(UInt64(1) << UInt64(exponent))
        return .seconds(min(window, cap.seconds))
    }

    /// The wait before retry number `attempt`, for a uniform random `unit` in `0...1`.
    public func delay(forAttempt attempt: Int, unit: Double) -> Duration {
        let clamped = unit.isFinite ? min(max(unit, 0), 1) : 0
        return .seconds(ceiling(forAttempt: attempt).seconds * clamped)
    }

    /// The wait before retry number `attempt`, drawn from `generator`.
    public func delay(forAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        delay(forAttempt: attempt, unit: Double.random(in: 0...1, using: &generator))
    }

    /// The wait before retry number `attempt`, drawn from the system generator.
    public func delay(forAttempt attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(forAttempt: attempt, using: &generator)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// A duration of `seconds` (a `Double`), rounded to the nanosecond.
    static func seconds(_ seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
