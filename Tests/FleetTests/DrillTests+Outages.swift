import DockerEngine
import FlattenProtocol
import Foundation
import Testing
import TestSupport

extension DrillTests {
    /// The port offset of the fleet drills' PostgreSQL in `FLATTEN_TEST_DRILL_PORT_BASE`.
    static let postgresPortOffset = 3

    @Test("PostgreSQL restarts while a coordinator and an agent work through jobs: every job ends once")
    func databaseRestartUnderLoad() async throws {
        let postgres = try PostgresDrill.fromEnvironment(name: "fleet-drill", portOffset: Self.postgresPortOffset)
        try await postgres.withStarted { baseURL in
            try await Self.withMatrixClient { client in
                // A lease longer than the restart: the drill is about the database, not leases.
                let options = FleetOptions(databaseBaseURL: baseURL, agentKeys: ["a"])
                try await Fleet.withStarted(on: Self.matrixEngine, leaseSeconds: 15, options: options) { fleet in
                    let image = "fleet-test/\(fleet.id)-pg:1"
                    try await TestImages.build(image, megabytes: 4, on: client)
                    var jobs: [UUID] = []
                    for index in 1...8 {
                        let (submitted, _) = try await fleet.flatctlJSON(
                            SubmissionResponse.self, ["submit", image, "--host", fleet.agentNames["a"]!, "--tag", "fleet-test/\(fleet.id)-pg-flat:\(index)"])
                        jobs.append(try #require(submitted.jobs.first?.id))
                    }
                    _ = try await TestEnvironment.eventually("two jobs done before the restart", timeout: .seconds(120)) { () -> Bool? in
                        var done = 0
                        for job in jobs where (try? await fleet.job(job).state) == .succeeded { done += 1 }
                        return done >= 2 ? true : nil
                    }
                    try await postgres.run("restart")

                    for job in jobs {
                        _ = try await fleet.waitForJob(job, "ended after the restart", timeout: .seconds(240)) { $0.state.isTerminal }
                        try await Self.expectEndedOnce(job, as: .succeeded, fleet: fleet)
                        try await Self.expectNothingLeft(of: job, on: client, fleet: fleet, agent: "a")
                    }
                    // While the database was away the coordinator answered 503 (retry later),
                    // never a 500; the agent and the coordinator carried on.
                    let statuses = try await fleet.answeredStatuses()
                    #expect(statuses.keys.filter { $0 >= 500 && $0 != 503 }.isEmpty, "answers by status: \(statuses)")
                    print("drill: PostgreSQL restart under load: answers by status \(statuses.sorted { $0.key < $1.key })")
                    #expect(fleet.coordinator.isRunning && fleet.agent("a").isRunning)
                }
            }
        }
    }

    /// Whether a job's error says that the engine was unreachable (not an image problem).
    static func namesTheEngine(_ error: JobError?) -> Bool {
        guard let message = error?.message.lowercased() else { return false }
        return ["engine", "docker.sock", "connection refused", "no such file"].contains { message.contains($0) }
    }

    // Asserts what holds with or without the agent's engine-availability check (a ping before
    // each claim; a job failing only because the engine vanished requeued without using an
    // attempt): the job is never lost nor finished twice, it either succeeds once the engine
    // is back or fails with an error naming the engine, and nothing is left behind. With that
    // check merged, tighten: the whole-job outage leaves the job queued (no claim) and it
    // succeeds in attempt 1; the mid-job one succeeds without using up its attempts.
    @Test("the engine stops mid-job and for a whole job: no job lost or run twice, a clear error, nothing left", arguments: privateEngines)
    func engineStopped(engineName: String) async throws {
        try await withPrivateEngine(engineName) { engine in
            let options = FleetOptions(engineHosts: ["a": engine.host], agentKeys: ["a"])
            try await Fleet.withStarted(on: Self.matrixEngine, leaseSeconds: 5, options: options) { fleet in
                let image = "fleet-test/\(fleet.id)-engine:1"
                let before = try await DockerClient.withClient(to: DockerHost(parsing: engine.host)) { client in
                    try await TestImages.build(image, megabytes: 160, on: client)
                    return Set(try await client.listImages(all: true).map(\.id))
                }

                // Mid-job: the engine goes away while the agent streams the image out of it.
                let (midJob, _) = try await fleet.flatctlJSON(
                    SubmissionResponse.self, ["submit", image, "--host", fleet.agentNames["a"]!, "--tag", "fleet-test/\(fleet.id)-engine:mid"])
                let midID = try #require(midJob.jobs.first?.id)
                try await fleet.waitForAgentPhase("a", job: midID, .saving)
                try await engine.stop()
                let interrupted = try await TestEnvironment.eventually("the interrupted attempt reported", timeout: .seconds(90)) { () -> [JobEvent]? in
                    let events = try await fleet.events(of: midID)
                    return events.contains { $0.kind == "requeued" || $0.isTerminal } ? events : nil
                }
                let reported = try await fleet.job(midID)
                #expect(Self.namesTheEngine(reported.error), "a clear engine error: \(String(describing: reported.error)); events \(interrupted)")
                try await engine.startAgain()

                // A whole job: submitted while the engine is down, the engine back only later.
                try await engine.stop()
                let (wholeJob, _) = try await fleet.flatctlJSON(
                    SubmissionResponse.self, ["submit", image, "--host", fleet.agentNames["a"]!, "--tag", "fleet-test/\(fleet.id)-engine:whole"])
                let wholeID = try #require(wholeJob.jobs.first?.id)
                try await Task.sleep(for: .seconds(10))
                let duringOutage = try await fleet.job(wholeID)
                #expect(duringOutage.state != .succeeded, "nothing can succeed without its engine")
                try await engine.startAgain()

                try await DockerClient.withClient(to: DockerHost(parsing: engine.host)) { client in
                    var flattened: Set<String> = []
                    for (id, tag) in [(midID, "mid"), (wholeID, "whole")] {
                        let job = try await fleet.waitForJob(id, "ended", timeout: .seconds(240)) { $0.state.isTerminal }
                        print("drill: engine stopped (\(tag) job): \(job.state) in attempt \(job.attempt) of \(job.maxAttempts)\(job.error.map { ", last error: \($0.message)" } ?? "")")
                        switch job.state {
                        case .succeeded:
                            #expect(try await TestImages.layerCount("fleet-test/\(fleet.id)-engine:\(tag)", on: client) == 1)
                            if let id = job.result?.newImageId { flattened.insert(id) }
                        case .failed:
                            #expect(Self.namesTheEngine(job.error), "failed, but not with a clear engine error: \(String(describing: job.error))")
                        default:
                            Issue.record("job \(tag) ended \(job.state), not succeeded or failed with an engine error")
                        }
                        try await Self.expectEndedOnce(id, as: job.state, fleet: fleet)
                        try await Self.expectNothingLeft(of: id, on: client, fleet: fleet, agent: "a")
                    }
                    try await Self.expectOnlyFlattenedImagesAdded(before: before, flattened: flattened, on: client)
                }
                #expect(fleet.agent("a").isRunning, "the agent outlives its engine's outage")
                Self.expectNoServerErrors(fleet)
            }
        }
    }

    @Test("two coordinators on one database, one killed with -9 while agents long-poll it: the other's agent carries on, the killed one's reconnects, nothing lost or duplicated")
    func twoCoordinatorsOneKilled() async throws {
        try await Self.withMatrixClient { clientA in
            try await Self.withMatrixClient(Self.matrixEngine.next) { clientB in
                // Agent a polls coordinator 1, agent b coordinator 2.
                let options = FleetOptions(twoCoordinators: true, coordinatorOfAgent: ["a": 0, "b": 1])
                try await Fleet.withStarted(on: Self.matrixEngine, options: options) { fleet in
                    let image = "fleet-test/\(fleet.id)-two:1"
                    try await TestImages.build(image, megabytes: 2, on: clientA)
                    try await TestImages.build(image, megabytes: 2, on: clientB)
                    // Both agents are in their long polls (2 s each): kill coordinator 1 under a's.
                    try await Task.sleep(for: .seconds(1))
                    try await fleet.killCoordinator(0)

                    // By host, not --all: a fleet submission skips agents not seen within a
                    // lease, which a's becomes while its coordinator is down.
                    var jobs: [Job] = []
                    for index in 1...3 {
                        for key in ["a", "b"] {
                            let (submitted, _) = try await fleet.flatctlJSON(
                                SubmissionResponse.self, ["submit", image, "--host", fleet.agentNames[key]!, "--tag", "fleet-test/\(fleet.id)-two-flat:\(index)"], coordinator: 1)
                            jobs += submitted.jobs
                        }
                    }
                    let onA = jobs.filter { $0.agentName == fleet.agentNames["a"] }
                    let onB = jobs.filter { $0.agentName == fleet.agentNames["b"] }
                    #expect(onA.count == 3 && onB.count == 3)
                    for job in onB {
                        _ = try await fleet.waitForJob(job.id, "done by b through coordinator 2", timeout: .seconds(120)) { $0.state.isTerminal }
                    }
                    for job in onA {
                        let state = try await fleet.job(job.id).state
                        #expect(state == .queued, "a's coordinator is down: a cannot have claimed it (\(state))")
                    }

                    try await fleet.startCoordinatorAgain(0)
                    for job in onA {
                        _ = try await fleet.waitForJob(job.id, "done by a after its coordinator came back", timeout: .seconds(120)) { $0.state.isTerminal }
                    }
                    for job in jobs {
                        try await Self.expectEndedOnce(job.id, as: .succeeded, fleet: fleet)
                        #expect(try await fleet.job(job.id).attempt == 1)
                    }
                    for job in onA { try await Self.expectNothingLeft(of: job.id, on: clientA, fleet: fleet, agent: "a") }
                    for job in onB { try await Self.expectNothingLeft(of: job.id, on: clientB, fleet: fleet, agent: "b") }
                    #expect(fleet.agent("a").isRunning && fleet.agent("b").isRunning)
                    Self.expectNoServerErrors(fleet)
                }
            }
        }
    }
}
