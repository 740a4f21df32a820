import DockerEngine
import FlattenProtocol
import ImageArchive

extension FlattenJob {
    /// The compression of the merged layer on a store that keeps blobs, when the job does not
    /// choose: gzip level 1 on Docker's containerd store, whose content store keeps the blob as
    /// sent (so compression saves disk and push time, and level 1 costs little time); none on
    /// Podman, whose containers/storage unpacks every layer and keeps no blob, so compressing
    /// would be work thrown away.
    static func defaultCompression(for store: ImageStore) -> LayerCompression {
        store.kind == .containersStorage ? .none : .default
    }

    /// The compression a job uses on `store`: the job's setting (already checked when it was
    /// parsed), else the store's default.
    func compression(for store: ImageStore) throws -> LayerCompression {
        guard let setting = options.compression else { return Self.defaultCompression(for: store) }
        if setting.algorithm == .zstd, store.kind == .containersStorage {
            // Podman 4 loads it, but can then neither save nor push the image: its docker
            // archive and Docker manifest have no zstd.
            throw FlattenError(.invalidRequest("Podman cannot save or push an image whose layer is zstd-compressed; use --compression gzip or none on this engine"))
        }
        let algorithm: LayerCompression.Algorithm = switch setting.algorithm {
        case .none: .none
        case .gzip: .gzip
        case .zstd: .zstd
        }
        do {
            return try LayerCompression(algorithm: algorithm, level: setting.level)
        } catch {
            throw FlattenError(.invalidRequest("\(error)"))
        }
    }

    /// Hands the flattened image to a store that keeps blobs (Docker's containerd store,
    /// Podman): every layer must be in the archive. The merged layer is compressed once into
    /// the work directory (its digest names it, so it must be complete before the manifest is
    /// written); kept lower layers go in as the very blobs `save` gave, so the store shares
    /// them with the base image. The archive is an OCI layout whose manifest is ours, so the
    /// new image's ID is known before the engine answers, and is returned once the engine
    /// has it.
    func loadBlobs(
        _ flattened: FlattenedImage, saved: SavedImageArchive, existing: Set<String>, context: Context
    ) async throws -> String {
        let recorder = context.recorder
        let resources = context.resources
        let store = context.subject.engine.imageStore
        let compression = try compression(for: store)
        let layer = try await flattened.writeLayerBlob(compression: compression, directory: context.directory.path, chunkSize: Self.chunkSize)
        try Task.checkCancellation()
        let keptBlobs = try Array(saved.savedLayerBlobs(of: saved.images[0]).prefix(flattened.plan.keptLayerCount))
        let archive = try flattened.ociLoadArchive(layerBlob: layer, keptBlobs: keptBlobs)
        // Docker's containerd store names an image by its manifest; Podman and graph drivers by
        // its config.
        let newImageID = store.kind == .containerd ? archive.manifestDigest : archive.configDigest
        if !existing.contains(newImageID) {
            await resources.setNewImage(newImageID)
        }
        let size = try archive.size()
        recorder.setTotal(size)
        let engine = self.engine
        let (loaded, _) = try await ChunkPipe.handOff(capacity: Self.pipeCapacity, into: { pipe in
            try await engine.loadImage(body: .stream(pipe, length: size))
        }, from: { send in
            try await archive.write(chunkSize: Self.chunkSize) { chunk in
                try await send(chunk)
                recorder.advance(chunk.count)
            }
        })
        // Engines word the load's answer differently (an untagged image loaded into the
        // containerd store is reported by name, if at all); the image itself is the proof.
        do {
            _ = try await engine.inspectImage(newImageID)
        } catch let error as DockerEngineError where error.isNotFound {
            throw FlattenError(.engineMismatch("after the load the engine has no image \(newImageID); it said: \(loaded.output.joined(separator: " / "))"))
        }
        return newImageID
    }
}
