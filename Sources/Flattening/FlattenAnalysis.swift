/// What flattening an image would gain, as `flatten-agent analyze` reports it.
///
/// Sizes in bytes. `originalSize` and `predictedSize` are in the engine's measure (the sum of
/// file contents, what `docker images` shows); layer `size` is the layer tar's.
public struct FlattenAnalysis: Sendable, Hashable, Codable {
    /// One layer, lowest first.
    public struct Layer: Sendable, Hashable, Codable {
        /// `sha256:…` of the layer tar.
        public var diffId: String
        /// The instruction that made the layer, from the image history (empty when unknown).
        public var createdBy: String
        /// Bytes of the layer tar.
        public var size: Int64
        /// Bytes of regular-file content in the layer.
        public var contentBytes: Int64
        /// File content of this layer that the flattened layer does not carry (deleted or
        /// overwritten by a later layer, or written twice in this one): what flattening drops
        /// of it (``ImageAnalysis/Layer/wastedBytes``).
        public var wastedBytes: Int64
        /// Entries (files, directories, links, whiteouts) in the layer.
        public var entryCount: Int
        /// Whether another local image also uses this layer at the same place from the bottom up.
        public var sharedWithOtherImages: Bool
    }

    /// What to do with the image.
    public enum Recommendation: String, Sendable, Hashable, Codable {
        /// Flatten every layer.
        case flatten
        /// Flatten with `--keep-shared`: the lowest layers are shared with other local images.
        case keepShared = "keep-shared"
        /// Leave the image as it is.
        case notWorthIt = "not-worth-it"
    }

    public var imageId: String
    public var reference: String
    public var originalSize: Int64
    public var layers: [Layer]
    /// The layers' wasted bytes, summed: what flattening removes, so it equals
    /// ``predictedSavings``.
    public var wastedBytes: Int64
    /// dive's wasted bytes, for comparison: the sizes of *every* appearance (the surviving one
    /// included) of each path that appears in several layers, so usually more than a flatten
    /// removes.
    public var diveWastedBytes: Int64
    /// dive's efficiency, 0…1: the smallest appearance of each path over all its appearances.
    public var diveEfficiency: Double
    /// The image's size after a full flatten, predicted from the merge plan.
    public var predictedSize: Int64
    /// `originalSize - predictedSize`.
    public var predictedSavings: Int64
    /// Entries the flattened layer would hold.
    public var predictedEntryCount: Int
    /// Lowest layers `--keep-shared` would keep (0: none shared).
    public var sharedLayerCount: Int
    /// Other local images using those layers.
    public var sharingImageCount: Int
    /// The image's size after `--keep-shared`, when some layers are shared.
    public var predictedKeepSharedSize: Int64?
    public var recommendation: Recommendation
    /// Why, for a person.
    public var reason: String
}

extension FlattenAnalysis {
    /// The rule behind ``recommendation``: flattening a single-layer image, or one where it
    /// saves under 5% of the size and 1 MB with fewer than 10 layers, is not worth it; when the
    /// lowest layers are shared with other local images, `--keep-shared` keeps them shared;
    /// otherwise flatten.
    static func recommend(
        layerCount: Int, originalSize: Int64, predictedSavings: Int64,
        sharedLayerCount: Int, sharingImageCount: Int, keepSharedSavings: Int64?
    ) -> (Recommendation, String) {
        if layerCount <= 1 {
            return (.notWorthIt, "the image already has a single layer")
        }
        let percent = originalSize > 0 ? Double(predictedSavings) * 100 / Double(originalSize) : 0
        let savingsText = "\(ByteCount(predictedSavings)) (\(Self.percentText(percent)))"
        if percent < 5, predictedSavings < 1_000_000, layerCount < 10 {
            return (.notWorthIt, "flattening would save only \(savingsText) and the image has just \(layerCount) layers")
        }
        if sharedLayerCount > 0 {
            let kept = "the lowest \(sharedLayerCount) layer\(sharedLayerCount == 1 ? " is" : "s are") shared with \(sharingImageCount) other local image\(sharingImageCount == 1 ? "" : "s")"
            let saves = keepSharedSavings.map { " and still saves \(ByteCount($0))" } ?? ""
            return (.keepShared, "\(kept): --keep-shared keeps them shared\(saves); a full flatten would save \(savingsText) but store those layers twice")
        }
        return (.flatten, "flattening saves \(savingsText) and turns \(layerCount) layers into one")
    }

    static func percentText(_ percent: Double) -> String {
        let rounded = (percent * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded))%" : "\(rounded)%"
    }
}
