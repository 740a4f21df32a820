import Foundation
import Testing
@testable import ImageArchive

@Suite("Reading OCI saves")
struct OCIReadingTests {
    func open(_ bytes: [UInt8], platform: ImageConfig.Platform? = nil, in dir: TemporaryDirectory) throws -> SavedImageArchive {
        try SavedImageArchive(path: try dir.write(bytes, to: "save-\(UUID().uuidString).tar"), platform: platform)
    }

    static let amd64 = SaveArchiveBuilder(layers: [[.file("etc/os", "amd64")], [.file("app", "x86")]])
    static var arm64: SaveArchiveBuilder {
        var builder = SaveArchiveBuilder(layers: [[.file("etc/os", "arm64")], [.file("app", "arm")]])
        builder.architecture = "arm64"
        builder.variant = "v8"
        return builder
    }
    static var armv7: SaveArchiveBuilder {
        var builder = SaveArchiveBuilder(layers: [[.file("etc/os", "arm")]])
        builder.architecture = "arm"
        builder.variant = "v7"
        return builder
    }

    @Test func anOCILayoutWithoutManifestJSONIsReadThroughIndexJSON() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var builder = SaveArchiveBuilder(layers: ImageArchiveTests.layers)
        builder.dockerManifest = false
        let archive = try open(try builder.build(.oci(try .zstd())), in: dir)
        #expect(!archive.memberNames.contains("manifest.json"))
        let image = try #require(archive.images.first)
        #expect(archive.images.count == 1)
        #expect(image.repoTags == ["example/app:latest"])
        #expect(image.platform?.description == "linux/amd64")
        #expect(try archive.configBytes(of: image) == builder.configBytes())
        #expect(image.manifest?.layers.allSatisfy { $0.mediaType == OCIMediaType.layerZstd } == true)
        let (sources, compressed) = try archive.layerSources(of: image, temporaryDirectory: dir.path)
        #expect(compressed > 0)
        #expect(try sources.map { try contents(of: $0.region) } == builder.layerTars())
    }

    @Test func multiPlatformSavePicksTheCompletePlatform() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        for listMediaType in [OCIMediaType.imageIndex, OCIMediaType.dockerManifestList] {
            var save = MultiPlatformSaveBuilder(entries: [
                .init(image: Self.armv7, presence: .absent),
                .init(image: Self.arm64, presence: .manifestOnly),
                .init(image: Self.amd64, presence: .complete, compression: try .zstd()),
            ])
            save.listMediaType = listMediaType
            let archive = try open(try save.build(), in: dir)
            let image = try #require(archive.images.first)
            #expect(archive.images.count == 1)
            #expect(image.platform?.description == "linux/amd64")
            #expect(image.repoTags == ["shop:1.0"])
            #expect(image.manifest?.descriptor.digest == ImageConfig.digest(of: try save.manifestBytes(save.entries[2])))
            #expect(try archive.configBytes(of: image) == Self.amd64.configBytes())
            let (sources, _) = try archive.layerSources(of: image, temporaryDirectory: dir.path)
            #expect(try sources.map { try contents(of: $0.region) } == Self.amd64.layerTars())

            // Asked for by platform: the same image; a variant-less request accepts any variant.
            #expect(try open(try save.build(), platform: .init(parsing: "linux/amd64"), in: dir).images.first?.config == image.config)
        }
    }

    @Test func anAbsentPlatformIsNamedWithThoseThatArePresent() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let save = MultiPlatformSaveBuilder(entries: [
            .init(image: Self.arm64, presence: .manifestOnly),
            .init(image: Self.amd64, presence: .complete),
            .init(image: Self.armv7, presence: .complete),
        ])
        let bytes = try save.build()
        for (request, expected) in [("linux/arm64", nil), ("linux/arm/v7", "linux/arm/v7"), ("linux/arm", "linux/arm/v7"), ("linux/arm/v6", nil), ("linux/amd64", "linux/amd64")] {
            do {
                let archive = try open(bytes, platform: try .init(parsing: request), in: dir)
                #expect(archive.images.first?.platform?.description == expected, "\(request)")
            } catch let error as ImageArchiveError {
                #expect(expected == nil, "\(request): \(error)")
                #expect(error.code == .platformNotPresent)
                #expect(error.description.contains(request))
                #expect(error.description.contains("linux/amd64, linux/arm/v7"))
                #expect(!error.description.contains("unknown"))
            }
        }
        // No request: the first complete image in index order.
        #expect(try open(bytes, in: dir).images.first?.platform?.description == "linux/amd64")
    }

    @Test func manifestJSONStaysTheSourceAndGetsTheMatchingManifest() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var save = MultiPlatformSaveBuilder(entries: [
            .init(image: Self.amd64, presence: .complete),
            .init(image: Self.arm64, presence: .complete, compression: try .zstd()),
        ])
        save.dockerManifestEntry = 1
        let bytes = try save.build()
        let archive = try open(bytes, in: dir)
        let image = try #require(archive.images.first)
        #expect(archive.images.count == 1)
        // manifest.json chose arm64, although amd64 comes first in the index.
        #expect(image.platform?.description == "linux/arm64/v8")
        #expect(image.repoTags == ["shop:1.0"])
        #expect(image.manifest?.descriptor.digest == ImageConfig.digest(of: try save.manifestBytes(save.entries[1])))
        #expect(try archive.savedLayerBlobs(of: image).map(\.mediaType) == [OCIMediaType.layerZstd, OCIMediaType.layerZstd])

        // A platform manifest.json does not list, but index.json has complete, is found there.
        let other = try open(bytes, platform: .init(parsing: "linux/amd64"), in: dir)
        #expect(other.images.first?.platform?.description == "linux/amd64")
        #expect(try other.configBytes(of: try #require(other.images.first)) == Self.amd64.configBytes())
        #expect(try open(bytes, platform: .init(parsing: "linux/arm64"), in: dir).images.first?.config == image.config)
        #expect(throws: ImageArchiveError.self) { try open(bytes, platform: .init(parsing: "linux/s390x"), in: dir) }
    }

    @Test func anIndexWithNothingCompleteSaysSo() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let save = MultiPlatformSaveBuilder(entries: [.init(image: Self.amd64, presence: .manifestOnly)])
        do {
            _ = try open(try save.build(), in: dir)
            Issue.record("no error")
        } catch let error as ImageArchiveError {
            #expect(error.code == .missingMember)
            #expect(error.description.contains("linux/amd64"))
        }
    }

    @Test func legacyBlobsAreTheLayerTars() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let builder = SaveArchiveBuilder(layers: ImageArchiveTests.layers)
        let archive = try open(try builder.build(.legacy), in: dir)
        let blobs = try archive.savedLayerBlobs(of: archive.images[0])
        let tars = try builder.layerTars()
        #expect(blobs.count == tars.count)
        for (blob, tar) in zip(blobs, tars) {
            #expect(blob.mediaType == OCIMediaType.layer)
            #expect(blob.digest == ImageConfig.digest(of: tar))
            #expect(try contents(of: blob.region) == tar)
        }
    }

    @Test(arguments: [LayerCompression.none, .default, try! .zstd()])
    func ociBlobsAreNamedByTheirDigest(compression: LayerCompression) throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var builder = SaveArchiveBuilder(layers: ImageArchiveTests.layers)
        // No image manifest: the media type comes from the first bytes.
        builder.indexesManifest = false
        let archive = try open(try builder.build(.oci(compression)), in: dir)
        #expect(archive.images[0].manifest == nil)
        let blobs = try archive.savedLayerBlobs(of: archive.images[0])
        for (blob, expected) in zip(blobs, try builder.layerBlobs(compression)) {
            #expect(blob.mediaType == compression.mediaType)
            #expect(blob.digest == ImageConfig.digest(of: expected))
            #expect(try contents(of: blob.region) == expected)
        }
    }

    @Test func aCompressedLayerUnderAnotherNameIsHashed() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let tar = try tarBytes([.file("a", "a")])
        let gzip = try LayerCompressor.compress(tar, .default)
        let config = JSONValue.object([
            JSONMember(key: "architecture", value: .string("arm64")), JSONMember(key: "os", value: .string("linux")),
            JSONMember(key: "rootfs", value: .object([JSONMember(key: "type", value: .string("layers")), JSONMember(key: "diff_ids", value: .array([.string(ImageConfig.digest(of: tar))]))])),
        ]).serialized()
        var writer = TarWriter()
        let manifest = Array(#"[{"Config":"c.json","RepoTags":["x:1"],"Layers":["l/layer.tar"]}]"#.utf8)
        try writer.append(TarEntry(name: "manifest.json", kind: .regular, size: Int64(manifest.count)), contents: manifest)
        try writer.append(TarEntry(name: "c.json", kind: .regular, size: Int64(config.count)), contents: config)
        try writer.append(TarEntry(name: "l/layer.tar", kind: .regular, size: Int64(gzip.count)), contents: gzip)
        let bytes = writer.finish()
        let archive = try open(bytes, in: dir)
        let blob = try #require(try archive.savedLayerBlobs(of: archive.images[0]).first)
        #expect(blob.mediaType == OCIMediaType.layerGzip)
        #expect(blob.digest == ImageConfig.digest(of: gzip))
        #expect(archive.images[0].platform?.description == "linux/arm64")
        // arm64 without a variant is v8.
        #expect(try open(bytes, platform: .init(parsing: "linux/arm64/v8"), in: dir).images.count == 1)
    }

    @Test func dockerMediaTypesBecomeOCIOnes() {
        #expect(OCIMediaType.ociLayer(for: OCIMediaType.dockerLayerGzip) == OCIMediaType.layerGzip)
        #expect(OCIMediaType.ociLayer(for: OCIMediaType.dockerLayer) == OCIMediaType.layer)
        #expect(OCIMediaType.ociLayer(for: OCIMediaType.dockerLayerZstd) == OCIMediaType.layerZstd)
        #expect(OCIMediaType.ociLayer(for: OCIMediaType.layerZstd) == OCIMediaType.layerZstd)
    }

    @Test func platformsParseAndMatch() throws {
        #expect(try ImageConfig.Platform(parsing: "linux/arm64/v8") == ImageConfig.Platform(os: "linux", architecture: "arm64", variant: "v8"))
        #expect(throws: ImageArchiveError.self) { try ImageConfig.Platform(parsing: "linux") }
        #expect(throws: ImageArchiveError.self) { try ImageConfig.Platform(parsing: "linux//v7") }
        let arm = ImageConfig.Platform(os: "linux", architecture: "arm", variant: "v7")
        #expect(try ImageConfig.Platform(parsing: "linux/arm").matches(arm))
        #expect(try !ImageConfig.Platform(parsing: "linux/arm/v6").matches(arm))
        #expect(try !ImageConfig.Platform(parsing: "windows/arm").matches(arm))
    }

    @Test func theSpoolPassesThePlatformOn() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let bytes = try MultiPlatformSaveBuilder(entries: [.init(image: Self.amd64, presence: .complete), .init(image: Self.arm64, presence: .complete)]).build()
        let spool = try SpoolFile(directory: dir.path, prefix: "flatten-spool")
        try spool.append(bytes)
        let archive = try SavedImageArchive(file: spool.finish(), platform: .init(parsing: "linux/arm64"))
        #expect(archive.images.first?.platform?.description == "linux/arm64/v8")
    }
}
