import Foundation

/// Runs blocking work (reading a child's pipes, waiting for its exit) on a thread of its own.
///
/// Swift's cooperative pool has one thread per core, two on CI machines: a blocking read there
/// for the length of a flatten stalls every other test's timers and I/O in the process.
func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: body()) }
    }
}
