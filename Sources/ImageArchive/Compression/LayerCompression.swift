/// How a layer blob is compressed: not at all, gzip or zstd, at a level.
///
/// Engines that keep layers as blobs (Docker's containerd image store, Podman) store the load
/// archive's layer as it comes, so its compression is what they keep and push. The defaults
/// favour speed: a flattened layer is as large as the whole image, and gzip level 1 compresses
/// it several times faster than level 6 for a few percent more bytes.
public struct LayerCompression: Hashable, Sendable, CustomStringConvertible {
    public enum Algorithm: String, Hashable, Sendable, CaseIterable {
        case none
        case gzip
        case zstd
    }

    public let algorithm: Algorithm
    /// The compression level; nil for ``none``.
    public let level: Int?

    public static let defaultGzipLevel = 1
    public static let defaultZstdLevel = 3

    /// An uncompressed tar: the blob's digest is the layer's diff ID.
    public static let none = LayerCompression(checked: .none, level: nil)
    /// gzip level 1, what a flatten uses unless told otherwise.
    public static let `default` = LayerCompression(checked: .gzip, level: defaultGzipLevel)

    /// gzip (deflate with a gzip wrapper) at `level`, 1 (fastest) to 9 (smallest).
    public static func gzip(level: Int = defaultGzipLevel) throws -> LayerCompression {
        try LayerCompression(algorithm: .gzip, level: level)
    }

    /// zstd (with a content checksum) at `level`, 1 (fastest) to 19 (smallest).
    public static func zstd(level: Int = defaultZstdLevel) throws -> LayerCompression {
        try LayerCompression(algorithm: .zstd, level: level)
    }

    /// The levels an algorithm accepts; nil for `none`.
    public static func levels(of algorithm: Algorithm) -> ClosedRange<Int>? {
        switch algorithm {
        case .none: nil
        case .gzip: 1...9
        case .zstd: 1...19
        }
    }

    /// `algorithm` at `level` (nil: the algorithm's default), checked against
    /// ``levels(of:)``.
    public init(algorithm: Algorithm, level: Int? = nil) throws {
        switch (algorithm, level) {
        case (.none, nil):
            self.init(checked: .none, level: nil)
        case (.none, let level?):
            throw ImageArchiveError(.invalidArgument, detail: "compression none takes no level (got \(level))")
        case (.gzip, nil):
            self.init(checked: .gzip, level: Self.defaultGzipLevel)
        case (.zstd, nil):
            self.init(checked: .zstd, level: Self.defaultZstdLevel)
        case (_, let level?):
            let range = Self.levels(of: algorithm)!
            guard range.contains(level) else {
                throw ImageArchiveError(.invalidArgument, detail: "\(algorithm.rawValue) compression level \(level) is out of range; use \(range.lowerBound) to \(range.upperBound)")
            }
            self.init(checked: algorithm, level: level)
        }
    }

    private init(checked algorithm: Algorithm, level: Int?) {
        self.algorithm = algorithm
        self.level = level
    }

    /// The OCI media type of a layer blob compressed this way.
    public var mediaType: String {
        switch algorithm {
        case .none: OCIMediaType.layer
        case .gzip: OCIMediaType.layerGzip
        case .zstd: OCIMediaType.layerZstd
        }
    }

    /// `gzip level 1`, `zstd level 3`, `none`.
    public var description: String {
        level.map { "\(algorithm.rawValue) level \($0)" } ?? algorithm.rawValue
    }
}
