import FlattenProtocol
import Foundation
import PostgresClient

extension Job {
    /// The job columns every statement returning jobs selects, for table alias `j` and the
    /// agent's name as `agent_name`.
    static let columns = """
        j.id, j.batch_id, j.agent_id, j.image, j.options, j.state, j.priority, j.attempt,
        j.max_attempts, j.created_at, j.started_at, j.finished_at, j.updated_at, j.progress,
        j.cancel_requested, j.result, j.error, j.skip_reason, j.lease_expires_at
        """

    /// Reads a row selected with ``columns`` plus `agent_name`.
    init(row: PostgresRow) throws {
        let stateText = try row.decode(String.self, column: "state")
        guard let state = JobState(rawValue: stateText) else {
            throw StoreError.corruptColumn("state", "holds unknown state \(String(reflecting: stateText))")
        }
        let imageText = try row.decode(String.self, column: "image")
        let image: ImageReference
        do {
            image = try ImageReference(imageText)
        } catch {
            throw StoreError.corruptColumn("image", "holds an invalid image reference: \(error)")
        }
        guard let options = try JSONColumn.decode(FlattenOptions.self, column: "options", of: row) else {
            throw StoreError.corruptColumn("options", "is NULL")
        }
        self.init(
            id: try row.decode(UUID.self, column: "id"),
            batchId: try row.decode(UUID.self, column: "batch_id"),
            agentId: try row.decode(UUID.self, column: "agent_id"),
            agentName: try row.decode(String.self, column: "agent_name"),
            image: image,
            state: state,
            attempt: try row.decode(Int.self, column: "attempt"),
            maxAttempts: try row.decode(Int.self, column: "max_attempts"),
            priority: try row.decode(Int.self, column: "priority"),
            createdAt: try row.decode(Date.self, column: "created_at"),
            startedAt: try row.decode(Date?.self, column: "started_at"),
            finishedAt: try row.decode(Date?.self, column: "finished_at"),
            updatedAt: try row.decode(Date.self, column: "updated_at"),
            options: options,
            progress: try JSONColumn.decode(JobProgress.self, column: "progress", of: row),
            cancelRequested: try row.decode(Bool.self, column: "cancel_requested"),
            result: try JSONColumn.decode(FlattenResult.self, column: "result", of: row),
            error: try JSONColumn.decode(JobError.self, column: "error", of: row),
            skipReason: try row.decode(String?.self, column: "skip_reason")
        )
    }
}
