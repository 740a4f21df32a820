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
    /// The parts of the engine (`Engine`, `containerd`, `runc`; Podman names itself here).
    public var components: [Component]?

    /// One part of the engine, as `/version` lists it.
    public struct Component: Sendable, Hashable, Codable {
        public var name: String
        public var version: String?

        public init(name: String, version: String? = nil) {
            self.name = name
            self.version = version
        }

        enum CodingKeys: String, CodingKey {
            case name = "Name", version = "Version"
        }
    }

    /// Which engine this is: Podman's compatibility API answers `/version` in Docker's shape,
    /// with a `Podman Engine` component.
    public var product: EngineProduct {
        components?.contains { $0.name.lowercased().hasPrefix("podman") } == true ? .podman : .docker
    }

    public init(
        version: String, apiVersion: String, minAPIVersion: String? = nil, gitCommit: String? = nil,
        goVersion: String? = nil, os: String? = nil, arch: String? = nil, kernelVersion: String? = nil,
        components: [Component]? = nil
    ) {
        self.version = version
        self.apiVersion = apiVersion
        self.minAPIVersion = minAPIVersion
        self.gitCommit = gitCommit
        self.goVersion = goVersion
        self.os = os
        self.arch = arch
        self.kernelVersion = kernelVersion
        self.components = components
    }

    enum CodingKeys: String, CodingKey {
        case version = "Version", apiVersion = "ApiVersion", minAPIVersion = "MinAPIVersion"
        case gitCommit = "GitCommit", goVersion = "GoVersion", os = "Os", arch = "Arch"
        case kernelVersion = "KernelVersion", components = "Components"
    }
}
