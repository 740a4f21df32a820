import AgentCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// One run of an ``Agent`` in this process, in a service group of its own the way
/// `flatten-agent run` runs it, but with no signals: the test stops it.
///
/// - ``stopGracefully()`` is the first SIGTERM: no more claims, running jobs finish and are
///   reported, then the run ends;
/// - ``stopHard()`` is the second: running flattens are cancelled (they remove what they made
///   and are reported as retryable failures).
final class AgentRun: Sendable {
    let agent: Agent
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(agent: Agent) {
        self.agent = agent
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: agent)], gracefulShutdownSignals: [],
            logger: Logger(label: "agent-test-group", factory: { _ in SwiftLogNoOpLogHandler() })))
        self.group = group
        task = Task { try await group.run() }
    }

    func stopGracefully() async {
        await group.triggerGracefulShutdown()
    }

    func stopHard() {
        task.cancel()
    }

    /// Waits until the run ended and answers how; fails when it has not ended within
    /// `timeout` (a bound, not a measure).
    @discardableResult
    func ended(timeout: Duration = .seconds(90)) async throws -> Result<Void, any Error> {
        let task = self.task
        // Unstructured waits: awaiting a task's result does not end when the waiter is
        // cancelled, so a run that hangs must not hold up the timeout.
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, any Error>?, Never>) in
            let resumed = NIOLockedValueBox(false)
            let resume = { @Sendable (value: Result<Void, any Error>?) in
                let first = resumed.withLockedValue { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(returning: value) }
            }
            Task { resume(await task.result) }
            Task {
                try? await Task.sleep(for: timeout)
                resume(nil)
            }
        }
        guard let outcome else {
            throw AgentRunError(description: "the agent's run did not end within \(timeout)")
        }
        return outcome
    }
}

struct AgentRunError: Error, CustomStringConvertible {
    let description: String
}
