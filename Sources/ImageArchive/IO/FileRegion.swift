/// A byte range of a ``RandomAccessFile``: a member of the spooled archive, such as one layer tar.
public struct FileRegion: Sendable {
    public let file: RandomAccessFile
    /// Where the region starts in the file.
    public let offset: Int64
    public let count: Int64

    public init(file: RandomAccessFile, offset: Int64 = 0, count: Int64? = nil) {
        self.file = file
        self.offset = offset
        self.count = count ?? (file.size - offset)
    }

    /// The sub-range `[start, start+length)` of this region.
    public func slice(from start: Int64, count length: Int64) -> FileRegion {
        precondition(start >= 0 && length >= 0 && start + length <= count)
        return FileRegion(file: file, offset: offset + start, count: length)
    }

    /// Reads into `buffer` from `position` within the region; returns the bytes read.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int64) throws -> Int {
        let available = max(0, min(Int64(buffer.count), count - position))
        if available == 0 { return 0 }
        return try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(available)]), at: offset + position)
    }

    /// Reads `length` bytes at `position` within the region (fewer if the region ends).
    public func read(count length: Int, at position: Int64) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: length)
        let n = try result.withUnsafeMutableBytes { try read(into: $0, at: position) }
        if n < length { result.removeSubrange(n...) }
        return result
    }
}
