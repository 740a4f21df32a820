import CZlib
import CZstd
import Crypto

/// Compresses a layer as it streams: feed it uncompressed chunks, it emits compressed ones,
/// counting them and hashing them, so the blob's digest and size are known when the stream ends
/// without reading the blob again.
///
/// gzip is zlib's deflate with a gzip wrapper (`deflateInit2`, window bits 15 + 16); zstd is
/// one frame from `ZSTD_compressStream2` with a content checksum; ``LayerCompression/none``
/// passes the bytes through (still counted and hashed). Memory: the codec's state and one
/// output buffer of `outputChunkSize` bytes, whatever the layer's size.
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
        case gzip(UnsafeMutablePointer<z_stream>)
        case zstd(OpaquePointer)
    }

    private let codec: Codec
    private let output: UnsafeMutableRawBufferPointer
    private var hasher = SHA256()

    /// A compressor for `compression`. `expectedSize`, when given, is the exact uncompressed
    /// size: zstd records it in the frame header (so readers can size their buffers) and fails
    /// if the input turns out different.
    public init(_ compression: LayerCompression, expectedSize: Int64? = nil, outputChunkSize: Int = 1 << 20) throws {
        precondition(outputChunkSize > 0, "an output buffer of at least one byte")
        self.compression = compression
        switch compression.algorithm {
        case .none:
            codec = .none
        case .gzip:
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            let level = Int32(compression.level ?? LayerCompression.defaultGzipLevel)
            let result = deflateInit2_(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard result == Z_OK else {
                stream.deallocate()
                throw ImageArchiveError(.compressionFailed, detail: "zlib could not start a gzip stream at level \(level) (error \(result))")
            }
            codec = .gzip(stream)
        case .zstd:
            guard let context = ZSTD_createCCtx() else {
                throw ImageArchiveError(.compressionFailed, detail: "libzstd could not allocate a compression context")
            }
            let level = Int32(compression.level ?? LayerCompression.defaultZstdLevel)
            var results = [
                ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level),
                ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1),
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
        case .gzip(let stream):
            deflateEnd(stream)
            stream.deallocate()
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
        case .gzip(let stream):
            // avail_in is 32 bits: feed very large chunks in slices.
            var offset = 0
            while offset < chunk.count {
                let count = min(chunk.count - offset, 1 << 30)
                stream.pointee.next_in = UnsafeMutablePointer(mutating: chunk.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = UInt32(count)
                try deflateAll(stream, flush: Z_NO_FLUSH, emit: emit)
                offset += count
            }
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
        case .gzip(let stream):
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
            try deflateAll(stream, flush: Z_FINISH, emit: emit)
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

    /// Runs deflate until it has taken all input (`Z_NO_FLUSH`) or ended the stream (`Z_FINISH`).
    private func deflateAll(_ stream: UnsafeMutablePointer<z_stream>, flush: Int32, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(output.count)
            let result = deflate(stream, flush)
            guard result == Z_OK || result == Z_STREAM_END || result == Z_BUF_ERROR else {
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(result)"
                throw ImageArchiveError(.compressionFailed, detail: "gzip compression failed: \(message)")
            }
            let produced = output.count - Int(stream.pointee.avail_out)
            try emitted(UnsafeRawBufferPointer(rebasing: output[..<produced]), to: emit)
            if flush == Z_FINISH {
                if result == Z_STREAM_END { return }
            } else if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 {
                return
            }
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
