#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Spools a streamed `docker save` archive to disk so it can be read by offset.
///
/// The file is created in the given directory and unlinked at once: it disappears when the
/// last reader releases it, even if the process is killed. Append chunks as they arrive, then
/// ``finish()`` to index it.
public final class ArchiveSpool {
    private let descriptor: Int32
    private let label: String
    private var closed = false
    /// Bytes appended so far.
    public private(set) var size: Int64 = 0

    /// Creates the spool file in `directory`.
    public init(directory: String) throws {
        var template = Array((directory + "/flatten-spool-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileAccessError(operation: "create spool file in", path: directory, errno: errno) }
        label = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        unlink(label)
        descriptor = fd
    }

    deinit { if !closed { close(descriptor) } }

    /// Appends a chunk.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!closed, "append after finish")
        var done = 0
        while done < bytes.count {
            let n = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileAccessError(operation: "write", path: label, errno: errno)
            }
            done += n
        }
        size += Int64(bytes.count)
    }

    /// Appends a chunk.
    public func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }

    /// Ends writing and indexes the spooled archive.
    public func finish() throws -> SavedImageArchive {
        precondition(!closed, "finish called twice")
        closed = true
        return try SavedImageArchive(file: RandomAccessFile(adopting: descriptor, path: label, size: size))
    }
}
