/// Spools a streamed `docker save` archive to disk so it can be read by offset.
///
/// The file is created in the given directory and unlinked at once: it disappears when the
/// last reader releases it, even if the process is killed. Append chunks as they arrive, then
/// ``finish(platform:)`` to index it.
public final class ArchiveSpool {
    private let file: UnlinkedTemporaryFile
    private var finished = false
    /// Bytes appended so far.
    public var size: Int64 { file.size }

    /// Creates the spool file in `directory`.
    public init(directory: String) throws {
        file = try UnlinkedTemporaryFile(directory: directory, prefix: "flatten-spool")
    }

    /// Appends a chunk.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "append after finish")
        try file.append(bytes)
    }

    /// Appends a chunk.
    public func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }

    /// Ends writing and indexes the spooled archive (see
    /// ``SavedImageArchive/init(file:platform:)`` for `platform`).
    public func finish(platform: ImageConfig.Platform? = nil) throws -> SavedImageArchive {
        precondition(!finished, "finish called twice")
        finished = true
        return try SavedImageArchive(file: file.finish(), platform: platform)
    }
}
