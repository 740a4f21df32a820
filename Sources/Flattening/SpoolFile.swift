import ImageArchive
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file operation on a spool file that failed, with its errno (so a full disk can be told apart).
struct SpoolError: Error, Sendable, CustomStringConvertible {
    var operation: String
    var path: String
    var errno: Int32

    var description: String {
        "\(operation) \(path): \(String(cString: strerror(errno)))"
    }
}

/// A temporary file that a stream (a container export) is written to once and then read by
/// offset. It is unlinked as soon as it is opened for reading, so it disappears with its last
/// reader, and ``discard()`` removes it early when writing fails.
final class SpoolFile {
    let path: String
    private var descriptor: Int32
    private(set) var size: Int64 = 0

    /// Creates an empty spool file in `directory`, named after `label`.
    init(directory: String, label: String) throws {
        var template = Array((directory + "/\(label)-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw SpoolError(operation: "create a spool file in", path: directory, errno: errno)
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        descriptor = fd
    }

    deinit {
        discard()
    }

    /// Appends the readable bytes of `buffer`.
    func append(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var done = 0
            while done < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SpoolError(operation: "write", path: path, errno: errno)
                }
                done += written
            }
        }
        size += Int64(buffer.readableBytes)
    }

    /// Ends writing: the file is opened for reading and unlinked; the region covers all of it.
    func finish() throws -> ImageArchive.FileRegion {
        let file = try RandomAccessFile(path: path)
        discard()
        return ImageArchive.FileRegion(file: file)
    }

    /// Closes and unlinks the file (idempotent).
    func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        unlink(path)
        descriptor = -1
    }
}
