import AgentCore
import FlattenProtocol
import Foundation
import Testing
import TestSupport

/// The agent's loop itself: a real ``Agent`` in this process, a real coordinator on a scratch
/// database, a real engine, and forwarders between them that the test holds or closes
/// (``AgentHarness``). Holding the engine's bytes the moment the agent logs a phase stops a
/// flatten exactly there, so every step below waits on a log line or on what the API shows,
/// never on time.
@Suite("The agent's loop, against a real coordinator and engine", .serialized)
struct AgentLoopTests {
    /// The engine the loop runs on: the first of the matrix. What is tested is the agent's own
    /// loop, which is the same on every engine; the flattens on each engine are tested by
    /// FlatteningTests and FleetTests.
    static let engines = Array(TestEngine.all.prefix(1))

    @Test("a claimed job heartbeats its phase and renews its lease; its result is delivered once", arguments: AgentLoopTests.engines)
    func claimHeartbeatAndDeliver(engine: TestEngine) async throws {
        try await AgentHarness.run(on: engine, label: "claim") { harness in
            let image = try await harness.buildImage()
            try await harness.startAgent()
            harness.holdEngine(atNext: .saving)
            let job = try await harness.submit(image)
            try await harness.waitForPhase(.saving, of: job.id)

            // The flatten stands still in its save: its heartbeats carry the phase and renew the lease.
            let running = try await harness.waitForJob(job.id, "shows the saving phase") {
                $0.state == .running && $0.progress?.phase == .saving
            }
            #expect(running.attempt == 1)
            let claimed = try #require(try await harness.leaseExpiry(of: job.id))
            let renewed = try await eventually("the lease is renewed") {
                try await harness.leaseExpiry(of: job.id).flatMap { $0 > claimed ? $0 : nil }
            }
            try await waitUntil("the lease is renewed again") {
                try await harness.leaseExpiry(of: job.id).map { $0 > renewed } ?? false
            }

            harness.engineLink.pass()
            let done = try await harness.waitForJob(job.id, "ends") { $0.state.isTerminal }
            try await harness.log.wait(for: "reported", of: job.id)
            #expect(done.state == .succeeded, "\(done.error?.message ?? "")")
            #expect(done.attempt == 1)
            #expect(done.result?.originalLayerCount == 3)
            #expect(done.result?.newLayerCount == 1)
            #expect(done.result?.tags == [image.defaultFlattenedReference.description])
            #expect(try await harness.exists("\(harness.repository):app-flat"))

            #expect(try await harness.events(of: job.id).map(\.step) == ["queued#0", "claimed#1", "succeeded#1"])
            #expect(harness.log.entries(about: job.id).filter { $0.message == "reported" }.count == 1)
            #expect(harness.pendingReports.isEmpty)
            #expect(harness.workDirectoryLeftovers.isEmpty)
        }
    }

    @Test("an operator's cancel reaches the flatten on a heartbeat; it stops and leaves nothing on the engine", arguments: AgentLoopTests.engines)
    func operatorCancel(engine: TestEngine) async throws {
        try await AgentHarness.run(on: engine, label: "cancel") { harness in
            let image = try await harness.buildImage()
            let before = try await harness.imageIDs(labelled: image)
            try await harness.startAgent()
            // Held as verification starts: the new image is loaded, not yet checked nor tagged.
            harness.holdEngine(atNext: .verifying)
            let job = try await harness.submit(image, options: FlattenOptions(verify: true))
            try await harness.waitForPhase(.verifying, of: job.id)
            #expect(try await harness.imageIDs(labelled: image).count > before.count, "the flattened image is on the engine")

            let flagged = try await harness.api.cancel(job.id)
            #expect(flagged.state == .running)
            #expect(flagged.cancelRequested)
            try await harness.log.wait(for: "an operator canceled the job", of: job.id)
            harness.engineLink.pass()

            let done = try await harness.waitForJob(job.id, "ends") { $0.state.isTerminal }
            try await harness.log.wait(for: "reported", of: job.id)
            #expect(done.state == .canceled, "\(done.error?.message ?? "")")
            #expect(try await harness.events(of: job.id).map(\.step) == ["queued#0", "claimed#1", "cancel_requested#1", "canceled#1"])
            #expect(try await harness.imageIDs(labelled: image) == before)
            #expect(try await harness.exists("\(harness.repository):app-flat") == false)
            #expect(try await harness.engineLeftovers(of: job.id) == [])
            #expect(harness.workDirectoryLeftovers == [])
            #expect(harness.pendingReports == [])
        }
    }

    @Test("a lease taken back while the agent was cut off: its heartbeat gets 409, attempt 1 is abandoned unreported, attempt 2 finishes", arguments: AgentLoopTests.engines)
    func leaseTakenBack(engine: TestEngine) async throws {
        try await AgentHarness.run(on: engine, label: "lease") { harness in
            let image = try await harness.buildImage()
            try await harness.startAgent()
            harness.holdEngine(atNext: .saving)
            let job = try await harness.submit(image)
            try await harness.waitForPhase(.saving, of: job.id)

            // The agent is cut off from the coordinator while its lease runs out and is reaped.
            harness.coordinatorLink.hold()
            try await waitUntil("the reaper takes the lease back") {
                // A heartbeat that got through just before the cut may renew the lease once more.
                try await harness.expireLease(of: job.id) == .queued
            }
            harness.coordinatorLink.pass()
            let lost = try await harness.log.wait(for: "lease lost", of: job.id)
            #expect(lost["reason"]?.contains("409") == true, "\(lost)")
            harness.engineLink.pass()
            try await harness.log.wait(for: "abandoned: the job is no longer this agent's, nothing is reported", of: job.id)

            let done = try await harness.waitForJob(job.id, "ends") { $0.state.isTerminal }
            try await harness.log.wait(for: "reported", of: job.id)
            #expect(done.state == .succeeded, "\(done.error?.message ?? "")")
            #expect(done.attempt == 2)
            #expect(try await harness.events(of: job.id).map(\.step)
                == ["queued#0", "claimed#1", "lease_expired#1", "claimed#2", "succeeded#2"])
            #expect(harness.log.entries(about: job.id).filter { $0.message == "reported" }.count == 1)
            #expect(try await harness.engineLeftovers(of: job.id) == [])
            #expect(harness.pendingReports == [])
        }
    }

    @Test("a result finished while the coordinator refuses connections is kept in the state directory and delivered once it is back", arguments: AgentLoopTests.engines)
    func deliveryAfterOutage(engine: TestEngine) async throws {
        try await AgentHarness.run(on: engine, label: "outage") { harness in
            let image = try await harness.buildImage()
            try await harness.startAgent()
            harness.holdEngine(atNext: .saving)
            let job = try await harness.submit(image)
            try await harness.waitForPhase(.saving, of: job.id)

            // The coordinator goes away, then the flatten finishes.
            harness.coordinatorLink.refuse()
            harness.engineLink.pass()
            try await harness.log.wait(for: "succeeded", of: job.id)
            try await harness.log.wait(for: "report not delivered; retrying", of: job.id)
            #expect(harness.pendingReports == ["\(job.id.uuidString.lowercased()).json"])
            #expect(try await harness.api.job(job.id).state == .running)

            harness.coordinatorLink.pass()
            try await harness.log.wait(for: "reported", of: job.id)
            let done = try await harness.api.job(job.id)
            #expect(done.state == .succeeded, "\(done.error?.message ?? "")")
            #expect(try await harness.events(of: job.id).map(\.step) == ["queued#0", "claimed#1", "succeeded#1"])
            #expect(harness.log.entries(about: job.id).filter { $0.message == "reported" }.count == 1)
            #expect(harness.pendingReports == [])
        }
    }

    @Test("a report left undelivered by a stopped agent is delivered by its next run, once", arguments: AgentLoopTests.engines)
    func deliveryByTheNextRun(engine: TestEngine) async throws {
        try await AgentHarness.run(on: engine, label: "restart") { harness in
            let image = try await harness.buildImage()
            let first = try await harness.startAgent()
            harness.holdEngine(atNext: .saving)
            let job = try await harness.submit(image)
            try await harness.waitForPhase(.saving, of: job.id)
            harness.coordinatorLink.refuse()
            harness.engineLink.pass()
            try await harness.log.wait(for: "report not delivered; retrying", of: job.id)

            // Stopped hard with the coordinator still away: the report stays on disk.
            first.stopHard()
            try await first.ended()
            try await harness.log.wait(for: "stopping with the report undelivered; it is delivered at the next start", of: job.id)
            #expect(harness.pendingReports == ["\(job.id.uuidString.lowercased()).json"])
            #expect(try await harness.api.job(job.id).state == .running)

            harness.coordinatorLink.pass()
            let mark = harness.log.count
            try await harness.startAgent()
            try await harness.log.wait(for: "the next run delivers the report", after: mark) {
                $0.message == "reported" && $0.isAbout(job.id)
            }
            #expect(harness.log.entries(about: job.id).contains { $0.message == "delivering a report left by an earlier run" })
            #expect(try await harness.api.job(job.id).state == .succeeded)
            #expect(try await harness.events(of: job.id).map(\.step) == ["queued#0", "claimed#1", "succeeded#1"])
            #expect(harness.log.entries(about: job.id).filter { $0.message == "reported" }.count == 1)
            #expect(harness.pendingReports == [])
        }
    }

    @Test("winding down with a job running: the job finishes and is reported, nothing more is claimed, the run ends", arguments: AgentLoopTests.engines)
    func windDownWhileRunning(engine: TestEngine) async throws {
        try await AgentHarness.run(on: engine, label: "drain") { harness in
            let image = try await harness.buildImage()
            let run = try await harness.startAgent()
            harness.holdEngine(atNext: .saving)
            let running = try await harness.submit(image)
            try await harness.waitForPhase(.saving, of: running.id)
            let waiting = try await harness.submit(image)

            await run.stopGracefully()
            try await harness.log.wait(for: "the agent stops claiming") { $0.message.hasPrefix("no longer claiming jobs") }
            harness.engineLink.pass()
            let outcome = try await run.ended()
            #expect(throws: Never.self) { try outcome.get() }

            #expect(harness.log.entries(about: running.id).filter { $0.message == "reported" }.count == 1)
            #expect(try await harness.api.job(running.id).state == .succeeded)
            let left = try await harness.api.job(waiting.id)
            #expect(left.state == .queued)
            #expect(left.attempt == 0)
            #expect(harness.log.entries.last?.message == "stopped")
            #expect(harness.pendingReports == [])
        }
    }

    @Test("winding down while idle: the long poll is given up and the run ends quietly", arguments: AgentLoopTests.engines)
    func windDownWhileIdle(engine: TestEngine) async throws {
        try await AgentHarness.run(on: engine, label: "idle") { harness in
            let run = try await harness.startAgent()
            await run.stopGracefully()
            let outcome = try await run.ended()
            #expect(throws: Never.self) { try outcome.get() }
            #expect(harness.log.entries.last?.message == "stopped")
            #expect(harness.log.entries.filter { $0.level >= .warning }.map(\.description) == [])
        }
    }

    @Test("stopped hard with a job running: the flatten is cancelled, removes what it made, and is given back for another attempt", arguments: AgentLoopTests.engines)
    func hardStopWhileRunning(engine: TestEngine) async throws {
        try await AgentHarness.run(on: engine, label: "hardstop") { harness in
            let image = try await harness.buildImage()
            let before = try await harness.imageIDs(labelled: image)
            let run = try await harness.startAgent()
            harness.holdEngine(atNext: .verifying)
            let job = try await harness.submit(image, options: FlattenOptions(verify: true))
            try await harness.waitForPhase(.verifying, of: job.id)
            #expect(try await harness.imageIDs(labelled: image).count > before.count, "the flattened image is on the engine")

            run.stopHard()
            harness.engineLink.pass()
            try await run.ended()
            let stopped = try await harness.log.wait(for: "stopped", of: job.id)
            #expect(stopped["reason"] == "the agent is stopping")

            let requeued = try await harness.api.job(job.id)
            #expect(requeued.state == .queued)
            #expect(requeued.attempt == 1)
            #expect(requeued.error?.message.contains("was stopped before the flatten finished") == true, "\(requeued.error?.message ?? "")")
            #expect(try await harness.events(of: job.id).map(\.step) == ["queued#0", "claimed#1", "requeued#1"])
            #expect(try await harness.imageIDs(labelled: image) == before)
            #expect(try await harness.engineLeftovers(of: job.id) == [])
            #expect(harness.workDirectoryLeftovers == [])
            #expect(harness.pendingReports == [])
        }
    }
}
