import Foundation

/// A registered agent, as operators see it (`GET /v1/agents`).
public struct AgentInfo: Sendable, Hashable, Codable, Identifiable {
    /// The agent's ID.
    public var id: UUID
    /// The agent's unique name.
    public var name: String
    /// The agent's labels.
    public var labels: [String: String]
    /// The Docker Engine version.
    public var engineVersion: String
    /// The Docker Engine API version in use.
    public var engineAPIVersion: String
    /// How many jobs the agent runs at once.
    public var capacity: Int
    /// When the agent last called the coordinator.
    public var lastSeenAt: Date
    /// When the agent (last) registered.
    public var registeredAt: Date
    /// Online or offline.
    public var state: AgentState
    /// How many of its jobs are running now.
    public var runningJobs: Int

    public init(
        id: UUID,
        name: String,
        labels: [String: String],
        engineVersion: String,
        engineAPIVersion: String,
        capacity: Int,
        lastSeenAt: Date,
        registeredAt: Date,
        state: AgentState,
        runningJobs: Int
    ) {
        self.id = id
        self.name = name
        self.labels = labels
        self.engineVersion = engineVersion
        self.engineAPIVersion = engineAPIVersion
        self.capacity = capacity
        self.lastSeenAt = lastSeenAt
        self.registeredAt = registeredAt
        self.state = state
        self.runningJobs = runningJobs
    }
}
