/// A blob to put in an OCI layout, and where its bytes are: a layer as `docker save` gave it, or
/// a flattened layer compressed into a temporary file.
///
/// The region is copied as it is; its digest is trusted, not recomputed (the engine checks it
/// on load, and recomputing would mean reading every kept layer once more).
public struct OCIBlob: Sendable {
    public var mediaType: String
    /// `sha256:<hex>` of the bytes.
    public var digest: String
    public var region: FileRegion

    public init(mediaType: String, digest: String, region: FileRegion) {
        self.mediaType = mediaType
        self.digest = digest
        self.region = region
    }

    /// The blob's size in bytes.
    public var size: Int64 { region.count }

    public var descriptor: OCIDescriptor { OCIDescriptor(mediaType: mediaType, digest: digest, size: size) }
}
