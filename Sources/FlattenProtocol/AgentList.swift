/// A page of the registered agents (`GET /v1/agents`).
public struct AgentList: Sendable, Hashable, Codable {
    /// The agents of this page, by name.
    public var agents: [AgentInfo]
    /// Pass as the `cursor` query parameter to get the next page; nil on the last page.
    public var nextCursor: String?

    public init(agents: [AgentInfo], nextCursor: String? = nil) {
        self.agents = agents
        self.nextCursor = nextCursor
    }
}
