import FlattenProtocol
import Foundation
import Testing
import TestSupport

/// `flatctl`'s exit statuses, as `--help` states them, against the built coordinator: the
/// jobs are claimed and finished over HTTP by agents the test plays.
@Suite("flatctl exit statuses", .serialized)
struct FlatctlExitStatusTests {
    /// Submits `image` to every agent and ends each agent's job with its outcome.
    static func finishedBatch(
        _ image: String, api: LiveAPI, outcomes: [(TestAgent, JobCompletion.Outcome)]
    ) async throws -> SubmissionResponse {
        let submitted = try await api.submit(JobSubmission(image: try ImageReference(image), target: .all))
        #expect(submitted.jobs.count == outcomes.count)
        for (agent, outcome) in outcomes {
            let claim = try #require(try await api.claim(agent, wait: 30), "\(agent.name) got no job")
            let done = try await api.send(
                .POST, APIPath.jobComplete(claim.job.id), token: agent.token,
                json: JobCompletion(leaseToken: claim.leaseToken, outcome: outcome))
            #expect(done.status == 200, "\(String(decoding: done.body, as: UTF8.self))")
        }
        return submitted
    }

    @Test("--wait exits 1 when every host skipped, saying nothing was flattened, each reason once; 0 when one host flattened")
    func nothingFlattened() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(databaseURL: url)
            do {
                let api = LiveAPI(baseURL: coordinator.baseURL)
                let east = try await api.register("east")
                let west = try await api.register("west")
                let connection = ["--coordinator", coordinator.baseURL, "--token", TestTokens.admin]
                func absent(_ agent: TestAgent) -> JobCompletion.Outcome {
                    .skipped(reason: "not on \(agent.name): image 'registry.example/shop:latest' was not found on the engine")
                }

                let skipped = try await Self.finishedBatch("registry.example/shop", api: api, outcomes: [(east, absent(east)), (west, absent(west))])
                let id = skipped.batch.id.uuidString.lowercased()
                let waited = try await FlatctlBinary.run(["batch", id, "--wait"] + connection)
                #expect(waited.status == 1, "\(waited.standardError)")
                #expect(waited.standardError == "flatctl: nothing was flattened: all 2 hosts skipped registry.example/shop (the reasons are above)\n")
                for name in ["east", "west"] {
                    // The progress line says the state; the report below the table says why, once.
                    #expect(waited.standardOutput.components(separatedBy: "not on \(name):").count == 2, "\(waited.standardOutput)")
                    #expect(waited.standardOutput.contains("\(name): skipped\n"), "\(waited.standardOutput)")
                }
                #expect(waited.standardOutput.contains("2 skipped; saved 0B"), "\(waited.standardOutput)")

                let json = try await FlatctlBinary.run(["batch", id, "--wait", "--json"] + connection)
                #expect(json.status == 1)
                #expect(json.standardError == "flatctl: nothing was flattened: all 2 hosts skipped registry.example/shop (each job's skipReason says why)\n")
                let batch = try JSONDecoder.flattenProtocol.decode(SubmissionResponse.self, from: Data(json.standardOutput.utf8))
                #expect(batch.jobs.map(\.state) == [.skipped, .skipped])

                let mixed = try await Self.finishedBatch("registry.example/shop:2", api: api, outcomes: [(east, .succeeded(.sample())), (west, absent(west))])
                let mixedRun = try await FlatctlBinary.run(["batch", mixed.batch.id.uuidString.lowercased(), "--wait"] + connection)
                #expect(mixedRun.status == 0, "\(mixedRun.standardError)")
                #expect(mixedRun.standardError.isEmpty, "\(mixedRun.standardError)")
                #expect(mixedRun.standardOutput.components(separatedBy: "not on west:").count == 2, "\(mixedRun.standardOutput)")
            } catch {
                Issue.record("coordinator log:\n\(coordinator.log.suffix(2000))")
                await coordinator.stop()
                throw error
            }
            await coordinator.stop()
        }
    }

    @Test("a refusal exits 1, a rejected token, an unreachable coordinator and a usage error 2, as --help says")
    func statusesMatchTheHelp() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(databaseURL: url)
            do {
                let unknown = try await FlatctlBinary.run(["job", UUID().uuidString.lowercased(), "--coordinator", coordinator.baseURL, "--token", TestTokens.admin])
                #expect(unknown.status == 1, "\(unknown.standardError)")
                let rejected = try await FlatctlBinary.run(["jobs", "--coordinator", coordinator.baseURL, "--token", "not-a-token"])
                #expect(rejected.status == 2, "\(rejected.standardError)")
                #expect(rejected.standardError.contains("rejected the token (401)"), "\(rejected.standardError)")
            } catch {
                await coordinator.stop()
                throw error
            }
            await coordinator.stop()
        }
        // Port 9 (discard) on loopback: nothing listens there.
        let unreachable = try await FlatctlBinary.run(["jobs", "--coordinator", "http://127.0.0.1:9", "--token", TestTokens.admin])
        #expect(unreachable.status == 2, "\(unreachable.standardError)")
        let usage = try await FlatctlBinary.run(["submit", "Bad:Image", "--all", "--coordinator", "http://127.0.0.1:9", "--token", TestTokens.admin])
        #expect(usage.status == 2, "\(usage.standardError)")
        #expect(usage.standardError.contains("repository name \"Bad\" must be lowercase (upper case at position 1)"), "\(usage.standardError)")

        let help = try await FlatctlBinary.run(["--help"])
        #expect(help.status == 0)
        let text = help.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for status in ["Exit status: 0 success; 1 the coordinator refused the request", "2 a usage error, an unreachable coordinator or a rejected token", "130 after Control-C"] {
            #expect(text.contains(status), "\(help.standardOutput)")
        }
        let submitHelp = try await FlatctlBinary.run(["submit", "--help"])
        #expect(submitHelp.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains("or nothing was flattened (every host skipped"), "\(submitHelp.standardOutput)")
    }
}
