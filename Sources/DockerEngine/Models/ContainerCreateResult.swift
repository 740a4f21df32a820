/// The answer to `POST /containers/create`.
public struct ContainerCreateResult: Sendable, Hashable, Codable {
    /// The new container's full ID.
    public var id: String
    public var warnings: [String]

    public init(id: String, warnings: [String] = []) {
        self.id = id
        self.warnings = warnings
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", warnings = "Warnings"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        warnings = try container.decodeIfPresent([String].self, forKey: .warnings) ?? []
    }
}
