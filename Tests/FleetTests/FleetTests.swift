import DockerEngine
import FlattenProtocol
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The whole fleet from the outside: the built `flatten-coordinator`, two `flatten-agent run`
/// processes on the two private engines, and `flatctl`, as an operator would use them.
///
/// Serialized: each test runs three processes and flattens on shared engines, which a
/// two-core machine cannot do many times at once without starving the leases.
@Suite("Fleet end to end", .serialized)
struct FleetTests {
    /// Runs `body` with a started fleet and the two engines; stops everything afterwards and
    /// adds the processes' logs to a thrown error.
    func withFleet(
        on engine: TestEngine,
        leaseSeconds: Double = 5,
        _ body: (Fleet, _ engineA: DockerClient, _ engineB: DockerClient) async throws -> Void
    ) async throws {
        let engineA = try await DockerClient.connect(to: engine.host())
        let engineB: DockerClient
        do { engineB = try await DockerClient.connect(to: engine.next.host()) } catch {
            try? await engineA.shutdown()
            throw error
        }
        var failure: (any Error)?
        do {
            try await Fleet.withStarted(on: engine, leaseSeconds: leaseSeconds) { fleet in
                try await body(fleet, engineA, engineB)
            }
        } catch {
            failure = error
        }
        try? await engineA.shutdown()
        try? await engineB.shutdown()
        if let failure { throw failure }
    }

    /// The image's default flattened reference.
    func flat(_ image: String) -> String { image + "-flat" }

    /// Images of a flatten's temporary carriers still on the engine.
    func temporaryImages(of job: UUID, on engine: DockerClient) async throws -> [String] {
        try await EngineLeftovers.temporaryImages(of: EngineLeftovers.flattenID(of: job), on: engine)
    }

    @Test("a fleet submission flattens the image on both hosts, and `flatctl batch --wait` reports both", arguments: TestEngine.all)
    func fleetSubmission(engine: TestEngine) async throws {
        try await withFleet(on: engine) { fleet, engineA, engineB in
            let image = "fleet-test/\(fleet.id)-app:1"
            try await TestImages.build(image, megabytes: 6, on: engineA)
            try await TestImages.build(image, megabytes: 6, on: engineB)

            let agents = try await fleet.flatctl(["agents"])
            #expect(agents.status == 0, "\(agents)")
            for (key, client) in [("a", engineA), ("b", engineB)] {
                let line = agents.stdout.split(separator: "\n").first { $0.hasPrefix(fleet.agentNames[key]! + " ") }
                #expect(line?.contains("online") == true, "\(agents)")
                #expect(line?.contains("zone=\(key)") == true, "\(agents)")
                // Each agent reports its own engine: product, version, API spoken, store.
                let engine = try await client.describe()
                for column in ["\(engine.product) \(engine.version)", engine.apiVersion.description, engine.imageStore.kind.rawValue, engine.platform] {
                    #expect(line?.contains(column) == true, "\(column) missing: \(agents)")
                }
            }

            let (submitted, _) = try await fleet.flatctlJSON(SubmissionResponse.self, ["submit", image, "--all"])
            #expect(Set(submitted.jobs.map(\.agentName)) == Set(fleet.agentNames.values))

            let waited = try await fleet.flatctl(["batch", submitted.batch.id.uuidString.lowercased(), "--wait"])
            #expect(waited.status == 0, "\(waited)")
            let header = waited.stdout.split(separator: "\n").first { $0.hasPrefix("HOST") }
            for column in ["STATE", "LAYERS", "SIZE", "SAVED", "TIME"] {
                #expect(header?.contains(column) == true, "\(waited)")
            }
            for name in fleet.agentNames.values {
                let row = waited.stdout.split(separator: "\n").first { $0.hasPrefix(name + " ") }
                #expect(row?.contains("succeeded") == true, "\(waited)")
                #expect(row?.contains("4 → 1") == true, "\(waited)")
            }
            #expect(waited.stdout.contains("2 succeeded"), "\(waited)")

            let (batch, _) = try await fleet.flatctlJSON(SubmissionResponse.self, ["batch", submitted.batch.id.uuidString.lowercased()])
            for job in batch.jobs {
                #expect(job.state == .succeeded)
                #expect((job.result?.bytesSaved ?? 0) > 5_000_000, "the deleted 6 MiB file is gone after flattening")
            }
            #expect(try await TestImages.layerCount(flat(image), on: engineA) == 1)
            #expect(try await TestImages.layerCount(flat(image), on: engineB) == 1)
            #expect(try await TestImages.layerCount(image, on: engineA) == 4, "the original is untouched")
        }
    }

    // About the coordinator and the agent, not the engine: one pair of engines is enough (the
    // per-engine behaviour of a flatten, a skip, a cancel and a kill is tested on every engine).
    @Test("a selector reaches only its host; one that matches nothing is refused with exit 1", arguments: TestEngine.all.prefix(1))
    func selectorReachesOnlyItsHost(engine: TestEngine) async throws {
        try await withFleet(on: engine) { fleet, engineA, engineB in
            let image = "fleet-test/\(fleet.id)-sel:1"
            try await TestImages.build(image, megabytes: 2, on: engineA)
            try await TestImages.build(image, megabytes: 2, on: engineB)
            let (batch, result) = try await fleet.flatctlJSON(
                SubmissionResponse.self, ["submit", image, "--selector", "zone=b,fleet=\(fleet.id)", "--wait"])
            #expect(result.status == 0, "\(result)")
            #expect(batch.jobs.map(\.agentName) == [fleet.agentNames["b"]!])
            #expect(batch.jobs.first?.state == .succeeded)
            #expect(try await TestImages.layerCount(flat(image), on: engineB) == 1)
            #expect(try await TestImages.layerCount(flat(image), on: engineA) == nil, "host a was not targeted")

            let none = try await fleet.flatctl(["submit", image, "--selector", "zone=nowhere"])
            #expect(none.status == 1, "\(none)")
            #expect(none.stderr.contains("no online agent matches the selector zone=nowhere"), "\(none)")
        }
    }

    @Test("a host without the image reports skipped, and the batch still exits 0; an image on no host exits 1", arguments: TestEngine.all)
    func hostWithoutImageSkips(engine: TestEngine) async throws {
        try await withFleet(on: engine) { fleet, engineA, _ in
            let image = "fleet-test/\(fleet.id)-only-a:1"
            try await TestImages.build(image, megabytes: 2, on: engineA)

            let waited = try await fleet.flatctl(["submit", image, "--all", "--wait"])
            #expect(waited.status == 0, "\(waited)")
            let rowB = waited.stdout.split(separator: "\n").first { $0.hasPrefix(fleet.agentNames["b"]! + " ") }
            #expect(rowB?.contains("skipped") == true, "\(waited)")

            let (jobs, _) = try await fleet.flatctlJSON(JobList.self, ["jobs", "--host", fleet.agentNames["b"]!])
            let skipped = try #require(jobs.jobs.first)
            #expect(skipped.state == .skipped)
            #expect(skipped.skipReason?.contains("was not found") == true, "\(String(describing: skipped.skipReason))")
            let (jobsA, _) = try await fleet.flatctlJSON(JobList.self, ["jobs", "--host", fleet.agentNames["a"]!, "--state", "succeeded"])
            #expect(jobsA.jobs.count == 1)
            // Each reason is printed once: the progress line shows the state alone.
            #expect(waited.stdout.components(separatedBy: "was not found").count == 2, "\(waited)")

            // An image on no host (a mistyped name): nothing was flattened, and that is a failure.
            let mistyped = "fleet-test/\(fleet.id)-nowhere"
            let nowhere = try await fleet.flatctl(["submit", mistyped, "--all", "--wait"])
            #expect(nowhere.status == 1, "\(nowhere)")
            #expect(nowhere.stderr.contains("nothing was flattened: all 2 hosts skipped \(mistyped)"), "\(nowhere)")
            #expect(nowhere.stdout.components(separatedBy: "'\(mistyped):latest' was not found").count == 3, "\(nowhere)")
        }
    }

    @Test("canceling a running job stops the flatten and leaves no new tag or temporary image", arguments: TestEngine.all)
    func cancelRunningJob(engine: TestEngine) async throws {
        try await withFleet(on: engine) { fleet, engineA, _ in
            let image = "fleet-test/\(fleet.id)-cancel:1"
            try await TestImages.build(image, megabytes: 160, on: engineA)

            let (submitted, _) = try await fleet.flatctlJSON(SubmissionResponse.self, ["submit", image, "--host", fleet.agentNames["a"]!])
            let jobID = try #require(submitted.jobs.first?.id)
            _ = try await fleet.waitForJob(jobID, "running with progress") { $0.state == .running && $0.progress != nil }

            let canceled = try await fleet.flatctl(["cancel", String(jobID.uuidString.lowercased().prefix(12))])
            #expect(canceled.status == 0, "\(canceled)")
            #expect(canceled.stdout.contains("cancel requested") || canceled.stdout.contains("canceled"), "\(canceled)")

            let job = try await fleet.waitForJob(jobID, "canceled", timeout: .seconds(60)) { $0.state == .canceled }
            #expect(job.error?.message.contains("canceled by an operator") == true)
            #expect(try await TestImages.layerCount(flat(image), on: engineA) == nil, "no half-made tag")
            #expect(try await temporaryImages(of: jobID, on: engineA).isEmpty)
            #expect(fleet.agent("a").isRunning, "the agent keeps running")
        }
    }

    @Test("an agent killed mid-flatten and restarted finishes the job on its next attempt, nothing half-tagged", arguments: TestEngine.all)
    func agentKilledMidFlatten(engine: TestEngine) async throws {
        try await withFleet(on: engine) { fleet, engineA, _ in
            let image = "fleet-test/\(fleet.id)-kill:1"
            try await TestImages.build(image, megabytes: 160, on: engineA)
            let identityURL = fleet.stateDirectory("a").appendingPathComponent("identity.json")
            let identityBefore = try JSONDecoder.flattenProtocol.decode(IdentityFile.self, from: Data(contentsOf: identityURL))

            let (submitted, _) = try await fleet.flatctlJSON(SubmissionResponse.self, ["submit", image, "--host", fleet.agentNames["a"]!])
            let jobID = try #require(submitted.jobs.first?.id)
            let running = try await fleet.waitForJob(jobID, "running with progress") { $0.state == .running && $0.progress != nil }
            #expect(running.attempt == 1)

            fleet.agent("a").signal(SIGKILL)
            #expect(try await fleet.agent("a").waitForExit(timeout: .seconds(60)) != nil)
            #expect(try await TestImages.layerCount(flat(image), on: engineA) == nil, "killed before tagging: no tag")

            // The restart has no enrollment token: it must use the identity it kept.
            try fleet.startAgent("a")
            let job = try await fleet.waitForJob(jobID, "succeeded", timeout: .seconds(120)) { $0.state == .succeeded }
            #expect(job.attempt == 2, "the first attempt died with the agent; the second finished it")
            #expect(try await TestImages.layerCount(flat(image), on: engineA) == 1)
            #expect(try await temporaryImages(of: jobID, on: engineA).isEmpty)
            let work = fleet.stateDirectory("a").appendingPathComponent("work").path
            #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty, "the killed attempt's spool was removed")

            let identityAfter = try JSONDecoder.flattenProtocol.decode(IdentityFile.self, from: Data(contentsOf: identityURL))
            #expect(identityAfter.agentId == identityBefore.agentId, "a restart keeps the agent's identity")
            let mode = try FileManager.default.attributesOfItem(atPath: identityURL.path)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            let (agents, _) = try await fleet.flatctlJSON(AgentList.self, ["agents"])
            #expect(agents.agents.count == 2, "the restart did not register a new agent")
        }
    }

    // About the coordinator and the agent, not the engine: one pair of engines is enough (the
    // per-engine behaviour of a flatten, a skip, a cancel and a kill is tested on every engine).
    @Test("restarting the coordinator while agents hold jobs loses nothing", arguments: TestEngine.all.prefix(1))
    func coordinatorRestart(engine: TestEngine) async throws {
        try await withFleet(on: engine, leaseSeconds: 15) { fleet, engineA, engineB in
            let image = "fleet-test/\(fleet.id)-restart:1"
            try await TestImages.build(image, megabytes: 100, on: engineA)
            try await TestImages.build(image, megabytes: 100, on: engineB)
            let (submitted, _) = try await fleet.flatctlJSON(SubmissionResponse.self, ["submit", image, "--all"])
            for job in submitted.jobs {
                _ = try await fleet.waitForJob(job.id, "running") { $0.state == .running }
            }
            try await fleet.restartCoordinator(downFor: .seconds(4))

            let waited = try await fleet.flatctl(["batch", submitted.batch.id.uuidString.lowercased(), "--wait"])
            #expect(waited.status == 0, "\(waited)")
            for job in submitted.jobs {
                let finished = try await fleet.job(job.id)
                #expect(finished.state == .succeeded)
                #expect(finished.attempt == 1, "the attempt that ran across the restart was kept, not redone")
            }
            #expect(try await TestImages.layerCount(flat(image), on: engineA) == 1)
            #expect(try await TestImages.layerCount(flat(image), on: engineB) == 1)
            #expect(fleet.agent("a").isRunning && fleet.agent("b").isRunning)
        }
    }

    // About the coordinator and the agent, not the engine: one pair of engines is enough (the
    // per-engine behaviour of a flatten, a skip, a cancel and a kill is tested on every engine).
    @Test("a result finished while the coordinator is down survives an agent restart and is delivered", arguments: TestEngine.all.prefix(1))
    func pendingResultSurvivesAgentRestart(engine: TestEngine) async throws {
        try await withFleet(on: engine, leaseSeconds: 40) { fleet, engineA, _ in
            let image = "fleet-test/\(fleet.id)-pending:1"
            try await TestImages.build(image, megabytes: 40, on: engineA)
            let (submitted, _) = try await fleet.flatctlJSON(SubmissionResponse.self, ["submit", image, "--host", fleet.agentNames["a"]!])
            let jobID = try #require(submitted.jobs.first?.id)
            _ = try await fleet.waitForJob(jobID, "running") { $0.state == .running }
            await fleet.stopCoordinator()

            // The flatten finishes with nobody to tell: the report waits in the state directory.
            let pending = fleet.stateDirectory("a").appendingPathComponent("pending")
            let pendingFile = pending.appendingPathComponent(jobID.uuidString.lowercased() + ".json")
            _ = try await TestEnvironment.eventually("the report stored as pending", timeout: .seconds(90)) { () -> Bool? in
                FileManager.default.fileExists(atPath: pendingFile.path) && fleet.agent("a").stderr.contains("report not delivered") ? true : nil
            }
            #expect(try await TestImages.layerCount(flat(image), on: engineA) == 1)

            // SIGTERM waits for the delivery; a second one stops with the report kept.
            fleet.agent("a").signal(SIGTERM)
            try await Task.sleep(for: .milliseconds(500))
            #expect(fleet.agent("a").isRunning, "the first SIGTERM waits for the undelivered report")
            fleet.agent("a").signal(SIGTERM)
            #expect(try await fleet.agent("a").waitForExit(timeout: .seconds(30)) == 0)
            #expect(FileManager.default.fileExists(atPath: pendingFile.path))

            try await fleet.startCoordinatorAgain()
            try fleet.startAgent("a")
            let job = try await fleet.waitForJob(jobID, "succeeded", timeout: .seconds(60)) { $0.state == .succeeded }
            #expect(job.attempt == 1, "delivered from the state directory, not redone")
            #expect(job.result?.newLayerCount == 1)
            _ = try await TestEnvironment.eventually("the pending report removed", timeout: .seconds(60)) { () -> Bool? in
                FileManager.default.fileExists(atPath: pendingFile.path) ? nil : true
            }
        }
    }

    // About the coordinator and the agent, not the engine: one pair of engines is enough (the
    // per-engine behaviour of a flatten, a skip, a cancel and a kill is tested on every engine).
    @Test("SIGTERM stops claiming, lets the running job finish and exits 0", arguments: TestEngine.all.prefix(1))
    func gracefulShutdown(engine: TestEngine) async throws {
        try await withFleet(on: engine) { fleet, engineA, _ in
            let image = "fleet-test/\(fleet.id)-term:1"
            try await TestImages.build(image, megabytes: 100, on: engineA)
            let (submitted, _) = try await fleet.flatctlJSON(SubmissionResponse.self, ["submit", image, "--host", fleet.agentNames["a"]!])
            let jobID = try #require(submitted.jobs.first?.id)
            _ = try await fleet.waitForJob(jobID, "running") { $0.state == .running }

            fleet.agent("a").signal(SIGTERM)
            #expect(try await fleet.agent("a").waitForExit(timeout: .seconds(120)) == 0)
            let job = try await fleet.job(jobID)
            #expect(job.state == .succeeded, "the running job finished and was reported before the exit")

            // Stopped claiming: a job submitted now stays queued.
            let (later, _) = try await fleet.flatctlJSON(SubmissionResponse.self, ["submit", image, "--host", fleet.agentNames["a"]!, "--tag", "fleet-test/\(fleet.id)-term:later"])
            try await Task.sleep(for: .seconds(1))
            #expect(try await fleet.job(later.jobs[0].id).state == .queued)

            // Started again with the enrollment token, it re-registers under its own token:
            // same ID, new labels, and it takes the queued job.
            let (before, _) = try await fleet.flatctlJSON(AgentList.self, ["agents"])
            try fleet.startAgent("a", enroll: true, extraArguments: ["--label", "restarted=yes"])
            let done = try await fleet.waitForJob(later.jobs[0].id, "succeeded after the restart") { $0.state == .succeeded }
            #expect(done.attempt == 1)
            let (after, _) = try await fleet.flatctlJSON(AgentList.self, ["agents"])
            let name = fleet.agentNames["a"]!
            #expect(after.agents.count == 2)
            #expect(after.agents.first { $0.name == name }?.id == before.agents.first { $0.name == name }?.id)
            #expect(after.agents.first { $0.name == name }?.labels["restarted"] == "yes")
        }
    }

    // Engine-independent: one pair of engines is enough.
    @Test("flatctl errors are one line with the documented exit codes", arguments: TestEngine.all.prefix(1))
    func flatctlErrors(engine: TestEngine) async throws {
        try await withFleet(on: engine) { fleet, _, _ in
            let unknown = try await fleet.flatctl(["job", UUID().uuidString])
            #expect(unknown.status == 1, "\(unknown)")
            #expect(unknown.stderr.hasPrefix("flatctl: error: no job"), "\(unknown)")
            #expect(unknown.stderr.split(separator: "\n").count == 1, "\(unknown)")

            let usage = try await fleet.flatctl(["submit", "app:1"])
            #expect(usage.status == 2, "\(usage)")
            #expect(usage.stderr.contains("choose exactly one target"), "\(usage)")

            let unreachable = try await runFlatctl(["jobs", "--coordinator", "http://127.0.0.1:9", "--token", "x"], fleet: fleet)
            #expect(unreachable.status == 2, "\(unreachable)")
            #expect(unreachable.stderr.contains("cannot reach the coordinator at http://127.0.0.1:9"), "\(unreachable)")

            let badToken = try await runFlatctl(["jobs", "--coordinator", fleet.coordinatorURL, "--token", "wrong"], fleet: fleet)
            #expect(badToken.status == 2, "\(badToken)")
            #expect(badToken.stderr.contains("rejected the token (401)"), "\(badToken)")
        }
    }

    /// flatctl with explicit flags and no environment.
    func runFlatctl(_ arguments: [String], fleet: Fleet) async throws -> CommandResult {
        let process = try ChildProcess("flatctl", arguments, logDirectory: fleet.directory, label: "flatctl-\(TestEnvironment.uniqueSuffix())")
        guard let status = try await process.waitForExit(timeout: .seconds(60)) else {
            process.signal(SIGKILL)
            throw FleetTestError("flatctl did not finish")
        }
        return CommandResult(status: status, stdout: process.stdout, stderr: process.stderr)
    }
}

/// The part of the agent's `identity.json` the tests read.
struct IdentityFile: Decodable {
    let agentId: UUID
    let name: String
}
