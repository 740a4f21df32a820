/// A flattened layer written as a blob: compressed (or not) into an unlinked temporary file,
/// with the digests and sizes an image manifest and config need.
///
/// The file is freed when the last copy of the value (or of its ``blob``'s region) is
/// released.
public struct LayerBlob: Sendable {
    /// The blob: media type, digest of the compressed bytes, and the file region holding them.
    public let blob: OCIBlob
    public let compression: LayerCompression
    /// `sha256:<hex>` of the uncompressed layer tar: the layer's diff ID in the config.
    public let diffID: String
    /// Bytes of the uncompressed layer tar.
    public let uncompressedSize: Int64
    /// Content bytes read from the input layers to write it.
    public let contentBytesRead: Int64

    /// `sha256:<hex>` of the blob's bytes (the diff ID when uncompressed).
    public var digest: String { blob.digest }
    /// The blob's size in bytes.
    public var size: Int64 { blob.size }
    public var mediaType: String { blob.mediaType }
    public var region: FileRegion { blob.region }

    /// What ``MergePlan/write(chunkSize:to:)`` reports for the uncompressed layer.
    public var writeResult: MergePlan.WriteResult {
        MergePlan.WriteResult(diffID: diffID, size: uncompressedSize, contentBytesRead: contentBytesRead)
    }
}
