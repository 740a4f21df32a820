/// The fields of `GET /info` this project uses (host facts for agent registration).
public struct SystemInfo: Sendable, Hashable, Codable {
    /// The engine's unique ID.
    public var id: String?
    /// The host name.
    public var name: String?
    public var serverVersion: String?
    public var operatingSystem: String?
    public var osType: String?
    public var architecture: String?
    public var kernelVersion: String?
    public var cpuCount: Int?
    public var memoryTotal: Int64?
    /// The storage driver, for example `overlay2`.
    public var driver: String?
    /// The storage driver's facts as name-value pairs; Docker's containerd image store says
    /// `["driver-type", "io.containerd.snapshotter.v1"]` here.
    public var driverStatus: [[String]]?
    public var dockerRootDir: String?
    public var images: Int?
    public var containers: Int?
    /// The engine's labels (`key=value`).
    public var labels: [String]?

    public init(
        id: String? = nil, name: String? = nil, serverVersion: String? = nil, operatingSystem: String? = nil,
        osType: String? = nil, architecture: String? = nil, kernelVersion: String? = nil, cpuCount: Int? = nil,
        memoryTotal: Int64? = nil, driver: String? = nil, driverStatus: [[String]]? = nil, dockerRootDir: String? = nil, images: Int? = nil,
        containers: Int? = nil, labels: [String]? = nil
    ) {
        self.id = id
        self.name = name
        self.serverVersion = serverVersion
        self.operatingSystem = operatingSystem
        self.osType = osType
        self.architecture = architecture
        self.kernelVersion = kernelVersion
        self.cpuCount = cpuCount
        self.memoryTotal = memoryTotal
        self.driver = driver
        self.driverStatus = driverStatus
        self.dockerRootDir = dockerRootDir
        self.images = images
        self.containers = containers
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", name = "Name", serverVersion = "ServerVersion", operatingSystem = "OperatingSystem"
        case osType = "OSType", architecture = "Architecture", kernelVersion = "KernelVersion"
        case cpuCount = "NCPU", memoryTotal = "MemTotal", driver = "Driver", driverStatus = "DriverStatus", dockerRootDir = "DockerRootDir"
        case images = "Images", containers = "Containers", labels = "Labels"
    }
}
