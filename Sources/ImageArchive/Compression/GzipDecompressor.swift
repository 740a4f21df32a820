import CZlib

/// Decompresses a gzip-compressed layer into an anonymous temporary file.
///
/// A gzip stream cannot be read by offset, and the merge needs each layer's content by offset
/// (it writes entries in path order, not tar order). So a compressed layer is inflated once, in
/// fixed-size chunks, into a file in the given directory that is unlinked at once: the space is
/// freed when the returned ``RandomAccessFile`` is released, even if the process dies.
enum GzipDecompressor {
    static let magic: [UInt8] = [0x1f, 0x8b]

    /// Inflates `region` (one or more concatenated gzip members) into a temporary file.
    /// Returns the file and the number of compressed bytes read.
    static func decompress(_ region: FileRegion, member: String, temporaryDirectory: String) throws -> (RandomAccessFile, Int64) {
        let file = try SpoolFile(directory: temporaryDirectory, prefix: "flatten-layer")

        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImageArchiveError(.corruptCompressedLayer, member: member, detail: "zlib could not be initialized")
        }
        defer { inflateEnd(&stream) }

        let chunk = 1 << 20
        var input = [UInt8](repeating: 0, count: chunk)
        var output = [UInt8](repeating: 0, count: chunk)
        var position: Int64 = 0
        var memberEnded = false
        reading: while position < region.count {
            let n = try input.withUnsafeMutableBytes { try region.read(into: $0, at: position) }
            if n == 0 { break }
            var consumed = 0
            while consumed < n {
                if memberEnded {
                    // Another gzip member may follow; zero padding may end the stream.
                    let rest = input[consumed..<n]
                    if rest.allSatisfy({ $0 == 0 }) { consumed = n; continue }
                    guard rest.first == magic[0] else {
                        throw ImageArchiveError(.corruptCompressedLayer, member: member, detail: "data after the gzip stream at offset \(position + Int64(consumed))")
                    }
                    inflateReset(&stream)
                    memberEnded = false
                }
                let result: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
                    output.withUnsafeMutableBufferPointer { outBuf in
                        stream.next_in = inBuf.baseAddress! + consumed
                        stream.avail_in = UInt32(n - consumed)
                        stream.next_out = outBuf.baseAddress!
                        stream.avail_out = UInt32(chunk)
                        let r = inflate(&stream, Z_NO_FLUSH)
                        consumed = n - Int(stream.avail_in)
                        return r
                    }
                }
                guard result == Z_OK || result == Z_STREAM_END || result == Z_BUF_ERROR else {
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(result)"
                    throw ImageArchiveError(.corruptCompressedLayer, member: member, detail: "\(message) near compressed offset \(position + Int64(consumed))")
                }
                let produced = chunk - Int(stream.avail_out)
                if produced > 0 {
                    try output.withUnsafeBytes { try file.append(UnsafeRawBufferPointer(rebasing: $0[..<produced])) }
                }
                if result == Z_STREAM_END { memberEnded = true }
                if result == Z_BUF_ERROR && produced == 0 && consumed < n { break reading }
            }
            position += Int64(n)
        }
        guard memberEnded else {
            throw ImageArchiveError(.corruptCompressedLayer, member: member, detail: "the gzip stream is truncated")
        }
        return (file.finish(label: "\(member) (decompressed)"), position)
    }
}
