/// What an agent is doing for the fleet, as operators see it (`GET /v1/agents`).
///
/// One value per agent, by precedence: what an operator decided (``removed``, ``pending``,
/// ``draining``, ``paused``) comes first, then whether the agent is reachable (``offline``),
/// then what it reported of its engine (``engineUnavailable``); else ``online``. Only
/// ``online`` agents receive fleet submissions (`selector`, `all`).
///
/// Protocol version 2 added every state but `online` and `offline`.
public enum AgentState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Seen recently (claiming or heartbeating); fleet submissions include it.
    case online
    /// Not seen for a while; fleet submissions skip it.
    case offline
    /// An operator paused it, or it finished draining: it claims nothing until resumed.
    case paused
    /// An operator is draining it: it claims nothing, its running jobs finish; it reads
    /// ``paused`` once none runs.
    case draining
    /// Registered while the coordinator requires approval (`--enroll-approval`): it gets no
    /// job until an operator approves it.
    case pending
    /// The agent reports that its container engine does not answer: it claims nothing until
    /// the engine is back.
    case engineUnavailable = "engine-unavailable"
    /// An operator removed it: its token is revoked. Only in the answer to the removal.
    case removed

    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeProtocolEnum()
    }
}
