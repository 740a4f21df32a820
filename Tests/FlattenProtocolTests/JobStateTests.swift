import Testing
@testable import FlattenProtocol

@Suite struct JobStateTests {
    /// Every allowed transition; any pair not listed must be refused.
    static let allowed: Set<[JobState]> = [
        [.queued, .running],
        [.queued, .canceled],
        [.running, .succeeded],
        [.running, .failed],
        [.running, .skipped],
        [.running, .canceled],
        [.running, .queued],
    ]

    static let allPairs: [(JobState, JobState)] = JobState.allCases.flatMap { from in
        JobState.allCases.map { to in (from, to) }
    }

    @Test(arguments: allPairs)
    func transitionTable(from: JobState, to: JobState) {
        #expect(from.canTransition(to: to) == Self.allowed.contains([from, to]))
    }

    @Test func terminalStates() {
        #expect(JobState.allCases.filter(\.isTerminal) == [.succeeded, .failed, .skipped, .canceled])
        for state in JobState.allCases where state.isTerminal {
            #expect(state.successors.isEmpty, "\(state) is terminal but has successors")
        }
        for state in JobState.allCases where !state.isTerminal {
            #expect(!state.successors.isEmpty, "\(state) is not terminal but is stuck")
        }
    }

    @Test func rawValues() {
        #expect(JobState.allCases.map(\.rawValue) == ["queued", "running", "succeeded", "failed", "skipped", "canceled"])
    }
}
