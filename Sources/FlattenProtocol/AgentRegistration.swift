/// An agent enrolling with the coordinator (`POST /v1/agents/register`, authorized by the
/// enrollment token).
///
/// Registering again under the same name replaces that agent's token and details.
///
/// `engineProduct`, `imageStore` and `platform` are optional: agents built before they were
/// reported still register, and are listed without them.
public struct AgentRegistration: Sendable, Hashable, Codable {
    /// The agent's unique name; a `{"host": name}` target picks it.
    public var name: String
    /// Labels a selector target matches, e.g. `["region": "eu", "tier": "build"]`.
    public var labels: [String: String]
    /// The Docker Engine version, e.g. `20.10.24`.
    public var engineVersion: String
    /// The Docker Engine API version in use, e.g. `1.41`.
    public var engineAPIVersion: String
    /// The engine product, `Docker` or `Podman`; nil from agents that do not report it.
    public var engineProduct: String?
    /// Where the engine keeps images, e.g. `containerd (overlayfs)` or `graphdriver (overlay2)`;
    /// it decides whether a flatten's compression applies. Nil from agents that do not report it.
    public var imageStore: String?
    /// The engine's native platform, e.g. `linux/amd64`; nil from agents that do not report it.
    public var platform: String?
    /// ``FlattenProtocolVersion/current`` of the agent's build.
    public var protocolVersion: Int
    /// How many jobs the agent runs at once (at least 1).
    public var capacity: Int

    public init(
        name: String,
        labels: [String: String] = [:],
        engineVersion: String,
        engineAPIVersion: String,
        protocolVersion: Int = FlattenProtocolVersion.current,
        capacity: Int = 1,
        engineProduct: String? = nil,
        imageStore: String? = nil,
        platform: String? = nil
    ) {
        self.name = name
        self.labels = labels
        self.engineVersion = engineVersion
        self.engineAPIVersion = engineAPIVersion
        self.protocolVersion = protocolVersion
        self.capacity = capacity
        self.engineProduct = engineProduct
        self.imageStore = imageStore
        self.platform = platform
    }

    private enum CodingKeys: String, CodingKey {
        case name, labels, engineVersion, engineAPIVersion, protocolVersion, capacity
        case engineProduct, imageStore, platform
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        guard !name.isEmpty else {
            throw DecodingError.described(
                forKey: .name, in: container, "\((container.codingPath + [CodingKeys.name]).renderedPath) must not be empty")
        }
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        engineVersion = try container.decode(String.self, forKey: .engineVersion)
        engineAPIVersion = try container.decode(String.self, forKey: .engineAPIVersion)
        protocolVersion = try container.decodeInteger(Int.self, forKey: .protocolVersion, range: ProtocolLimits.protocolVersionRange)
        capacity = try container.decodeInteger(Int.self, forKey: .capacity, range: ProtocolLimits.capacityRange)
        guard capacity >= 1 else {
            throw DecodingError.described(
                forKey: .capacity, in: container, "\((container.codingPath + [CodingKeys.capacity]).renderedPath) must be at least 1 (it is \(capacity))")
        }
        engineProduct = try container.decodeIfPresent(String.self, forKey: .engineProduct)
        imageStore = try container.decodeIfPresent(String.self, forKey: .imageStore)
        platform = try container.decodeIfPresent(String.self, forKey: .platform)
    }
}
