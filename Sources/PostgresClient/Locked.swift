import Foundation

/// A value guarded by a lock.
///
/// `@unchecked Sendable` is safe because `value` is only reached through `withLock`, which
/// holds `lock` for the whole access. (NIOConcurrencyHelpers' box is not a dependency of this
/// target, and `Synchronization.Mutex` needs macOS 15.)
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
