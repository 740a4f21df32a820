import FlattenProtocol
import Foundation
import PostgresClient

/// A batch as the dashboard lists it: its summary and whom it was for.
public struct BatchListing: Sendable, Hashable {
    public var summary: BatchSummary
    public var target: JobTarget?
}

/// One line of a job's timeline, as its statements wrote it to `job_events`.
public struct JobEvent: Sendable, Hashable {
    /// `queued`, `claimed`, `requeued`, `succeeded`, `failed`, `skipped`, `canceled`…
    public var kind: String
    public var attempt: Int
    public var at: Date
    /// The error of a retry or failure, the reason of a skip.
    public var detail: String?
}

/// Bytes the fleet saved, for the savings page.
public struct SavingsReport: Sendable, Hashable {
    public struct Day: Sendable, Hashable {
        public var day: Date
        public var bytesSaved: Int64
        public var jobs: Int
    }

    public struct Image: Sendable, Hashable {
        public var image: String
        public var bytesSaved: Int64
        public var jobs: Int
    }

    /// The last ``SavingsReport/days`` days, oldest first; days without a flatten are absent.
    public var perDay: [Day]
    /// The images that saved most, most first.
    public var perImage: [Image]
    /// Every succeeded job the database still keeps.
    public var totalBytesSaved: Int64
    public var totalJobs: Int

    /// How many days ``perDay`` covers.
    public static let days = 30
}

// The dashboard's reads beyond the API's: a batch list, a job's events, the savings. Each is
// one statement on an index (`batches_created`, `jobs_batch`, `job_events_job`, `jobs_finished`).
extension JobStore {
    /// A page of batches, newest first, with their counts by state and bytes saved.
    public func batches(after cursor: NewestFirstCursor?, limit: Int) async throws -> (batches: [BatchListing], next: NewestFirstCursor?) {
        // The page of batches first, then each one's counts (an index scan of its jobs): the
        // aggregate never reads a batch outside the page.
        let rows = try await client.query("""
            SELECT b.id, b.image, b.target, b.created_at,
                   (extract(epoch FROM b.created_at) * 1000000)::bigint AS created_us,
                   c.queued, c.running, c.succeeded, c.failed, c.skipped, c.canceled, c.saved
            FROM (
                SELECT id, image, target, created_at FROM batches
                WHERE \(cursor?.createdAtMicroseconds)::bigint IS NULL
                   OR (created_at, id) < (to_timestamp(0) + \(cursor?.createdAtMicroseconds) * interval '1 microsecond', \(cursor?.id)::uuid)
                ORDER BY created_at DESC, id DESC
                LIMIT \(limit + 1)
            ) b
            CROSS JOIN LATERAL (
                SELECT count(*) FILTER (WHERE state = 'queued') AS queued,
                       count(*) FILTER (WHERE state = 'running') AS running,
                       count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
                       count(*) FILTER (WHERE state = 'failed') AS failed,
                       count(*) FILTER (WHERE state = 'skipped') AS skipped,
                       count(*) FILTER (WHERE state = 'canceled') AS canceled,
                       coalesce(sum(bytes_saved) FILTER (WHERE state = 'succeeded'), 0)::bigint AS saved
                FROM jobs WHERE batch_id = b.id
            ) c
            ORDER BY b.created_at DESC, b.id DESC
            """)
        let page = rows.prefix(limit)
        let batches = try page.map { row -> BatchListing in
            let imageText = try row.decode(String.self, column: "image")
            let image: ImageReference
            do {
                image = try ImageReference(imageText)
            } catch {
                throw StoreError.corruptColumn("batches.image", "holds an invalid image reference: \(error)")
            }
            var counts: [JobState: Int] = [:]
            for state in JobState.allCases {
                let count = try row.decode(Int.self, column: state.rawValue)
                if count > 0 { counts[state] = count }
            }
            let summary = BatchSummary(
                id: try row.decode(UUID.self, column: "id"), image: image,
                createdAt: try row.decode(Date.self, column: "created_at"),
                jobCount: counts.values.reduce(0, +), counts: counts,
                bytesSaved: try row.decode(Int64.self, column: "saved"))
            return BatchListing(summary: summary, target: try JSONColumn.decode(JobTarget.self, column: "target", of: row))
        }
        var next: NewestFirstCursor?
        if rows.count > limit, let last = page.last {
            next = NewestFirstCursor(
                createdAtMicroseconds: try last.decode(Int64.self, column: "created_us"),
                id: try last.decode(UUID.self, column: "id"))
        }
        return (batches, next)
    }

    /// Whom a batch was submitted for, or nil when there is no such batch.
    public func target(ofBatch id: UUID) async throws -> JobTarget? {
        let rows = try await client.query("SELECT target FROM batches WHERE id = \(id)")
        guard let row = rows.first else { return nil }
        return try JSONColumn.decode(JobTarget.self, column: "target", of: row)
    }

    /// The IDs of the batch's jobs that have not finished.
    public func unfinishedJobs(ofBatch id: UUID) async throws -> [UUID] {
        let rows = try await client.query("SELECT id FROM jobs WHERE batch_id = \(id) AND state IN ('queued', 'running') ORDER BY id")
        return try rows.map { try $0.decode(UUID.self, column: "id") }
    }

    /// The job's events, oldest first.
    public func events(ofJob id: UUID) async throws -> [JobEvent] {
        let rows = try await client.query("SELECT kind, attempt, at, detail FROM job_events WHERE job_id = \(id) ORDER BY id")
        return try rows.map { row in
            JobEvent(
                kind: try row.decode(String.self, column: "kind"),
                attempt: try row.decode(Int.self, column: "attempt"),
                at: try row.decode(Date.self, column: "at"),
                detail: try row.decode(String?.self, column: "detail"))
        }
    }

    /// Bytes saved per day (the last ``SavingsReport/days`` days), per image (the `images` that
    /// saved most) and in all, in two statements. The days use `jobs_finished`'s range when the
    /// history is long; the images and the total read every succeeded job (with most jobs
    /// succeeded, PostgreSQL rightly prefers the table to any index), which is why the savings
    /// page is not a live page: at 100,000 jobs it takes about 0.2 s (scripts/bench-dashboard).
    public func savings(images: Int = 15) async throws -> SavingsReport {
        try await client.withConnection { connection in
            let days = try await connection.query("""
                SELECT date_trunc('day', finished_at) AS day, coalesce(sum(bytes_saved), 0)::bigint AS saved, count(*) AS jobs
                FROM jobs
                WHERE state = 'succeeded' AND finished_at > date_trunc('day', now()) - \(SavingsReport.days - 1) * interval '1 day'
                GROUP BY 1 ORDER BY 1
                """)
            // The totals are summed over every image's group, before the LIMIT keeps the top ones.
            let perImage = try await connection.query("""
                SELECT image, coalesce(sum(bytes_saved), 0)::bigint AS saved, count(*) AS jobs,
                       (sum(coalesce(sum(bytes_saved), 0)) OVER ())::bigint AS total_saved,
                       (sum(count(*)) OVER ())::bigint AS total_jobs
                FROM jobs WHERE state = 'succeeded' AND finished_at IS NOT NULL
                GROUP BY image ORDER BY 2 DESC, 1 LIMIT \(images)
                """)
            return SavingsReport(
                perDay: try days.map {
                    .init(day: try $0.decode(Date.self, column: "day"), bytesSaved: try $0.decode(Int64.self, column: "saved"),
                          jobs: try $0.decode(Int.self, column: "jobs"))
                },
                perImage: try perImage.map {
                    .init(image: try $0.decode(String.self, column: "image"), bytesSaved: try $0.decode(Int64.self, column: "saved"),
                          jobs: try $0.decode(Int.self, column: "jobs"))
                },
                totalBytesSaved: try perImage.first?.decode(Int64.self, column: "total_saved") ?? 0,
                totalJobs: try perImage.first?.decode(Int.self, column: "total_jobs") ?? 0)
        }
    }

    /// A value that changes whenever a job, a batch or an agent's state does: the newest job
    /// update and batch (each by its index), and a digest of the agents' names, controls and
    /// online states. An agent's every poll moves its `last_seen_at`, so that column itself is
    /// left out: a quiet fleet keeps one stamp. The dashboard's live pages reload when it changes.
    public func changeStamp(onlineWithin: Duration) async throws -> String {
        let rows = try await client.query("""
            SELECT concat_ws(',', (SELECT max(updated_at) FROM jobs)::text,
                                  (SELECT max(created_at) FROM batches)::text,
                                  (SELECT md5(string_agg(concat_ws(':', name, control, removed_at IS NULL,
                                                                   last_seen_at > now() - \(onlineWithin.seconds) * interval '1 second',
                                                                   engine_unavailable_since), ',' ORDER BY name))
                                   FROM agents)) AS stamp
            """)
        return try rows.first?.decode(String.self, column: "stamp") ?? ""
    }
}
