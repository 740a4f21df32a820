import Foundation

/// One row of the coordinator's `job_events`, as `kind#attempt` (and its detail): what
/// happened to a job, in order. The API does not expose them; the harness reads them from
/// the test's own database.
struct JobEvent: Sendable, Hashable, CustomStringConvertible {
    let kind: String
    let attempt: Int
    let detail: String?

    init(_ kind: String, _ attempt: Int, detail: String? = nil) {
        self.kind = kind
        self.attempt = attempt
        self.detail = detail
    }

    /// The kinds that end a job: a job finished twice would show two.
    static let terminalKinds: Set<String> = ["succeeded", "failed", "skipped", "canceled"]

    var isTerminal: Bool { Self.terminalKinds.contains(kind) }

    /// `kind#attempt`, the detail left out: what tests compare.
    var step: String { "\(kind)#\(attempt)" }

    var description: String { step + (detail.map { "(\($0))" } ?? "") }
}
