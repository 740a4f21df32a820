import DockerEngine
import FlattenProtocol
import ImageArchive
import NIOCore

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
            try await save(original.id, into: context.directory, recorder: recorder)
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
            return try FlattenedImage(
                archive: archive, keepingLowest: subject.kept.count, repoTags: [], keptLayers: .omit,
                temporaryDirectory: context.directory.path
            )
        }
        try Task.checkCancellation()

        if let minimum = options.minSavings {
            let predicted = Self.predictedSavings(flattened.plan.analysis)
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

    /// The content bytes a flatten removes, as the engine counts image size (file contents):
    /// the squashed layers' content minus the flattened layer's.
    static func predictedSavings(_ analysis: ImageAnalysis) -> Int64 {
        let squashed = analysis.layers.filter { !$0.kept }.reduce(Int64(0)) { $0 + $1.contentBytes }
        return squashed - analysis.flattenedContentBytes
    }

    /// Streams `docker save` of `imageID` into a spool file in the work directory and indexes it.
    func save(_ imageID: String, into directory: WorkDirectory, recorder: PhaseRecorder) async throws -> SavedImageArchive {
        let stream = try await engine.saveImage(imageID)
        let spool = try ArchiveSpool(directory: directory.path)
        for try await chunk in stream {
            try chunk.withUnsafeReadableBytes { try spool.append($0) }
            recorder.advance(chunk.readableBytes)
        }
        return try spool.finish()
    }

    /// Full flatten, written once by the engine: the merged layer is streamed to `import` (as a
    /// temporary, labelled carrier image), then an archive holding only the new config and the
    /// manifest is loaded; the engine already has that layer, so it reads no layer file.
    func importThenLoadConfig(_ flattened: FlattenedImage, existing: Set<String>, context: Context) async throws -> String {
        let recorder = context.recorder
        let resources = context.resources
        let pipe = ChunkPipe(capacity: Self.pipeCapacity)
        let engine = self.engine
        let label = "\(CreatedResources.temporaryLabel)=\(id)"
        let (carrier, written) = try await withThrowingTaskGroup(of: PipeStep.self) { group in
            group.addTask {
                do {
                    let imported = try await engine.importImage(
                        source: .stream(pipe, length: flattened.plan.layerSize),
                        changes: ["LABEL \(label)"],
                        message: "flatten-fleet: temporary carrier of a flattened layer"
                    )
                    await resources.addTemporaryImage(imported.imageID)
                    return .imported(imported.imageID)
                } catch {
                    await pipe.close(error)
                    throw error
                }
            }
            group.addTask {
                do {
                    let written = try await flattened.writeLayer(chunkSize: Self.chunkSize) { chunk in
                        try await pipe.send(ByteBuffer(bytes: chunk))
                        recorder.advance(chunk.count)
                    }
                    await pipe.finish()
                    return .written(written)
                } catch {
                    await pipe.finish(throwing: error)
                    throw error
                }
            }
            var carrier: String?
            var written: MergePlan.WriteResult?
            for try await step in group {
                switch step {
                case .imported(let id): carrier = id
                case .written(let result): written = result
                case .loaded, .archiveWritten: break
                }
            }
            return (carrier!, written!)
        }

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
        let pipe = ChunkPipe(capacity: Self.pipeCapacity)
        let engine = self.engine
        let (loaded, written) = try await withThrowingTaskGroup(of: PipeStep.self) { group in
            group.addTask {
                do {
                    return .loaded(try await engine.loadImage(body: .stream(pipe, length: size)))
                } catch {
                    await pipe.close(error)
                    throw error
                }
            }
            group.addTask {
                do {
                    let written = try await flattened.writeLoadArchive(chunkSize: Self.chunkSize) { chunk in
                        try await pipe.send(ByteBuffer(bytes: chunk))
                        recorder.advance(chunk.count)
                    }
                    // Known before the engine answers: recorded now so that a cancellation
                    // while the engine finishes still removes the image.
                    if !existing.contains(written.imageID) {
                        await resources.setNewImage(written.imageID)
                    }
                    await pipe.finish()
                    return .archiveWritten(written)
                } catch {
                    await pipe.finish(throwing: error)
                    throw error
                }
            }
            var loaded: LoadResult?
            var written: FlattenedImage.Result?
            for try await step in group {
                switch step {
                case .loaded(let result): loaded = result
                case .archiveWritten(let result): written = result
                case .imported, .written: break
                }
            }
            return (loaded!, written!)
        }
        guard loaded.loadedImageIDs.contains(written.imageID) else {
            throw FlattenError(.engineMismatch("the load gave \(loaded.loadedImageIDs), expected \(written.imageID)"))
        }
        return written.imageID
    }
}

/// What a child task of a streamed hand-off produced.
enum PipeStep: Sendable {
    case imported(String)
    case written(MergePlan.WriteResult)
    case loaded(LoadResult)
    case archiveWritten(FlattenedImage.Result)
}
