/// One entry of `GET /images/{name}/history`, newest first as the engine lists them.
public struct ImageHistoryItem: Sendable, Hashable, Codable {
    /// The image ID of this step, or `<missing>` for steps of pulled or loaded images.
    public var id: String
    /// Seconds since the Unix epoch.
    public var created: Int64
    /// The instruction that made this step.
    public var createdBy: String
    public var tags: [String]
    /// The bytes this step added.
    public var size: Int64
    public var comment: String

    public init(id: String, created: Int64, createdBy: String = "", tags: [String] = [], size: Int64 = 0, comment: String = "") {
        self.id = id
        self.created = created
        self.createdBy = createdBy
        self.tags = tags
        self.size = size
        self.comment = comment
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", created = "Created", createdBy = "CreatedBy", tags = "Tags", size = "Size", comment = "Comment"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = EngineSpelling.imageID(try container.decode(String.self, forKey: .id))
        created = try container.decodeIfPresent(Int64.self, forKey: .created) ?? 0
        createdBy = try container.decodeIfPresent(String.self, forKey: .createdBy) ?? ""
        tags = (try container.decodeIfPresent([String].self, forKey: .tags) ?? []).map(EngineSpelling.familiar)
        size = try container.decodeIfPresent(Int64.self, forKey: .size) ?? 0
        comment = try container.decodeIfPresent(String.self, forKey: .comment) ?? ""
    }
}
