import CoordinatorCore
import FlattenProtocol
import Foundation
import PostgresClient

extension AgentHarness {
    /// Submits a flatten of `image` to this test's agent, as an operator does; answers the job.
    func submit(_ image: ImageReference, options: FlattenOptions = FlattenOptions(), maxAttempts: Int = 3) async throws -> Job {
        let response = try await api.submit(JobSubmission(
            image: image, target: .host(name), options: options, maxAttempts: maxAttempts))
        guard response.jobs.count == 1, let job = response.jobs.first else {
            throw AgentRunError(description: "the submission made \(response.jobs.count) jobs, not 1")
        }
        return job
    }

    /// Polls the job through the API until `condition` holds; the timeout names `what`, the
    /// job as last seen, and the agent's lines about it.
    @discardableResult
    func waitForJob(
        _ id: UUID, _ what: String, timeout: Duration = .seconds(90), until condition: @escaping (Job) -> Bool
    ) async throws -> Job {
        let last = LastSeen()
        do {
            return try await eventually("job \(id.uuidString.lowercased()) \(what)", timeout: timeout) { () async throws -> Job? in
                let job = try await api.job(id)
                last.job = job
                return condition(job) ? job : nil
            }
        } catch let error as AgentRunError {
            let seen = last.job.map { "\($0.state) attempt \($0.attempt), progress \(String(describing: $0.progress)), error \($0.error?.message ?? "none")" } ?? "never read"
            throw AgentRunError(description: "\(error.description); last seen: \(seen); the agent's lines about it:\n"
                + log.entries(about: id).map { "  [\($0.level)] \($0)" }.joined(separator: "\n"))
        }
    }

    /// The job's events, in the order they were written.
    func events(of id: UUID) async throws -> [JobEvent] {
        let rows = try await coordinator.client.query("SELECT kind, attempt, detail FROM job_events WHERE job_id = \(id) ORDER BY id")
        return try rows.map { row in
            JobEvent(
                try row.decode(String.self, column: "kind"), try row.decode(Int.self, column: "attempt"),
                detail: try row.decode(String?.self, column: "detail"))
        }
    }

    /// When the job's lease runs out, as the coordinator has it (nil when none is held).
    func leaseExpiry(of id: UUID) async throws -> Date? {
        let rows = try await coordinator.client.query("SELECT lease_expires_at FROM jobs WHERE id = \(id)")
        return try rows.first.flatMap { try $0.decode(Date?.self, column: "lease_expires_at") }
    }

    /// Lets the job's lease run out now, as it does when its heartbeats stop arriving for the
    /// lease's duration (without waiting that long), then runs the coordinator's reaper
    /// statement; answers what the reaper did with the job.
    func expireLease(of id: UUID) async throws -> JobState? {
        _ = try await coordinator.client.execute(
            "UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = \(id) AND state = 'running'")
        let reaped = try await coordinator.jobs.reapExpiredLeases(backoff: coordinator.configuration.retryBackoff)
        return reaped.first { $0.jobID == id }?.newState
    }
}

/// The job a wait saw last, for its failure message.
private final class LastSeen: @unchecked Sendable {
    // @unchecked: written and read by the one task that waits.
    var job: Job?
}
