import Dispatch

/// Coordinates one statement with a cancel request from another thread.
///
/// A cancel request (`PQcancel`) reaches the server asynchronously; if it arrived after the
/// statement finished it could cancel the *next* statement on the connection, run by another
/// caller. So the statement's thread, when it finishes while a cancel request is in flight,
/// waits for that request to be delivered before the connection is released.
final class StatementCancellation: Sendable {
    private enum State {
        case notStarted
        case running
        case cancelling
        case finished
        case cancelledBeforeStart
    }

    private let state = Locked(State.notStarted)
    private let cancelDelivered = DispatchSemaphore(value: 0)

    /// Called on the statement's thread before it runs; false when it was cancelled first.
    func begin() -> Bool {
        state.withLock { state in
            guard state == .notStarted else { return false }
            state = .running
            return true
        }
    }

    /// Called when the task is cancelled; true when the caller must send a cancel request
    /// (the statement is running) and then call ``cancelRequestDone()``.
    func requestCancel() -> Bool {
        state.withLock { state in
            switch state {
            case .notStarted:
                state = .cancelledBeforeStart
                return false
            case .running:
                state = .cancelling
                return true
            case .cancelling, .finished, .cancelledBeforeStart:
                return false
            }
        }
    }

    /// Called by the thread that sent the cancel request once it is done.
    func cancelRequestDone() {
        cancelDelivered.signal()
    }

    /// Called on the statement's thread after it returned; waits for an in-flight cancel request.
    func end() {
        let mustWait = state.withLock { state in
            defer { state = .finished }
            return state == .cancelling
        }
        if mustWait { cancelDelivered.wait() }
    }
}
