@testable import CoordinatorCore
import FlattenProtocol
import Testing

@Suite("Agent rules (pure)")
struct AgentRulesTests {
    @Test("only active agents may claim")
    func mayClaim() {
        #expect(AgentControl.allCases.filter(AgentRules.mayClaim) == [.active])
    }

    @Test("every action from every control", arguments: AgentAction.allCases)
    func transitions(action: AgentAction) {
        let expected: [AgentControl: AgentTransition] = switch action {
        case .pause: [.active: .changed(to: .paused), .paused: .unchanged, .draining: .changed(to: .paused)]
        case .drain: [.active: .changed(to: .draining), .paused: .unchanged, .draining: .unchanged]
        case .resume: [.active: .unchanged, .paused: .changed(to: .active), .draining: .changed(to: .active)]
        case .approve: [:]
        }
        for control in AgentControl.allCases {
            let result = AgentRules.transition(action, from: control)
            switch (action, control) {
            case (.approve, .pending):
                #expect(result == .changed(to: .active))
            case (.approve, _), (_, .pending):
                guard case .refused(let reason) = result else {
                    Issue.record("\(action) from \(control) should be refused, got \(result)")
                    continue
                }
                #expect(reason.contains(action == .approve ? "not pending" : "approve it first"), "\(reason)")
            default:
                #expect(result == expected[control], "\(action) from \(control)")
            }
        }
    }

    @Test("operators' decisions come before reachability, reachability before the engine")
    func statePrecedence() {
        func state(_ control: AgentControl, removed: Bool = false, online: Bool = true, engine: Bool = true, running: Int = 0) -> AgentState {
            AgentRules.state(control: control, removed: removed, online: online, engineAvailable: engine, runningJobs: running)
        }
        #expect(state(.active) == .online)
        #expect(state(.active, engine: false) == .engineUnavailable)
        #expect(state(.active, online: false, engine: false) == .offline)
        #expect(state(.paused, online: false, engine: false) == .paused)
        #expect(state(.draining, running: 2) == .draining)
        #expect(state(.draining, running: 0) == .paused)
        #expect(state(.pending, online: false) == .pending)
        #expect(state(.active, removed: true) == .removed)
        #expect(state(.pending, removed: true) == .removed)
    }

    @Test("fleet submissions reach online agents only")
    func fleet() {
        #expect(AgentState.allCases.filter(AgentRules.receivesFleetJobs) == [.online])
    }

    @Test("an engine-unavailable failure requeues and refunds, even on the last attempt; a cancel still wins")
    func engineUnavailableFailure() {
        #expect(JobRules.outcomeAfterFailure(retryable: false, engineUnavailable: true, cancelRequested: false, attempt: 3, maxAttempts: 3)
            == FailureOutcome(state: .queued, attemptRefunded: true))
        #expect(JobRules.outcomeAfterFailure(retryable: true, engineUnavailable: true, cancelRequested: true, attempt: 1, maxAttempts: 3)
            == FailureOutcome(state: .canceled, attemptRefunded: false))
        #expect(JobRules.outcomeAfterFailure(retryable: true, engineUnavailable: false, cancelRequested: false, attempt: 3, maxAttempts: 3)
            == FailureOutcome(state: .failed, attemptRefunded: false))
        #expect(JobRules.outcomeAfterFailure(retryable: true, engineUnavailable: false, cancelRequested: false, attempt: 1, maxAttempts: 3)
            == FailureOutcome(state: .queued, attemptRefunded: false))
    }
}
