import FlattenProtocol

/// What an operator decided about an agent: the `control` column.
public enum AgentControl: String, Sendable, Hashable, CaseIterable {
    /// Claims jobs (the default).
    case active
    /// Claims nothing until resumed.
    case paused
    /// Claims nothing; its running jobs finish. Shown `paused` once none runs.
    case draining
    /// Registered while approval is required: claims nothing until approved.
    case pending
}

/// An operator's action on an agent (`POST /v1/agents/{name or id}/{action}`).
public enum AgentAction: String, Sendable, Hashable, CaseIterable {
    case pause, resume, drain, approve
}

/// What an action does to an agent's control.
public enum AgentTransition: Sendable, Hashable {
    /// The control becomes this.
    case changed(to: AgentControl)
    /// The agent already is where the action leads; nothing changes (the answer is still 200).
    case unchanged
    /// The action does not apply to the agent's control (409); the reason says what would.
    case refused(String)
}

/// The rules about agents, as pure functions: who may claim, which agents a fleet submission
/// reaches, what an operator's action does, and the state operators see.
///
/// ``AgentStore`` and ``JobStore`` apply them in SQL: a claim takes jobs only for agents whose
/// `control` is `active` (``mayClaim(_:)``); a fleet submission only reaches agents whose
/// ``state(control:removed:online:engineAvailable:runningJobs:)`` is `online`.
public enum AgentRules {
    /// Whether an agent with this control gets jobs when it claims.
    public static func mayClaim(_ control: AgentControl) -> Bool {
        control == .active
    }

    /// Whether a fleet submission (`selector`, `all`) queues a job for an agent in `state`.
    /// A `host` submission names its agent whatever its state (but never a removed one).
    public static func receivesFleetJobs(_ state: AgentState) -> Bool {
        state == .online
    }

    /// What `action` does to an agent whose control is `control`.
    ///
    /// Pause and drain both stop claims; resume undoes either. A pending agent can only be
    /// approved (or removed): pausing or resuming it would hide that nobody approved it.
    public static func transition(_ action: AgentAction, from control: AgentControl) -> AgentTransition {
        switch (action, control) {
        case (_, .pending) where action != .approve:
            return .refused("it is pending approval; approve it first (or remove it)")
        case (.approve, .pending):
            return .changed(to: .active)
        case (.approve, _):
            return .refused("it is not pending approval (it is \(control.rawValue))")
        case (.pause, .paused):
            return .unchanged
        case (.pause, _):
            return .changed(to: .paused)
        case (.drain, .active):
            return .changed(to: .draining)
        case (.drain, _):
            // Draining or paused: it claims nothing already, and its running jobs go on.
            return .unchanged
        case (.resume, .active):
            return .unchanged
        case (.resume, _):
            return .changed(to: .active)
        }
    }

    /// The state operators see (see ``AgentState`` for the precedence).
    ///
    /// - Parameters:
    ///   - online: seen within the lease time.
    ///   - engineAvailable: false while the agent's last engine report said it does not answer.
    public static func state(
        control: AgentControl, removed: Bool, online: Bool, engineAvailable: Bool, runningJobs: Int
    ) -> AgentState {
        if removed { return .removed }
        switch control {
        case .pending: return .pending
        case .paused: return .paused
        case .draining: return runningJobs > 0 ? .draining : .paused
        case .active:
            if !online { return .offline }
            if !engineAvailable { return .engineUnavailable }
            return .online
        }
    }
}
