import DockerEngine
import FlattenProtocol
import Foundation
import ImageArchive
import Logging

/// One flatten of one image on one engine.
///
/// Strategy `merge` (the default): inspect the image, save it (spooled once to the work
/// directory), merge its layers, hand the new image to the engine, verify it if asked, tag it,
/// push it if asked. Strategy `export`: export a created (never started) container and import
/// it with `changes` restoring the runtime config. See ``run(progress:)``.
///
/// The original image is never modified (with ``FlattenOptions/replace`` it loses only the tag
/// that moves). Nothing half-made is tagged: the new image is loaded untagged, its ID checked
/// against the one computed, verified when asked, and only then tagged. Temporary images,
/// containers and spool files are removed on success, failure and cancellation; on failure or
/// cancellation the new image and its tags are removed too and displaced tags restored.
public struct FlattenJob: Sendable {
    /// How the merged layer is handed to an engine with a graph-driver store (Docker's classic
    /// overlay2); stores that keep blobs always get an OCI archive (``loadBlobs(_:saved:existing:context:)``).
    ///
    /// moby's load (`image/tarexport/load.go`) extracts the whole archive to a temporary
    /// directory, then registers each layer whose chain it lacks from there (a layer written
    /// twice), and skips, without opening its file, a layer whose chain it has. Import registers
    /// the stream as it arrives (written once), under the diff ID of the bytes sent. So a full
    /// flatten imports the layer and then loads only the config and manifest. Measured by
    /// `scripts/bench-flatten` (engine 20.10 on tmpfs, 275 MB image, 5 rounds): import 2.75 s,
    /// load archive 3.08 s (median).
    public enum LayerDelivery: String, Sendable, Hashable, CaseIterable {
        /// `import` for a full flatten, `load` for a partial one.
        case automatic
        /// Stream the merged layer to `POST /images/create?fromSrc=-` (the engine writes it
        /// once), then `load` an archive of only the config and manifest: the engine already
        /// has the layer and does not read it again. Full flattens only.
        case importLayer = "import"
        /// Stream a load archive with the merged layer (the engine extracts the archive, then
        /// registers the layer: it writes the layer twice). Kept layers are never resent.
        case loadArchive = "load"
    }

    /// The image to flatten.
    public let image: ImageReference
    public let options: FlattenOptions
    public let engine: DockerClient
    /// Where the saved image and exports are spooled (a private subdirectory is made in it).
    public let workDirectory: String
    /// Credentials for `push`; nil reads them from the docker config file, else anonymous.
    public let registryAuth: RegistryAuth?
    /// Names this flatten's temporary objects (`flatten-<id>` work subdirectory, containers,
    /// the temporary-image label).
    public let id: String
    public var layerDelivery: LayerDelivery
    /// Bytes of the merge's tables kept in memory before the rest spills to the work directory
    /// (``MergeMemory``); nil keeps them all in memory.
    public var mergeMemoryBudget: Int?
    public let logger: Logger

    public init(
        image: ImageReference,
        options: FlattenOptions = FlattenOptions(),
        engine: DockerClient,
        workDirectory: String,
        registryAuth: RegistryAuth? = nil,
        id: String = FlattenJob.makeID(),
        layerDelivery: LayerDelivery = .automatic,
        mergeMemoryBudget: Int? = FlattenJob.defaultMergeMemoryBudget,
        logger: Logger = FlattenJob.silentLogger
    ) {
        self.image = image
        self.options = options
        self.engine = engine
        self.workDirectory = workDirectory
        self.registryAuth = registryAuth
        self.id = id
        self.layerDelivery = layerDelivery
        self.mergeMemoryBudget = mergeMemoryBudget
        self.logger = logger
    }

    /// The merge's memory budget unless told otherwise (``MergeMemory/defaultBudget``).
    public static let defaultMergeMemoryBudget: Int? = MergeMemory.defaultBudget

    /// A logger that drops everything: the default.
    public static let silentLogger = Logger(label: "Flattening", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A fresh random flatten ID.
    public static func makeID() -> String {
        makeID(from: UUID())
    }

    /// The flatten ID derived from `uuid`: its first 12 hex digits, in lower case. Every
    /// attempt of a coordinator's job uses the ID of the job's UUID, which is how what a killed
    /// attempt left behind (work directory, containers, temporary images) is found again.
    public static func makeID(from uuid: UUID) -> String {
        String(uuid.uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
    }

    /// Runs the flatten.
    ///
    /// - Parameter progress: called as phases start and bytes move (throttled), from the task
    ///   running the flatten or its children.
    /// - Returns: ``FlattenOutcome/flattened(_:)`` with the result, or
    ///   ``FlattenOutcome/skipped(reason:)`` when `minSavings` is not reached.
    /// - Throws: ``FlattenError``, after removing everything this flatten created. Task
    ///   cancellation stops the flatten and throws ``FlattenError/isCanceled``.
    public func run(progress: @escaping @Sendable (JobProgress) -> Void = { _ in }) async throws(FlattenError) -> FlattenOutcome {
        let resources = CreatedResources(engine: engine, jobID: id, containerNames: containerNames, logger: logger)
        let recorder = PhaseRecorder(report: progress)
        var directory: WorkDirectory?
        do {
            let subject = try await recorder.run(.inspecting) { try await inspectSubject() }
            try Task.checkCancellation()
            directory = try WorkDirectory.create(in: workDirectory, jobID: id)
            let context = Context(subject: subject, directory: directory!, resources: resources, recorder: recorder)
            let outcome: FlattenOutcome
            switch options.strategy {
            case .merge: outcome = try await runMerge(context)
            case .export: outcome = try await runExport(context)
            }
            await Self.detached { await resources.finishSucceeded() }
            directory?.remove()
            return outcome
        } catch {
            let failure = FlattenError.wrapping(error, workDirectory: workDirectory)
            logger.info("flatten failed; removing what it created", metadata: ["image": "\(image)", "error": "\(failure)"])
            // Cleanup must run even when this task is cancelled: a detached task is not.
            await Self.detached { await resources.rollBack() }
            directory?.remove()
            throw failure
        }
    }

    /// Runs `body` in a task that does not inherit this task's cancellation, and waits for it.
    static func detached(_ body: @escaping @Sendable () async -> Void) async {
        await Task.detached { await body() }.value
    }

    /// The names of the containers a flatten may create.
    var containerNames: [String] {
        Self.containerNames(forID: id, export: options.strategy == .export, verify: options.verify)
    }

    // MARK: Inspecting

    /// What the flatten is about, as read in the inspecting phase.
    struct Subject: Sendable {
        var original: ImageInspect
        /// The engine, whose image store decides how the new image is handed over.
        var engine: EngineDescription
        /// The platform of the image being flattened.
        var platform: ImagePlatform
        /// The reference the new image is tagged with.
        var newTag: ImageReference
        /// How many lowest layers are kept (merge only).
        var kept: KeptLayers
    }

    /// The state shared by the phases of one run.
    struct Context: Sendable {
        var subject: Subject
        var directory: WorkDirectory
        var resources: CreatedResources
        var recorder: PhaseRecorder
    }

    func inspectSubject() async throws -> Subject {
        let original: ImageInspect
        do {
            original = try await engine.inspectImage(image.familiarDescription)
        } catch let error as DockerEngineError where error.isNotFound {
            throw FlattenError(.imageNotFound(reference: image.withImpliedTag.familiarDescription))
        }
        let newTag = options.newTag ?? image.defaultFlattenedReference
        guard newTag.digest == nil else {
            throw FlattenError(.invalidRequest("the new tag '\(newTag.familiarDescription)' carries a digest; give a name:tag"))
        }
        if newTag.fullName == image.fullName, newTag.tagOrLatest == image.tagOrLatest, image.digest == nil {
            throw FlattenError(.invalidRequest("the new tag '\(newTag.familiarDescription)' is the image's own reference; use --replace to move it to the flattened image"))
        }
        if options.replace, image.tag == nil, image.digest != nil {
            throw FlattenError(.invalidRequest("--replace needs a tagged reference; '\(image.familiarDescription)' names the image by digest"))
        }
        let engineDescription = try await engine.describe()
        let platform = original.platform
        if let wanted = options.platform, !wanted.matches(platform) {
            throw FlattenError(.invalidRequest("the engine holds '\(image.familiarDescription)' for \(platform) only, not for the requested platform \(wanted); pull that platform first or leave --platform out"))
        }
        guard !original.diffIDs.isEmpty else {
            throw FlattenError(.invalidRequest("image '\(image.familiarDescription)' has no layers to flatten"))
        }
        let layers = original.diffIDs
        var kept = KeptLayers(count: 0)
        switch options.partial {
        case nil:
            break
        case .some where options.strategy == .export:
            throw FlattenError(.invalidRequest("a partial flatten (--keep-layers, --base, --keep-shared) needs strategy merge"))
        case .keepLayers(let n):
            kept = try KeptLayers.lowest(n, of: layers)
        case .baseImage(let base):
            let baseInspect: ImageInspect
            do {
                baseInspect = try await engine.inspectImage(base.familiarDescription)
            } catch let error as DockerEngineError where error.isNotFound {
                throw FlattenError(.baseImageNotFound(reference: base.withImpliedTag.familiarDescription))
            }
            kept = try KeptLayers.shared(with: baseInspect.diffIDs, base: base.familiarDescription, of: layers)
        case .keepShared:
            let others = try await engine.listImagesInspected(all: false)
                .filter { $0.id != original.id }
                .map(\.diffIDs)
            kept = KeptLayers.sharedWithOtherImages(others, of: layers)
        }
        logger.debug("inspected", metadata: [
            "image": "\(image)", "id": "\(original.id)", "layers": "\(layers.count)", "kept": "\(kept.count)",
        ])
        return Subject(original: original, engine: engineDescription, platform: platform, newTag: newTag, kept: kept)
    }

    // MARK: Finishing

    /// Verifies (if asked), tags, replaces and pushes the new image, and builds the result.
    func finish(_ context: Context, newImageID: String, strategy: FlattenStrategy, warnings: [String]) async throws -> FlattenOutcome {
        let recorder = context.recorder
        let original = context.subject.original
        var verified: Bool?
        if options.verify {
            try await recorder.run(.verifying) {
                try await verify(original: original, newImageID: newImageID, context: context)
            }
            verified = true
        }
        try Task.checkCancellation()
        let tags = try await recorder.run(.tagging) { try await tag(newImageID: newImageID, context: context) }
        if options.push {
            try await recorder.run(.pushing) { try await push(context.subject.newTag, context: context) }
        }
        let flattened = try await engine.inspectImage(newImageID)
        let sizes = try await storedSizes(original: original, flattened: flattened)
        let result = FlattenResult(
            originalImageId: original.id,
            newImageId: flattened.id,
            originalSize: sizes.original,
            originalLayerCount: original.diffIDs.count,
            newSize: sizes.flattened,
            newLayerCount: flattened.diffIDs.count,
            bytesSaved: sizes.original - sizes.flattened,
            phaseDurations: recorder.durations,
            strategy: strategy,
            verified: verified,
            tags: tags,
            warnings: warnings,
            platform: context.subject.platform
        )
        return .flattened(result)
    }

    /// The sizes `docker images` shows for both images. On Docker's containerd store the list
    /// counts the stored blobs and unpacked snapshot, which inspect does not; elsewhere both
    /// agree. An image the list does not show (Podman lists some untagged images late) keeps
    /// its inspected size.
    func storedSizes(original: ImageInspect, flattened: ImageInspect) async throws -> (original: Int64, flattened: Int64) {
        let listed = try await engine.listImages(all: true)
        func size(of image: ImageInspect) -> Int64 {
            listed.first { $0.id == image.id }?.size ?? image.size
        }
        return (size(of: original), size(of: flattened))
    }
}
