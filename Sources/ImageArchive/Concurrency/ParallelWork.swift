import Dispatch
import Foundation

/// CPU-bound work spread over the machine's cores.
///
/// Compressing and inflating layers is pure computation on memory the caller owns, so it runs on
/// Dispatch's `concurrentPerform`, which sizes itself to the cores and makes the calling thread
/// one of the workers, rather than on the cooperative pool, which Swift concurrency expects to
/// stay free of long blocking work.
public enum ParallelWork {
    /// The cores this process may use.
    public static var coreCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `body(0) … body(count - 1)`, run concurrently, with their results in index order. When
    /// several calls throw, the error of the lowest index is rethrown; all calls run to their end
    /// first, so nothing a call owns outlives this function.
    public static func map<Result>(_ count: Int, _ body: (Int) throws -> Result) throws -> [Result] {
        guard count > 1 else { return try (0..<count).map(body) }
        let slots = UnsafeMutableBufferPointer<Swift.Result<Result, any Error>?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        // Each index writes only its own slot, so the slots need no lock.
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            nonisolated(unsafe) let slots = slots
            DispatchQueue.concurrentPerform(iterations: count) { index in
                slots[index] = Swift.Result { try body(index) }
            }
        }
        return try slots.map { try $0!.get() }
    }
}
