import FlattenProtocol
import Flattening
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows a flatten's progress as one rewritten line on standard error, when it is a terminal.
final class ProgressLine: Sendable {
    let isEnabled: Bool

    init() {
        isEnabled = isatty(STDERR_FILENO) == 1
    }

    /// The callback to hand to a flatten (does nothing when standard error is not a terminal).
    var callback: @Sendable (JobProgress) -> Void {
        guard isEnabled else { return { _ in } }
        return { progress in
            var text = "\(progress.phase.rawValue)"
            if progress.bytesDone > 0 || progress.bytesTotal != nil {
                text += " " + ByteCount(progress.bytesDone).description
                if let total = progress.bytesTotal {
                    text += " / " + ByteCount(total).description
                    if let fraction = progress.fractionDone { text += " (\(Int(fraction * 100))%)" }
                }
            }
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        }
    }

    /// Clears the line before the command prints its answer.
    func clear() {
        guard isEnabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
