extension FlattenedImage {
    /// Writes the flattened layer as a blob for engines that store layers as blobs (Docker's
    /// containerd image store, Podman): the merged tar is streamed through a
    /// ``LayerCompressor`` into an unlinked temporary file in `directory`, hashed on both sides
    /// as it goes. Memory stays at one chunk and the codec's state; the disk holds the
    /// compressed layer once.
    ///
    /// With ``LayerCompression/none`` the blob is the tar itself and its digest is the diff ID.
    public func writeLayerBlob(compression: LayerCompression = .default, directory: String, chunkSize: Int = 1 << 20) async throws -> LayerBlob {
        let file = try SpoolFile(directory: directory, prefix: "flatten-blob")
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

    /// The load archive, as an OCI layout, for a flatten whose merged layer is `layerBlob`
    /// (from ``writeLayerBlob(compression:directory:chunkSize:)``) and whose kept lower layers
    /// are `keptBlobs`, lowest first (from ``SavedImageArchive/savedLayerBlobs(of:)``, so the
    /// engine shares them with the base image). The config is the original one with the
    /// squashed layers replaced, as in ``writeLoadArchive(chunkSize:to:)``; the image is named
    /// by the only entry of ``repoTags``, or not at all when it is empty.
    ///
    /// ``keptLayers`` does not apply: engines that store blobs need every layer in the archive.
    public func ociLoadArchive(layerBlob: LayerBlob, keptBlobs: [OCIBlob]) throws -> OCILayoutArchive {
        guard keptBlobs.count == plan.keptLayerCount else {
            throw ImageArchiveError(.invalidArgument, detail: "the flatten keeps \(plan.keptLayerCount) layers but \(keptBlobs.count) kept blobs were given")
        }
        guard repoTags.count <= 1 else {
            throw ImageArchiveError(.invalidArgument, detail: "an OCI load archive names one image; got \(repoTags.count) tags (\(repoTags.joined(separator: ", "))): tag the others after loading")
        }
        let keptIDs = try originalConfig.diffIDs()[..<plan.keptLayerCount]
        for (i, (blob, diffID)) in zip(keptBlobs, keptIDs).enumerated() where blob.mediaType == OCIMediaType.layer && blob.digest != diffID {
            throw ImageArchiveError(.invalidArgument, detail: "kept layer \(i) is an uncompressed blob \(blob.digest) but the config's diff ID is \(diffID): the blobs are not this image's layers")
        }
        let config = try originalConfig.flattened(keepingLowest: plan.keptLayerCount, newDiffID: layerBlob.diffID)
        return try OCILayoutArchive(configBytes: config.serialized(), reference: repoTags.first, layers: keptBlobs + [layerBlob.blob])
    }
}
