import FlattenProtocol
import Flattening
import FleetFormatting
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows a flatten's progress as one rewritten line on standard error, when it is a terminal:
/// `merging 1.2GB / 4GB (30%) 410MB/s, ETA 6.8s`, the rate and ETA from ``ProgressRate``.
final class ProgressLine: Sendable {
    let isEnabled: Bool
    private let rate = RateState()

    init() {
        isEnabled = isatty(STDERR_FILENO) == 1
    }

    /// The callback to hand to a flatten (does nothing when standard error is not a terminal).
    var callback: @Sendable (JobProgress) -> Void {
        guard isEnabled else { return { _ in } }
        let rate = self.rate
        return { progress in
            let measured = rate.record(progress)
            FileHandle.standardError.write(Data("\r\u{1B}[K\(Self.text(measured))".utf8))
        }
    }

    /// The line for `progress`, whose ``JobProgress/bytesPerSecond`` is the measured rate.
    static func text(_ progress: JobProgress) -> String {
        var text = "\(progress.phase.rawValue)"
        if progress.bytesDone > 0 || progress.bytesTotal != nil {
            text += " " + ByteCount(progress.bytesDone).description
            if let total = progress.bytesTotal {
                text += " / " + ByteCount(total).description
                if let fraction = progress.fractionDone { text += " (\(Int(fraction * 100))%)" }
            }
        }
        if let rate = Formatting.rateAndETA(progress) { text += " " + rate }
        return text
    }

    /// Clears the line before the command prints its answer.
    func clear() {
        guard isEnabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// The ``ProgressRate`` of the flatten being drawn, behind a lock: the flatten reports from
/// whichever of its tasks is moving bytes.
private final class RateState: @unchecked Sendable {
    // @unchecked: `rate` is only touched with `lock` held.
    private let lock = NSLock()
    private var rate = ProgressRate()
    private let start = ContinuousClock.now

    /// Records `progress` now; answers it with the rate measured so far.
    func record(_ progress: JobProgress) -> JobProgress {
        let now = start.duration(to: .now)
        return lock.withLock {
            rate.record(progress, at: now)
            return rate.progress(at: now) ?? progress
        }
    }
}
