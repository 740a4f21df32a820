import Foundation

/// Who this agent is to the coordinator, kept in the state directory so that a restart keeps
/// the agent's ID, name and token.
public struct AgentIdentity: Sendable, Hashable, Codable {
    /// The ID the coordinator gave.
    public var agentId: UUID
    /// The agent's bearer token (a secret: the file is mode 0600).
    public var agentToken: String
    /// The name the agent registered under.
    public var name: String
    /// The coordinator that issued the token.
    public var coordinatorURL: String
    /// When the agent last registered.
    public var registeredAt: Date

    public init(agentId: UUID, agentToken: String, name: String, coordinatorURL: String, registeredAt: Date) {
        self.agentId = agentId
        self.agentToken = agentToken
        self.name = name
        self.coordinatorURL = coordinatorURL
        self.registeredAt = registeredAt
    }
}
