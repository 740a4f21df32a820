import Crypto
import Foundation
import Testing
@testable import ImageArchive

/// Bytes that compress like a layer: text runs and incompressible noise, from a fixed seed.
func layerLikeBytes(count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    var out: [UInt8] = []
    out.reserveCapacity(count)
    let text = Array("usr/lib/x86_64-linux-gnu/libexample.so.1 ".utf8)
    while out.count < count {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        if state >> 63 == 0 {
            out += text.prefix(count - out.count)
        } else {
            for _ in 0..<min(64, count - out.count) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                out.append(UInt8(truncatingIfNeeded: state >> 33))
            }
        }
    }
    return out
}

@Suite("Layer compression settings")
struct LayerCompressionTests {
    @Test func defaultsFavourSpeed() throws {
        #expect(LayerCompression.default == (try .gzip()))
        #expect(LayerCompression.default.level == 1)
        #expect(try LayerCompression.zstd().level == 3)
        #expect(try LayerCompression(algorithm: .gzip) == .default)
        #expect(LayerCompression.none.level == nil)
    }

    @Test func descriptionsAndMediaTypes() throws {
        #expect(LayerCompression.default.description == "gzip level 1")
        #expect(try LayerCompression.zstd(level: 19).description == "zstd level 19")
        #expect(LayerCompression.none.description == "none")
        #expect(LayerCompression.none.mediaType == "application/vnd.oci.image.layer.v1.tar")
        #expect(LayerCompression.default.mediaType == "application/vnd.oci.image.layer.v1.tar+gzip")
        #expect(try LayerCompression.zstd().mediaType == "application/vnd.oci.image.layer.v1.tar+zstd")
    }

    @Test(arguments: [(LayerCompression.Algorithm.gzip, 0, "1 to 9"), (.gzip, 10, "1 to 9"), (.zstd, 0, "1 to 19"), (.zstd, 20, "1 to 19"), (.none, 1, "takes no level")])
    func levelsOutOfRangeNameTheRange(algorithm: LayerCompression.Algorithm, level: Int, message: String) {
        do {
            _ = try LayerCompression(algorithm: algorithm, level: level)
            Issue.record("level \(level) accepted for \(algorithm)")
        } catch let error as ImageArchiveError {
            #expect(error.code == .invalidArgument)
            #expect(error.description.contains(message))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func everyLevelInRangeIsAccepted() throws {
        for level in 1...9 { #expect(try LayerCompression.gzip(level: level).level == level) }
        for level in 1...19 { #expect(try LayerCompression.zstd(level: level).level == level) }
    }
}

@Suite("Layer compressor")
struct LayerCompressorTests {
    static let settings: [LayerCompression] = [.none, .default, try! .gzip(level: 9), try! .zstd(), try! .zstd(level: 19)]

    @Test(arguments: settings)
    func streamsAndRoundTrips(compression: LayerCompression) throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let input = layerLikeBytes(count: 3 << 20)
        // A small output buffer makes the codecs emit many pieces; uneven input chunks.
        let compressor = try LayerCompressor(compression, outputChunkSize: 4096)
        var output: [UInt8] = []
        var pieces = 0
        var offset = 0
        var step = 1
        while offset < input.count {
            let end = min(input.count, offset + step)
            try input[offset..<end].withUnsafeBytes { chunk in
                try compressor.compress(chunk) { output += $0; pieces += 1; #expect($0.count <= 4096 || compression == .none) }
            }
            offset = end
            step = step * 7 % 300_007 + 1
        }
        // zstd's workers may hand back nothing until the end: count the pieces of both.
        let digest = try compressor.finish { output += $0; pieces += 1; #expect($0.count <= 4096) }
        #expect(compressor.digest == digest)
        #expect(digest == ImageConfig.digest(of: output))
        #expect(compressor.compressedSize == Int64(output.count))
        #expect(compressor.uncompressedSize == Int64(input.count))
        #expect(pieces > 1)
        switch compression.algorithm {
        case .none:
            #expect(output == input)
        case .gzip:
            #expect(output.starts(with: [0x1f, 0x8b, 0x08]))
            #expect(output.count < input.count)
        case .zstd:
            #expect(output.starts(with: ZstdDecompressor.magic))
            // Frame header descriptor: Content_Checksum_flag (bit 2) is set.
            #expect(output[4] & 0b100 != 0)
            #expect(output.count < input.count)
        }
        #expect(try decompressed(output, in: dir) == input)
    }

    @Test(arguments: settings)
    func emptyInputIsAValidStream(compression: LayerCompression) throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let output = try LayerCompressor.compress([], compression)
        #expect(compression == .none ? output.isEmpty : !output.isEmpty)
        #expect(try decompressed(output, in: dir) == [])
    }

    @Test func higherLevelsCompressMore() throws {
        let input = layerLikeBytes(count: 1 << 20)
        #expect(try LayerCompressor.compress(input, .gzip(level: 9)).count <= LayerCompressor.compress(input, .gzip(level: 1)).count)
        #expect(try LayerCompressor.compress(input, .zstd(level: 19)).count <= LayerCompressor.compress(input, .zstd(level: 1)).count)
    }

    @Test func aWrongExpectedSizeIsAnError() throws {
        let compressor = try LayerCompressor(.zstd(), expectedSize: 100)
        _ = try compressor.compress([UInt8](repeating: 1, count: 50))
        #expect(throws: ImageArchiveError.self) { _ = try compressor.finish() }
    }
}

@Suite("Zstd layers")
struct ZstdLayerTests {
    func inflate(_ bytes: [UInt8], in dir: TemporaryDirectory) throws -> (RandomAccessFile, Int64) {
        let path = try dir.write(bytes, to: "layer-\(UUID().uuidString).zst")
        return try ZstdDecompressor.decompress(FileRegion(file: try RandomAccessFile(path: path)), member: "layer.zst", temporaryDirectory: dir.path)
    }

    @Test func concatenatedFramesAndPaddingDecompress() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let a = layerLikeBytes(count: 1_500_000, seed: 1)
        let b = layerLikeBytes(count: 700_000, seed: 2)
        let compressed = try LayerCompressor.compress(a, .zstd()) + LayerCompressor.compress(b, .zstd(level: 1)) + [UInt8](repeating: 0, count: 512)
        let (file, read) = try inflate(compressed, in: dir)
        #expect(read == Int64(compressed.count))
        #expect(file.size == Int64(a.count + b.count))
        #expect(try file.read(count: Int(file.size), at: 0) == a + b)
        // The inflated file was unlinked at creation.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { $0.hasSuffix(".zst") })
    }

    @Test func truncatedZstdIsRefused() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let compressed = try LayerCompressor.compress(layerLikeBytes(count: 200_000), .zstd())
        do {
            _ = try inflate(Array(compressed.dropLast(10)), in: dir)
            Issue.record("no error")
        } catch let e as ImageArchiveError {
            #expect(e.code == .corruptCompressedLayer)
            #expect(e.member == "layer.zst")
            #expect(e.detail.contains("truncated"))
        }
    }

    @Test func corruptZstdIsRefused() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var compressed = try LayerCompressor.compress(layerLikeBytes(count: 200_000), .zstd())
        compressed[compressed.count / 2] ^= 0xff
        do {
            _ = try inflate(compressed, in: dir)
            Issue.record("no error")
        } catch let e as ImageArchiveError {
            #expect(e.code == .corruptCompressedLayer)
            #expect(e.detail.contains("zstd"))
        }
    }

    @Test func garbageAfterAFrameIsRefused() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let compressed = try LayerCompressor.compress(Array("hello".utf8), .zstd()) + [0, 0, 7, 1, 2, 3]
        #expect(throws: ImageArchiveError.self) { _ = try inflate(compressed, in: dir) }
    }

    @Test func emptyInputIsRefused() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        #expect(throws: ImageArchiveError.self) { _ = try inflate([], in: dir) }
    }
}
