import CZlib

/// gzip written the way pigz writes it, on every core: the input is cut into fixed blocks, each
/// deflated on its own (primed with the 32 KiB before it, so matches reach back across the cut)
/// and ended with a sync flush, so the blocks' outputs simply concatenate into one deflate stream.
///
/// The bytes depend only on the level and the block size, never on the number of cores, the
/// batch size or how the input arrives in chunks: a layer always gets the same digest. The result
/// is one ordinary gzip member (10-byte header, the deflate stream, CRC-32 and length), a few
/// bytes per block larger than a single zlib stream.
///
/// A block that deflate would barely shrink (already compressed files, random data) is written
/// as deflate *stored* blocks instead: deflating it costs most of the time and saves almost
/// nothing, and a stored block can even be smaller than deflate's output for such data. The
/// choice is made from the block's own content (a fast trial on samples of it), so it too never
/// depends on the cores or the chunking.
///
/// Memory: one batch of input blocks and their outputs (`batchBlocks × blockSize`, twice).
/// Not thread-safe: one task feeds it, then calls ``finish(emit:)`` once.
final class GzipBlockEncoder {
    /// The block size: pigz's default. Smaller blocks lose ratio, larger ones parallelism.
    static let defaultBlockSize = 512 * 1024
    /// How far deflate can refer back: the dictionary each block is primed with.
    static let windowSize = 32 * 1024

    let level: Int32
    let blockSize: Int
    /// Blocks compressed per parallel round.
    let batchBlocks: Int

    private var pending: [UInt8] = []
    /// The last `windowSize` bytes before `pending`.
    private var dictionary: [UInt8] = []
    private var crc: UInt = crc32(0, nil, 0)
    private var length: UInt64 = 0
    private var wroteHeader = false

    init(level: Int, blockSize: Int = defaultBlockSize, batchBlocks: Int = min(32, 2 * ParallelWork.coreCount)) {
        precondition(blockSize >= Self.windowSize, "a block of at least the window size")
        precondition(batchBlocks >= 1, "at least one block per batch")
        self.level = Int32(level)
        self.blockSize = blockSize
        self.batchBlocks = batchBlocks
        pending.reserveCapacity(blockSize * batchBlocks)
    }

    /// Takes `chunk`, emitting the compressed bytes of every batch it completes.
    func compress(_ chunk: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var rest = chunk[...]
        while !rest.isEmpty {
            let room = blockSize * batchBlocks - pending.count
            let taken = rest.prefix(room)
            pending.append(contentsOf: taken)
            rest = rest.dropFirst(taken.count)
            if pending.count == blockSize * batchBlocks {
                try compressPending(emit: emit)
            }
        }
    }

    /// Compresses what is left and ends the member.
    func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        try compressPending(emit: emit)
        try emitHeaderOnce(emit)
        // A final empty fixed-Huffman block (BFINAL set) closes the deflate stream.
        var trailer: [UInt8] = [0x03, 0x00]
        for shift in stride(from: 0, to: 32, by: 8) { trailer.append(UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: crc) >> UInt32(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { trailer.append(UInt8(truncatingIfNeeded: length >> UInt64(shift))) }
        try trailer.withUnsafeBytes(emit)
    }

    // MARK: Blocks

    struct CompressedBlock {
        var bytes: [UInt8]
        var crc: UInt
        var count: Int
    }

    private func compressPending(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard !pending.isEmpty else { return }
        try emitHeaderOnce(emit)
        let blockCount = (pending.count + blockSize - 1) / blockSize
        let blocks: [CompressedBlock] = try pending.withUnsafeBytes { input in
            try dictionary.withUnsafeBytes { previous in
                try ParallelWork.map(blockCount) { index in
                    let start = index * blockSize
                    let block = UnsafeRawBufferPointer(rebasing: input[start..<min(start + blockSize, input.count)])
                    let primer = index == 0 ? previous : UnsafeRawBufferPointer(rebasing: input[(start - Self.windowSize)..<start])
                    guard Self.isWorthDeflating(block) else { return Self.storeBlock(block) }
                    return try Self.deflateBlock(block, dictionary: primer, level: level)
                }
            }
        }
        for block in blocks {
            crc = crc32_combine(crc, block.crc, .init(block.count))
            length += UInt64(block.count)
            try block.bytes.withUnsafeBytes(emit)
        }
        dictionary = Array(pending.suffix(Self.windowSize))
        pending.removeAll(keepingCapacity: true)
    }

    private func emitHeaderOnce(_ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard !wroteHeader else { return }
        wroteHeader = true
        // No name, no time; XFL as zlib sets it (4: fastest, 2: best); OS 3 (Unix), as zlib writes.
        let extraFlags: UInt8 = level == 9 ? 2 : (level < 2 ? 4 : 0)
        let header: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, extraFlags, 3]
        try header.withUnsafeBytes(emit)
    }

    // MARK: Incompressible blocks

    /// How much of a block the trial compresses: a few samples spread over it.
    static let sampleSize = 4 * 1024
    static let sampleCount = 4
    /// A block is deflated when the trial saves at least 5 %.
    static let worthwhileRatio = 0.95

    /// Whether deflating `block` is worth its time: its samples, deflated at level 1 (the
    /// trial must cost little next to the real work), shrink below ``worthwhileRatio``.
    static func isWorthDeflating(_ block: UnsafeRawBufferPointer) -> Bool {
        guard block.count > 0 else { return false }
        let sample = min(sampleSize, block.count)
        let stride = sampleCount > 1 ? (block.count - sample) / (sampleCount - 1) : 0
        var output = [UInt8](repeating: 0, count: Int(compressBound(uLong(sample))))
        var sampled = 0
        var compressed = 0
        for index in 0..<sampleCount {
            let start = index * stride
            var outputCount = uLongf(output.count)
            let result = output.withUnsafeMutableBytes { out in
                compress2(
                    out.baseAddress!.assumingMemoryBound(to: Bytef.self), &outputCount,
                    block.baseAddress!.advanced(by: start).assumingMemoryBound(to: Bytef.self), uLong(sample), 1)
            }
            // A failed trial says nothing: deflate the block, which reports any real failure.
            guard result == Z_OK else { return true }
            sampled += sample
            compressed += Int(outputCount)
            if stride == 0 { break }
        }
        return Double(compressed) < Double(sampled) * worthwhileRatio
    }

    /// `block` as deflate stored blocks (each at most 65,535 bytes), not final. The stream is
    /// byte-aligned before it (every block ends with a sync flush) and after it.
    static func storeBlock(_ block: UnsafeRawBufferPointer) -> CompressedBlock {
        let maxStored = 65_535
        var output: [UInt8] = []
        output.reserveCapacity(block.count + (block.count / maxStored + 1) * 5)
        var offset = 0
        repeat {
            let count = min(maxStored, block.count - offset)
            // BFINAL 0, BTYPE 00 (stored), padded to the byte: then LEN and its complement.
            output.append(0)
            output.append(UInt8(truncatingIfNeeded: count))
            output.append(UInt8(truncatingIfNeeded: count >> 8))
            output.append(UInt8(truncatingIfNeeded: ~count))
            output.append(UInt8(truncatingIfNeeded: ~count >> 8))
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: block[offset..<(offset + count)]))
            offset += count
        } while offset < block.count
        let blockCRC = crc32(0, block.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(block.count))
        return CompressedBlock(bytes: output, crc: blockCRC, count: block.count)
    }

    // MARK: Deflated blocks

    /// One block as raw deflate, primed with `dictionary`, ended by a sync flush (so the next
    /// block's output follows it on a byte boundary), with the block's CRC-32.
    private static func deflateBlock(_ block: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer, level: Int32) throws -> CompressedBlock {
        var stream = z_stream()
        let started = deflateInit2_(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard started == Z_OK else {
            throw ImageArchiveError(.compressionFailed, detail: "zlib could not start a deflate stream at level \(level) (error \(started))")
        }
        defer { deflateEnd(&stream) }
        if dictionary.count > 0 {
            let primed = deflateSetDictionary(&stream, dictionary.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(dictionary.count))
            guard primed == Z_OK else {
                throw ImageArchiveError(.compressionFailed, detail: "zlib refused the block's dictionary (error \(primed))")
            }
        }
        // deflateBound covers Z_FINISH; a sync flush adds at most an empty stored block.
        let capacity = Int(deflateBound(&stream, uLong(block.count))) + 16
        var output = [UInt8](repeating: 0, count: capacity)
        let produced: Int = try output.withUnsafeMutableBytes { out in
            stream.next_in = UnsafeMutablePointer(mutating: block.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(block.count)
            stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(out.count)
            let result = deflate(&stream, Z_SYNC_FLUSH)
            guard result == Z_OK, stream.avail_in == 0, stream.avail_out > 0 else {
                let message = stream.msg.map { String(cString: $0) } ?? "error \(result)"
                throw ImageArchiveError(.compressionFailed, detail: "gzip compression of a block failed: \(message)")
            }
            return out.count - Int(stream.avail_out)
        }
        output.removeLast(capacity - produced)
        let blockCRC = crc32(0, block.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(block.count))
        return CompressedBlock(bytes: output, crc: blockCRC, count: block.count)
    }
}
