/// The engine's answer to `GET /version`.
public struct EngineVersion: Sendable, Hashable, Codable {
    /// The engine's release, for example `20.10.24`.
    public var version: String
    /// The newest API version the engine speaks.
    public var apiVersion: String
    /// The oldest API version the engine still accepts.
    public var minAPIVersion: String?
    public var gitCommit: String?
    public var goVersion: String?
    /// `linux` or `windows`.
    public var os: String?
    /// `amd64`, `arm64`, …
    public var arch: String?
    public var kernelVersion: String?

    public init(
        version: String, apiVersion: String, minAPIVersion: String? = nil, gitCommit: String? = nil,
        goVersion: String? = nil, os: String? = nil, arch: String? = nil, kernelVersion: String? = nil
    ) {
        self.version = version
        self.apiVersion = apiVersion
        self.minAPIVersion = minAPIVersion
        self.gitCommit = gitCommit
        self.goVersion = goVersion
        self.os = os
        self.arch = arch
        self.kernelVersion = kernelVersion
    }

    enum CodingKeys: String, CodingKey {
        case version = "Version", apiVersion = "ApiVersion", minAPIVersion = "MinAPIVersion"
        case gitCommit = "GitCommit", goVersion = "GoVersion", os = "Os", arch = "Arch"
        case kernelVersion = "KernelVersion"
    }
}
