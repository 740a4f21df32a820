/// Turns the ``JobProgress`` reports of one flatten into a rate (bytes per second) and an ETA.
///
/// Why a sliding window of a few seconds: an average since the phase began hides a slowdown
/// (a throttled registry, a disk filling up) for minutes, while the gap between the last two
/// reports jumps with the flatten's report granularity (a report every 8 MB). A few seconds of
/// history answer "how fast is it going now" steadily.
///
/// Why the rate resets when the phase changes: each phase moves different bytes at its own
/// speed (saving reads the engine's stream, merging writes the disk), so a rate carries nothing
/// from one phase to the next. A phase whose byte count goes back down starts over the same way.
///
/// Why the rate is asked for at a time: reports arrive only when bytes move, so a stalled
/// transfer sends none. The rate is worked out against the time asked, and decays to 0 as the
/// window slides past the last movement, instead of freezing at the last good speed.
///
/// A pure value with no clock of its own: times are passed in as the `Duration` since any fixed
/// origin (the caller's monotonic clock at some start), which keeps tests deterministic.
public struct ProgressRate: Sendable, Hashable {
    /// How much history the rate is measured over.
    public let window: Duration
    /// The least history a rate is given for: over a shorter span, one report's worth of bytes
    /// would make a wild rate (8 MB in 10 ms is not 800 MB/s sustained).
    public let minimumSpan: Duration

    private struct Sample: Sendable, Hashable {
        var time: Duration
        var bytes: Int64
    }

    /// The latest report, as recorded.
    public private(set) var latest: JobProgress?
    /// The current phase's samples, oldest first: one at or before the window's start (to measure
    /// from), then samples at least `window / 10` apart, the last being the latest report. So the
    /// array stays small however often reports come.
    private var samples: [Sample] = []
    /// Whether the current phase's byte count has moved since its first report: until it has,
    /// there is no rate (zero progress says nothing about speed); after, a stall is a rate of 0.
    private var hasMoved = false

    public init(window: Duration = .seconds(5), minimumSpan: Duration = .milliseconds(500)) {
        precondition(window > .zero, "the rate window must be positive")
        self.window = window
        self.minimumSpan = min(minimumSpan, window)
    }

    /// Records a report made at `time`. Times should not go backwards; one that does counts as
    /// the previous report's time.
    public mutating func record(_ progress: JobProgress, at time: Duration) {
        let time = max(time, samples.last?.time ?? time)
        if progress.phase != latest?.phase || progress.bytesDone < (samples.last?.bytes ?? 0) {
            samples.removeAll()
            hasMoved = false
        }
        latest = progress
        let sample = Sample(time: time, bytes: progress.bytesDone)
        if let first = samples.first, sample.bytes > first.bytes { hasMoved = true }
        if samples.count >= 2, time - samples[samples.count - 2].time < window / 10 {
            samples[samples.count - 1] = sample
        } else {
            samples.append(sample)
        }
        // Keep one sample at or before the window's start, to measure from.
        while samples.count >= 2, samples[1].time <= time - window {
            samples.removeFirst()
        }
    }

    /// Bytes per second over the window ending at `now` (or since the phase began, when that is
    /// more recent): `nil` until the phase has moved over at least ``minimumSpan``; `0` once it
    /// has stalled for a whole window.
    public func bytesPerSecond(at now: Duration) -> Double? {
        guard hasMoved, let first = samples.first, let last = samples.last else { return nil }
        let now = max(now, last.time)
        let windowStart = now - window
        var from = first
        if first.time < windowStart {
            if let next = samples.firstIndex(where: { $0.time > windowStart }) {
                // The bytes done at the window's start, between the samples around it.
                let before = samples[next - 1], after = samples[next]
                let share = Self.seconds(windowStart - before.time) / Self.seconds(after.time - before.time)
                from = Sample(time: windowStart, bytes: before.bytes + Int64((Double(after.bytes - before.bytes) * share).rounded()))
            } else {
                // Nothing was reported in the whole window: the phase has stalled.
                from = Sample(time: windowStart, bytes: last.bytes)
            }
        }
        let span = now - from.time
        guard span >= minimumSpan, span > .zero else { return nil }
        return max(0, Double(last.bytes - from.bytes) / Self.seconds(span))
    }

    /// Seconds until the current phase is done at ``bytesPerSecond(at:)``: `nil` when its total
    /// is unknown or it is not moving.
    public func secondsRemaining(at now: Duration) -> Double? {
        progress(at: now)?.secondsRemaining
    }

    /// The latest report with ``JobProgress/bytesPerSecond`` set to the rate at `now`, in whole
    /// bytes per second (finer means nothing, and keeps the JSON short); `nil` before any report.
    public func progress(at now: Duration) -> JobProgress? {
        guard var progress = latest else { return nil }
        progress.bytesPerSecond = bytesPerSecond(at: now).map { $0.rounded() }
        return progress
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
