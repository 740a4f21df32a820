import FlattenProtocol
import Foundation
import Testing
import TestSupport

/// `flatctl agents pause|resume|drain|approve|remove|rotate-token` against the built
/// coordinator started with `--enroll-approval`.
@Suite("flatctl controls agents", .serialized)
struct FlatctlAgentControlTests {
    @Test("the commands change the agents' states, which the table and --json show")
    func commands() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(databaseURL: url, arguments: ["--enroll-approval"])
            do {
                let api = LiveAPI(baseURL: coordinator.baseURL)
                var agents: [String: TestAgent] = [:]
                for name in ["alpha", "bravo", "charlie", "delta", "echo"] {
                    agents[name] = try await api.register(name)
                }
                let connection = ["--coordinator", coordinator.baseURL, "--token", TestTokens.admin]
                func flatctl(_ arguments: String...) async throws -> FlatctlBinary.Run {
                    let run = try await FlatctlBinary.run(arguments + connection)
                    #expect(run.status == 0, "flatctl \(arguments.joined(separator: " ")): \(run.standardError)")
                    return run
                }

                // Everyone registered pending: approve all but echo.
                for name in ["alpha", "bravo", "charlie", "delta"] {
                    #expect(try await flatctl("agents", "approve", name).standardOutput == "agent \(name): online\n")
                }
                #expect(try await flatctl("agents", "pause", "alpha").standardOutput == "agent alpha: paused\n")
                #expect(try await flatctl("agents", "drain", "bravo", "--wait").standardOutput == "agent bravo: paused\n")

                // A queued job of delta is canceled with the reason when delta is removed.
                let queued = try await api.submit(JobSubmission(image: try ImageReference("registry.example/app:1"), target: .host("delta")))
                let removed = try await flatctl("agents", "remove", "delta", "--reason", "host retired")
                #expect(removed.standardOutput == "agent delta: removed, token revoked; 1 queued job(s) canceled\n")
                let job = try await api.send(.GET, APIPath.job(queued.jobs[0].id), token: TestTokens.admin).decode(Job.self)
                #expect(job.state == .canceled)
                #expect(job.error?.message == "the agent delta was removed by an operator: host retired")

                let rotated = try await flatctl("agents", "rotate-token", "charlie")
                let token = rotated.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(token.count == 43)
                #expect(rotated.standardError.contains("identity.json"))
                let old = try await api.send(.POST, APIPath.agentsClaim, token: try #require(agents["charlie"]).token)
                #expect(old.status == 401)
                let renewed = try await api.send(.POST, APIPath.agentsClaim, token: token)
                #expect(renewed.status == 204)

                let table = try await flatctl("agents")
                func state(_ name: String) -> String? {
                    let line = table.standardOutput.split(separator: "\n").first { $0.hasPrefix(name + " ") }
                    return line?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
                }
                #expect(state("alpha") == "paused", "\(table.standardOutput)")
                #expect(state("bravo") == "paused")
                #expect(state("charlie") == "online")
                #expect(state("echo") == "pending")
                #expect(state("delta") == nil)

                let json = try await flatctl("agents", "--json")
                let list = try JSONDecoder.flattenProtocol.decode(AgentList.self, from: Data(json.standardOutput.utf8))
                #expect(list.agents.map(\.name) == ["alpha", "bravo", "charlie", "echo"])
                #expect(list.agents.map(\.state) == [.paused, .paused, .online, .pending])

                #expect(try await flatctl("agents", "resume", "alpha").standardOutput == "agent alpha: online\n")

                // Refusals exit 1 with the coordinator's reason.
                let refused = try await FlatctlBinary.run(["agents", "approve", "alpha"] + connection)
                #expect(refused.status == 1)
                #expect(refused.standardError.contains("not pending approval"), "\(refused.standardError)")
                let unknown = try await FlatctlBinary.run(["agents", "pause", "zulu"] + connection)
                #expect(unknown.status == 1)
                #expect(unknown.standardError.contains("\"zulu\""), "\(unknown.standardError)")
            } catch {
                Issue.record("coordinator log:\n\(coordinator.log.suffix(2000))")
                await coordinator.stop()
                throw error
            }
            await coordinator.stop()
        }
    }
}
