import FlattenProtocol
import Foundation
import Testing
import TestSupport

/// flatctl prints text from the coordinator escaped and cut, against a real coordinator.
@Suite("flatctl escapes and cuts what the coordinator stores", .serialized)
struct FlatctlOutputTests {
    @Test("control characters are shown as escapes, long cells end in …, and no row can be forged")
    func escapedTables() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(databaseURL: url)
            do {
                let api = LiveAPI(baseURL: coordinator.baseURL)
                let longValue = String(repeating: "v", count: 250)
                let reply = try await api.send(.POST, APIPath.agentsRegister, token: TestTokens.enrollment, json: AgentRegistration(
                    name: "host-a", labels: ["note": "x\nB      online\u{1B}[2J", "zlong": longValue],
                    engineVersion: "28.5.2", engineAPIVersion: "1.51"))
                #expect(reply.status == 201, "\(String(decoding: reply.body, as: UTF8.self))")
                let agent = TestAgent(id: try reply.decode(AgentRegistrationResponse.self).agentId, name: "host-a",
                                      token: try reply.decode(AgentRegistrationResponse.self).agentToken)
                let batch = try await api.submit(JobSubmission(image: try ImageReference("registry.example/app:1"), target: .host("host-a"), maxAttempts: 1))
                let claim = try #require(try await api.claim(agent, wait: 0))
                let failed = try await api.send(.POST, APIPath.jobFail(claim.job.id), token: agent.token,
                                                json: JobFailure(leaseToken: claim.leaseToken, message: "boom\nA      succeeded\u{1B}[0m", retryable: false))
                #expect(failed.status == 200, "\(String(decoding: failed.body, as: UTF8.self))")
                let connection = ["--coordinator", coordinator.baseURL, "--token", TestTokens.admin]

                let agents = try await FlatctlBinary.run(["agents"] + connection)
                #expect(agents.status == 0, "stderr: \(agents.standardError)")
                let agentLines = agents.standardOutput.split(separator: "\n")
                #expect(agentLines.count == 2, "\(agents.standardOutput)")
                #expect(!agents.standardOutput.contains("\u{1B}"))
                #expect(agents.standardOutput.contains(#"x\nB      online\u{1B}[2J"#), "\(agents.standardOutput)")
                #expect(!agents.standardOutput.contains(longValue), "a cell is cut to 80 characters")
                #expect(agents.standardOutput.contains("…"))

                let jobs = try await FlatctlBinary.run(["jobs"] + connection)
                #expect(jobs.status == 0, "stderr: \(jobs.standardError)")
                let jobLines = jobs.standardOutput.split(separator: "\n")
                #expect(jobLines.count == 2, "a forged row: \(jobs.standardOutput)")
                #expect(!jobLines.contains { $0.hasPrefix("A ") })
                #expect(jobs.standardOutput.contains(#"boom\nA"#), "\(jobs.standardOutput)")
                #expect(!jobs.standardOutput.contains("\u{1B}"))

                let job = try await FlatctlBinary.run(["job", batch.jobs[0].id.uuidString.lowercased()] + connection)
                #expect(job.status == 0, "stderr: \(job.standardError)")
                #expect(job.standardOutput.contains(#"boom\nA      succeeded\u{1B}[0m"#), "\(job.standardOutput)")
                #expect(!job.standardOutput.contains("\u{1B}"))
            } catch {
                Issue.record("coordinator log:\n\(coordinator.log.suffix(2000))")
                await coordinator.stop()
                throw error
            }
            await coordinator.stop()
        }
    }
}
