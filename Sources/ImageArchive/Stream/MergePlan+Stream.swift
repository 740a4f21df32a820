extension MergePlan {
    /// The flattened layer tar as an `AsyncSequence` of chunks (see ``ChunkStream``); its
    /// length is ``layerSize``.
    public func layerStream(chunkSize: Int = 1 << 20) -> ChunkStream<WriteResult> {
        let plan = self
        return ChunkStream { send in
            try await plan.write(chunkSize: chunkSize) { try await send($0) }
        }
    }
}
