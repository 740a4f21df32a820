import Foundation

extension ClaimWaiters {
    /// Wakes the long polls held here by the agents a new batch gave jobs to; agents polling
    /// other coordinators learn through the database's notification. A repeated submission
    /// (an idempotency key seen before) made no job and wakes no one.
    func wakeAgents(of outcome: SubmissionOutcome) {
        guard outcome.created else { return }
        for agent in Set(outcome.agentIDs) {
            wake(agent)
        }
    }
}
