import Foundation
@testable import ImageArchive

/// The archive `bytes` without the members named in `names` (an OCI layout without
/// `manifest.json`, say).
func removingMembers(_ names: Set<String>, from bytes: [UInt8], in dir: TemporaryDirectory) throws -> [UInt8] {
    var writer = TarWriter()
    for item in try readTar(bytes, in: dir) where !names.contains(item.name) {
        try writer.append(item.entry, contents: item.content)
    }
    return writer.finish()
}

/// Decompresses a gzip or zstd blob held in memory (or returns it as it is when uncompressed).
func decompressed(_ blob: [UInt8], in dir: TemporaryDirectory) throws -> [UInt8] {
    let path = try dir.write(blob, to: "blob-\(UUID().uuidString)")
    let region = FileRegion(file: try RandomAccessFile(path: path))
    let file: RandomAccessFile
    if blob.starts(with: GzipDecompressor.magic) {
        (file, _) = try GzipDecompressor.decompress(region, member: "blob", temporaryDirectory: dir.path)
    } else if blob.starts(with: ZstdDecompressor.magic) {
        (file, _) = try ZstdDecompressor.decompress(region, member: "blob", temporaryDirectory: dir.path)
    } else {
        return blob
    }
    return try file.read(count: Int(file.size), at: 0)
}

/// The whole content of a file region.
func contents(of region: FileRegion) throws -> [UInt8] {
    try region.read(count: Int(region.count), at: 0)
}
