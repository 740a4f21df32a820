/// How each job of a submission flattens its image.
///
/// Every field has a default, so `{}` is a full `merge` flatten to the default tag. The partial
/// mode is written as at most one of `keepLayers`, `baseImage` or `keepShared` (`"keepShared":
/// false` is the same as leaving it out); decoding rejects several of them and `keepLayers` < 1.
public struct FlattenOptions: Sendable, Hashable, Codable {
    /// The flatten method.
    public var strategy: FlattenStrategy
    /// The reference to tag the result with; nil means the image's
    /// ``ImageReference/defaultFlattenedReference`` (`app:1.2-flat`).
    public var newTag: ImageReference?
    /// Keep some lower layers as they are; nil flattens every layer into one.
    public var partial: PartialFlatten?
    /// Check the flattened image against the original before tagging it as done.
    public var verify: Bool
    /// Push the new tag to its registry.
    public var push: Bool
    /// Skip (and leave no new image) when the flatten would save less than this.
    public var minSavings: MinSavings?
    /// Also move the original reference's tag to the flattened image.
    public var replace: Bool
    /// How the merged layer is compressed on stores that keep blobs; nil: the agent's default
    /// for its store.
    public var compression: LayerCompressionSetting?
    /// The platform to flatten, which the engine must hold; nil: the one the engine has.
    public var platform: ImagePlatform?

    public init(
        strategy: FlattenStrategy = .merge,
        newTag: ImageReference? = nil,
        partial: PartialFlatten? = nil,
        verify: Bool = false,
        push: Bool = false,
        minSavings: MinSavings? = nil,
        replace: Bool = false,
        compression: LayerCompressionSetting? = nil,
        platform: ImagePlatform? = nil
    ) {
        self.strategy = strategy
        self.newTag = newTag
        self.partial = partial
        self.verify = verify
        self.push = push
        self.minSavings = minSavings
        self.replace = replace
        self.compression = compression
        self.platform = platform
    }

    private enum CodingKeys: String, CodingKey {
        case strategy, newTag, keepLayers, baseImage, keepShared, verify, push, minSavings, replace, compression, platform
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        strategy = try container.decodeIfPresent(FlattenStrategy.self, forKey: .strategy) ?? .merge
        newTag = try container.decodeIfPresent(ImageReference.self, forKey: .newTag)
        verify = try container.decodeIfPresent(Bool.self, forKey: .verify) ?? false
        push = try container.decodeIfPresent(Bool.self, forKey: .push) ?? false
        minSavings = try container.decodeIfPresent(MinSavings.self, forKey: .minSavings)
        replace = try container.decodeIfPresent(Bool.self, forKey: .replace) ?? false
        compression = try container.decodeIfPresent(LayerCompressionSetting.self, forKey: .compression)
        platform = try container.decodeIfPresent(ImagePlatform.self, forKey: .platform)

        var modes: [(CodingKeys, PartialFlatten)] = []
        if let layers = try container.decodeIntegerIfPresent(Int.self, forKey: .keepLayers, range: ProtocolLimits.keepLayersRange) {
            guard layers >= 1 else {
                throw DecodingError.described(
                    forKey: .keepLayers, in: container,
                    "\((container.codingPath + [CodingKeys.keepLayers]).renderedPath) must be at least 1 (it is \(layers)); leave it out to flatten every layer")
            }
            modes.append((.keepLayers, .keepLayers(layers)))
        }
        if let base = try container.decodeIfPresent(ImageReference.self, forKey: .baseImage) {
            modes.append((.baseImage, .baseImage(base)))
        }
        if try container.decodeIfPresent(Bool.self, forKey: .keepShared) == true {
            modes.append((.keepShared, .keepShared))
        }
        guard modes.count <= 1 else {
            let names = modes.map { "\"\($0.0.rawValue)\"" }.joined(separator: " and ")
            throw DecodingError.described(
                at: container.codingPath, "flatten options at \(container.codingPath.renderedPath) may set only one partial mode of \"keepLayers\", \"baseImage\" or \"keepShared\"; found \(names)"
            )
        }
        partial = modes.first?.1
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(strategy, forKey: .strategy)
        try container.encodeIfPresent(newTag, forKey: .newTag)
        switch partial {
        case .keepLayers(let layers): try container.encode(layers, forKey: .keepLayers)
        case .baseImage(let base): try container.encode(base, forKey: .baseImage)
        case .keepShared: try container.encode(true, forKey: .keepShared)
        case nil: break
        }
        try container.encode(verify, forKey: .verify)
        try container.encode(push, forKey: .push)
        try container.encodeIfPresent(minSavings, forKey: .minSavings)
        try container.encode(replace, forKey: .replace)
        try container.encodeIfPresent(compression, forKey: .compression)
        try container.encodeIfPresent(platform, forKey: .platform)
    }
}
