/// The registered agents (`GET /v1/agents`).
public struct AgentList: Sendable, Hashable, Codable {
    /// The agents, by name.
    public var agents: [AgentInfo]

    public init(agents: [AgentInfo]) {
        self.agents = agents
    }
}
