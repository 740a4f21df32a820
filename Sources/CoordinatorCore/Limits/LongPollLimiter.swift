import Foundation
import NIOConcurrencyHelpers

/// Counts the claim requests each agent has open, so one agent (or a stolen agent token)
/// cannot hold an unbounded number of long polls (`--max-polls-per-agent`).
///
/// An agent claims one job at a time per free slot, so it normally holds one poll; a few more
/// happen when it retries a claim whose connection broke while the coordinator still holds it.
final class LongPollLimiter: Sendable {
    let maxPerAgent: Int
    private let counts = NIOLockedValueBox<[UUID: Int]>([:])

    init(maxPerAgent: Int) {
        precondition(maxPerAgent >= 1)
        self.maxPerAgent = maxPerAgent
    }

    /// Runs `body` as one of `agent`'s open polls; nil, without running it, when the agent
    /// already holds ``maxPerAgent``.
    func withPoll<T>(for agent: UUID, _ body: () async throws -> T) async rethrows -> T? {
        let admitted = counts.withLockedValue { counts in
            let open = counts[agent, default: 0]
            guard open < maxPerAgent else { return false }
            counts[agent] = open + 1
            return true
        }
        guard admitted else { return nil }
        defer {
            counts.withLockedValue { counts in
                let open = counts[agent, default: 1] - 1
                counts[agent] = open > 0 ? open : nil
            }
        }
        return try await body()
    }

    /// The polls `agent` has open.
    func openPolls(of agent: UUID) -> Int {
        counts.withLockedValue { $0[agent, default: 0] }
    }
}
