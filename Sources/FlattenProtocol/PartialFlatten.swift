/// Which lower layers a partial flatten keeps as they are; the layers above are squashed.
///
/// In JSON this is not an object of its own: ``FlattenOptions`` carries at most one of the
/// keys `keepLayers`, `baseImage` or `keepShared`.
public enum PartialFlatten: Sendable, Hashable {
    /// Keep the lowest `n` layers (at least 1).
    case keepLayers(Int)
    /// Keep the lower layers this image shares with the given base image.
    case baseImage(ImageReference)
    /// Keep the lower layers this image shares with other images on the same engine.
    case keepShared
}
