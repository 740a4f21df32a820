import Foundation

/// The coordinator's answer to a ``Heartbeat``.
public struct HeartbeatResponse: Sendable, Hashable, Codable {
    /// Whether an operator asked to cancel the job: the agent should stop the flatten and
    /// clean up what it made.
    public var cancelRequested: Bool
    /// The renewed lease expiry.
    public var leaseExpiresAt: Date

    public init(cancelRequested: Bool, leaseExpiresAt: Date) {
        self.cancelRequested = cancelRequested
        self.leaseExpiresAt = leaseExpiresAt
    }
}
