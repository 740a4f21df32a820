import Foundation
@testable import ImageArchive

/// Builds `docker save` archives in memory, in both layouts.
struct SaveArchiveBuilder {
    /// The OCI layout is written with layers compressed as given.
    enum Layout { case legacy, oci(LayerCompression) }

    var layers: [[Item]]
    var repoTags = ["example/app:latest"]
    var extraConfig: [JSONMember] = [JSONMember(key: "config", value: .object([JSONMember(key: "Cmd", value: .array([.string("sh")]))]))]

    /// The layer tars (uncompressed).
    func layerTars() throws -> [[UInt8]] { try layers.map { try tarBytes($0) } }

    func configBytes() throws -> [UInt8] {
        let ids = try layerTars().map { JSONValue.string(ImageConfig.digest(of: $0)) }
        let history = ids.indices.map { i in
            JSONValue.object([JSONMember(key: "created", value: .string("2024-01-01T00:00:0\(i)Z")), JSONMember(key: "created_by", value: .string("RUN step \(i)"))])
        }
        var members = [JSONMember(key: "architecture", value: .string("amd64"))] + extraConfig
        members += [JSONMember(key: "history", value: .array(history)), JSONMember(key: "os", value: .string("linux")),
                    JSONMember(key: "rootfs", value: .object([JSONMember(key: "type", value: .string("layers")), JSONMember(key: "diff_ids", value: .array(ids))]))]
        return JSONValue.object(members).serialized()
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
            for tar in tars {
                let blob = try LayerCompressor.compress(tar, compression)
                let hex = String(ImageConfig.digest(of: blob).dropFirst(7))
                if written.insert(hex).inserted { try file("blobs/sha256/" + hex, blob) }
                layerNames.append("blobs/sha256/" + hex)
            }
            try file("blobs/sha256/" + configHex, config)
            try file("index.json", Array(#"{"schemaVersion":2,"manifests":[]}"#.utf8))
            try file("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
            try file("manifest.json", manifest())
        }
        return writer.finish()
    }
}
