import Foundation
import Logging
import NIOConcurrencyHelpers

/// A log that keeps every entry written through its loggers, so a test can check what was
/// said, wait for a line, or act at the very moment a line is written (``onEntry(_:)``).
///
/// Loggers made by ``logger(label:)`` keep their own metadata, as swift-log's handlers must
/// (the agent gives each job's logger a `job` key), and write to this one record.
final class AgentLog: Sendable {
    /// One entry: its level, message and metadata (the logger's and the call's, as text).
    struct Entry: Sendable, CustomStringConvertible {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]

        /// The value of `key`, e.g. the `job` of a job's line.
        subscript(key: String) -> String? { metadata[key] }

        /// Whether this is a line of job `id`.
        func isAbout(_ id: UUID) -> Bool { metadata["job"] == id.uuidString.lowercased() }

        /// `message key=value …`, keys sorted.
        var description: String {
            ([message] + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
        }
    }

    private struct Waiter {
        let matches: @Sendable (Entry) -> Bool
        let continuation: CheckedContinuation<Entry, any Error>
    }

    private struct State {
        var entries: [Entry] = []
        var hooks: [@Sendable (Entry) -> Void] = []
        var waiters: [UUID: Waiter] = [:]
        /// Waits that ended (timed out, cancelled) before their waiter was in place.
        var ended: [UUID: any Error] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// A logger writing here, at `level` and above.
    func logger(label: String = "agent-test", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in Handler(recorder: self) }
        logger.logLevel = level
        return logger
    }

    /// Every entry so far, oldest first.
    var entries: [Entry] { state.withLockedValue { $0.entries } }

    /// The entries about job `id`.
    func entries(about id: UUID) -> [Entry] { entries.filter { $0.isAbout(id) } }

    /// Runs `hook` for every entry from now on, inside the logging call (so before the code
    /// that logged goes on). It must be quick and must not log.
    func onEntry(_ hook: @escaping @Sendable (Entry) -> Void) {
        state.withLockedValue { $0.hooks.append(hook) }
    }

    /// Runs `action` once, inside the logging call of the first entry (from now on) that
    /// `matches`.
    func once(_ matches: @escaping @Sendable (Entry) -> Bool, _ action: @escaping @Sendable () -> Void) {
        let done = NIOLockedValueBox(false)
        onEntry { entry in
            guard matches(entry) else { return }
            let first = done.withLockedValue { done in
                defer { done = true }
                return !done
            }
            if first { action() }
        }
    }

    /// How many entries were written so far: a mark for ``wait(for:after:timeout:_:)``.
    var count: Int { state.withLockedValue { $0.entries.count } }

    /// The first entry (already written after `mark`, or to come) that `matches`; fails after
    /// `timeout` (a generous bound, never a measure), naming `what` and showing the log.
    @discardableResult
    func wait(
        for what: String, after mark: Int = 0, timeout: Duration = .seconds(90),
        _ matches: @escaping @Sendable (Entry) -> Bool
    ) async throws -> Entry {
        let id = UUID()
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self.fail(id, AgentLogTimeout(what: what, timeout: timeout, log: self.entries))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let found = state.withLockedValue { state -> Result<Entry, any Error>? in
                    if let entry = state.entries.dropFirst(mark).first(where: matches) { return .success(entry) }
                    if let error = state.ended.removeValue(forKey: id) { return .failure(error) }
                    state.waiters[id] = Waiter(matches: matches, continuation: continuation)
                    return nil
                }
                if let found { continuation.resume(with: found) }
            }
        } onCancel: {
            self.fail(id, CancellationError())
        }
    }

    /// Waits for the line `message` of job `id`.
    @discardableResult
    func wait(for message: String, of id: UUID, timeout: Duration = .seconds(90)) async throws -> Entry {
        try await wait(for: "\"\(message)\" of job \(id.uuidString.lowercased())", timeout: timeout) {
            $0.message == message && $0.isAbout(id)
        }
    }

    private func fail(_ id: UUID, _ error: any Error) {
        let waiter = state.withLockedValue { state in
            guard let waiter = state.waiters.removeValue(forKey: id) else {
                state.ended[id] = error
                return nil as Waiter?
            }
            return waiter
        }
        waiter?.continuation.resume(throwing: error)
    }

    fileprivate func record(_ entry: Entry) {
        let (hooks, matched) = state.withLockedValue { state in
            state.entries.append(entry)
            let matched = state.waiters.filter { $0.value.matches(entry) }
            for id in matched.keys { state.waiters[id] = nil }
            return (state.hooks, Array(matched.values))
        }
        for hook in hooks {
            hook(entry)
        }
        for waiter in matched {
            waiter.continuation.resume(returning: entry)
        }
    }

    /// swift-log's handler: a value, so that each logger copy keeps its own metadata.
    private struct Handler: LogHandler {
        let recorder: AgentLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.record(Entry(
                level: event.level, message: "\(event.message)",
                metadata: merged.mapValues { "\($0)" }))
        }
    }
}

/// A line that did not come in time; shows the log so far.
struct AgentLogTimeout: Error, CustomStringConvertible {
    let what: String
    let timeout: Duration
    let log: [AgentLog.Entry]

    var description: String {
        "timed out after \(timeout) waiting for \(what); the log:\n"
            + log.suffix(60).map { "  [\($0.level)] \($0)" }.joined(separator: "\n")
    }
}
