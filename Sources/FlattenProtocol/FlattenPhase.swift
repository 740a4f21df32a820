/// A step of one flatten, as reported in ``JobProgress`` and timed in ``FlattenResult``.
public enum FlattenPhase: String, Sendable, Hashable, Codable, CaseIterable {
    /// Reading the image's config and layer list from the engine.
    case inspecting
    /// Streaming `docker save` to disk.
    case saving
    /// Merging layers into the new layer (strategy `merge`).
    case merging
    /// Streaming the new image to the engine's load endpoint.
    case loading
    /// Tagging the new image.
    case tagging
    /// Checking that the flattened image holds the same tree and config as the original.
    case verifying
    /// Pushing the new tag to its registry.
    case pushing
    /// Exporting a container's filesystem (strategy `export`).
    case exporting
    /// Importing the exported filesystem as an image (strategy `export`).
    case importing

    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeProtocolEnum()
    }
}
