import Foundation

/// A registered agent, as operators see it (`GET /v1/agents`).
///
/// `engineProduct`, `imageStore` and `platform` are what the agent reported when it last
/// registered; nil when it did not report them (an older agent) or has not re-registered since
/// the coordinator began storing them.
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
    /// The engine product, `Docker` or `Podman`.
    public var engineProduct: String?
    /// Where the engine keeps images, e.g. `containerd (overlayfs)`.
    public var imageStore: String?
    /// The engine's native platform, e.g. `linux/amd64`.
    public var platform: String?
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
    /// Why its engine does not answer, as the agent last reported it; nil while it answers.
    public var engineError: String?

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
        runningJobs: Int,
        engineProduct: String? = nil,
        imageStore: String? = nil,
        platform: String? = nil,
        engineError: String? = nil
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
        self.engineProduct = engineProduct
        self.imageStore = imageStore
        self.platform = platform
        self.engineError = engineError
    }
}
