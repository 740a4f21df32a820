/// The engine behind a Docker-compatible API.
public enum EngineProduct: String, Sendable, Hashable, Codable, CustomStringConvertible {
    case docker = "Docker"
    /// Podman's compatibility API (`podman system service`).
    case podman = "Podman"

    public var description: String { rawValue }
}
