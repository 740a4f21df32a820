/// The runtime configuration of an image or container (the `Config` object of image inspect,
/// and the body of `POST /containers/create`), limited to the fields this project carries.
///
/// `nil` means "not set". `exposedPorts` and `volumes` are the keys of the engine's
/// `{"80/tcp": {}}` maps, sorted.
public struct ContainerConfig: Sendable, Hashable, Codable {
    public var cmd: [String]?
    public var entrypoint: [String]?
    /// `KEY=value` entries.
    public var env: [String]?
    public var workingDir: String?
    public var user: String?
    /// Ports such as `80/tcp`.
    public var exposedPorts: [String]?
    /// Volume mount points such as `/data`.
    public var volumes: [String]?
    public var labels: [String: String]?
    public var stopSignal: String?
    public var healthcheck: Healthcheck?
    public var onBuild: [String]?
    public var shell: [String]?

    public init(
        cmd: [String]? = nil, entrypoint: [String]? = nil, env: [String]? = nil, workingDir: String? = nil,
        user: String? = nil, exposedPorts: [String]? = nil, volumes: [String]? = nil,
        labels: [String: String]? = nil, stopSignal: String? = nil, healthcheck: Healthcheck? = nil,
        onBuild: [String]? = nil, shell: [String]? = nil
    ) {
        self.cmd = cmd
        self.entrypoint = entrypoint
        self.env = env
        self.workingDir = workingDir
        self.user = user
        self.exposedPorts = exposedPorts
        self.volumes = volumes
        self.labels = labels
        self.stopSignal = stopSignal
        self.healthcheck = healthcheck
        self.onBuild = onBuild
        self.shell = shell
    }

    /// A container health check. Durations are in nanoseconds, as the engine sends them.
    public struct Healthcheck: Sendable, Hashable, Codable {
        /// `["NONE"]`, `["CMD", args…]` or `["CMD-SHELL", command]`.
        public var test: [String]?
        public var interval: Int64?
        public var timeout: Int64?
        public var startPeriod: Int64?
        public var retries: Int?

        public init(test: [String]? = nil, interval: Int64? = nil, timeout: Int64? = nil, startPeriod: Int64? = nil, retries: Int? = nil) {
            self.test = test
            self.interval = interval
            self.timeout = timeout
            self.startPeriod = startPeriod
            self.retries = retries
        }

        enum CodingKeys: String, CodingKey {
            case test = "Test", interval = "Interval", timeout = "Timeout", startPeriod = "StartPeriod", retries = "Retries"
        }
    }

    enum CodingKeys: String, CodingKey {
        case cmd = "Cmd", entrypoint = "Entrypoint", env = "Env", workingDir = "WorkingDir", user = "User"
        case exposedPorts = "ExposedPorts", volumes = "Volumes", labels = "Labels", stopSignal = "StopSignal"
        case healthcheck = "Healthcheck", onBuild = "OnBuild", shell = "Shell"
    }

    /// The `{}` value of the engine's port and volume maps.
    private struct EmptyObject: Codable, Hashable {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cmd = try container.decodeIfPresent([String].self, forKey: .cmd)
        entrypoint = try container.decodeIfPresent([String].self, forKey: .entrypoint)
        env = try container.decodeIfPresent([String].self, forKey: .env)
        workingDir = try container.decodeIfPresent(String.self, forKey: .workingDir)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        exposedPorts = try container.decodeIfPresent([String: EmptyObject].self, forKey: .exposedPorts)?.keys.sorted()
        volumes = try container.decodeIfPresent([String: EmptyObject].self, forKey: .volumes)?.keys.sorted()
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels)
        stopSignal = try container.decodeIfPresent(String.self, forKey: .stopSignal)
        healthcheck = try container.decodeIfPresent(Healthcheck.self, forKey: .healthcheck)
        onBuild = try container.decodeIfPresent([String].self, forKey: .onBuild)
        shell = try container.decodeIfPresent([String].self, forKey: .shell)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(cmd, forKey: .cmd)
        try container.encodeIfPresent(entrypoint, forKey: .entrypoint)
        try container.encodeIfPresent(env, forKey: .env)
        try container.encodeIfPresent(workingDir, forKey: .workingDir)
        try container.encodeIfPresent(user, forKey: .user)
        if let exposedPorts {
            try container.encode(Dictionary(exposedPorts.map { ($0, EmptyObject()) }, uniquingKeysWith: { first, _ in first }), forKey: .exposedPorts)
        }
        if let volumes {
            try container.encode(Dictionary(volumes.map { ($0, EmptyObject()) }, uniquingKeysWith: { first, _ in first }), forKey: .volumes)
        }
        try container.encodeIfPresent(labels, forKey: .labels)
        try container.encodeIfPresent(stopSignal, forKey: .stopSignal)
        try container.encodeIfPresent(healthcheck, forKey: .healthcheck)
        try container.encodeIfPresent(onBuild, forKey: .onBuild)
        try container.encodeIfPresent(shell, forKey: .shell)
    }
}
