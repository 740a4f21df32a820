import CZlib
import Foundation
import Testing
@testable import ImageArchive

@Suite("gzip on every core")
struct GzipBlockEncoderTests {
    /// The smallest block the encoder takes (the deflate window), so that boundaries come often.
    static let block = GzipBlockEncoder.windowSize

    /// `input` through an encoder, fed in chunks of `chunkSizes` (cycled).
    func encode(_ input: [UInt8], level: Int = 1, blockSize: Int = block, batchBlocks: Int, chunkSizes: [Int] = [1 << 20]) throws -> [UInt8] {
        let encoder = GzipBlockEncoder(level: level, blockSize: blockSize, batchBlocks: batchBlocks)
        var output: [UInt8] = []
        var offset = 0
        var turn = 0
        while offset < input.count {
            let end = min(input.count, offset + chunkSizes[turn % chunkSizes.count])
            try input[offset..<end].withUnsafeBytes { try encoder.compress($0) { output += $0 } }
            offset = end
            turn += 1
        }
        try encoder.finish { output += $0 }
        return output
    }

    @Test("round trips at every block and batch boundary")
    func boundaries() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let b = Self.block
        for count in [0, 1, b - 1, b, b + 1, 2 * b, 3 * b - 1, 3 * b, 3 * b + 1, 7 * b + 5] {
            let input = layerLikeBytes(count: count, seed: UInt64(count))
            let output = try encode(input, batchBlocks: 3)
            #expect(try decompressed(output, in: dir) == input, "\(count) bytes")
        }
    }

    @Test("the bytes do not depend on the batch size or the chunking")
    func deterministic() throws {
        let input = layerLikeBytes(count: 9 * Self.block + 123)
        let reference = try encode(input, batchBlocks: 1)
        for batch in 2...16 {
            #expect(try encode(input, batchBlocks: batch) == reference, "batch of \(batch)")
        }
        #expect(try encode(input, batchBlocks: 4, chunkSizes: [1, 7, 4096, 100_003]) == reference)
        #expect(try encode(input, batchBlocks: 2, chunkSizes: [Self.block]) == reference)
    }

    @Test("gzip(1) reads it back, checking its CRC and length")
    func gzipCommandDecodes() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let input = layerLikeBytes(count: 5 << 20)
        let path = try dir.write(try LayerCompressor.compress(input, .gzip(level: 6)), to: "layer.gz")
        #expect(try Self.gzipCommandDecompress(path) == input)
    }

    @Test("the trial deflates text, zeros and layer-like bytes, and not noise")
    func trial() {
        func worth(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes(GzipBlockEncoder.isWorthDeflating) }
        #expect(!worth(Self.noise(count: GzipBlockEncoder.defaultBlockSize)))
        #expect(!worth(Self.noise(count: 100)))
        #expect(worth(layerLikeBytes(count: GzipBlockEncoder.defaultBlockSize)))
        #expect(worth([UInt8](repeating: 0, count: GzipBlockEncoder.defaultBlockSize)))
        #expect(worth(Array(String(repeating: "usr/share/doc/", count: 10).utf8)))
    }

    @Test("noise is stored: it grows only by the gzip and stored-block framing")
    func storedNoise() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let blockSize = GzipBlockEncoder.defaultBlockSize
        let input = Self.noise(count: 3 * blockSize + 77)
        let output = try encode(input, level: 6, blockSize: blockSize, batchBlocks: 2)
        let storedBlocks = stride(from: 0, to: input.count, by: blockSize)
            .map { (min(blockSize, input.count - $0) + 65_534) / 65_535 }
            .reduce(0, +)
        // 10 bytes of header, 10 of trailer, 5 per stored block.
        #expect(output.count == input.count + 20 + 5 * storedBlocks)
        #expect(try decompressed(output, in: dir) == input)
    }

    @Test("streams mixing stored and deflated blocks read back with gzip(1) and ours, the same bytes for any batch size")
    func mixedBlocks() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var input: [UInt8] = []
        for index in 0..<9 {
            input += index.isMultiple(of: 2)
                ? Self.noise(count: Self.block, seed: UInt64(index))
                : layerLikeBytes(count: Self.block, seed: UInt64(index))
        }
        input += Self.noise(count: 1000, seed: 99)
        let reference = try encode(input, level: 6, batchBlocks: 1)
        for batch in 2...5 {
            #expect(try encode(input, level: 6, batchBlocks: batch, chunkSizes: [4096, 77_777]) == reference, "batch of \(batch)")
        }
        #expect(reference.count < input.count, "the text blocks were not deflated")
        #expect(try decompressed(reference, in: dir) == input)
        #expect(try Self.gzipCommandDecompress(try dir.write(reference, to: "mixed.gz")) == input)
    }

    /// Bytes deflate cannot shrink, from a fixed seed.
    static func noise(count: Int, seed: UInt64 = 1) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    /// What `gzip -dc` makes of the file at `path`, which must exit 0 (so the CRC and length are right).
    static func gzipCommandDecompress(_ path: String) throws -> [UInt8] {
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-dc", path]
        let out = Pipe()
        gzip.standardOutput = out
        try gzip.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0, "gzip -dc \(path) exited \(gzip.terminationStatus)")
        return Array(data)
    }

    @Test("within 1% of a single zlib stream's size", arguments: [1, 6, 9])
    func ratio(level: Int) throws {
        let input = layerLikeBytes(count: 8 << 20, seed: 7)
        let ours = try encode(input, level: level, blockSize: GzipBlockEncoder.defaultBlockSize, batchBlocks: 4)
        let single = try Self.singleStream(input, level: Int32(level))
        #expect(Double(ours.count) <= Double(single.count) * 1.01, "ours \(ours.count), zlib \(single.count)")
    }

    @Test("zstd gives the same bytes with one worker or several")
    func zstdWorkers() throws {
        let input = layerLikeBytes(count: 9 << 20, seed: 3)
        func compress(workers: Int) throws -> [UInt8] {
            let compressor = try LayerCompressor(.zstd(), expectedSize: nil, outputChunkSize: 1 << 20, workers: workers)
            return try compressor.compress(input) + compressor.finish()
        }
        let one = try compress(workers: 1)
        #expect(try compress(workers: 4) == one)
        #expect(try compress(workers: 2) == one)
    }

    /// What zlib alone writes: one gzip stream, one thread.
    static func singleStream(_ input: [UInt8], level: Int32) throws -> [UInt8] {
        var stream = z_stream()
        #expect(deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        var mutableInput = input
        let produced = mutableInput.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                let result = deflate(&stream, Z_FINISH)
                #expect(result == Z_STREAM_END)
                return outBuf.count - Int(stream.avail_out)
            }
        }
        return Array(output[..<produced])
    }
}
