import FlattenProtocol
import Foundation
import PostgresClient

/// A job as the API's JSON, rendered by PostgreSQL in the statement that changed it.
///
/// Claims and completions are the coordinator's hot path, and each answers with the job.
/// Decoding the row into a ``Job`` and encoding that again with `JSONEncoder` cost more CPU
/// than the rest of the request; PostgreSQL builds the same JSON in microseconds, and the
/// `jsonb` columns (options, result, progress, error) already hold the API's own encoding. The
/// JSON decodes to the ``Job`` that ``Job/init(row:)`` reads from the same row (a test holds
/// the two together).
struct RenderedJob: Sendable {
    /// The job's ID.
    var id: UUID
    /// The job object, as UTF-8 JSON text.
    var json: String

    /// The SQL expression that renders a job (table alias `j`, agent alias `a`) as JSON text.
    ///
    /// Keys are the ``Job`` Codable keys; absent optionals are left out, as the API's encoder
    /// does (`json_strip_nulls`, which the stored JSON values survive unchanged because the
    /// API's encoder never writes nulls); dates are UTC with microseconds, the API's precision.
    static let sqlExpression = """
        json_strip_nulls(json_build_object(
            'id', j.id, 'batchId', j.batch_id, 'agentId', j.agent_id, 'agentName', a.name,
            'image', j.image, 'state', j.state, 'attempt', j.attempt, 'maxAttempts', j.max_attempts,
            'priority', j.priority, 'createdAt', \(timestampSQL("j.created_at")),
            'startedAt', \(timestampSQL("j.started_at")), 'finishedAt', \(timestampSQL("j.finished_at")),
            'updatedAt', \(timestampSQL("j.updated_at")), 'options', j.options, 'progress', j.progress,
            'cancelRequested', j.cancel_requested, 'result', j.result, 'error', j.error,
            'skipReason', j.skip_reason
        ))::text
        """

    /// A `timestamptz` expression as text the way the API writes dates:
    /// `2024-05-01T12:00:00.250000Z`.
    static func timestampSQL(_ column: String) -> String {
        #"to_char(\#(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#
    }

    /// Reads a row that selected ``sqlExpression`` as `job_json` and the job's `id`.
    init(row: PostgresRow) throws {
        self.id = try row.decode(UUID.self, column: "id")
        self.json = try row.decode(String.self, column: "job_json")
    }
}

/// What a claim hands out: the job under its new lease.
struct ClaimedJob: Sendable {
    var job: RenderedJob
    /// When the lease runs out, as the API's date text.
    var leaseExpiresAt: String

    /// The ``ClaimResponse`` JSON for the agent: the job, its lease token and the expiry.
    /// Tokens are base64url (``SecretToken``) and dates digits and punctuation, so neither
    /// needs escaping.
    func responseJSON(leaseToken: String) -> String {
        #"{"job":"# + job.json + #","leaseExpiresAt":""# + leaseExpiresAt + #"","leaseToken":""# + leaseToken + #""}"#
    }
}
