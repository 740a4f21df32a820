import DockerEngine
import Foundation
import Logging

extension FlattenJob {
    /// The names of every container a flatten with ID `id` may create (export, verify), so
    /// cleanup, its own or a later process's, names them the same way.
    static func containerNames(forID id: String, export: Bool = true, verify: Bool = true) -> [String] {
        var names: [String] = []
        if export { names.append("flatten-\(id)-export") }
        if verify { names += ["flatten-\(id)-verify-original", "flatten-\(id)-verify-candidate"] }
        return names
    }

    /// Removes what a flatten with ID `id` left behind when its process died before it could
    /// clean up (killed, crashed): its directory in `workDirectory`, its containers and its
    /// temporary images. A flatten that ends in any other way cleans up after itself; this is
    /// for a restarted process about to run the same ID again (an agent retrying a job).
    ///
    /// Best effort: nothing found is the usual case, and failures are logged, not thrown.
    /// The original image and tags are never touched.
    public static func removeLeftovers(ofID id: String, engine: DockerClient, workDirectory: String, logger: Logger) async {
        let directory = WorkDirectory.path(in: workDirectory, jobID: id)
        if FileManager.default.fileExists(atPath: directory) {
            logger.info("removing the work directory of an earlier attempt", metadata: ["path": "\(directory)"])
            try? FileManager.default.removeItem(atPath: directory)
        }
        for name in containerNames(forID: id) {
            do {
                try await engine.removeContainer(name, force: true)
                logger.info("removed a container of an earlier attempt", metadata: ["container": "\(name)"])
            } catch let error as DockerEngineError where error.isNotFound {
                // Nothing left: the usual case.
            } catch {
                logger.warning("could not remove a container of an earlier attempt", metadata: ["container": "\(name)", "error": "\(error)"])
            }
        }
        do {
            for image in try await engine.listImages(all: true) where image.labels[CreatedResources.temporaryLabel] == id {
                do {
                    _ = try await engine.removeImage(image.id, force: true)
                    logger.info("removed a temporary image of an earlier attempt", metadata: ["image": "\(image.id)"])
                } catch {
                    logger.warning("could not remove a temporary image of an earlier attempt", metadata: ["image": "\(image.id)", "error": "\(error)"])
                }
            }
        } catch {
            logger.warning("could not list images to remove leftovers of an earlier attempt", metadata: ["error": "\(error)"])
        }
    }
}
