/// One layer tar of an image, lowest first in a merge: where its bytes are and how to name it.
public struct LayerSource: Sendable {
    /// The uncompressed layer tar.
    public let region: FileRegion
    /// Names the layer in errors and reports, such as `layer 2 (3f1c…/layer.tar)`.
    public let label: String
    /// The layer's diff ID (`sha256:…`) when known.
    public let diffID: String?

    public init(region: FileRegion, label: String, diffID: String? = nil) {
        self.region = region
        self.label = label
        self.diffID = diffID
    }
}
