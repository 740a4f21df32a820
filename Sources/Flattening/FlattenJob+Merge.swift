import DockerEngine
import FlattenProtocol
import ImageArchive

extension FlattenJob {
    /// The size of the chunks the merged layer is written in, and how many may wait for the
    /// engine: small enough to keep the agent's memory flat (about 1 MiB in flight), large
    /// enough that the per-chunk cost is lost in the copying.
    static let chunkSize = 256 << 10
    static let pipeCapacity = 2

    /// Strategy `merge`: save → merge → hand the image to the engine → (verify) → tag → (push).
    func runMerge(_ context: Context) async throws -> FlattenOutcome {
        let recorder = context.recorder
        let subject = context.subject
        let original = subject.original

        let archive = try await recorder.run(.saving) {
            try await SavedImage(engine: engine, directory: context.directory).archive(of: original.id) { recorder.advance($0) }
        }
        try Task.checkCancellation()

        let flattened = try await recorder.run(.merging) { () throws -> FlattenedImage in
            guard let saved = archive.images.first else {
                throw FlattenError(.archive("the saved archive of \(original.id) lists no image"))
            }
            let config = try archive.config(of: saved)
            guard try config.diffIDs() == original.diffIDs else {
                throw FlattenError(.engineMismatch("the saved config's layers differ from the inspected image's (was \(image.familiarDescription) changed while it was saved?)"))
            }
            var reported: Int64 = 0
            return try FlattenedImage(
                archive: archive, keepingLowest: subject.kept.count, repoTags: [], keptLayers: .omit,
                temporaryDirectory: context.directory.path,
                memory: MergeMemory(budget: mergeMemoryBudget, directory: context.directory.path)
            ) { indexed, total in
                // The layers' bytes indexed: a million-entry image takes seconds here.
                recorder.setTotal(total)
                recorder.advance(Int(indexed - reported))
                reported = indexed
            }
        }
        try Task.checkCancellation()

        if let minimum = options.minSavings {
            let predicted = flattened.plan.analysis.removedContentBytes
            if !minimum.isSatisfied(originalSize: original.size, newSize: original.size - predicted) {
                return .skipped(reason: "flattening \(image.familiarDescription) would save about \(ByteCount(predicted)) of \(ByteCount(original.size)), less than the minimum \(minimum.describedForPeople)")
            }
        }

        let existing = Set(try await engine.listImages(all: true).map(\.id))
        let newImageID: String
        if subject.engine.imageStore.keepsBlobs {
            newImageID = try await recorder.run(.loading, total: flattened.plan.layerSize) {
                try await loadBlobs(flattened, saved: archive, existing: existing, context: context)
            }
        } else {
            let delivery: LayerDelivery = switch layerDelivery {
            case .automatic: subject.kept.count == 0 ? .importLayer : .loadArchive
            case .importLayer where subject.kept.count > 0: .loadArchive
            default: layerDelivery
            }
            newImageID = try await recorder.run(.loading, total: flattened.plan.layerSize) {
                switch delivery {
                case .importLayer, .automatic:
                    try await importThenLoadConfig(flattened, existing: existing, context: context)
                case .loadArchive:
                    try await loadArchive(flattened, existing: existing, context: context)
                }
            }
        }
        var warnings = subject.kept.notes
        if existing.contains(newImageID) {
            warnings.append("the flattened image \(newImageID) was already on the engine (the same image was flattened before); it was tagged again")
        }
        return try await finish(context, newImageID: newImageID, strategy: .merge, warnings: warnings)
    }

    /// Full flatten, written once by the engine: the merged layer is streamed to `import` (as a
    /// temporary, labelled carrier image), then an archive holding only the new config and the
    /// manifest is loaded; the engine already has that layer, so it reads no layer file.
    func importThenLoadConfig(_ flattened: FlattenedImage, existing: Set<String>, context: Context) async throws -> String {
        let recorder = context.recorder
        let resources = context.resources
        let engine = self.engine
        let label = "\(CreatedResources.temporaryLabel)=\(id)"
        let (carrier, written) = try await ChunkPipe.handOff(capacity: Self.pipeCapacity, into: { pipe in
            let imported = try await engine.importImage(
                source: .stream(pipe, length: flattened.plan.layerSize),
                changes: ["LABEL \(label)"],
                message: "flatten-fleet: temporary carrier of a flattened layer"
            )
            await resources.addTemporaryImage(imported.imageID)
            return imported.imageID
        }, from: { send in
            try await flattened.writeLayer(chunkSize: Self.chunkSize) { chunk in
                try await send(chunk)
                recorder.advance(chunk.count)
            }
        })

        let carrierInspect = try await engine.inspectImage(carrier)
        guard carrierInspect.diffIDs == [written.diffID] else {
            throw FlattenError(.engineMismatch("the engine stored the flattened layer as \(carrierInspect.diffIDs), not \(written.diffID)"))
        }
        let config = try flattened.originalConfig.flattened(keepingLowest: 0, newDiffID: written.diffID)
        let configBytes = config.serialized()
        let newImageID = ImageConfig.digest(of: configBytes)
        if !existing.contains(newImageID) {
            await resources.setNewImage(newImageID)
        }
        let archive = LoadArchive(configBytes: configBytes, repoTags: [], layers: [LoadArchive.Layer(diffID: written.diffID, content: .omitted)])
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(try archive.size()))
        try await archive.write { bytes += $0 }
        let loaded = try await engine.loadImage(body: .bytes(bytes))
        guard loaded.loadedImageIDs.contains(newImageID) else {
            throw FlattenError(.engineMismatch("loading the flattened config gave \(loaded.loadedImageIDs), expected \(newImageID)"))
        }
        await resources.removeTemporaryImage(carrier)
        return newImageID
    }

    /// Streams a load archive: the kept layers listed but not sent (the engine has them), the
    /// merged layer, the new config and the manifest.
    func loadArchive(_ flattened: FlattenedImage, existing: Set<String>, context: Context) async throws -> String {
        let recorder = context.recorder
        let resources = context.resources
        let size = try flattened.loadArchiveSize()
        recorder.setTotal(size)
        let engine = self.engine
        let (loaded, written) = try await ChunkPipe.handOff(capacity: Self.pipeCapacity, into: { pipe in
            try await engine.loadImage(body: .stream(pipe, length: size))
        }, from: { send in
            let written = try await flattened.writeLoadArchive(chunkSize: Self.chunkSize) { chunk in
                try await send(chunk)
                recorder.advance(chunk.count)
            }
            // Known before the engine answers: recorded now so that a cancellation while the
            // engine finishes still removes the image.
            if !existing.contains(written.imageID) {
                await resources.setNewImage(written.imageID)
            }
            return written
        })
        guard loaded.loadedImageIDs.contains(written.imageID) else {
            throw FlattenError(.engineMismatch("the load gave \(loaded.loadedImageIDs), expected \(written.imageID)"))
        }
        return written.imageID
    }
}
