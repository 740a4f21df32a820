/// One entry of `GET /images/json`. Layer diff IDs are not part of the list: inspect the image
/// (``DockerClient/inspectImage(_:)``) or use ``DockerClient/listImagesInspected(all:)``.
public struct ImageSummary: Sendable, Hashable, Codable {
    /// `sha256:…`
    public var id: String
    /// `name:tag` references; empty for untagged images.
    public var repoTags: [String]
    public var repoDigests: [String]
    /// Seconds since the Unix epoch.
    public var created: Int64
    public var size: Int64
    public var parentID: String
    public var labels: [String: String]

    public init(
        id: String, repoTags: [String] = [], repoDigests: [String] = [], created: Int64 = 0, size: Int64 = 0,
        parentID: String = "", labels: [String: String] = [:]
    ) {
        self.id = id
        self.repoTags = repoTags
        self.repoDigests = repoDigests
        self.created = created
        self.size = size
        self.parentID = parentID
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", repoTags = "RepoTags", repoDigests = "RepoDigests", created = "Created", size = "Size"
        case parentID = "ParentId", labels = "Labels"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = EngineSpelling.imageID(try container.decode(String.self, forKey: .id))
        // Untagged images list `["<none>:<none>"]` on some engines and `null` on others.
        repoTags = (try container.decodeIfPresent([String].self, forKey: .repoTags) ?? []).filter { $0 != "<none>:<none>" }.map(EngineSpelling.familiar)
        repoDigests = (try container.decodeIfPresent([String].self, forKey: .repoDigests) ?? []).filter { $0 != "<none>@<none>" }.map(EngineSpelling.familiar)
        created = try container.decodeIfPresent(Int64.self, forKey: .created) ?? 0
        size = try container.decodeIfPresent(Int64.self, forKey: .size) ?? 0
        parentID = EngineSpelling.imageID(try container.decodeIfPresent(String.self, forKey: .parentID) ?? "")
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }
}
