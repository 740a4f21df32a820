extension FlattenedImage {
    /// Writes the flattened layer as a blob for engines that store layers as blobs (Docker's
    /// containerd image store, Podman): the merged tar is streamed through a
    /// ``LayerCompressor`` into an unlinked temporary file in `directory`, hashed on both sides
    /// as it goes. Memory stays at one chunk and the codec's state; the disk holds the
    /// compressed layer once.
    ///
    /// With ``LayerCompression/none`` the blob is the tar itself and its digest is the diff ID.
    public func writeLayerBlob(compression: LayerCompression = .default, directory: String, chunkSize: Int = 1 << 20) async throws -> LayerBlob {
        let file = try UnlinkedTemporaryFile(directory: directory, prefix: "flatten-blob")
        let compressor = try LayerCompressor(compression, expectedSize: plan.layerSize, outputChunkSize: chunkSize)
        let layer = try await plan.write(chunkSize: chunkSize) { chunk in
            try chunk.withUnsafeBytes { try compressor.compress($0) { try file.append($0) } }
        }
        let digest = try compressor.finish { try file.append($0) }
        guard file.size == compressor.compressedSize, compressor.uncompressedSize == layer.size else {
            throw ImageArchiveError(.compressionFailed, detail: "internal error: compressed \(compressor.uncompressedSize) of \(layer.size) layer bytes into \(compressor.compressedSize), wrote \(file.size)")
        }
        if compression.algorithm == .none && digest != layer.diffID {
            throw ImageArchiveError(.compressionFailed, detail: "internal error: the uncompressed blob's digest \(digest) is not the diff ID \(layer.diffID)")
        }
        let region = FileRegion(file: file.finish(label: "flattened layer blob (\(compression))"))
        return LayerBlob(
            blob: OCIBlob(mediaType: compression.mediaType, digest: digest, region: region),
            compression: compression, diffID: layer.diffID, uncompressedSize: layer.size, contentBytesRead: layer.contentBytesRead
        )
    }
}
