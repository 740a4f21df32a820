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
    /// `POST` an ``EngineReport`` (answer: 204).
    public static let agentsEngine = "/v1/agents/engine"
    /// `DELETE` removes an agent, by name or ID (answer: ``AgentRemoval``).
    public static let agentTemplate = "/v1/agents/{id}"
    /// `POST` pauses an agent (answer: ``AgentInfo``).
    public static let agentPauseTemplate = "/v1/agents/{id}/pause"
    /// `POST` resumes a paused or draining agent (answer: ``AgentInfo``).
    public static let agentResumeTemplate = "/v1/agents/{id}/resume"
    /// `POST` drains an agent (answer: ``AgentInfo``).
    public static let agentDrainTemplate = "/v1/agents/{id}/drain"
    /// `POST` approves a pending agent (answer: ``AgentInfo``).
    public static let agentApproveTemplate = "/v1/agents/{id}/approve"
    /// `POST` gives an agent a new token (answer: ``AgentRegistrationResponse``).
    public static let agentRotateTokenTemplate = "/v1/agents/{id}/rotate-token"
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

    /// `/v1/agents/{name or id}`, the name percent-encoded.
    public static func agent(_ nameOrID: String) -> String { "\(agents)/\(segment(nameOrID))" }
    /// `/v1/agents/{name or id}/pause`
    public static func agentPause(_ nameOrID: String) -> String { agent(nameOrID) + "/pause" }
    /// `/v1/agents/{name or id}/resume`
    public static func agentResume(_ nameOrID: String) -> String { agent(nameOrID) + "/resume" }
    /// `/v1/agents/{name or id}/drain`
    public static func agentDrain(_ nameOrID: String) -> String { agent(nameOrID) + "/drain" }
    /// `/v1/agents/{name or id}/approve`
    public static func agentApprove(_ nameOrID: String) -> String { agent(nameOrID) + "/approve" }
    /// `/v1/agents/{name or id}/rotate-token`
    public static func agentRotateToken(_ nameOrID: String) -> String { agent(nameOrID) + "/rotate-token" }

    private static func segment(_ id: UUID) -> String { id.uuidString.lowercased() }

    /// A path segment: everything but unreserved characters percent-encoded.
    private static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
