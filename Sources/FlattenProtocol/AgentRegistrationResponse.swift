import Foundation

/// The coordinator's answer to an ``AgentRegistration``.
public struct AgentRegistrationResponse: Sendable, Hashable, Codable {
    /// The agent's ID.
    public var agentId: UUID
    /// The agent's bearer token for all later calls. Shown only here: the coordinator keeps
    /// just its SHA-256 hash.
    public var agentToken: String

    public init(agentId: UUID, agentToken: String) {
        self.agentId = agentId
        self.agentToken = agentToken
    }
}
