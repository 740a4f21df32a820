import Foundation
import Testing
@testable import ImageArchive

@Suite("Flattened layer blobs")
struct LayerBlobTests {
    static let settings: [LayerCompression] = [.none, .default, try! .zstd()]

    func flattened(keep: Int, in dir: TemporaryDirectory) throws -> FlattenedImage {
        let bytes = try SaveArchiveBuilder(layers: ImageArchiveTests.layers).build(.legacy)
        let archive = try SavedImageArchive(path: try dir.write(bytes, to: "save.tar"))
        return try FlattenedImage(archive: archive, keepingLowest: keep, repoTags: ["shop:1.0-flat"], temporaryDirectory: dir.path)
    }

    @Test(arguments: settings)
    func blobIsTheCompressedMergedLayer(compression: LayerCompression) async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let blobs = try TemporaryDirectory("blobs"); defer { blobs.cleanup() }
        let image = try flattened(keep: 1, in: dir)
        let collector = Collector()
        let plain = try await image.writeLayer { collector.append($0) }

        let blob = try await image.writeLayerBlob(compression: compression, directory: blobs.path, chunkSize: 1000)
        let bytes = try contents(of: blob.region)
        #expect(blob.digest == ImageConfig.digest(of: bytes))
        #expect(blob.size == Int64(bytes.count))
        #expect(blob.mediaType == compression.mediaType)
        #expect(blob.compression == compression)
        #expect(blob.diffID == plain.diffID)
        #expect(blob.uncompressedSize == image.plan.layerSize)
        #expect(blob.writeResult == plain)
        let tar = try decompressed(bytes, in: dir)
        #expect(tar == collector.bytes)
        #expect(ImageConfig.digest(of: tar) == blob.diffID)
        if compression == .none { #expect(blob.digest == blob.diffID) } else { #expect(blob.digest != blob.diffID) }
        // The blob's file was unlinked when it was created: nothing is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: blobs.path).isEmpty)
    }

    @Test func aMissingDirectoryIsNamed() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let image = try flattened(keep: 0, in: dir)
        do {
            _ = try await image.writeLayerBlob(directory: dir.path + "/absent")
            Issue.record("no error")
        } catch let error as FileAccessError {
            #expect(error.path == dir.path + "/absent")
        }
    }
}
