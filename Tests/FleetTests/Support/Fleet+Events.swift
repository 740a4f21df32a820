import Foundation
import PostgresClient

/// One row of the coordinator's `job_events`: what happened to a job, in which attempt, when.
struct JobEvent: Sendable, CustomStringConvertible {
    let kind: String
    let attempt: Int
    let at: Date
    let detail: String?

    /// The kinds that end a job: each appears at most once per job, written by the statement
    /// that ends it, so counting them counts completions.
    static let terminalKinds: Set<String> = ["succeeded", "failed", "skipped", "canceled"]

    var isTerminal: Bool { Self.terminalKinds.contains(kind) }

    var description: String { "\(kind)#\(attempt)\(detail.map { "(\($0))" } ?? "")" }
}

extension Fleet {
    /// The job's events in the order they were written, read straight from the fleet's
    /// database (the API does not expose them).
    func events(of job: UUID) async throws -> [JobEvent] {
        let client = try PostgresClient(configuration: .init(connectionString: database.url, maxConnections: 1))
        do {
            let rows = try await client.query("SELECT kind, attempt, at, detail FROM job_events WHERE job_id = \(job) ORDER BY id")
            let events = try rows.map { row in
                JobEvent(
                    kind: try row.decode(String.self, column: "kind"),
                    attempt: try row.decode(Int.self, column: "attempt"),
                    at: try row.decode(Date.self, column: "at"),
                    detail: try row.decode(String?.self, column: "detail"))
            }
            await client.close()
            return events
        } catch {
            await client.close()
            throw error
        }
    }

    /// The job's completions: its terminal events (a job run twice to completion would show two).
    func completions(of job: UUID) async throws -> [JobEvent] {
        try await events(of: job).filter(\.isTerminal)
    }
}
