import FlattenProtocol
import Foundation

/// A report written to the state directory before it is delivered, and removed once the
/// coordinator acknowledged it, so that neither a network blink nor an agent restart loses a
/// finished result.
public struct PendingReport: Sendable, Hashable, Codable {
    /// The job reported on.
    public var jobId: UUID
    /// The job's image, for logs.
    public var image: ImageReference
    /// The report.
    public var report: JobReport
    /// The last progress sent, repeated in the heartbeats that keep the lease alive until the
    /// report is delivered.
    public var lastProgress: JobProgress
    /// When the attempt ended.
    public var finishedAt: Date

    public init(jobId: UUID, image: ImageReference, report: JobReport, lastProgress: JobProgress, finishedAt: Date) {
        self.jobId = jobId
        self.image = image
        self.report = report
        self.lastProgress = lastProgress
        self.finishedAt = finishedAt
    }
}
