/// The fields of `GET /images/{name}/json` this project uses, plus the answer's raw JSON.
public struct ImageInspect: Sendable, Hashable, Codable {
    /// The image ID, `sha256:…` (the digest of its config).
    public var id: String
    public var repoTags: [String]
    public var repoDigests: [String]
    /// The image's total size in bytes.
    public var size: Int64
    /// The creation time as the engine wrote it (RFC 3339 with nanoseconds).
    public var created: String?
    public var architecture: String?
    public var os: String?
    /// The architecture's variant (`v8` of `arm64`), when the image names one.
    public var variant: String?
    /// The runtime configuration; `nil` for images that have none.
    public var config: ContainerConfig?
    public var rootFS: RootFS

    /// The answer exactly as the engine sent it, for fields not modelled here. Empty when the
    /// value was decoded by a caller rather than fetched by ``DockerClient/inspectImage(_:)``.
    public var rawJSON: [UInt8] = []

    /// The image's layers as the engine stores them.
    public struct RootFS: Sendable, Hashable, Codable {
        /// `layers`.
        public var type: String
        /// The layers' diff IDs (`sha256:…` of each uncompressed layer tar), lowest first.
        public var layers: [String]

        public init(type: String = "layers", layers: [String]) {
            self.type = type
            self.layers = layers
        }

        enum CodingKeys: String, CodingKey {
            case type = "Type", layers = "Layers"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decodeIfPresent(String.self, forKey: .type) ?? "layers"
            layers = try container.decodeIfPresent([String].self, forKey: .layers) ?? []
        }
    }

    /// The layers' diff IDs, lowest first.
    public var diffIDs: [String] { rootFS.layers }

    public init(
        id: String, repoTags: [String] = [], repoDigests: [String] = [], size: Int64 = 0, created: String? = nil,
        architecture: String? = nil, os: String? = nil, config: ContainerConfig? = nil, rootFS: RootFS,
        rawJSON: [UInt8] = []
    ) {
        self.id = id
        self.repoTags = repoTags
        self.repoDigests = repoDigests
        self.size = size
        self.created = created
        self.architecture = architecture
        self.os = os
        self.config = config
        self.rootFS = rootFS
        self.rawJSON = rawJSON
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", repoTags = "RepoTags", repoDigests = "RepoDigests", size = "Size", created = "Created"
        case architecture = "Architecture", os = "Os", variant = "Variant", config = "Config", rootFS = "RootFS"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = EngineSpelling.imageID(try container.decode(String.self, forKey: .id))
        repoTags = (try container.decodeIfPresent([String].self, forKey: .repoTags) ?? []).map(EngineSpelling.familiar)
        repoDigests = (try container.decodeIfPresent([String].self, forKey: .repoDigests) ?? []).map(EngineSpelling.familiar)
        size = try container.decodeIfPresent(Int64.self, forKey: .size) ?? 0
        created = try container.decodeIfPresent(String.self, forKey: .created)
        architecture = try container.decodeIfPresent(String.self, forKey: .architecture)
        os = try container.decodeIfPresent(String.self, forKey: .os)
        variant = try container.decodeIfPresent(String.self, forKey: .variant)
        config = try container.decodeIfPresent(ContainerConfig.self, forKey: .config)
        rootFS = try container.decodeIfPresent(RootFS.self, forKey: .rootFS) ?? RootFS(layers: [])
    }
}
