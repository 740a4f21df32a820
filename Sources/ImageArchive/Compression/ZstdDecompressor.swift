import CZstd

/// Decompresses a zstd-compressed layer into an anonymous temporary file, as
/// ``GzipDecompressor`` does for gzip: Docker's containerd image store and Podman save layers
/// compressed with zstd when they were pulled or built that way.
///
/// The region is read in fixed-size chunks and fed to `ZSTD_decompressStream`, which runs on
/// from one frame into the next, so concatenated frames (and skippable frames) make one layer.
/// Zero bytes after the last complete frame are taken as padding, as for gzip.
enum ZstdDecompressor {
    static let magic: [UInt8] = [0x28, 0xb5, 0x2f, 0xfd]

    /// Inflates `region` into a temporary file in `temporaryDirectory`. Returns the file and the
    /// number of compressed bytes read.
    static func decompress(_ region: FileRegion, member: String, temporaryDirectory: String) throws -> (RandomAccessFile, Int64) {
        let file = try SpoolFile(directory: temporaryDirectory, prefix: "flatten-layer")
        guard let context = ZSTD_createDCtx() else {
            throw ImageArchiveError(.corruptCompressedLayer, member: member, detail: "libzstd could not allocate a decompression context")
        }
        defer { ZSTD_freeDCtx(context) }

        let chunk = 1 << 20
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { input.deallocate() }
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { output.deallocate() }

        var position: Int64 = 0
        // Whether the input so far ends at a frame boundary (nothing of a frame is pending).
        var frameEnded = false
        var sawFrame = false
        reading: while position < region.count {
            let n = try region.read(into: input, at: position)
            if n == 0 { break }
            var source = ZSTD_inBuffer(src: UnsafeRawPointer(input.baseAddress!), size: n, pos: 0)
            while source.pos < source.size {
                if frameEnded {
                    let rest = UnsafeRawBufferPointer(rebasing: input[source.pos..<n])
                    if rest.allSatisfy({ $0 == 0 }) { source.pos = n; continue }
                }
                var sink = ZSTD_outBuffer(dst: output.baseAddress!, size: chunk, pos: 0)
                let result = ZSTD_decompressStream(context, &sink, &source)
                if ZSTD_isError(result) != 0 {
                    let message = String(cString: ZSTD_getErrorName(result))
                    throw ImageArchiveError(.corruptCompressedLayer, member: member, detail: "zstd: \(message) near compressed offset \(position + Int64(source.pos))")
                }
                if sink.pos > 0 { try file.append(UnsafeRawBufferPointer(rebasing: output[..<sink.pos])) }
                frameEnded = result == 0
                sawFrame = true
            }
            position += Int64(n)
        }
        guard sawFrame, frameEnded else {
            throw ImageArchiveError(.corruptCompressedLayer, member: member, detail: position == 0 ? "the zstd stream is empty" : "the zstd stream is truncated (it ends inside a frame)")
        }
        return (file.finish(label: "\(member) (decompressed)"), position)
    }
}
