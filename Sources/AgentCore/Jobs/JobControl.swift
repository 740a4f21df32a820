import FlattenProtocol
import NIOConcurrencyHelpers

/// What the tasks of one running job share: the latest progress (sent with each heartbeat,
/// with its rate) and the request to stop the flatten early, with its reason.
final class JobControl: Sendable {
    private let state: NIOLockedValueBox<(progress: JobProgress, rate: ProgressRate, stop: StopReason?)>
    /// The origin of the times given to ``ProgressRate``.
    private let start = ContinuousClock.now
    private let stops: AsyncStream<Void>
    private let stopContinuation: AsyncStream<Void>.Continuation

    private let phaseChanges: AsyncStream<Void>
    private let phaseContinuation: AsyncStream<Void>.Continuation

    init(progress: JobProgress) {
        state = NIOLockedValueBox((progress, ProgressRate(), nil))
        (stops, stopContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        (phaseChanges, phaseContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// The latest progress, with the rate it has moved at lately (``ProgressRate``, measured
    /// now: a flatten that stalled since its last report shows a falling rate).
    var progress: JobProgress {
        let now = start.duration(to: .now)
        return state.withLockedValue { $0.rate.progress(at: now) ?? $0.progress }
    }

    /// The latest progress as the flatten reported it, without a rate: what the heartbeats that
    /// keep the lease during delivery repeat (the flatten has stopped, a rate would be stale).
    var lastReport: JobProgress { state.withLockedValue { $0.progress } }

    /// Why the flatten was asked to stop, if it was.
    var stopReason: StopReason? { state.withLockedValue { $0.stop } }

    /// Records new progress; answers the phase when it differs from the previous one.
    func update(_ progress: JobProgress) -> FlattenPhase? {
        let now = start.duration(to: .now)
        let changed = state.withLockedValue { current in
            let changed = current.progress.phase != progress.phase
            current.progress = progress
            current.rate.record(progress, at: now)
            return changed
        }
        guard changed else { return nil }
        phaseContinuation.yield()
        return progress.phase
    }

    /// Returns when the phase changes (or changed since the last call), or when the calling
    /// task is cancelled. One caller at a time: the job's heartbeat loop.
    func waitForPhaseChange() async {
        for await _ in phaseChanges { return }
    }

    /// Asks the flatten to stop; the first reason wins. Answers whether this was the first.
    @discardableResult
    func stop(_ reason: StopReason) -> Bool {
        let first = state.withLockedValue { current in
            guard current.stop == nil else { return false }
            current.stop = reason
            return true
        }
        if first { stopContinuation.yield() }
        return first
    }

    /// Returns when a stop is asked for, or when the calling task is cancelled.
    func waitForStop() async {
        for await _ in stops { return }
    }
}
