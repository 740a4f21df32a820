/// When the next heartbeat of a running job is due: about every ``interval``, spread by
/// ``jitter`` so the heartbeats of many jobs do not line up.
public struct HeartbeatSchedule: Sendable, Hashable {
    /// The mean time between heartbeats. It must stay well under the coordinator's lease
    /// (default 60 s): a lease not renewed in time is taken back.
    public var interval: Duration
    /// The spread as a fraction of the interval: 0.2 gives waits in `0.8...1.2 × interval`.
    public var jitter: Double

    /// - Precondition: `interval` is positive and `jitter` in `0..<1`.
    public init(interval: Duration, jitter: Double = 0.2) {
        precondition(interval > .zero, "heartbeat interval must be positive")
        precondition(jitter >= 0 && jitter < 1, "heartbeat jitter must be in 0..<1")
        self.interval = interval
        self.jitter = jitter
    }

    /// Every 15 s, ±20 %.
    public static let `default` = HeartbeatSchedule(interval: .seconds(15), jitter: 0.2)

    /// The wait before the next heartbeat, for a uniform random `unit` in `0...1`.
    public func delay(unit: Double) -> Duration {
        let clamped = unit.isFinite ? min(max(unit, 0), 1) : 0.5
        let factor = 1 - jitter + 2 * jitter * clamped
        return .seconds(interval.seconds * factor)
    }

    /// The wait before the next heartbeat, drawn from the system generator.
    public func nextDelay() -> Duration {
        delay(unit: Double.random(in: 0...1))
    }
}
