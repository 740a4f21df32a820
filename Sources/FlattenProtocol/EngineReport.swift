/// An agent telling the coordinator whether its container engine answers
/// (`POST /v1/agents/engine`, protocol version 2).
///
/// Sent once per change: while the engine does not answer, the agent claims nothing and
/// `flatctl agents` shows it `engine-unavailable`; the next report of an available engine, or
/// the agent's next claim, shows it online again.
public struct EngineReport: Sendable, Hashable, Codable {
    /// Whether the engine answered the agent's last check (`GET /_ping`).
    public var available: Bool
    /// Why it did not, in the engine client's words; nil when available.
    public var message: String?

    public init(available: Bool, message: String? = nil) {
        self.available = available
        self.message = message
    }
}
