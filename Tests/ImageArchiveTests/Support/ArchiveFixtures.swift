import Foundation
@testable import ImageArchive

/// Builds `docker save` archives in memory, in both layouts.
struct SaveArchiveBuilder {
    /// The OCI layout is written as Docker 25+ writes it: every blob (layers compressed as
    /// given), the image manifest, `index.json` naming it, and `manifest.json`.
    enum Layout { case legacy, oci(LayerCompression) }

    var layers: [[Item]]
    var repoTags = ["example/app:latest"]
    var extraConfig: [JSONMember] = [JSONMember(key: "config", value: .object([JSONMember(key: "Cmd", value: .array([.string("sh")]))]))]
    var architecture = "amd64"
    var variant: String?
    /// OCI layout: write `manifest.json` (an OCI layout without one must be read via index.json).
    var dockerManifest = true
    /// OCI layout: list the image manifest in `index.json` (false: an empty index, as older
    /// fixtures had).
    var indexesManifest = true

    /// The layer tars (uncompressed).
    func layerTars() throws -> [[UInt8]] { try layers.map { try tarBytes($0) } }

    func configBytes() throws -> [UInt8] {
        let ids = try layerTars().map { JSONValue.string(ImageConfig.digest(of: $0)) }
        let history = ids.indices.map { i in
            JSONValue.object([JSONMember(key: "created", value: .string("2024-01-01T00:00:0\(i)Z")), JSONMember(key: "created_by", value: .string("RUN step \(i)"))])
        }
        var members = [JSONMember(key: "architecture", value: .string(architecture))] + extraConfig
        members += [JSONMember(key: "history", value: .array(history)), JSONMember(key: "os", value: .string("linux")),
                    JSONMember(key: "rootfs", value: .object([JSONMember(key: "type", value: .string("layers")), JSONMember(key: "diff_ids", value: .array(ids))]))]
        if let variant { members.append(JSONMember(key: "variant", value: .string(variant))) }
        return JSONValue.object(members).serialized()
    }

    /// The layer blobs of the OCI layout, lowest first.
    func layerBlobs(_ compression: LayerCompression) throws -> [[UInt8]] {
        try layerTars().map { try LayerCompressor.compress($0, compression) }
    }

    /// The image manifest of the OCI layout.
    func imageManifest(_ compression: LayerCompression) throws -> [UInt8] {
        let config = try configBytes()
        func descriptor(_ mediaType: String, _ bytes: [UInt8]) -> JSONValue {
            .object([JSONMember(key: "mediaType", value: .string(mediaType)), JSONMember(key: "digest", value: .string(ImageConfig.digest(of: bytes))), JSONMember(key: "size", value: .number(String(bytes.count)))])
        }
        return JSONValue.object([
            JSONMember(key: "schemaVersion", value: .number("2")),
            JSONMember(key: "mediaType", value: .string(OCIMediaType.imageManifest)),
            JSONMember(key: "config", value: descriptor(OCIMediaType.imageConfig, config)),
            JSONMember(key: "layers", value: .array(try layerBlobs(compression).map { descriptor(compression.mediaType, $0) })),
        ]).serialized()
    }

    func build(_ layout: Layout, manifestLast: Bool = true, duplicateLinks: Bool = true) throws -> [UInt8] {
        let tars = try layerTars()
        let config = try configBytes()
        let configHex = String(ImageConfig.digest(of: config).dropFirst(7))
        var writer = TarWriter()
        var layerNames: [String] = []
        func manifest() -> [UInt8] {
            JSONValue.array([.object([
                JSONMember(key: "Config", value: .string(layoutConfigName())),
                JSONMember(key: "RepoTags", value: .array(repoTags.map(JSONValue.string))),
                JSONMember(key: "Layers", value: .array(layerNames.map(JSONValue.string))),
            ])]).serialized()
        }
        func layoutConfigName() -> String {
            if case .legacy = layout { return configHex + ".json" }
            return "blobs/sha256/" + configHex
        }
        func file(_ name: String, _ bytes: [UInt8]) throws {
            try writer.append(TarEntry(name: ByteString(name), kind: .regular, mode: 0o644, size: Int64(bytes.count)), contents: bytes)
        }
        switch layout {
        case .legacy:
            var firstByDigest: [String: String] = [:]
            for (i, tar) in tars.enumerated() {
                let id = String(ImageConfig.digest(of: Array("v1-\(i)".utf8) + tar).dropFirst(7))
                try writer.append(TarEntry(name: ByteString(id + "/"), kind: .directory, mode: 0o755))
                try file(id + "/VERSION", Array("1.0".utf8))
                try file(id + "/json", Array("{}".utf8))
                let digest = ImageConfig.digest(of: tar)
                if duplicateLinks, let first = firstByDigest[digest] {
                    // docker save links a layer identical to an earlier one.
                    try writer.append(TarEntry(name: ByteString(id + "/layer.tar"), kind: .symbolicLink, mode: 0o777, linkName: ByteString("../" + first)))
                } else {
                    try file(id + "/layer.tar", tar)
                    firstByDigest[digest] = id + "/layer.tar"
                }
                layerNames.append(id + "/layer.tar")
            }
            if !manifestLast { try file("manifest.json", manifest()) }
            try file(configHex + ".json", config)
            try file("repositories", Array(#"{"example/app":{"latest":"x"}}"#.utf8))
            if manifestLast { try file("manifest.json", manifest()) }
        case .oci(let compression):
            try writer.append(TarEntry(name: "blobs/", kind: .directory, mode: 0o755))
            try writer.append(TarEntry(name: "blobs/sha256/", kind: .directory, mode: 0o755))
            var written = Set<String>()
            for blob in try layerBlobs(compression) {
                let hex = String(ImageConfig.digest(of: blob).dropFirst(7))
                if written.insert(hex).inserted { try file("blobs/sha256/" + hex, blob) }
                layerNames.append("blobs/sha256/" + hex)
            }
            try file("blobs/sha256/" + configHex, config)
            var manifests: [JSONValue] = []
            if indexesManifest {
                let manifest = try imageManifest(compression)
                try file("blobs/sha256/" + String(ImageConfig.digest(of: manifest).dropFirst(7)), manifest)
                var annotations: [JSONMember] = []
                if let tag = repoTags.first, let reference = try? DockerReference(parsing: tag) {
                    annotations = [JSONMember(key: "io.containerd.image.name", value: .string(reference.fullyQualified)), JSONMember(key: "org.opencontainers.image.ref.name", value: .string(reference.tag))]
                }
                manifests.append(.object([
                    JSONMember(key: "mediaType", value: .string(OCIMediaType.imageManifest)),
                    JSONMember(key: "digest", value: .string(ImageConfig.digest(of: manifest))),
                    JSONMember(key: "size", value: .number(String(manifest.count))),
                    JSONMember(key: "annotations", value: .object(annotations)),
                ]))
            }
            try file("index.json", JSONValue.object([JSONMember(key: "schemaVersion", value: .number("2")), JSONMember(key: "manifests", value: .array(manifests))]).serialized())
            if dockerManifest { try file("manifest.json", manifest()) }
            try file("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
        }
        return writer.finish()
    }
}
