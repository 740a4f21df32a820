import Foundation
import Testing
@testable import ImageArchive

@Suite("OCI layout load archives")
struct OCILayoutArchiveTests {
    func write(_ archive: OCILayoutArchive, chunkSize: Int = 1 << 20) async throws -> [UInt8] {
        let collector = Collector()
        try await archive.write(chunkSize: chunkSize) { collector.append($0) }
        return collector.bytes
    }

    /// Layer blobs from in-memory bytes, each in a file of its own.
    func blobs(_ layers: [[UInt8]], mediaType: String, in dir: TemporaryDirectory) throws -> [OCIBlob] {
        try layers.map { bytes in
            let path = try dir.write(bytes, to: "blob-\(UUID().uuidString)")
            return OCIBlob(mediaType: mediaType, digest: ImageConfig.digest(of: bytes), region: FileRegion(file: try RandomAccessFile(path: path)))
        }
    }

    @Test func membersSizesAndDocuments() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        // Layers 2 and 3 are identical: one blob, listed twice.
        let builder = SaveArchiveBuilder(layers: ImageArchiveTests.layers)
        let layers = try blobs(builder.layerBlobs(.default), mediaType: OCIMediaType.layerGzip, in: dir)
        let config = try builder.configBytes()
        let archive = try OCILayoutArchive(configBytes: config, reference: "shop:1.0-flat", layers: layers)
        let bytes = try await write(archive, chunkSize: 100)
        #expect(Int64(bytes.count) == (try archive.size()))

        let entries = try readTar(bytes, in: dir)
        let blobNames = Set([archive.configDigest, archive.manifestDigest] + layers.map(\.digest)).map { "blobs/sha256/" + $0.dropFirst(7) }.sorted()
        #expect(blobNames.count == 5)
        #expect(entries.names == ["blobs/", "blobs/sha256/"] + blobNames + ["index.json", "manifest.json", "oci-layout"])
        for entry in entries where entry.name.hasPrefix("blobs/sha256/") && entry.entry.kind == .regular {
            #expect("sha256:" + entry.name.dropFirst("blobs/sha256/".count) == ImageConfig.digest(of: entry.content))
        }
        #expect(entries[named: "oci-layout"]?.text == #"{"imageLayoutVersion":"1.0.0"}"#)
        #expect(archive.configDigest == ImageConfig.digest(of: config))
        #expect(archive.manifestDigest == ImageConfig.digest(of: archive.manifestBytes))

        let manifest = try JSONValue(parsing: archive.manifestBytes)
        #expect(manifest["schemaVersion"] == .number("2"))
        #expect(manifest["mediaType"]?.stringValue == "application/vnd.oci.image.manifest.v1+json")
        #expect(manifest["config"]?["mediaType"]?.stringValue == "application/vnd.oci.image.config.v1+json")
        #expect(manifest["config"]?["digest"]?.stringValue == archive.configDigest)
        #expect(manifest["config"]?["size"] == .number(String(config.count)))
        #expect(manifest["layers"]?.arrayValue?.compactMap { $0["digest"]?.stringValue } == layers.map(\.digest))
        #expect(manifest["layers"]?.arrayValue?.allSatisfy { $0["mediaType"]?.stringValue == OCIMediaType.layerGzip } == true)

        let index = try JSONValue(parsing: try #require(entries[named: "index.json"]).content)
        let descriptor = try #require(index["manifests"]?.arrayValue?.first)
        #expect(index["manifests"]?.arrayValue?.count == 1)
        #expect(descriptor["mediaType"]?.stringValue == OCIMediaType.imageManifest)
        #expect(descriptor["digest"]?.stringValue == archive.manifestDigest)
        #expect(descriptor["size"] == .number(String(archive.manifestBytes.count)))
        #expect(descriptor["annotations"]?["io.containerd.image.name"]?.stringValue == "docker.io/library/shop:1.0-flat")
        #expect(descriptor["annotations"]?["org.opencontainers.image.ref.name"]?.stringValue == "1.0-flat")
        #expect(descriptor["platform"]?["os"]?.stringValue == "linux")
        #expect(descriptor["platform"]?["architecture"]?.stringValue == "amd64")

        let dockerManifest = try JSONValue(parsing: try #require(entries[named: "manifest.json"]).content)
        let item = try #require(dockerManifest.arrayValue?.first)
        #expect(item["Config"]?.stringValue == "blobs/sha256/" + archive.configDigest.dropFirst(7))
        #expect(item["RepoTags"] == .array([.string("shop:1.0-flat")]))
        #expect(item["Layers"]?.arrayValue?.compactMap(\.stringValue) == layers.map { "blobs/sha256/" + $0.digest.dropFirst(7) })
    }

    @Test func anUnnamedImageHasNoAnnotationsOrTags() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let builder = SaveArchiveBuilder(layers: [[.file("a", "a")]])
        let archive = try OCILayoutArchive(configBytes: try builder.configBytes(), reference: nil, layers: try blobs(builder.layerTars(), mediaType: OCIMediaType.layer, in: dir))
        let bytes = try await write(archive)
        #expect(Int64(bytes.count) == (try archive.size()))
        let index = try JSONValue(parsing: archive.indexBytes)
        #expect(index["manifests"]?.arrayValue?.first?["annotations"] == nil)
        #expect(try JSONValue(parsing: archive.dockerManifestBytes).arrayValue?.first?["RepoTags"] == .array([]))
        let loaded = try SavedImageArchive(path: try dir.write(bytes, to: "load.tar"))
        #expect(loaded.images.first?.repoTags == [])
    }

    @Test func mismatchesAreRefused() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let builder = SaveArchiveBuilder(layers: [[.file("a", "a")], [.file("b", String(repeating: "b", count: 600))]])
        let config = try builder.configBytes()
        let layers = try blobs(builder.layerTars(), mediaType: OCIMediaType.layer, in: dir)
        #expect(throws: ImageArchiveError.self) { try OCILayoutArchive(configBytes: config, reference: nil, layers: Array(layers.prefix(1))) }
        var badDigest = layers
        badDigest[0].digest = "sha256:XYZ"
        #expect(throws: ImageArchiveError.self) { try OCILayoutArchive(configBytes: config, reference: nil, layers: badDigest) }
        #expect(throws: ImageArchiveError.self) { try OCILayoutArchive(configBytes: config, reference: "Not A Name", layers: layers) }
        #expect(throws: ImageArchiveError.self) { try OCILayoutArchive(configBytes: Array("{}".utf8), reference: nil, layers: layers) }
        // The same digest given with two sizes cannot be written.
        var conflicting = layers
        conflicting[1].digest = conflicting[0].digest
        let archive = try OCILayoutArchive(configBytes: config, reference: nil, layers: conflicting)
        #expect(throws: ImageArchiveError.self) { try archive.size() }
    }

    /// A flatten of a save, loaded back: the kept layers are the saved blobs unchanged, the
    /// merged one is the compressed blob; read back via manifest.json and via index.json alone.
    @Test(arguments: [0, 1, 2], [LayerCompression.none, .default, try! .zstd()])
    func flattenRoundTrips(sourceLayout: Int, compression: LayerCompression) async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let layout: SaveArchiveBuilder.Layout = [.legacy, .oci(.default), .oci(try .zstd(level: 5))][sourceLayout]
        let builder = SaveArchiveBuilder(layers: ImageArchiveTests.layers)
        let saved = try SavedImageArchive(path: try dir.write(try builder.build(layout), to: "save.tar"))
        let keep = 2
        let image = try FlattenedImage(archive: saved, keepingLowest: keep, repoTags: ["shop:1.0-flat"], temporaryDirectory: dir.path)
        let kept = Array(try saved.savedLayerBlobs(of: saved.images[0]).prefix(keep))
        let blob = try await image.writeLayerBlob(compression: compression, directory: dir.path)
        let archive = try image.ociLoadArchive(layerBlob: blob, keptBlobs: kept)
        let bytes = try await write(archive, chunkSize: 333)
        #expect(Int64(bytes.count) == (try archive.size()))

        let config = try ImageConfig(bytes: archive.configBytes)
        let originalIDs = try builder.layerTars().map { ImageConfig.digest(of: $0) }
        #expect(try config.diffIDs() == Array(originalIDs.prefix(keep)) + [blob.diffID])
        #expect(config == (try saved.config(of: saved.images[0]).flattened(keepingLowest: keep, newDiffID: blob.diffID)))

        let merged = Collector()
        _ = try await image.writeLayer { merged.append($0) }
        let withManifest = try SavedImageArchive(path: try dir.write(bytes, to: "load.tar"))
        let withoutManifest = try SavedImageArchive(path: try dir.write(try removingMembers(["manifest.json"], from: bytes, in: dir), to: "load-index-only.tar"))
        #expect(withoutManifest.memberNames.contains("manifest.json") == false)
        for loaded in [withManifest, withoutManifest] {
            #expect(loaded.layout == .oci)
            let read = try #require(loaded.images.first)
            #expect(loaded.images.count == 1)
            #expect(read.repoTags == ["shop:1.0-flat"])
            #expect(read.platform == ImageConfig.Platform(os: "linux", architecture: "amd64"))
            #expect(read.manifest?.descriptor.digest == archive.manifestDigest)
            #expect(read.manifest?.layers.map(\.mediaType) == kept.map(\.mediaType) + [compression.mediaType])
            #expect(try loaded.configBytes(of: read) == archive.configBytes)
            let readBlobs = try loaded.savedLayerBlobs(of: read)
            #expect(readBlobs.map(\.digest) == kept.map(\.digest) + [blob.digest])
            #expect(readBlobs.map(\.mediaType) == kept.map(\.mediaType) + [blob.mediaType])
            for (readBlob, original) in zip(readBlobs, kept + [blob.blob]) {
                #expect(try contents(of: readBlob.region) == contents(of: original.region))
            }
            let (sources, _) = try loaded.layerSources(of: read, temporaryDirectory: dir.path)
            #expect(try sources.map { ImageConfig.digest(of: try contents(of: $0.region)) } == config.diffIDs())
            #expect(try contents(of: sources[keep].region) == merged.bytes)
        }
    }

    @Test func keptBlobsMustMatchTheFlatten() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let saved = try SavedImageArchive(path: try dir.write(try SaveArchiveBuilder(layers: ImageArchiveTests.layers).build(.legacy), to: "save.tar"))
        let image = try FlattenedImage(archive: saved, keepingLowest: 2, repoTags: [], temporaryDirectory: dir.path)
        let savedBlobs = try saved.savedLayerBlobs(of: saved.images[0])
        let blob = try await image.writeLayerBlob(directory: dir.path)
        #expect(throws: ImageArchiveError.self) { try image.ociLoadArchive(layerBlob: blob, keptBlobs: Array(savedBlobs.prefix(1))) }
        #expect(throws: ImageArchiveError.self) { try image.ociLoadArchive(layerBlob: blob, keptBlobs: [savedBlobs[1], savedBlobs[0]]) }
        let unnamed = try image.ociLoadArchive(layerBlob: blob, keptBlobs: Array(savedBlobs.prefix(2)))
        #expect(unnamed.reference == nil)
        let twoTags = try FlattenedImage(plan: image.plan, originalConfig: image.originalConfig, repoTags: ["a:1", "b:2"])
        #expect(throws: ImageArchiveError.self) { try twoTags.ociLoadArchive(layerBlob: blob, keptBlobs: Array(savedBlobs.prefix(2))) }
    }
}
