import DockerEngine
import FlattenProtocol
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Fault drills against real processes: agents, coordinators, PostgreSQL and engines killed or
/// stopped at the worst moments, and a coordinator flooded with long polls and half-sent
/// requests. Every drill asserts the same invariants: no job lost, none run twice to
/// completion (counted in the job's events), nothing of a dead attempt left on the engine,
/// and every answer of the coordinator a 2xx/4xx with a JSON body (no 5xx answered, by its
/// log and metrics).
///
/// The drills do not run on the whole matrix, to keep CI short: the faults are in our
/// processes, and the matrix's engine differences are covered by ``FleetTests`` (kill
/// mid-flatten, coordinator restart, pending results on every engine). Drills that stop an
/// engine or compare its whole image list use a private one (``PrivateEngine``, in a run
/// folder of its own: stopping it disturbs no other suite), on `docker20` and
/// `docker28-containerd` (``privateEngines``); the others use `docker20` of the shared matrix.
///
/// Serialized: each drill runs several processes and times leases on a two-core machine.
@Suite("Drills", .serialized)
struct DrillTests {
    /// The engines the private-engine drills run on (see the suite's note): Docker's own
    /// image store and the containerd store, whose flattens hand the new image over differently.
    static let privateEngines = ["docker20", "docker28-containerd"]

    /// The shared engine of the drills that need no private one.
    static var matrixEngine: TestEngine {
        TestEngine.all.first { $0.name == "docker20" } ?? TestEngine.all[0]
    }

    /// A client of a shared matrix engine without waiting for a turn (``EngineGate``): the
    /// drills run one at a time, so they add at most one scenario to the engine, while a turn
    /// comes only after the whole matrix's queue (the database drill waited 7 minutes for one
    /// at the start of a full run, and took 6 seconds once it had it).
    static func withMatrixClient<Result: Sendable>(
        _ engine: TestEngine = matrixEngine, _ body: (DockerClient) async throws -> Result
    ) async throws -> Result {
        try await DockerClient.withClient(to: try engine.host(), body)
    }

    /// The phases a kill lands in, with the submission's options that go through them. Not
    /// `inspecting`, `tagging` and `exporting` (a few milliseconds each: reads, a tag, the
    /// export container's creation; a kill "in" them lands in the next phase, and `importing`
    /// covers the export container left behind) nor `pushing` (the drill's engine pushes nowhere).
    static let killPhases: [(FlattenPhase, [String])] = [
        (.saving, []), (.merging, []), (.loading, []), (.verifying, ["--verify"]),
        (.importing, ["--strategy", "export"]),
    ]

    /// The lease of the agent-kill drill: short, so that the requeue follows the kill soon.
    static let leaseSeconds = 5.0

    // MARK: Invariants

    /// The job ended exactly once, as `state`, and was claimed `attempts` times.
    static func expectEndedOnce(_ job: UUID, as state: JobState, fleet: Fleet, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let events = try await fleet.events(of: job)
        let completions = events.filter(\.isTerminal)
        #expect(completions.map(\.kind) == [state.rawValue], "job \(job.uuidString.lowercased()) events: \(events)", sourceLocation: sourceLocation)
        let current = try await fleet.job(job)
        #expect(current.state == state, "job \(job.uuidString.lowercased()) is \(current.state); events: \(events)", sourceLocation: sourceLocation)
        // A failure because the engine vanished gives its attempt back: its `requeued` event
        // carries the attempt number after the refund, below the claim's.
        var lastClaim = 0
        var refunds = 0
        for event in events {
            if event.kind == "claimed" { lastClaim = event.attempt }
            if event.kind == "requeued" && event.attempt < lastClaim { refunds += 1 }
        }
        #expect(events.filter { $0.kind == "claimed" }.count == current.attempt + refunds,
                "one claim per attempt, besides attempts given back: \(events)", sourceLocation: sourceLocation)
    }

    /// Nothing of the job's attempts is left on the engine or in the agent's work directory.
    static func expectNothingLeft(of job: UUID, on engine: DockerClient, fleet: Fleet, agent key: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let left = try await EngineLeftovers.of(job, on: engine)
        #expect(left.isEmpty, "left on the engine by job \(job.uuidString.lowercased()): \(left)", sourceLocation: sourceLocation)
        // Only the job's own folder: the agent may be working on the next job already.
        let work = fleet.stateDirectory(key).appendingPathComponent("work").path
        let spool = ((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? []).filter { $0.contains(EngineLeftovers.flattenID(of: job)) }
        #expect(spool.isEmpty, "left in the agent's work directory: \(spool)", sourceLocation: sourceLocation)
    }

    /// No coordinator answered a 5xx (each one is logged as `request failed`).
    static func expectNoServerErrors(_ fleet: Fleet, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(fleet.serverErrorsLogged.isEmpty, "5xx answers: \(fleet.serverErrorsLogged)", sourceLocation: sourceLocation)
    }

    /// The images on a private engine now are those it had before plus the flattened ones:
    /// no carrier, no untagged half-loaded image, and the originals untouched.
    static func expectOnlyFlattenedImagesAdded(before: Set<String>, flattened: Set<String>, on engine: DockerClient, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let after = Set(try await engine.listImages(all: true).map(\.id))
        #expect(before.isSubset(of: after), "images removed: \(before.subtracting(after))", sourceLocation: sourceLocation)
        #expect(after.subtracting(before).subtracting(flattened).isEmpty, "images left: \(after.subtracting(before).subtracting(flattened))", sourceLocation: sourceLocation)
        let containers = try await engine.listContainers(all: true)
        #expect(containers.isEmpty, "containers left: \(containers.map(\.names))", sourceLocation: sourceLocation)
    }

    // MARK: Drills

    @Test("kill -9 of an agent in each flatten phase: the lease expires, the job is requeued, the restarted agent removes the leftovers and finishes it once", arguments: privateEngines)
    func agentKilledInEachPhase(engineName: String) async throws {
        try await withPrivateEngine(engineName) { engine in
            try await DockerClient.withClient(to: DockerHost(parsing: engine.host)) { client in
                let options = FleetOptions(engineHosts: ["a": engine.host], agentKeys: ["a"])
                try await Fleet.withStarted(on: Self.matrixEngine, leaseSeconds: Self.leaseSeconds, options: options) { fleet in
                    let image = "fleet-test/\(fleet.id)-phases:1"
                    try await TestImages.build(image, megabytes: 160, on: client)
                    let before = Set(try await client.listImages(all: true).map(\.id))
                    var flattened: Set<String> = []
                    var requeueTimes: [(String, Double)] = []

                    for (phase, arguments) in Self.killPhases {
                        let tag = "fleet-test/\(fleet.id)-phases:\(phase.rawValue)"
                        let (submitted, _) = try await fleet.flatctlJSON(
                            SubmissionResponse.self, ["submit", image, "--host", fleet.agentNames["a"]!, "--tag", tag] + arguments)
                        let jobID = try #require(submitted.jobs.first?.id)
                        try await fleet.waitForAgentPhase("a", job: jobID, phase)
                        let killedAt = Date()
                        fleet.agent("a").signal(SIGKILL)
                        #expect(try await fleet.agent("a").waitForExit(timeout: .seconds(60)) != nil)
                        // The kill lands in the phase or, when the phase ends between the log
                        // line and the signal, in a later one of the same flatten; never after it.
                        let landed = try #require(fleet.loggedPhases("a", job: jobID).last)
                        #expect(fleet.loggedPhases("a", job: jobID).contains(phase))

                        // Nobody reports for the dead agent: only the lease's expiry gives the job back.
                        let requeued = try await fleet.waitForJob(jobID, "requeued after its lease expired", timeout: .seconds(60)) { $0.state == .queued }
                        #expect(requeued.attempt == 1)
                        #expect(requeued.error?.message.contains("the lease of attempt 1 expired") == true, "\(String(describing: requeued.error))")
                        let events = try await fleet.events(of: jobID)
                        let expiry = try #require(events.first(where: { $0.kind == "lease_expired" }), "\(events)")
                        requeueTimes.append((landed == phase ? phase.rawValue : "\(landed.rawValue) (aimed at \(phase.rawValue))", expiry.at.timeIntervalSince(killedAt)))

                        // Restarted, the agent takes the job again, removes what the killed
                        // attempt left (its spool, containers, carrier images) and finishes it.
                        try fleet.startAgent("a")
                        let job = try await fleet.waitForJob(jobID, "ended after the restart", timeout: .seconds(240)) { $0.state.isTerminal }
                        #expect(job.attempt == 2, "the killed attempt and the one that finished")
                        try await Self.expectEndedOnce(jobID, as: .succeeded, fleet: fleet)
                        try await Self.expectNothingLeft(of: jobID, on: client, fleet: fleet, agent: "a")
                        #expect(try await TestImages.layerCount(tag, on: client) == 1)
                        if let id = job.result?.newImageId { flattened.insert(id) }
                    }
                    try await Self.expectOnlyFlattenedImagesAdded(before: before, flattened: flattened, on: client)
                    Self.expectNoServerErrors(fleet)

                    for (phase, seconds) in requeueTimes {
                        print("drill: agent killed (-9) in \(phase): requeued \(String(format: "%.2f", seconds)) s after the kill (lease \(Self.leaseSeconds) s, heartbeat 0.5 s, reaper every 0.5 s)")
                    }
                    let sorted = requeueTimes.map(\.1).sorted()
                    print("drill: kill-to-requeue on \(engineName): min \(String(format: "%.2f", sorted.first ?? 0)) s, median \(String(format: "%.2f", sorted[sorted.count / 2])) s, max \(String(format: "%.2f", sorted.last ?? 0)) s over \(sorted.count) kills")
                }
            }
        }
    }

    @Test("kill -9 of the coordinator while the agent holds a finished result: after the restart it is delivered once")
    func coordinatorKilledWithResultPending() async throws {
        try await Self.withMatrixClient { client in
            // A lease longer than the outage: the attempt that finished is the one that counts.
            try await Fleet.withStarted(on: Self.matrixEngine, leaseSeconds: 40, options: FleetOptions(agentKeys: ["a"])) { fleet in
                let image = "fleet-test/\(fleet.id)-pending:1"
                try await TestImages.build(image, megabytes: 40, on: client)
                let (submitted, _) = try await fleet.flatctlJSON(SubmissionResponse.self, ["submit", image, "--host", fleet.agentNames["a"]!])
                let jobID = try #require(submitted.jobs.first?.id)
                _ = try await fleet.waitForJob(jobID, "running") { $0.state == .running }
                try await fleet.killCoordinator()

                // The flatten finishes with nobody to tell: the result waits in the state directory.
                let pendingFile = fleet.stateDirectory("a").appendingPathComponent("pending/\(jobID.uuidString.lowercased()).json")
                _ = try await TestEnvironment.eventually("the result stored as pending", timeout: .seconds(120)) { () -> Bool? in
                    FileManager.default.fileExists(atPath: pendingFile.path) && fleet.agent("a").stderr.contains("report not delivered") ? true : nil
                }
                try await fleet.startCoordinatorAgain()

                let job = try await fleet.waitForJob(jobID, "succeeded", timeout: .seconds(60)) { $0.state.isTerminal }
                #expect(job.attempt == 1, "delivered, not redone")
                try await Self.expectEndedOnce(jobID, as: .succeeded, fleet: fleet)
                _ = try await TestEnvironment.eventually("the pending result removed once acknowledged", timeout: .seconds(60)) { () -> Bool? in
                    FileManager.default.fileExists(atPath: pendingFile.path) ? nil : true
                }
                try await Self.expectNothingLeft(of: jobID, on: client, fleet: fleet, agent: "a")
                #expect(fleet.agent("a").isRunning)
                Self.expectNoServerErrors(fleet)
            }
        }
    }
}
