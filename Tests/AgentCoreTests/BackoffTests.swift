import Testing

@testable import AgentCore

@Suite("Full-jitter backoff")
struct BackoffTests {
    let backoff = FullJitterBackoff(base: .milliseconds(500), cap: .seconds(30))

    @Test("the window doubles from the base and stops at the cap")
    func ceilingDoublesUpToCap() {
        let ceilings = (0..<10).map { backoff.ceiling(forAttempt: $0) }
        #expect(ceilings == [
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8),
            .seconds(16), .seconds(30), .seconds(30), .seconds(30), .seconds(30),
        ])
    }

    @Test("huge and negative attempt numbers stay inside the window")
    func extremeAttempts() {
        #expect(backoff.ceiling(forAttempt: 10_000) == .seconds(30))
        #expect(backoff.ceiling(forAttempt: -3) == .milliseconds(500))
    }

    @Test("the delay spans the whole window: 0 at unit 0, the ceiling at unit 1")
    func delaySpansWindow() {
        #expect(backoff.delay(forAttempt: 3, unit: 0) == .zero)
        #expect(backoff.delay(forAttempt: 3, unit: 1) == .seconds(4))
        #expect(backoff.delay(forAttempt: 3, unit: 0.25) == .seconds(1))
        // Out-of-range units are clamped rather than trusted.
        #expect(backoff.delay(forAttempt: 3, unit: 7) == .seconds(4))
        #expect(backoff.delay(forAttempt: 3, unit: -1) == .zero)
        #expect(backoff.delay(forAttempt: 3, unit: .nan) == .zero)
    }

    @Test("random delays fall inside the window and are spread over it")
    func randomDelaysSpread() {
        var generator = SplitMix64(seed: 42)
        let delays = (0..<1000).map { _ in backoff.delay(forAttempt: 4, using: &generator) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .seconds(8) })
        #expect(delays.contains { $0 < .seconds(1) })
        #expect(delays.contains { $0 > .seconds(7) })
    }

    @Test("the heartbeat schedule spreads by its jitter around the interval")
    func heartbeatJitter() {
        let schedule = HeartbeatSchedule(interval: .seconds(15), jitter: 0.2)
        #expect(schedule.delay(unit: 0) == .seconds(12))
        #expect(schedule.delay(unit: 0.5) == .seconds(15))
        #expect(schedule.delay(unit: 1) == .seconds(18))
        let fixed = HeartbeatSchedule(interval: .seconds(2), jitter: 0)
        #expect(fixed.delay(unit: 0.9) == .seconds(2))
    }
}

/// A small deterministic generator, so random-based tests repeat.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
