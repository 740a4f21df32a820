/// An image archive (`docker save` output, an image config, a load archive) is not usable.
public struct ImageArchiveError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case missingMember = "missing archive member"
            case invalidManifest = "invalid manifest.json"
            case invalidConfig = "invalid image config"
            case unsupportedCompression = "unsupported layer compression"
            case corruptCompressedLayer = "corrupt compressed layer"
            case compressionFailed = "layer compression failed"
            case platformNotPresent = "platform not in the archive"
            case invalidArgument = "invalid argument"
            case cutShort = "archive cut short"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// A member the manifest names is not in the archive.
        public static let missingMember = Code(.missingMember)
        /// `manifest.json` is absent or does not have the expected shape.
        public static let invalidManifest = Code(.invalidManifest)
        /// The image config is not JSON or lacks `rootfs.diff_ids`.
        public static let invalidConfig = Code(.invalidConfig)
        /// A layer is compressed with something other than gzip or zstd.
        public static let unsupportedCompression = Code(.unsupportedCompression)
        /// A gzip or zstd layer does not decompress.
        public static let corruptCompressedLayer = Code(.corruptCompressedLayer)
        /// zlib or libzstd failed while compressing a layer.
        public static let compressionFailed = Code(.compressionFailed)
        /// The archive has no complete image for the platform asked for.
        public static let platformNotPresent = Code(.platformNotPresent)
        /// The caller passed something that cannot work (an image index out of range…).
        public static let invalidArgument = Code(.invalidArgument)
        /// The archive cannot be indexed and lacks tar's end-of-archive marker: its stream
        /// stopped before the end (see ``SavedImageArchive/init(file:platform:)``).
        public static let cutShort = Code(.cutShort)
        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The archive member concerned, such as `manifest.json` or `blobs/sha256/ab…`.
    public let member: String?
    public let detail: String

    public init(_ code: Code, member: String? = nil, detail: String) {
        self.code = code
        self.member = member
        self.detail = detail
    }

    public var description: String {
        if let member { return "\(code) (\(member)): \(detail)" }
        return "\(code): \(detail)"
    }
}
