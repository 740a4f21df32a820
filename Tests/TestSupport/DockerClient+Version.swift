@testable import DockerEngine

// The product reads the version once, when connecting (`engineVersion`); tests ask again.
extension DockerClient {
    /// `GET /version`, asked again now (``engineVersion`` holds the answer read when connecting).
    public func version() async throws -> EngineVersion {
        try await executor.json(DockerRequest(.GET, "/version"), operation: "read the engine version")
    }
}
