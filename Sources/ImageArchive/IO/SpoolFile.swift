#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one spool: a file created in a directory and unlinked at once, filled by appending, then
/// read by offset (``finish(label:)``).
///
/// Saved archives, container exports, inflated layers and compressed layer blobs can be as
/// large as the image, so they go to disk, never to memory; unlinking at creation frees the
/// space when the last reader releases the descriptor (or the spool is dropped unfinished),
/// even if the process is killed before it cleans up. Errors are ``FileAccessError``s, whose
/// errno tells a full disk apart.
public final class SpoolFile {
    /// The name the file had (for error messages; it no longer exists).
    public let path: String
    private let descriptor: Int32
    private var handedOver = false
    /// Bytes appended so far.
    public private(set) var size: Int64 = 0

    /// Creates the file in `directory`, its name starting with `prefix`.
    public init(directory: String, prefix: String) throws {
        var template = Array((directory + "/" + prefix + "-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileAccessError(operation: "create temporary file in", path: directory, errno: errno) }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        unlink(path)
        descriptor = fd
    }

    deinit { if !handedOver { close(descriptor) } }

    /// Appends `bytes`.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!handedOver, "append after finish")
        var done = 0
        while done < bytes.count {
            let n = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileAccessError(operation: "write", path: path, errno: errno)
            }
            done += n
        }
        size += Int64(bytes.count)
    }

    /// Appends `bytes`.
    public func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }

    /// Ends writing; the returned file owns the descriptor and is called `label` in errors.
    public func finish(label: String? = nil) -> RandomAccessFile {
        precondition(!handedOver, "finish called twice")
        handedOver = true
        return RandomAccessFile(adopting: descriptor, path: label ?? path, size: size)
    }
}
