/// How an image is flattened.
public enum FlattenStrategy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Merge the saved image's layers into one, keeping the full image config.
    case merge
    /// Export a created (never started) container and import it, restoring the runtime config.
    case export

    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeProtocolEnum()
    }
}
