import DockerEngine

/// One entry of `GET /containers/json`.
public struct ContainerSummary: Sendable, Hashable, Codable {
    /// The full container ID.
    public var id: String
    /// Names without the engine's leading `/` (`flatten-1234-export`, not `/flatten-1234-export`).
    public var names: [String]
    /// The image reference or ID the container was created from.
    public var image: String
    /// `created`, `running`, `exited`, …
    public var state: String
    public var labels: [String: String]

    public init(id: String, names: [String] = [], image: String = "", state: String = "", labels: [String: String] = [:]) {
        self.id = id
        self.names = names
        self.image = image
        self.state = state
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", names = "Names", image = "Image", state = "State", labels = "Labels"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        // The engine writes names as paths ("/name"), a leftover of container links.
        names = (try container.decodeIfPresent([String].self, forKey: .names) ?? []).map { name in
            name.hasPrefix("/") ? String(name.dropFirst()) : name
        }
        image = try container.decodeIfPresent(String.self, forKey: .image) ?? ""
        state = try container.decodeIfPresent(String.self, forKey: .state) ?? ""
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }
}
