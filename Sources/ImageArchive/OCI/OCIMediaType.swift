/// The media types of image manifests, indexes, configs and layers that `docker save`, Podman
/// and registries use, OCI's and Docker's schema 2 equivalents.
public enum OCIMediaType {
    public static let imageIndex = "application/vnd.oci.image.index.v1+json"
    public static let imageManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let imageConfig = "application/vnd.oci.image.config.v1+json"
    public static let layer = "application/vnd.oci.image.layer.v1.tar"
    public static let layerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let layerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"

    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayer = "application/vnd.docker.image.rootfs.diff.tar"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    public static let dockerLayerZstd = "application/vnd.docker.image.rootfs.diff.tar.zstd"
    public static let dockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    public static let nondistributableLayerGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"

    /// Whether `mediaType` names an index (a list of manifests, one per platform).
    public static func isIndex(_ mediaType: String) -> Bool {
        mediaType == imageIndex || mediaType == dockerManifestList
    }

    /// Whether `mediaType` names an image manifest (a config and its layers).
    public static func isImageManifest(_ mediaType: String) -> Bool {
        mediaType == imageManifest || mediaType == dockerManifest
    }

    /// Whether `mediaType` names an image config (not an attestation or other artifact).
    public static func isImageConfig(_ mediaType: String) -> Bool {
        mediaType == imageConfig || mediaType == dockerConfig
    }

    /// The OCI layer media type for a layer listed under `mediaType` (Docker's schema 2 types
    /// become their OCI equivalents, the bytes being the same), so kept layers can be listed in
    /// an OCI manifest. Other types are returned unchanged.
    public static func ociLayer(for mediaType: String) -> String {
        switch mediaType {
        case dockerLayer: layer
        case dockerLayerGzip: layerGzip
        case dockerLayerZstd: layerZstd
        case dockerForeignLayerGzip: nondistributableLayerGzip
        default: mediaType
        }
    }

    /// The layer media type for a blob that starts with `head` (its first four bytes or more):
    /// gzip and zstd by their magic numbers, an uncompressed tar otherwise.
    public static func layer(detectedFrom head: some Collection<UInt8>) -> String {
        if head.starts(with: GzipDecompressor.magic) { return layerGzip }
        if head.starts(with: ZstdDecompressor.magic) { return layerZstd }
        return layer
    }
}
