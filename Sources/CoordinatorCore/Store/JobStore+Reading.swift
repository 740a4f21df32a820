import FlattenProtocol
import Foundation
import Logging
import PostgresClient

// Reading jobs and batches: single statements that change nothing.
extension JobStore {
    // MARK: Reading

    /// One job, or nil.
    public func job(_ id: UUID) async throws -> Job? {
        let rows = try await client.query("""
            SELECT \(unescaped: Job.columns), a.name AS agent_name
            FROM jobs j JOIN agents a ON a.id = j.agent_id
            WHERE j.id = \(id)
            """)
        return try rows.first.map(Job.init(row:))
    }

    /// A page of jobs matching `filter`, newest first, after `cursor`.
    public func jobs(matching filter: JobFilter, after cursor: NewestFirstCursor?, limit: Int) async throws -> JobList {
        let rows = try await client.query("""
            SELECT \(unescaped: Job.columns), a.name AS agent_name,
                   (extract(epoch FROM j.created_at) * 1000000)::bigint AS created_us
            FROM jobs j JOIN agents a ON a.id = j.agent_id
            WHERE (\(filter.state?.rawValue)::text IS NULL OR j.state = \(filter.state?.rawValue))
              AND (\(filter.agentName)::text IS NULL OR a.name = \(filter.agentName))
              AND (\(filter.batchID)::uuid IS NULL OR j.batch_id = \(filter.batchID))
              AND (\(filter.image?.description)::text IS NULL OR j.image = \(filter.image?.description))
              AND (\(cursor?.createdAtMicroseconds)::bigint IS NULL
                   OR (j.created_at, j.id) < (to_timestamp(0) + \(cursor?.createdAtMicroseconds) * interval '1 microsecond', \(cursor?.id)::uuid))
            ORDER BY j.created_at DESC, j.id DESC
            LIMIT \(limit + 1)
            """)
        let jobs = try rows.prefix(limit).map(Job.init(row:))
        var next: String?
        if rows.count > limit, let last = rows.prefix(limit).last {
            next = NewestFirstCursor(
                createdAtMicroseconds: try last.decode(Int64.self, column: "created_us"),
                id: try last.decode(UUID.self, column: "id")
            ).encoded
        }
        return JobList(jobs: jobs, nextCursor: next)
    }

    /// A batch with its counts and jobs (by agent name), or nil.
    public func batch(_ id: UUID) async throws -> SubmissionResponse? {
        try await client.withConnection { try await Self.batch(id, on: $0) }
    }

    static func batch(_ id: UUID, on connection: PostgresConnection) async throws -> SubmissionResponse? {
        let batchRows = try await connection.query("SELECT image, created_at FROM batches WHERE id = \(id)")
        guard let batchRow = batchRows.first else { return nil }
        let imageText = try batchRow.decode(String.self, column: "image")
        let image: ImageReference
        do {
            image = try ImageReference(imageText)
        } catch {
            throw StoreError.corruptColumn("batches.image", "holds an invalid image reference: \(error)")
        }
        let rows = try await connection.query("""
            SELECT \(unescaped: Job.columns), a.name AS agent_name
            FROM jobs j JOIN agents a ON a.id = j.agent_id
            WHERE j.batch_id = \(id)
            ORDER BY a.name, j.id
            """)
        let jobs = try rows.map(Job.init(row:))
        let batch = BatchSummary(jobs: jobs, id: id, image: image, createdAt: try batchRow.decode(Date.self, column: "created_at"))
        return SubmissionResponse(batch: batch, jobs: jobs)
    }

    /// How many jobs are in each state (for the metrics gauge).
    public func countsByState() async throws -> [JobState: Int] {
        let rows = try await client.query("SELECT state, count(*) AS n FROM jobs GROUP BY state")
        var counts: [JobState: Int] = [:]
        for row in rows {
            if let state = JobState(rawValue: try row.decode(String.self, column: "state")) {
                counts[state] = try row.decode(Int.self, column: "n")
            }
        }
        return counts
    }
}
