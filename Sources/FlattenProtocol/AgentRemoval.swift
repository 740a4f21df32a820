/// The answer to removing an agent (`DELETE /v1/agents/{name or id}`).
public struct AgentRemoval: Sendable, Hashable, Codable {
    /// The agent as it is now: `removed`, its token revoked.
    public var agent: AgentInfo
    /// How many of its queued jobs were canceled (with the reason as their error).
    public var canceledJobs: Int
    /// How many of its running jobs were asked to cancel; they end `canceled` when their
    /// lease runs out, since the agent can no longer report.
    public var cancelRequestedJobs: Int

    public init(agent: AgentInfo, canceledJobs: Int, cancelRequestedJobs: Int) {
        self.agent = agent
        self.canceledJobs = canceledJobs
        self.cancelRequestedJobs = cancelRequestedJobs
    }
}
