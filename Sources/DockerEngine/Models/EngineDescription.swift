/// What an engine is, in the terms that decide how to flatten on it and that an operator reads
/// in `flatctl agents`.
public struct EngineDescription: Sendable, Hashable {
    public var product: EngineProduct
    /// The engine's own release (`20.10.24`, `28.5.2`, Podman's `4.3.1`).
    public var version: String
    /// The API version spoken to it.
    public var apiVersion: APIVersion
    public var imageStore: ImageStore
    /// The engine's native platform, `os/architecture` (`linux/amd64`).
    public var platform: String

    public init(product: EngineProduct, version: String, apiVersion: APIVersion, imageStore: ImageStore, platform: String) {
        self.product = product
        self.version = version
        self.apiVersion = apiVersion
        self.imageStore = imageStore
        self.platform = platform
    }
}
