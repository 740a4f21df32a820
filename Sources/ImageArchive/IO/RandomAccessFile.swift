#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only file read by offset (`pread`), so many readers can share one descriptor.
///
/// Reads are blocking system calls; the spool lives on local disk (usually in the page cache),
/// where a read of a fixed-size chunk is short enough to run on a cooperative thread.
public final class RandomAccessFile: Sendable {
    /// The path the file was opened from (for error messages).
    public let path: String
    /// The file's size when it was opened.
    public let size: Int64
    private let descriptor: Int32

    /// Opens `path` for reading.
    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileAccessError(operation: "open", path: path, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let e = errno
            close(fd)
            throw FileAccessError(operation: "stat", path: path, errno: e)
        }
        self.path = path
        self.descriptor = fd
        self.size = Int64(info.st_size)
    }

    /// Takes ownership of an open descriptor (such as an unlinked temporary file).
    init(adopting descriptor: Int32, path: String, size: Int64) {
        self.descriptor = descriptor
        self.path = path
        self.size = size
    }

    deinit { close(descriptor) }

    /// Reads up to `buffer.count` bytes at `offset`; returns fewer only at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + Int64(done)))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileAccessError(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads exactly `count` bytes at `offset`, or fewer if the file ends first.
    public func read(count: Int, at offset: Int64) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        let n = try result.withUnsafeMutableBytes { try read(into: $0, at: offset) }
        if n < count { result.removeSubrange(n...) }
        return result
    }
}
