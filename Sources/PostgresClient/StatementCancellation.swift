import Dispatch
import NIOConcurrencyHelpers

/// Coordinates one statement with a cancel request from another thread.
///
/// Two races shape it:
/// - A cancel request (`PQcancel`) that reaches the server while the backend is between
///   statements is dropped by the server. That happens when it lands before the statement's
///   bytes were read, or between the two round trips of a prepared statement's first use.
///   So the cancelling thread re-sends the request, with growing pauses, until the statement
///   returns.
/// - A cancel request that arrived after the statement finished could cancel the *next*
///   statement on the connection, run by another caller. So the statement's thread, when it
///   finishes while a cancel is being sent, waits for that send to be done before the
///   connection is released.
final class StatementCancellation: Sendable {
    private enum State {
        case notStarted
        case running
        case cancelling
        case finished
        case cancelledBeforeStart
    }

    /// Pauses between cancel requests while the statement still runs.
    static let resendPauses: [DispatchTimeInterval] = [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1)]

    private let state = NIOLockedValueBox(State.notStarted)
    private let statementReturned = DispatchSemaphore(value: 0)
    private let cancelDelivered = DispatchSemaphore(value: 0)

    /// Called on the statement's thread before it runs; false when it was cancelled first.
    func begin() -> Bool {
        state.withLockedValue { state in
            guard state == .notStarted else { return false }
            state = .running
            return true
        }
    }

    /// Called when the task is cancelled; true when the caller must run
    /// ``sendCancelRequests(_:)`` on a thread of its own (the statement is running).
    func requestCancel() -> Bool {
        state.withLockedValue { state in
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

    /// Sends cancel requests with `send` until the statement returns; blocks. Each pause
    /// between requests ends early when the statement returns.
    func sendCancelRequests(_ send: () -> Void) {
        var pauses = Self.resendPauses[...]
        while true {
            send()
            let pause = pauses.count > 1 ? pauses.removeFirst() : pauses.first!
            if statementReturned.wait(timeout: .now() + pause) == .success { break }
        }
        cancelDelivered.signal()
    }

    /// Called on the statement's thread after it returned; waits for a cancel request being
    /// sent to be done.
    func end() {
        let mustWait = state.withLockedValue { state in
            defer { state = .finished }
            return state == .cancelling
        }
        if mustWait {
            statementReturned.signal()
            cancelDelivered.wait()
        }
    }
}
