import DockerEngine
import ImageArchive

/// The save step of a flatten or an analysis: `GET /images/{id}/get` streamed into a
/// ``SpoolFile`` in the flatten's work directory, then indexed (``SavedImageArchive``).
///
/// Errors are read for a person here: a saved archive that cannot be indexed and stops before
/// tar's end-of-archive marker is an engine that stopped sending (``FlattenError`` naming the
/// engine, retryable), not a corrupt image. Docker's containerd store, stopped mid-save, ends
/// the stream as if it were complete, so the archive's own end is the only witness.
struct SavedImage: Sendable {
    let engine: DockerClient
    /// The flatten's private directory, where the spool lives (unlinked) until the flatten ends.
    let directory: WorkDirectory

    /// Saves `imageID` and indexes the archive; `onBytes` counts the bytes as they arrive.
    func archive(of imageID: String, onBytes: (Int) -> Void = { _ in }) async throws -> SavedImageArchive {
        let spool = try SpoolFile(directory: directory.path, prefix: "flatten-spool")
        for try await chunk in try await engine.saveImage(imageID) {
            try chunk.withUnsafeReadableBytes { try spool.append($0) }
            onBytes(chunk.readableBytes)
        }
        do {
            return try SavedImageArchive(file: spool.finish())
        } catch let error as ImageArchiveError where error.code == .cutShort {
            throw FlattenError(.interruptedSave(engine: engine.host.description, detail: error.detail))
        }
    }
}
