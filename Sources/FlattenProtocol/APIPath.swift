import Foundation

/// The coordinator's HTTP routes.
///
/// The `…Template` constants use `{id}` captures, the syntax Hummingbird's router takes;
/// the functions build the concrete path for an ID (lowercase UUID).
public enum APIPath {
    /// The capture name used in the templates.
    public static let idParameter = "id"

    /// `POST` submits a ``JobSubmission`` (answer: ``SubmissionResponse``); `GET` lists jobs
    /// (answer: ``JobList``).
    public static let jobs = "/v1/jobs"
    /// `GET` one ``Job``.
    public static let jobTemplate = "/v1/jobs/{id}"
    /// `POST` asks to cancel a job (answer: the ``Job``).
    public static let jobCancelTemplate = "/v1/jobs/{id}/cancel"
    /// `POST` a ``Heartbeat`` (answer: ``HeartbeatResponse``).
    public static let jobHeartbeatTemplate = "/v1/jobs/{id}/heartbeat"
    /// `POST` a ``JobCompletion``.
    public static let jobCompleteTemplate = "/v1/jobs/{id}/complete"
    /// `POST` a ``JobFailure``.
    public static let jobFailTemplate = "/v1/jobs/{id}/fail"
    /// `GET` a ``BatchSummary``.
    public static let batchTemplate = "/v1/batches/{id}"
    /// `GET` the ``AgentList``.
    public static let agents = "/v1/agents"
    /// `POST` an ``AgentRegistration`` (answer: ``AgentRegistrationResponse``).
    public static let agentsRegister = "/v1/agents/register"
    /// `POST` long-polls for a job (answer: ``ClaimResponse``, or 204 when none came).
    public static let agentsClaim = "/v1/agents/claim"
    /// Liveness: the process is up.
    public static let healthz = "/healthz"
    /// Readiness: the process can serve (e.g. the database answers).
    public static let readyz = "/readyz"
    /// Prometheus metrics.
    public static let metrics = "/metrics"

    /// `/v1/jobs/{id}`
    public static func job(_ id: UUID) -> String { "\(jobs)/\(segment(id))" }
    /// `/v1/jobs/{id}/cancel`
    public static func jobCancel(_ id: UUID) -> String { job(id) + "/cancel" }
    /// `/v1/jobs/{id}/heartbeat`
    public static func jobHeartbeat(_ id: UUID) -> String { job(id) + "/heartbeat" }
    /// `/v1/jobs/{id}/complete`
    public static func jobComplete(_ id: UUID) -> String { job(id) + "/complete" }
    /// `/v1/jobs/{id}/fail`
    public static func jobFail(_ id: UUID) -> String { job(id) + "/fail" }
    /// `/v1/batches/{id}`
    public static func batch(_ id: UUID) -> String { "/v1/batches/\(segment(id))" }

    private static func segment(_ id: UUID) -> String { id.uuidString.lowercased() }
}
