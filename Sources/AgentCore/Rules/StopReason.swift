/// Why a running flatten was stopped before it ended on its own.
public enum StopReason: Sendable, Hashable, CustomStringConvertible {
    /// An operator canceled the job; the agent learned it from a heartbeat.
    case canceledByOperator
    /// The coordinator no longer leases the job to this agent (409, 404, 403).
    case leaseLost(String)
    /// The agent is shutting down hard (a second SIGTERM or SIGINT).
    case agentStopping

    public var description: String {
        switch self {
        case .canceledByOperator: "canceled by an operator"
        case .leaseLost(let detail): "lease lost: \(detail)"
        case .agentStopping: "the agent is stopping"
        }
    }
}
