import DockerEngine
import FlattenProtocol
import Flattening
import Foundation
import Logging

/// Runs the Flattening module's ``FlattenJob`` for a claimed job, and reads its outcome or
/// error into a ``FlattenEnding``.
///
/// Every attempt of a job uses the same flatten ID (derived from the job ID), so that what a
/// killed earlier attempt left on the engine or in the work directory (temporary images,
/// export containers, spool files) can be found and removed before the next attempt starts.
struct AgentFlattener: Sendable {
    /// The label the Flattening module puts on its temporary images, with the flatten ID as
    /// value. Mirrors `CreatedResources.temporaryLabel`, which that module does not export.
    static let temporaryImageLabel = "io.flatten-fleet.temporary"

    let engine: DockerClient
    let workDirectory: String
    let logger: Logger

    /// The flatten ID of every attempt of `jobId`: its first 12 hex digits.
    static func flattenID(for jobId: UUID) -> String {
        String(jobId.uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
    }

    /// Flattens the job's image with the job's options.
    func run(_ job: Job, progress: @escaping @Sendable (JobProgress) -> Void) async -> FlattenEnding {
        let flatten = FlattenJob(
            image: job.image,
            options: job.options,
            engine: engine,
            workDirectory: workDirectory,
            id: Self.flattenID(for: job.id),
            logger: logger)
        do {
            switch try await flatten.run(progress: progress) {
            case .flattened(let result): return .flattened(result)
            case .skipped(let reason): return .skipped(reason: reason)
            }
        } catch {
            return .failed(FlattenFailure(
                message: error.description,
                isRetryable: error.isRetryable,
                isImageNotFound: error.isImageNotFound,
                isCanceled: error.isCanceled))
        }
    }

    /// Removes what an earlier attempt of `jobId` that never finished (the agent was killed)
    /// left behind. Best effort: failures are logged, not thrown.
    func removeLeftovers(of jobId: UUID) async {
        let id = Self.flattenID(for: jobId)
        let directory = (workDirectory as NSString).appendingPathComponent("flatten-\(id)")
        if FileManager.default.fileExists(atPath: directory) {
            logger.info("removing the work directory of an earlier attempt", metadata: ["path": "\(directory)"])
            try? FileManager.default.removeItem(atPath: directory)
        }
        do {
            try await engine.removeContainer("flatten-\(id)-export", force: true)
            logger.info("removed the export container of an earlier attempt", metadata: ["container": "flatten-\(id)-export"])
        } catch let error as DockerEngineError where error.isNotFound {
            // Nothing left: the usual case.
        } catch {
            logger.warning("could not remove the export container of an earlier attempt", metadata: ["error": "\(error)"])
        }
        do {
            let images = try await engine.listImages(all: true)
            for image in images where image.labels[Self.temporaryImageLabel] == id {
                _ = try? await engine.removeImage(image.id, force: true)
                logger.info("removed a temporary image of an earlier attempt", metadata: ["image": "\(image.id)"])
            }
        } catch {
            logger.warning("could not list images to remove leftovers of an earlier attempt", metadata: ["error": "\(error)"])
        }
    }
}
