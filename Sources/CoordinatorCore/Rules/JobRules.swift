import FlattenProtocol

/// The rules that move a job between states, as pure functions of what is known about it.
///
/// ``JobStore`` applies them in single guarded SQL statements (for atomicity against other
/// coordinators); its statements mirror these functions case by case, and the store's tests
/// check the database against them.
public enum JobRules {
    /// The state a running job takes when its agent reports a failure.
    ///
    /// A cancel request wins: the operator wanted the job to stop, and it stopped. Otherwise a
    /// retryable failure with attempts left goes back to the queue (after a backoff) and any
    /// other failure is final.
    public static func stateAfterFailure(
        retryable: Bool, cancelRequested: Bool, attempt: Int, maxAttempts: Int
    ) -> JobState {
        if cancelRequested { return .canceled }
        if retryable && attempt < maxAttempts { return .queued }
        return .failed
    }

    /// The state a running job takes when its lease runs out without a report.
    ///
    /// The attempt was counted when it was claimed; with attempts left the job is queued again
    /// (after a backoff), else it fails. A job whose cancel was requested is canceled: its agent
    /// is gone, so nobody else would have stopped it.
    public static func stateAfterLeaseExpiry(cancelRequested: Bool, attempt: Int, maxAttempts: Int) -> JobState {
        if cancelRequested { return .canceled }
        return attempt < maxAttempts ? .queued : .failed
    }

    /// The state a running job takes when its agent reports it done.
    ///
    /// The reported outcome stands even when a cancel was requested meanwhile: the work was
    /// done (the flattened image exists), and saying `canceled` would hide it.
    public static func stateAfterCompletion(_ outcome: JobCompletion.Outcome) -> JobState {
        switch outcome {
        case .succeeded: .succeeded
        case .skipped: .skipped
        }
    }

    /// What an operator's cancel does to a job in `state`.
    public static func cancelDecision(for state: JobState) -> CancelDecision {
        switch state {
        case .queued: .cancelNow
        case .running: .requestCancel
        case .succeeded, .failed, .skipped, .canceled: .refuse(state)
        }
    }
}

/// What a cancel request does.
public enum CancelDecision: Sendable, Hashable {
    /// The job is not running anywhere: it becomes `canceled` at once.
    case cancelNow
    /// The job is running: it is flagged, and its agent learns it on its next heartbeat.
    case requestCancel
    /// The job already finished in this state; nothing changes (409).
    case refuse(JobState)
}
