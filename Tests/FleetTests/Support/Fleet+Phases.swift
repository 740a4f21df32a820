import FlattenProtocol
import Foundation

extension Fleet {
    /// The phases agent `key` logged for `job`, in order (its `phase` lines: written the
    /// moment a phase starts, before the next heartbeat carries it to the coordinator).
    func loggedPhases(_ key: String, job: UUID) -> [FlattenPhase] {
        let jobField = "job=\(job.uuidString.lowercased())"
        return agent(key).stderr.split(separator: "\n").compactMap { line -> FlattenPhase? in
            guard line.hasSuffix(" phase"), line.contains(jobField),
                  let field = line.split(separator: " ").first(where: { $0.hasPrefix("phase=") })
            else { return nil }
            return FlattenPhase(rawValue: String(field.dropFirst("phase=".count)))
        }
    }

    /// Waits until agent `key` has started `phase` of `job`; fails when the job ends first.
    func waitForAgentPhase(_ key: String, job: UUID, _ phase: FlattenPhase, timeout: Duration = .seconds(120)) async throws {
        _ = try await TestEnvironment.eventually("agent \(key) in phase \(phase.rawValue) of job \(job.uuidString.lowercased())", timeout: timeout, every: .milliseconds(20)) { () -> Bool? in
            if loggedPhases(key, job: job).contains(phase) { return true }
            guard agent(key).isRunning else { throw FleetTestError("agent \(key) exited\n\(agent(key).logTail)") }
            let jobField = "job=\(job.uuidString.lowercased())"
            let ended = agent(key).stderr.split(separator: "\n").contains { line in
                line.contains(jobField) && [" succeeded", " failed", " skipped"].contains { line.hasSuffix($0) }
            }
            if ended {
                throw FleetTestError("job \(job.uuidString.lowercased()) ended before phase \(phase.rawValue); phases logged: \(loggedPhases(key, job: job))")
            }
            return nil
        }
    }
}
