import FlattenProtocol

/// What a reported failure does to a job: its next state, and whether the attempt it used is
/// given back.
public struct FailureOutcome: Sendable, Hashable {
    public var state: JobState
    /// The attempt does not count: the job goes back to the queue with `attempt - 1`.
    public var attemptRefunded: Bool

    public init(state: JobState, attemptRefunded: Bool) {
        self.state = state
        self.attemptRefunded = attemptRefunded
    }
}

extension JobRules {
    /// The outcome of a failure report, with the agent's claim that its engine vanished.
    ///
    /// A cancel request still wins. A failure caused only by the engine becoming unreachable
    /// says nothing about the job: it is requeued and its attempt refunded, even when it was
    /// the last one, so a sick engine does not burn the fleet's retries. Otherwise
    /// ``stateAfterFailure(retryable:cancelRequested:attempt:maxAttempts:)`` decides.
    public static func outcomeAfterFailure(
        retryable: Bool, engineUnavailable: Bool, cancelRequested: Bool, attempt: Int, maxAttempts: Int
    ) -> FailureOutcome {
        if !cancelRequested && engineUnavailable {
            return FailureOutcome(state: .queued, attemptRefunded: true)
        }
        return FailureOutcome(
            state: stateAfterFailure(retryable: retryable, cancelRequested: cancelRequested, attempt: attempt, maxAttempts: maxAttempts),
            attemptRefunded: false)
    }
}
