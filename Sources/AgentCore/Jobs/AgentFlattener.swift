import DockerEngine
import FlattenProtocol
import Flattening
import Foundation
import Logging

/// Runs the Flattening module's ``FlattenJob`` for a claimed job, and reads its outcome or
/// error into a ``FlattenEnding``.
///
/// Every attempt of a job uses the same flatten ID (``FlattenJob/makeID(from:)`` of the job ID), so that what a
/// killed earlier attempt left on the engine or in the work directory (temporary images,
/// export containers, spool files) can be found and removed before the next attempt starts.
struct AgentFlattener: Sendable {
    let engine: DockerClient
    let workDirectory: String
    let mergeMemoryBudget: Int?
    let logger: Logger

    /// Flattens the job's image with the job's options.
    func run(_ job: Job, progress: @escaping @Sendable (JobProgress) -> Void) async -> FlattenEnding {
        let flatten = FlattenJob(
            image: job.image,
            options: job.options,
            engine: engine,
            workDirectory: workDirectory,
            id: FlattenJob.makeID(from: job.id),
            mergeMemoryBudget: mergeMemoryBudget,
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
        await FlattenJob.removeLeftovers(ofID: FlattenJob.makeID(from: jobId), engine: engine, workDirectory: workDirectory, logger: logger)
    }
}
