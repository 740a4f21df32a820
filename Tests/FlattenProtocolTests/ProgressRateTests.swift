import Foundation
import Testing
@testable import FlattenProtocol

@Suite struct ProgressRateTests {
    static let megabyte: Int64 = 1_000_000

    /// 100 MB/s for `seconds` seconds from `start`, a report every 0.1 s (like the flatten's
    /// report every few megabytes).
    static func steady(
        _ rate: inout ProgressRate, phase: FlattenPhase = .merging, total: Int64? = 2_000 * megabyte,
        from start: Duration = .zero, seconds: Int = 10
    ) {
        for tenth in 0...(seconds * 10) {
            let progress = JobProgress(phase: phase, bytesDone: Int64(tenth) * 10 * megabyte, bytesTotal: total)
            rate.record(progress, at: start + .milliseconds(100 * tenth))
        }
    }

    static func expectClose(_ value: Double?, _ expected: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let value else {
            Issue.record("no value; expected \(expected)", sourceLocation: sourceLocation)
            return
        }
        #expect(abs(value - expected) < 1, "\(value) is not \(expected)", sourceLocation: sourceLocation)
    }

    @Test func steadyRateAndETA() {
        var rate = ProgressRate()
        Self.steady(&rate)
        Self.expectClose(rate.bytesPerSecond(at: .seconds(10)), 100_000_000)
        // 1 GB of 2 GB done at 100 MB/s.
        Self.expectClose(rate.secondsRemaining(at: .seconds(10)), 10)
        let progress = rate.progress(at: .seconds(10))
        #expect(progress?.bytesDone == 1_000 * Self.megabyte)
        #expect(progress?.bytesPerSecond == 100_000_000)
    }

    @Test func rateFollowsTheWindowNotTheWholePhase() {
        var rate = ProgressRate(window: .seconds(5))
        Self.steady(&rate)  // 100 MB/s to 1 GB at 10 s
        // Then 20 MB/s for 10 s: after a full window only the new speed counts.
        for tenth in 1...100 {
            rate.record(JobProgress(phase: .merging, bytesDone: 1_000 * Self.megabyte + Int64(tenth) * 2 * Self.megabyte),
                        at: .seconds(10) + .milliseconds(100 * tenth))
        }
        Self.expectClose(rate.bytesPerSecond(at: .seconds(20)), 20_000_000)
    }

    @Test func phaseChangeResets() {
        var rate = ProgressRate()
        Self.steady(&rate)
        rate.record(JobProgress(phase: .importing, bytesDone: 0, bytesTotal: 500 * Self.megabyte), at: .seconds(10))
        #expect(rate.bytesPerSecond(at: .seconds(10)) == nil)
        #expect(rate.secondsRemaining(at: .seconds(10)) == nil)
        #expect(rate.progress(at: .seconds(10))?.phase == .importing)
        // The new phase's own speed, from its own start: 50 MB in 1 s.
        rate.record(JobProgress(phase: .importing, bytesDone: 50 * Self.megabyte, bytesTotal: 500 * Self.megabyte), at: .seconds(11))
        Self.expectClose(rate.bytesPerSecond(at: .seconds(11)), 50_000_000)
        Self.expectClose(rate.secondsRemaining(at: .seconds(11)), 9)
    }

    @Test func bytesGoingBackResets() {
        var rate = ProgressRate()
        Self.steady(&rate)
        rate.record(JobProgress(phase: .merging, bytesDone: 0), at: .seconds(10))
        #expect(rate.bytesPerSecond(at: .seconds(10)) == nil)
    }

    @Test func unknownTotalGivesARateButNoETA() {
        var rate = ProgressRate()
        Self.steady(&rate, phase: .saving, total: nil)
        Self.expectClose(rate.bytesPerSecond(at: .seconds(10)), 100_000_000)
        #expect(rate.secondsRemaining(at: .seconds(10)) == nil)
        #expect(rate.progress(at: .seconds(10))?.secondsRemaining == nil)
    }

    @Test func zeroProgressGivesNoRate() {
        var rate = ProgressRate()
        #expect(rate.bytesPerSecond(at: .seconds(1)) == nil)
        #expect(rate.progress(at: .seconds(1)) == nil)
        for second in 0...10 {
            rate.record(JobProgress(phase: .saving, bytesDone: 0, bytesTotal: 100 * Self.megabyte), at: .seconds(second))
        }
        #expect(rate.bytesPerSecond(at: .seconds(10)) == nil)
        #expect(rate.secondsRemaining(at: .seconds(10)) == nil)
        #expect(rate.progress(at: .seconds(10))?.bytesPerSecond == nil)
    }

    @Test func tooShortASpanGivesNoRate() {
        var rate = ProgressRate(minimumSpan: .milliseconds(500))
        rate.record(JobProgress(phase: .saving, bytesDone: 0), at: .zero)
        rate.record(JobProgress(phase: .saving, bytesDone: 8 * Self.megabyte), at: .milliseconds(10))
        #expect(rate.bytesPerSecond(at: .milliseconds(10)) == nil)
        // The same bytes, asked about later: 8 MB over 0.5 s.
        Self.expectClose(rate.bytesPerSecond(at: .milliseconds(500)), 16_000_000)
    }

    @Test func stalledTransferDecays() {
        var rate = ProgressRate(window: .seconds(5))
        Self.steady(&rate)  // 100 MB/s to 1 GB at 10 s, then nothing more
        let rates = [11, 12, 13, 14].map { rate.bytesPerSecond(at: .seconds($0)) ?? -1 }
        Self.expectClose(rates[0], 80_000_000)
        Self.expectClose(rates[1], 60_000_000)
        Self.expectClose(rates[3], 20_000_000)
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 })
        #expect(rate.bytesPerSecond(at: .seconds(15)) == 0)
        #expect(rate.bytesPerSecond(at: .seconds(60)) == 0)
        #expect(rate.secondsRemaining(at: .seconds(60)) == nil)
        // A stall that keeps reporting the same count decays the same way.
        var reporting = ProgressRate(window: .seconds(5))
        Self.steady(&reporting)
        for second in 11...16 {
            reporting.record(JobProgress(phase: .merging, bytesDone: 1_000 * Self.megabyte), at: .seconds(second))
        }
        #expect(reporting.bytesPerSecond(at: .seconds(16)) == 0)
    }

    @Test func manyReportsKeepWorking() {
        var rate = ProgressRate(window: .seconds(2))
        // A report every millisecond for a minute at 1 GB/s.
        for millisecond in 0...60_000 {
            rate.record(JobProgress(phase: .merging, bytesDone: Int64(millisecond) * Self.megabyte), at: .milliseconds(millisecond))
        }
        Self.expectClose(rate.bytesPerSecond(at: .seconds(60)), 1_000_000_000)
    }
}

@Suite struct JobProgressRateCodingTests {
    @Test func progressWithoutARateDecodes() throws {
        // As an agent of before the rate sends it, and a coordinator of before stores it.
        let progress = try decode(JobProgress.self, #"{"phase": "merging", "bytesDone": 10, "bytesTotal": 100}"#)
        #expect(progress == JobProgress(phase: .merging, bytesDone: 10, bytesTotal: 100))
        #expect(progress.bytesPerSecond == nil)
        #expect(progress.secondsRemaining == nil)
        let heartbeat = try decode(Heartbeat.self, #"{"leaseToken": "t", "progress": {"phase": "saving", "bytesDone": 0}}"#)
        #expect(heartbeat.progress.bytesPerSecond == nil)
    }

    @Test func progressWithARateDecodesAndRoundTrips() throws {
        let progress = try decode(JobProgress.self, #"{"phase": "merging", "bytesDone": 10, "bytesTotal": 100, "bytesPerSecond": 4.5}"#)
        #expect(progress == JobProgress(phase: .merging, bytesDone: 10, bytesTotal: 100, bytesPerSecond: 4.5))
        #expect(progress.secondsRemaining == 20)
        #expect(try roundTrip(progress) == progress)
    }

    @Test func noRateIsLeftOutOfTheJSON() throws {
        // So an older peer sees exactly the message it knows.
        let object = try jsonObject(JobProgress(phase: .saving, bytesDone: 5))
        #expect(object["bytesPerSecond"] == nil)
        #expect(Set(object.keys) == ["phase", "bytesDone"])
    }

    @Test func secondsRemainingNeedsATotalAndAPositiveRate() {
        #expect(JobProgress(phase: .saving, bytesDone: 5, bytesPerSecond: 10).secondsRemaining == nil)
        #expect(JobProgress(phase: .saving, bytesDone: 5, bytesTotal: 25, bytesPerSecond: 0).secondsRemaining == nil)
        #expect(JobProgress(phase: .saving, bytesDone: 5, bytesTotal: 25, bytesPerSecond: 10).secondsRemaining == 2)
        #expect(JobProgress(phase: .saving, bytesDone: 50, bytesTotal: 25, bytesPerSecond: 10).secondsRemaining == 0)
    }

    @Test func heartbeatRateMustBeANonNegativeNumber() {
        let valid = Heartbeat(leaseToken: "t", progress: JobProgress(phase: .merging, bytesDone: 1, bytesPerSecond: 3))
        #expect(throws: Never.self) { try valid.validate() }
        let negative = Heartbeat(leaseToken: "t", progress: JobProgress(phase: .merging, bytesDone: 1, bytesPerSecond: -3))
        #expect(throws: ProtocolValidationError.self) { try negative.validate() }
    }
}
