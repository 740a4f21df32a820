extension FlattenedImage {
    /// The load archive as an `AsyncSequence` of chunks, for request bodies that pull (see
    /// ``ChunkStream``); its ``ChunkStream/outcome()`` is the ``Result`` once it has ended. Its
    /// length is ``loadArchiveSize()``.
    public func loadArchiveStream(chunkSize: Int = 1 << 20) -> ChunkStream<Result> {
        let image = self
        return ChunkStream { send in
            try await image.writeLoadArchive(chunkSize: chunkSize) { try await send($0) }
        }
    }
}
