/// Where an engine keeps images, which decides what a load archive must carry.
///
/// A graph driver (Docker's classic store) keeps unpacked layers by chain ID: a load may list a
/// layer it already has without sending it, and the layers it is sent are stored uncompressed.
/// Docker's containerd image store and Podman's containers/storage keep every image as a
/// manifest with its blobs: every layer must be in the archive, and a compressed layer stays
/// compressed in the content store.
public struct ImageStore: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Docker's classic store: `overlay2`, `vfs`, …
        case graphDriver = "graphdriver"
        /// Docker's containerd image store (the snapshotter feature; the default of Docker 29).
        case containerd
        /// Podman's containers/storage.
        case containersStorage = "containers-storage"
    }

    public var kind: Kind
    /// The storage or snapshotter driver, as `/info` names it (`overlay2`, `overlayfs`, `overlay`).
    public var driver: String

    public init(kind: Kind, driver: String) {
        self.kind = kind
        self.driver = driver
    }

    /// Whether every layer of a loaded image must travel in the archive, as a blob.
    public var keepsBlobs: Bool { kind != .graphDriver }

    /// `graphdriver (overlay2)`, `containerd (overlayfs)`.
    public var description: String { "\(kind.rawValue) (\(driver))" }

    /// The store an engine reports: Podman always uses containers/storage; Docker's containerd
    /// store names its snapshotter driver type in `DriverStatus`.
    public init(product: EngineProduct, info: SystemInfo) {
        let driver = info.driver ?? "unknown"
        if product == .podman {
            self.init(kind: .containersStorage, driver: driver)
        } else if info.driverStatus?.contains(where: { $0.first == "driver-type" && $0.last == "io.containerd.snapshotter.v1" }) == true {
            self.init(kind: .containerd, driver: driver)
        } else {
            self.init(kind: .graphDriver, driver: driver)
        }
    }
}
