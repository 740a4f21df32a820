import FlattenProtocol
import Foundation
import Testing
import TestSupport

/// Tests that run the built `flatten-coordinator` executable and talk real HTTP to it.
@Suite("Coordinator processes", .serialized)
struct ProcessTests {
    @Test("two coordinators on one database: an agent waiting on one is woken by a submission to the other")
    func twoCoordinators() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            // Both start (and migrate) at once; the safety re-check is slow, so only NOTIFY can
            // explain a fast wake-up.
            async let first = CoordinatorProcess.start(databaseURL: url, arguments: ["--recheck-interval", "300"])
            async let second = CoordinatorProcess.start(databaseURL: url, arguments: ["--recheck-interval", "300"])
            let (a, b) = try await (first, second)
            do {
                let apiA = LiveAPI(baseURL: a.baseURL)
                let apiB = LiveAPI(baseURL: b.baseURL)
                let agent = try await apiA.register("multi")
                // Let B's listener settle, then park the agent on A.
                let claim = Task { () -> (ClaimResponse?, ContinuousClock.Instant) in
                    let result = try await apiA.claim(agent, wait: 25)
                    return (result, ContinuousClock.now)
                }
                try await Task.sleep(for: .milliseconds(500))
                let submittedAt = ContinuousClock.now
                let submitted = try await apiB.submit(.to(.host("multi")))
                let (claimed, claimedAt) = try await claim.value
                let latency = claimedAt - submittedAt
                #expect(claimed?.job.id == submitted.jobs[0].id)
                // Within the 25 s poll, with the re-check 300 s away: only NOTIFY explains it.
                #expect(latency < .seconds(20), "woken after \(latency); the safety re-check is every 300 s")
                print("cross-coordinator wake-up: \(latency)")
            } catch {
                Issue.record("coordinator A log:\n\(a.log.suffix(2000))\ncoordinator B log:\n\(b.log.suffix(2000))")
                await a.stop(); await b.stop()
                throw error
            }
            await a.stop(); await b.stop()
        }
    }

    @Test("SIGTERM answers held long polls with 204 and exits cleanly")
    func gracefulShutdown() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(databaseURL: url)
            do {
                let api = LiveAPI(baseURL: coordinator.baseURL)
                let agent = try await api.register("shutdown")
                let claim = Task { try await api.claim(agent, wait: 20) }
                try await Task.sleep(for: .milliseconds(500))
                let start = ContinuousClock.now
                coordinator.terminate()
                let result = try await claim.value
                #expect(result == nil)
                #expect(ContinuousClock.now - start < .seconds(15), "the held poll (wait 20 s) was not answered at shutdown")
                let status = try await coordinator.waitForExit(timeout: .seconds(15))
                #expect(status == 0, "exit status \(status.map(String.init) ?? "still running"); log:\n\(coordinator.log.suffix(2000))")
            } catch {
                await coordinator.stop()
                throw error
            }
            await coordinator.stop()
        }
    }

    @Test("the database restarts mid-test and both coordinators recover, wake-ups included")
    func databaseRestart() async throws {
        let services = try TestEnvironment.require("FLATTEN_SERVICES")
        guard let base = Int(try TestEnvironment.require("FLATTEN_TEST_DRILL_PORT_BASE")) else {
            throw TestEnvironment.MissingVariable(name: "FLATTEN_TEST_DRILL_PORT_BASE")
        }
        let drill = PostgresDrill(services: services, name: "coord-drill", port: base + 2)
        try await drill.withStarted { base in
            try await withScratchDatabase(prefix: "coord_test", baseURL: base) { url in
                async let first = CoordinatorProcess.start(databaseURL: url, arguments: ["--recheck-interval", "300"])
                async let second = CoordinatorProcess.start(databaseURL: url, arguments: ["--recheck-interval", "300"])
                let (a, b) = try await (first, second)
                do {
                    let apiA = LiveAPI(baseURL: a.baseURL)
                    let apiB = LiveAPI(baseURL: b.baseURL)
                    let agent = try await apiA.register("drill")

                    try await drill.run("restart")
                    try await apiA.waitUntilReady(timeout: .seconds(30))
                    try await apiB.waitUntilReady(timeout: .seconds(30))
                    // Give the listeners a moment to reconnect (they back off up to 5 s).
                    try await Task.sleep(for: .seconds(6))

                    let claim = Task { () -> (ClaimResponse?, ContinuousClock.Instant) in
                        (try await apiA.claim(agent, wait: 25), ContinuousClock.now)
                    }
                    try await Task.sleep(for: .milliseconds(500))
                    let submittedAt = ContinuousClock.now
                    let submitted = try await apiB.submit(.to(.host("drill")))
                    let (claimed, claimedAt) = try await claim.value
                    #expect(claimed?.job.id == submitted.jobs[0].id)
                    #expect(claimedAt - submittedAt < .seconds(20), "woken after \(claimedAt - submittedAt)")
                    let done = try await apiA.send(
                        .POST, APIPath.jobComplete(submitted.jobs[0].id), token: agent.token,
                        json: JobCompletion(leaseToken: claimed?.leaseToken ?? "", outcome: .skipped(reason: "drill")))
                    #expect(done.status == 200)
                } catch {
                    Issue.record("coordinator A log:\n\(a.log.suffix(2000))\ncoordinator B log:\n\(b.log.suffix(2000))")
                    await a.stop(); await b.stop()
                    throw error
                }
                await a.stop(); await b.stop()
            }
        }
    }
}
