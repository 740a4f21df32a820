import Logging
import ServiceLifecycle

/// Deletes finished jobs (with their events) and then-empty batches older than the retention,
/// a bounded batch per statement so no statement holds locks for long.
public struct RetentionPruner: Service {
    let jobs: JobStore
    let retention: Duration
    let interval: Duration
    let batchSize: Int
    let logger: Logger

    public init(jobs: JobStore, retention: Duration, interval: Duration, batchSize: Int, logger: Logger) {
        self.jobs = jobs
        self.retention = retention
        self.interval = interval
        self.batchSize = batchSize
        self.logger = logger
    }

    public func run() async throws {
        await runPeriodically(every: interval, onError: { [logger] error in
            logger.warning("retention pruning failed; retrying at the next interval", metadata: ["error": "\(error)"])
        }) {
            try await pruneOnce()
        }
    }

    /// Prunes everything past the retention now; returns the jobs and batches deleted.
    @discardableResult
    public func pruneOnce() async throws -> (jobs: Int, batches: Int) {
        var jobCount = 0
        while true {
            let deleted = try await jobs.pruneFinishedJobs(olderThan: retention, limit: batchSize)
            jobCount += deleted
            if deleted < batchSize { break }
            await Task.yield()
        }
        var batchCount = 0
        while true {
            let deleted = try await jobs.pruneEmptyBatches(olderThan: retention, limit: batchSize)
            batchCount += deleted
            if deleted < batchSize { break }
        }
        if jobCount + batchCount > 0 {
            logger.info("pruned finished work past retention", metadata: ["jobs": "\(jobCount)", "batches": "\(batchCount)"])
        }
        return (jobCount, batchCount)
    }
}
