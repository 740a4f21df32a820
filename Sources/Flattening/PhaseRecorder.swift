import FlattenProtocol

/// Times the phases of one flatten and reports its progress, throttled: a report when a phase
/// starts, then at most one per ``reportInterval`` bytes, and one when the phase ends.
///
/// Used by the one task that runs the flatten, and by the child tasks it awaits; the counters
/// are only touched from the task currently moving bytes.
final class PhaseRecorder: @unchecked Sendable {
    // @unchecked: the flatten's phases run one after another; within a phase exactly one task
    // (the producer of the bytes) calls `advance`, and `durations` is read only after the
    // phases ran, so no two tasks touch the mutable state at once.

    static let reportInterval: Int64 = 8 << 20

    private let report: @Sendable (JobProgress) -> Void
    private(set) var durations: [FlattenPhase: Double] = [:]
    private var phase: FlattenPhase?
    private var done: Int64 = 0
    private var total: Int64?
    private var lastReported: Int64 = 0

    init(report: @escaping @Sendable (JobProgress) -> Void) {
        self.report = report
    }

    /// Runs `body` as `phase`, adding its wall-clock time to the phase's duration.
    func run<Result>(_ phase: FlattenPhase, total: Int64? = nil, _ body: () async throws -> Result) async rethrows -> Result {
        self.phase = phase
        done = 0
        lastReported = 0
        self.total = total
        report(JobProgress(phase: phase, bytesDone: 0, bytesTotal: total))
        let clock = ContinuousClock()
        let start = clock.now
        defer {
            let elapsed = start.duration(to: clock.now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            durations[phase, default: 0] += seconds
        }
        let result = try await body()
        report(JobProgress(phase: phase, bytesDone: done, bytesTotal: total ?? (done > 0 ? done : nil)))
        return result
    }

    /// Sets the current phase's total once it is known.
    func setTotal(_ total: Int64) {
        self.total = total
    }

    /// Counts `bytes` more done in the current phase.
    func advance(_ bytes: Int) {
        done += Int64(bytes)
        guard let phase, done - lastReported >= Self.reportInterval else { return }
        lastReported = done
        report(JobProgress(phase: phase, bytesDone: done, bytesTotal: total))
    }
}
