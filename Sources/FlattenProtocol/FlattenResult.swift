/// What one successful flatten produced.
///
/// Sizes are the engine's stored image sizes in bytes, as `docker images` shows them. `phaseDurations` holds wall-clock seconds per
/// ``FlattenPhase`` that ran, encoded as an object keyed by phase name
/// (`{"saving": 1.25, "merging": 3.5}`); a phase that did not run has no entry.
public struct FlattenResult: Sendable, Hashable, Codable {
    /// The ID (`sha256:…`) of the image that was flattened.
    public var originalImageId: String
    /// The ID of the flattened image.
    public var newImageId: String
    /// The original image's size in bytes.
    public var originalSize: Int64
    /// The original image's number of layers.
    public var originalLayerCount: Int
    /// The flattened image's size in bytes.
    public var newSize: Int64
    /// The flattened image's number of layers.
    public var newLayerCount: Int
    /// `originalSize - newSize`; negative when the image grew.
    public var bytesSaved: Int64
    /// Seconds spent per phase.
    public var phaseDurations: [FlattenPhase: Double]
    /// The strategy that produced the image.
    public var strategy: FlattenStrategy
    /// Whether verification passed; nil when it was not asked for.
    public var verified: Bool?
    /// The references written to the new image, e.g. `["docker.io/library/app:1.2-flat"]`.
    public var tags: [String]
    /// What the strategy could not keep, for a person to review (e.g. a lost capability).
    public var warnings: [String]
    /// The platform that was flattened (`linux/amd64`); nil from agents before it was reported.
    public var platform: ImagePlatform?

    public init(
        originalImageId: String,
        newImageId: String,
        originalSize: Int64,
        originalLayerCount: Int,
        newSize: Int64,
        newLayerCount: Int,
        bytesSaved: Int64,
        phaseDurations: [FlattenPhase: Double] = [:],
        strategy: FlattenStrategy,
        verified: Bool? = nil,
        tags: [String] = [],
        warnings: [String] = [],
        platform: ImagePlatform? = nil
    ) {
        self.originalImageId = originalImageId
        self.newImageId = newImageId
        self.originalSize = originalSize
        self.originalLayerCount = originalLayerCount
        self.newSize = newSize
        self.newLayerCount = newLayerCount
        self.bytesSaved = bytesSaved
        self.phaseDurations = phaseDurations
        self.strategy = strategy
        self.verified = verified
        self.tags = tags
        self.warnings = warnings
        self.platform = platform
    }

    private enum CodingKeys: String, CodingKey {
        case originalImageId, newImageId, originalSize, originalLayerCount, newSize, newLayerCount
        case bytesSaved, phaseDurations, strategy, verified, tags, warnings, platform
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        originalImageId = try container.decode(String.self, forKey: .originalImageId)
        newImageId = try container.decode(String.self, forKey: .newImageId)
        originalSize = try container.decodeInteger(Int64.self, forKey: .originalSize)
        originalLayerCount = try container.decodeInteger(Int.self, forKey: .originalLayerCount)
        newSize = try container.decodeInteger(Int64.self, forKey: .newSize)
        newLayerCount = try container.decodeInteger(Int.self, forKey: .newLayerCount)
        bytesSaved = try container.decodeInteger(Int64.self, forKey: .bytesSaved)
        phaseDurations = try container.decodeEnumKeyed([FlattenPhase: Double].self, forKey: .phaseDurations)
        strategy = try container.decode(FlattenStrategy.self, forKey: .strategy)
        verified = try container.decodeIfPresent(Bool.self, forKey: .verified)
        tags = try container.decode([String].self, forKey: .tags)
        warnings = try container.decode([String].self, forKey: .warnings)
        platform = try container.decodeIfPresent(ImagePlatform.self, forKey: .platform)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(originalImageId, forKey: .originalImageId)
        try container.encode(newImageId, forKey: .newImageId)
        try container.encode(originalSize, forKey: .originalSize)
        try container.encode(originalLayerCount, forKey: .originalLayerCount)
        try container.encode(newSize, forKey: .newSize)
        try container.encode(newLayerCount, forKey: .newLayerCount)
        try container.encode(bytesSaved, forKey: .bytesSaved)
        try container.encodeEnumKeyed(phaseDurations, forKey: .phaseDurations)
        try container.encode(strategy, forKey: .strategy)
        try container.encodeIfPresent(verified, forKey: .verified)
        try container.encode(tags, forKey: .tags)
        try container.encode(warnings, forKey: .warnings)
        try container.encodeIfPresent(platform, forKey: .platform)
    }
}
