import DockerEngine
import FlattenProtocol
import ImageArchive
import Logging

/// Reads an image from the engine (inspect and save, spooled to the work directory) and
/// predicts what flattening it would gain, without changing anything on the engine.
public struct ImageAnalyzer: Sendable {
    public let engine: DockerClient
    public let workDirectory: String
    public let logger: Logger

    public init(engine: DockerClient, workDirectory: String, logger: Logger = FlattenJob.silentLogger) {
        self.engine = engine
        self.workDirectory = workDirectory
        self.logger = logger
    }

    /// Analyzes `image`.
    ///
    /// - Throws: ``FlattenError`` (image not found, engine unreachable, no space in the work
    ///   directory, an archive that cannot be read).
    public func analyze(_ image: ImageReference, progress: @escaping @Sendable (JobProgress) -> Void = { _ in }) async throws(FlattenError) -> FlattenAnalysis {
        let recorder = PhaseRecorder(report: progress)
        var directory: WorkDirectory?
        defer { directory?.remove() }
        do {
            let original: ImageInspect
            do {
                original = try await recorder.run(.inspecting) { try await engine.inspectImage(image.familiarDescription) }
            } catch let error as DockerEngineError where error.isNotFound {
                throw FlattenError(.imageNotFound(reference: image.withImpliedTag.familiarDescription))
            }
            let others = try await engine.listImagesInspected(all: false).filter { $0.id != original.id }.map(\.diffIDs)
            directory = try WorkDirectory.create(in: workDirectory, jobID: FlattenJob.makeID())
            let save = SavedImage(engine: engine, directory: directory!)
            let archive = try await recorder.run(.saving) { try await save.archive(of: original.id) { recorder.advance($0) } }
            return try await recorder.run(.merging) {
                try analyze(archive, original: original, image: image, otherImages: others, directory: directory!)
            }
        } catch {
            throw FlattenError.wrapping(error, workDirectory: workDirectory)
        }
    }

    func analyze(_ archive: SavedImageArchive, original: ImageInspect, image: ImageReference, otherImages: [[String]], directory: WorkDirectory) throws -> FlattenAnalysis {
        guard let saved = archive.images.first else {
            throw FlattenError(.archive("the saved archive of \(original.id) lists no image"))
        }
        let config = try archive.config(of: saved)
        let (sources, _) = try archive.layerSources(of: saved, temporaryDirectory: directory.path)
        let diffIDs = try config.diffIDs()
        let plan = try LayerMerge.plan(layers: sources, keepingLowest: 0)
        let analysis = plan.analysis

        let createdBy = config.history.filter { !ImageConfig.isEmptyLayer($0) }.map { entry in
            let createdBy = entry["created_by"]?.stringValue ?? ""
            return createdBy.isEmpty ? (entry["comment"]?.stringValue ?? "") : createdBy
        }

        let shared = KeptLayers.sharedWithOtherImages(otherImages, of: diffIDs).count
        let sharingImages = shared > 0 ? otherImages.filter { KeptLayers.commonPrefixLength(diffIDs, $0) >= shared }.count : 0
        var keepSharedSavings: Int64?
        if shared > 0 {
            let partial = try LayerMerge.plan(layers: sources, keepingLowest: shared)
            keepSharedSavings = partial.analysis.removedContentBytes
        }
        let predictedSavings = analysis.removedContentBytes
        let layers = sources.indices.map { index in
            FlattenAnalysis.Layer(
                diffId: diffIDs[index],
                createdBy: index < createdBy.count ? createdBy[index] : "",
                size: analysis.layers[index].size,
                contentBytes: analysis.layers[index].contentBytes,
                wastedBytes: analysis.layers[index].wastedBytes,
                entryCount: analysis.layers[index].entryCount,
                sharedWithOtherImages: index < shared
            )
        }
        let (recommendation, reason) = FlattenAnalysis.recommend(
            layerCount: diffIDs.count, originalSize: original.size, predictedSavings: predictedSavings,
            sharedLayerCount: shared, sharingImageCount: sharingImages, keepSharedSavings: keepSharedSavings
        )
        return FlattenAnalysis(
            imageId: original.id,
            reference: image.familiarDescription,
            originalSize: original.size,
            layers: layers,
            wastedBytes: analysis.wastedBytes,
            diveWastedBytes: analysis.diveWastedBytes,
            diveEfficiency: analysis.diveEfficiency,
            predictedSize: original.size - predictedSavings,
            predictedSavings: predictedSavings,
            predictedEntryCount: analysis.flattenedEntryCount,
            sharedLayerCount: shared,
            sharingImageCount: sharingImages,
            predictedKeepSharedSize: keepSharedSavings.map { original.size - $0 },
            recommendation: recommendation,
            reason: reason
        )
    }
}
