import DockerEngine
import Logging

/// What one flatten created on the engine, so that it can be removed: on success the temporary
/// things, on failure or cancellation everything, leaving the engine as it was.
actor CreatedResources {
    /// The label put on temporary carrier images, with the job ID as value; also how leftovers
    /// are found when the engine finished creating one but the answer never arrived.
    static let temporaryLabel = "io.flatten-fleet.temporary"

    private let engine: DockerClient
    private let jobID: String
    private let logger: Logger
    private var containers: [String] = []
    /// Names of containers this flatten may create: removed by name too, in case the engine
    /// created one but the answer (with its ID) never arrived.
    private let containerNames: [String]
    private var temporaryImages: [String] = []
    /// The flattened image, when this flatten created it (not when it already existed).
    private var newImage: String?
    /// References written, each with the image it pointed to before (to restore on failure).
    private var tags: [(reference: String, previous: String?)] = []

    init(engine: DockerClient, jobID: String, containerNames: [String] = [], logger: Logger) {
        self.engine = engine
        self.jobID = jobID
        self.containerNames = containerNames
        self.logger = logger
    }

    func addContainer(_ id: String) { containers.append(id) }
    func addTemporaryImage(_ id: String) { temporaryImages.append(id) }
    func setNewImage(_ id: String) { newImage = id }
    func addTag(_ reference: String, previous: String?) { tags.append((reference, previous)) }

    /// Removes one container now (it is no longer needed).
    func removeContainer(_ id: String) async {
        containers.removeAll { $0 == id }
        await remove(container: id)
    }

    /// Removes one temporary image now.
    func removeTemporaryImage(_ id: String) async {
        temporaryImages.removeAll { $0 == id }
        await remove(image: id)
    }

    /// After success: removes containers and temporary images; keeps the new image and tags.
    func finishSucceeded() async {
        await removeTemporary()
    }

    /// After failure or cancellation: also untags what was tagged (restoring the image each
    /// reference pointed to before) and removes the new image.
    func rollBack() async {
        await removeTemporary()
        for (reference, previous) in tags.reversed() {
            do {
                if let previous {
                    let (repository, tag) = Self.split(reference)
                    try await engine.tagImage(previous, repository: repository, tag: tag)
                } else {
                    try await engine.removeImage(reference, noPrune: true)
                }
            } catch {
                logger.warning("could not restore a tag", metadata: ["reference": "\(reference)", "error": "\(error)"])
            }
        }
        tags = []
        if let newImage {
            await remove(image: newImage)
            self.newImage = nil
        }
    }

    private func removeTemporary() async {
        for id in containers { await remove(container: id) }
        containers = []
        for name in containerNames { await remove(container: name) }
        for id in temporaryImages { await remove(image: id) }
        temporaryImages = []
        // A carrier the engine created after the request was cancelled is found by its label.
        if let leftovers = try? await engine.listImages(all: true) {
            for image in leftovers where image.labels[Self.temporaryLabel] == jobID {
                await remove(image: image.id)
            }
        }
    }

    private func remove(container id: String) async {
        do {
            try await engine.removeContainer(id, force: true, removeVolumes: true)
        } catch let error as DockerEngineError where error.isNotFound {
        } catch {
            logger.warning("could not remove a temporary container", metadata: ["container": "\(id)", "error": "\(error)"])
        }
    }

    private func remove(image id: String) async {
        do {
            try await engine.removeImage(id, force: true)
        } catch let error as DockerEngineError where error.isNotFound {
        } catch {
            logger.warning("could not remove an image", metadata: ["image": "\(id)", "error": "\(error)"])
        }
    }

    /// `repo:tag` split at the tag's colon (a colon before the last `/` is a registry port).
    static func split(_ reference: String) -> (repository: String, tag: String?) {
        let lastSlash = reference.lastIndex(of: "/")
        if let colon = reference.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            return (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
        }
        return (reference, nil)
    }
}
