import CZstd
import Crypto

/// Compresses a layer as it streams: feed it uncompressed chunks, it emits compressed ones,
/// counting them and hashing them, so the blob's digest and size are known when the stream ends
/// without reading the blob again.
///
/// Compression uses every core and its bytes never depend on how many there are, so a layer
/// always gets the same digest: gzip is one member written block-wise in parallel
/// (``GzipBlockEncoder``); zstd is one frame from `ZSTD_compressStream2` with a content
/// checksum and libzstd's worker threads (whose output is the same for any number of workers
/// from one up). ``LayerCompression/none`` passes the bytes through (still counted and hashed).
/// Memory: a few MiB of codec state and buffers, whatever the layer's size.
///
/// Not thread-safe: one task feeds it, then calls ``finish(emit:)`` once.
public final class LayerCompressor {
    public let compression: LayerCompression
    /// Uncompressed bytes fed so far.
    public private(set) var uncompressedSize: Int64 = 0
    /// Compressed bytes emitted so far.
    public private(set) var compressedSize: Int64 = 0
    /// `sha256:<hex>` of everything emitted: set by ``finish(emit:)``.
    public private(set) var digest: String?

    private enum Codec {
        case none
        case gzip(GzipBlockEncoder)
        case zstd(OpaquePointer)
    }

    private let codec: Codec
    private let output: UnsafeMutableRawBufferPointer
    private var hasher = SHA256()

    /// A compressor for `compression`. `expectedSize`, when given, is the exact uncompressed
    /// size: zstd records it in the frame header (so readers can size their buffers) and fails
    /// if the input turns out different.
    public convenience init(_ compression: LayerCompression, expectedSize: Int64? = nil, outputChunkSize: Int = 1 << 20) throws {
        try self.init(compression, expectedSize: expectedSize, outputChunkSize: outputChunkSize, workers: ParallelWork.coreCount)
    }

    /// `workers` sets the threads used (tests show the bytes do not depend on it).
    init(_ compression: LayerCompression, expectedSize: Int64?, outputChunkSize: Int, workers: Int) throws {
        precondition(outputChunkSize > 0, "an output buffer of at least one byte")
        self.compression = compression
        switch compression.algorithm {
        case .none:
            codec = .none
        case .gzip:
            codec = .gzip(GzipBlockEncoder(level: compression.level ?? LayerCompression.defaultGzipLevel, batchBlocks: min(32, 2 * workers)))
        case .zstd:
            guard let context = ZSTD_createCCtx() else {
                throw ImageArchiveError(.compressionFailed, detail: "libzstd could not allocate a compression context")
            }
            let level = Int32(compression.level ?? LayerCompression.defaultZstdLevel)
            var results = [
                ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level),
                ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1),
                // At least one worker even on one core: libzstd's output differs between none
                // and some workers, never between one and many. 2 MiB jobs keep memory small.
                ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, Int32(max(1, workers))),
                ZSTD_CCtx_setParameter(context, ZSTD_c_jobSize, Int32(2 << 20)),
            ]
            if let expectedSize { results.append(ZSTD_CCtx_setPledgedSrcSize(context, UInt64(expectedSize))) }
            if let failed = results.first(where: { ZSTD_isError($0) != 0 }) {
                ZSTD_freeCCtx(context)
                throw ImageArchiveError(.compressionFailed, detail: "libzstd refused the parameters (level \(level)): \(String(cString: ZSTD_getErrorName(failed)))")
            }
            codec = .zstd(context)
        }
        output = .allocate(byteCount: outputChunkSize, alignment: 16)
    }

    deinit {
        switch codec {
        case .none: break
        case .gzip:
            break
        case .zstd(let context):
            ZSTD_freeCCtx(context)
        }
        output.deallocate()
    }

    /// Compresses `chunk`, calling `emit` with each compressed piece produced (possibly none:
    /// codecs buffer). A piece is only valid during the call.
    public func compress(_ chunk: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(digest == nil, "compress after finish")
        uncompressedSize += Int64(chunk.count)
        guard chunk.count > 0 else { return }
        switch codec {
        case .none:
            try emitted(chunk, to: emit)
        case .gzip(let encoder):
            try encoder.compress(chunk) { try emittedInPieces($0, to: emit) }
        case .zstd(let context):
            var source = ZSTD_inBuffer(src: chunk.baseAddress!, size: chunk.count, pos: 0)
            while source.pos < source.size {
                try compressStream(context, &source, directive: ZSTD_e_continue, emit: emit)
            }
        }
    }

    /// Compresses `chunk` and returns what was produced (possibly nothing).
    public func compress(_ chunk: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        try chunk.withUnsafeBytes { try compress($0) { out += $0 } }
        return out
    }

    /// Ends the stream, emitting what the codec still holds; returns the compressed digest
    /// (also in ``digest``).
    @discardableResult
    public func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws -> String {
        precondition(digest == nil, "finish called twice")
        switch codec {
        case .none:
            break
        case .gzip(let encoder):
            try encoder.finish { try emittedInPieces($0, to: emit) }
        case .zstd(let context):
            var empty = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
            while try compressStream(context, &empty, directive: ZSTD_e_end, emit: emit) != 0 {}
        }
        let result = "sha256:" + hasher.finalize().hexString
        digest = result
        return result
    }

    /// Ends the stream and returns the last compressed bytes.
    public func finish() throws -> [UInt8] {
        var out: [UInt8] = []
        try finish { out += $0 }
        return out
    }

    /// `bytes` compressed in one go (small blobs, tests).
    public static func compress(_ bytes: [UInt8], _ compression: LayerCompression) throws -> [UInt8] {
        let compressor = try LayerCompressor(compression, expectedSize: Int64(bytes.count))
        return try compressor.compress(bytes) + compressor.finish()
    }

    // MARK: Codecs

    private func emitted(_ piece: UnsafeRawBufferPointer, to emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard piece.count > 0 else { return }
        hasher.update(bufferPointer: piece)
        compressedSize += Int64(piece.count)
        try emit(piece)
    }

    /// Emits a batch of compressed blocks in pieces no larger than the output buffer, as the
    /// streaming codecs do.
    private func emittedInPieces(_ bytes: UnsafeRawBufferPointer, to emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + output.count)
            try emitted(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), to: emit)
            offset = end
        }
    }

    /// One `ZSTD_compressStream2` call; returns what zstd says is left to flush.
    @discardableResult
    private func compressStream(_ context: OpaquePointer, _ source: inout ZSTD_inBuffer, directive: ZSTD_EndDirective, emit: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var sink = ZSTD_outBuffer(dst: output.baseAddress!, size: output.count, pos: 0)
        let remaining = ZSTD_compressStream2(context, &sink, &source, directive)
        if ZSTD_isError(remaining) != 0 {
            throw ImageArchiveError(.compressionFailed, detail: "zstd compression failed: \(String(cString: ZSTD_getErrorName(remaining)))")
        }
        try emitted(UnsafeRawBufferPointer(rebasing: output[..<sink.pos]), to: emit)
        return remaining
    }
}
