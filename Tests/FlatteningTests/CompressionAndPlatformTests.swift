import DockerEngine
import FlattenProtocol
import Flattening
import Foundation
import ImageArchive
import Testing
import TestSupport

@Suite("compression, platform and stored sizes against every engine")
struct CompressionAndPlatformTests {
    @Test("the merged layer is stored as asked where the store keeps blobs, and the flatten stays exact", arguments: TestEngine.all)
    func compression(engine: TestEngine) async throws {
        try await TestImages.with(label: "compression", on: engine) { images in
            let app = try await images.application()
            let store = try await images.engine.describe().imageStore
            for (setting, magic) in [("zstd", [UInt8]([0x28, 0xb5, 0x2f, 0xfd])), ("gzip", [0x1f, 0x8b]), ("none", [])] {
                let options = FlattenOptions(
                    newTag: try ImageReference("\(images.repository):\(setting)"), verify: true,
                    compression: try LayerCompressionSetting(parsing: setting)
                )
                if setting == "zstd", store.kind == .containersStorage {
                    // Podman would load it and then fail to save or push it.
                    let error = await flattenError { _ = try await images.flatten(app, options) }
                    #expect(error?.isInvalidRequest == true)
                    #expect(error?.description.contains("zstd") == true)
                    continue
                }
                let result = try await images.flattened(app, options)
                #expect(result.verified == true)
                #expect(result.platform == ImagePlatform(os: "linux", architecture: "amd64"))
                // What the engine keeps is what its save gives back: the containerd store keeps
                // the blob as sent; Podman and graph drivers keep layers unpacked.
                let head = try await images.savedTopLayerHead(of: result.newImageId)
                if store.kind == .containerd {
                    #expect(Array(head.prefix(magic.count)) == magic && (!magic.isEmpty || head != [0x1f, 0x8b]), "\(setting): \(head)")
                } else {
                    #expect(!head.starts(with: [0x1f, 0x8b]) && !head.starts(with: [0x28, 0xb5, 0x2f, 0xfd]), "\(setting): \(head)")
                }
            }
        }
    }

    @Test("a platform the engine does not hold is refused before anything is made", arguments: TestEngine.all)
    func absentPlatform(engine: TestEngine) async throws {
        try await TestImages.with(label: "platform", on: engine) { images in
            let app = try await images.application()
            let before = try await images.state(of: app)
            let id = FlattenJob.makeID()
            let error = await flattenError {
                _ = try await images.flatten(app, FlattenOptions(platform: try ImagePlatform(parsing: "linux/arm64/v8")), id: id)
            }
            #expect(error?.isInvalidRequest == true)
            #expect(error?.description.contains("linux/arm64/v8") == true, "\(String(describing: error))")
            #expect(error?.description.contains("linux/amd64") == true, "\(String(describing: error))")
            try await images.expectNoLeftovers(of: id)
            #expect(try await images.state(of: app) == before)
            // The platform it holds is accepted.
            let result = try await images.flattened(app, FlattenOptions(platform: try ImagePlatform(parsing: "linux/amd64")))
            #expect(result.platform?.description == "linux/amd64")
        }
    }

    @Test("the result's sizes are the stored sizes the engine lists", arguments: TestEngine.all)
    func storedSizes(engine: TestEngine) async throws {
        try await TestImages.with(label: "stored-size", on: engine) { images in
            let app = try await images.application()
            let result = try await images.flattened(app)
            let listed = try await images.engine.listImages(all: true)
            #expect(listed.first { $0.id == result.originalImageId }?.size == result.originalSize)
            #expect(listed.first { $0.id == result.newImageId }?.size == result.newSize)
            #expect(result.bytesSaved == result.originalSize - result.newSize)
        }
    }
}

extension TestImages {
    /// The first bytes of the top layer as `save` gives it back (compressed or not).
    func savedTopLayerHead(of imageID: String) async throws -> [UInt8] {
        let spool = try SpoolFile(directory: workDirectory, prefix: "flatten-spool")
        for try await chunk in try await engine.saveImage(imageID) {
            try chunk.withUnsafeReadableBytes { try spool.append($0) }
        }
        let archive = try SavedImageArchive(file: spool.finish())
        let blobs = try archive.savedLayerBlobs(of: archive.images[0])
        let top = try #require(blobs.last)
        return try top.region.read(count: 4, at: 0)
    }
}
