import Foundation
@testable import ImageArchive

/// Builds an OCI-layout save of a multi-platform image as containerd's exporter writes it
/// (`docker save` on Docker 25+ with the containerd store): `index.json` names the image's
/// index, a nested index lists one manifest per platform, and only some platforms have their
/// blobs in the archive.
struct MultiPlatformSaveBuilder {
    enum Presence {
        /// Manifest, config and layers.
        case complete
        /// The manifest blob only (containerd's skip-missing export of a platform not pulled).
        case manifestOnly
        /// Listed in the index, nothing in the archive.
        case absent
    }

    struct Entry {
        var image: SaveArchiveBuilder
        var presence: Presence
        var compression: LayerCompression = .default
    }

    var entries: [Entry]
    /// The name in the top-level descriptor's annotations.
    var name: String? = "docker.io/library/shop:1.0"
    /// The nested index's media type (OCI image index or Docker manifest list).
    var listMediaType = OCIMediaType.imageIndex
    /// A BuildKit attestation manifest, complete, listed first (images list it last; first
    /// checks that it is never picked).
    var attestation = true
    /// The entry `manifest.json` lists, as Docker writes it; nil: no `manifest.json`.
    var dockerManifestEntry: Int?

    func manifestBytes(_ entry: Entry) throws -> [UInt8] { try entry.image.imageManifest(entry.compression) }

    func build() throws -> [UInt8] {
        var blobs: [String: [UInt8]] = [:]
        func put(_ bytes: [UInt8]) { blobs[ImageConfig.digest(of: bytes)] = bytes }
        func descriptor(_ mediaType: String, _ bytes: [UInt8], _ extra: [JSONMember] = []) -> JSONValue {
            .object([JSONMember(key: "mediaType", value: .string(mediaType)), JSONMember(key: "digest", value: .string(ImageConfig.digest(of: bytes))), JSONMember(key: "size", value: .number(String(bytes.count)))] + extra)
        }
        func platform(_ os: String, _ architecture: String, _ variant: String?) -> JSONMember {
            var members = [JSONMember(key: "architecture", value: .string(architecture)), JSONMember(key: "os", value: .string(os))]
            if let variant { members.append(JSONMember(key: "variant", value: .string(variant))) }
            return JSONMember(key: "platform", value: .object(members))
        }

        var listed: [JSONValue] = []
        if attestation {
            let config = Array(#"{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}"#.utf8)
            let statement = Array(#"{"_type":"https://in-toto.io/Statement/v0.1"}"#.utf8)
            let manifest = JSONValue.object([
                JSONMember(key: "schemaVersion", value: .number("2")),
                JSONMember(key: "mediaType", value: .string(OCIMediaType.imageManifest)),
                JSONMember(key: "config", value: descriptor(OCIMediaType.imageConfig, config)),
                JSONMember(key: "layers", value: .array([descriptor("application/vnd.in-toto+json", statement)])),
            ]).serialized()
            put(config); put(statement); put(manifest)
            listed.append(descriptor(OCIMediaType.imageManifest, manifest, [
                JSONMember(key: "annotations", value: .object([JSONMember(key: "vnd.docker.reference.type", value: .string("attestation-manifest"))])),
                platform("unknown", "unknown", nil),
            ]))
        }
        for entry in entries {
            let manifest = try manifestBytes(entry)
            if entry.presence != .absent { put(manifest) }
            if entry.presence == .complete {
                put(try entry.image.configBytes())
                for blob in try entry.image.layerBlobs(entry.compression) { put(blob) }
            }
            listed.append(descriptor(OCIMediaType.imageManifest, manifest, [platform("linux", entry.image.architecture, entry.image.variant)]))
        }
        let list = JSONValue.object([
            JSONMember(key: "schemaVersion", value: .number("2")),
            JSONMember(key: "mediaType", value: .string(listMediaType)),
            JSONMember(key: "manifests", value: .array(listed)),
        ]).serialized()
        put(list)
        var annotations: [JSONMember] = []
        if let name {
            let reference = try DockerReference(parsing: name)
            annotations = [JSONMember(key: "io.containerd.image.name", value: .string(reference.fullyQualified)), JSONMember(key: "org.opencontainers.image.ref.name", value: .string(reference.tag))]
        }
        let index = JSONValue.object([
            JSONMember(key: "schemaVersion", value: .number("2")),
            JSONMember(key: "mediaType", value: .string(OCIMediaType.imageIndex)),
            JSONMember(key: "manifests", value: .array([descriptor(listMediaType, list, [JSONMember(key: "annotations", value: .object(annotations))])])),
        ]).serialized()

        var writer = TarWriter()
        func file(_ name: String, _ bytes: [UInt8]) throws {
            try writer.append(TarEntry(name: ByteString(name), kind: .regular, mode: 0o444, size: Int64(bytes.count)), contents: bytes)
        }
        try writer.append(TarEntry(name: "blobs/", kind: .directory, mode: 0o755))
        try writer.append(TarEntry(name: "blobs/sha256/", kind: .directory, mode: 0o755))
        for digest in blobs.keys.sorted() { try file("blobs/sha256/" + digest.dropFirst(7), blobs[digest]!) }
        try file("index.json", index)
        if let chosen = dockerManifestEntry {
            let entry = entries[chosen]
            let item = JSONValue.object([
                JSONMember(key: "Config", value: .string("blobs/sha256/" + ImageConfig.digest(of: try entry.image.configBytes()).dropFirst(7))),
                JSONMember(key: "RepoTags", value: .array(try name.map { [.string(try DockerReference(parsing: $0).familiar)] } ?? [])),
                JSONMember(key: "Layers", value: .array(try entry.image.layerBlobs(entry.compression).map { .string("blobs/sha256/" + ImageConfig.digest(of: $0).dropFirst(7)) })),
            ])
            try file("manifest.json", JSONValue.array([item]).serialized())
        }
        try file("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
        return writer.finish()
    }
}
