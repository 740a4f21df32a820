@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import Testing
import TestSupport

extension TestAPI {
    func agents() async throws -> [AgentInfo] {
        let response = try await send(.get, APIPath.agents, token: TestTokens.admin)
        try expectStatus(response, .ok)
        return try decode(AgentList.self, from: response).agents
    }

    func agent(_ name: String) async throws -> AgentInfo? {
        try await agents().first { $0.name == name }
    }

    /// `POST` an operator's action (a path from ``APIPath``), expecting `status`.
    @discardableResult
    func control(_ path: String, expect status: HTTPResponse.Status = .ok) async throws -> TestResponse {
        let response = try await send(.post, path, token: TestTokens.admin)
        try expectStatus(response, status)
        return response
    }

    func reportEngine(_ agent: TestAgent, _ report: EngineReport) async throws {
        try expectStatus(try await send(.post, APIPath.agentsEngine, token: agent.token, json: report), .noContent)
    }
}

@Suite("Operators control agents")
struct AgentControlTests {
    @Test("a paused agent gets no job and no fan-out; resumed, it claims what was queued meanwhile")
    func pauseResume() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            let b = try await fleet.api.register("b")
            let paused = try decode(AgentInfo.self, from: try await fleet.api.control(APIPath.agentPause("a")))
            #expect(paused.state == .paused)
            // Pausing again changes nothing and still answers 200.
            try await fleet.api.control(APIPath.agentPause("a"))

            let queued = try await fleet.api.submit(.to(.host("a")))
            #expect(try await fleet.api.claim(a) == nil)
            #expect(try await fleet.api.job(queued.jobs[0].id).state == .queued)

            let fanOut = try await fleet.api.submit(.to(.all))
            #expect(fanOut.jobs.map(\.agentName) == ["b"])
            #expect(try await fleet.api.agent("a")?.state == .paused)

            let resumed = try decode(AgentInfo.self, from: try await fleet.api.control(APIPath.agentResume("a")))
            #expect(resumed.state == .online)
            let claim = try #require(try await fleet.api.claim(a))
            #expect(claim.job.id == queued.jobs[0].id)
            _ = b
        }
    }

    @Test("resuming wakes a paused agent's held long poll")
    func resumeWakesLongPoll() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            try await fleet.api.control(APIPath.agentPause("a"))
            let queued = try await fleet.api.submit(.to(.host("a")))
            async let claim = fleet.api.claim(a, wait: 20)
            // The poll is held (paused: nothing to claim) until the resume wakes it.
            while fleet.coordinator.waiters.waitCount == 0 { try await Task.sleep(for: .milliseconds(20)) }
            let started = ContinuousClock.now
            try await fleet.api.control(APIPath.agentResume("a"))
            let claimed = try #require(try await claim)
            #expect(claimed.job.id == queued.jobs[0].id)
            #expect(ContinuousClock.now - started < .seconds(15))
        }
    }

    @Test("a draining agent finishes its running job, claims nothing more, and reads paused once idle")
    func drain() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            let first = try await fleet.api.submit(.to(.host("a")))
            let claim = try #require(try await fleet.api.claim(a))
            #expect(claim.job.id == first.jobs[0].id)
            let second = try await fleet.api.submit(.to(.host("a")))

            let draining = try decode(AgentInfo.self, from: try await fleet.api.control(APIPath.agentDrain("a")))
            #expect(draining.state == .draining)
            #expect(draining.runningJobs == 1)
            #expect(try await fleet.api.claim(a) == nil)
            // The running job still heartbeats and completes.
            try expectStatus(try await fleet.api.heartbeat(a, claim), .ok)
            try expectStatus(try await fleet.api.complete(a, claim), .ok)
            #expect(try await fleet.api.agent("a")?.state == .paused)
            #expect(try await fleet.api.job(second.jobs[0].id).state == .queued)

            try await fleet.api.control(APIPath.agentResume("a"))
            #expect(try await fleet.api.claim(a)?.job.id == second.jobs[0].id)
        }
    }

    @Test("with --enroll-approval a new agent is pending and gets nothing until approved")
    func approval() async throws {
        try await TestFleet.run(configure: { $0.enrollApproval = true }) { fleet in
            let a = try await fleet.api.register("a")
            #expect(try await fleet.api.agent("a")?.state == .pending)
            let queued = try await fleet.api.submit(.to(.host("a")))
            #expect(try await fleet.api.claim(a) == nil)
            // A fleet submission skips it: no agent is online.
            let refused = try await fleet.api.send(.post, APIPath.jobs, token: TestTokens.admin, json: JobSubmission.to(.all))
            #expect(try errorBody(refused, status: .unprocessableContent).error.code == .noMatchingAgents)
            // Pausing or resuming a pending agent would hide that nobody approved it.
            let pause = try errorBody(try await fleet.api.control(APIPath.agentPause("a"), expect: .conflict), status: .conflict)
            #expect(pause.error.code == .invalidState)
            #expect(pause.error.message.contains("approve"))

            let approved = try decode(AgentInfo.self, from: try await fleet.api.control(APIPath.agentApprove("a")))
            #expect(approved.state == .online)
            #expect(try await fleet.api.claim(a)?.job.id == queued.jobs[0].id)
            let again = try errorBody(try await fleet.api.control(APIPath.agentApprove("a"), expect: .conflict), status: .conflict)
            #expect(again.error.message.contains("not pending"))

            // Re-registering an approved agent keeps it approved.
            let headers: HTTPFields = [Authenticator.enrollmentTokenHeader: TestTokens.enrollment]
            let reRegistered = try await fleet.api.send(
                .post, APIPath.agentsRegister, token: a.token,
                json: AgentRegistration(name: "a", engineVersion: "28.5.2", engineAPIVersion: "1.51"), headers: headers)
            try expectStatus(reRegistered, .ok)
            #expect(try await fleet.api.agent("a")?.state != .pending)
        }
    }

    @Test("removing an agent revokes its token and cancels its queued jobs with the reason")
    func remove() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            let running = try await fleet.api.submit(.to(.host("a")))
            let claim = try #require(try await fleet.api.claim(a))
            let queued = try await fleet.api.submit(.to(.host("a")))

            let response = try await fleet.api.send(
                .delete, APIPath.agent("a") + "?reason=host%20decommissioned", token: TestTokens.admin)
            try expectStatus(response, .ok)
            let removal = try decode(AgentRemoval.self, from: response)
            #expect(removal.agent.state == .removed)
            #expect(removal.canceledJobs == 1)
            #expect(removal.cancelRequestedJobs == 1)

            let canceled = try await fleet.api.job(queued.jobs[0].id)
            #expect(canceled.state == .canceled)
            #expect(canceled.error?.message == "the agent a was removed by an operator: host decommissioned")
            let stillRunning = try await fleet.api.job(running.jobs[0].id)
            #expect(stillRunning.state == .running)
            #expect(stillRunning.cancelRequested)
            #expect(claim.job.id == running.jobs[0].id)

            // The token is refused at once (this coordinator had it cached from the claim).
            let refused = try await fleet.api.send(.post, APIPath.agentsClaim, token: a.token)
            #expect(refused.status == .unauthorized)
            #expect(try await fleet.api.agents().isEmpty)
            let hostJob = try await fleet.api.send(.post, APIPath.jobs, token: TestTokens.admin, json: JobSubmission.to(.host("a")))
            #expect(try errorBody(hostJob, status: .unprocessableContent).error.code == .noMatchingAgents)
            let again = try await fleet.api.send(.delete, APIPath.agent("a"), token: TestTokens.admin)
            #expect(try errorBody(again, status: .notFound).error.message.contains("\"a\""))

            // The name is free again: enrolling it registers the host afresh, with its history.
            let back = try await fleet.api.register("a")
            #expect(back.id == a.id)
            #expect(back.token != a.token)
            #expect(try await fleet.api.agent("a")?.state == .online)
            #expect(try await fleet.api.claim(back) == nil)
        }
    }

    @Test("rotating a token answers a new one once; the old one is refused at once")
    func rotateToken() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            #expect(try await fleet.api.claim(a) == nil)  // the token is now cached

            // By ID this time: names and IDs both work.
            let response = try await fleet.api.control(APIPath.agentRotateToken(a.id.uuidString.lowercased()))
            let rotated = try decode(AgentRegistrationResponse.self, from: response)
            #expect(rotated.agentId == a.id)
            #expect(rotated.agentToken != a.token)
            #expect(rotated.agentToken.count == 43)

            let old = try await fleet.api.send(.post, APIPath.agentsClaim, token: a.token)
            #expect(old.status == .unauthorized)
            let renewed = TestAgent(id: a.id, name: "a", token: rotated.agentToken)
            #expect(try await fleet.api.claim(renewed) == nil)
            #expect(try await fleet.api.agent("a")?.state == .online)
        }
    }

    @Test("a token revoked through another coordinator is refused within the cache's lifetime")
    func cacheExpiry() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            #expect(try await fleet.api.claim(a) == nil)  // cached here
            // Another coordinator of the database rotates it: this one never hears of it.
            let other = try #require(try await fleet.coordinator.agents.rotateToken(of: "a", newTokenHash: SecretToken.hash(of: "elsewhere")))
            #expect(other.id == a.id)
            let deadline = ContinuousClock.now + AgentTokenCache.lifetime + .seconds(10)
            var status = HTTPResponse.Status.noContent
            while status != .unauthorized, ContinuousClock.now < deadline {
                status = try await fleet.api.send(.post, APIPath.agentsClaim, token: a.token).status
                if status != .unauthorized { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(status == .unauthorized)
            #expect(AgentTokenCache.lifetime <= .seconds(5))
        }
    }

    @Test("fan-out skips paused, draining, pending and engine-unavailable agents; a host target still reaches them")
    func fanOutSkips() async throws {
        try await TestFleet.run(configure: { $0.enrollApproval = true }) { fleet in
            var agents: [String: TestAgent] = [:]
            for name in ["online", "paused", "draining", "pending", "engine"] {
                agents[name] = try await fleet.api.register(name, labels: ["zone": "1"])
                if name != "pending" { try await fleet.api.control(APIPath.agentApprove(name)) }
            }
            try await fleet.api.control(APIPath.agentPause("paused"))
            try await fleet.api.control(APIPath.agentDrain("draining"))
            try await fleet.api.reportEngine(try #require(agents["engine"]), EngineReport(available: false, message: "socket gone"))

            let states = Dictionary(uniqueKeysWithValues: try await fleet.api.agents().map { ($0.name, $0.state) })
            #expect(states == ["online": .online, "paused": .paused, "draining": .paused, "pending": .pending, "engine": .engineUnavailable])

            #expect(try await fleet.api.submit(.to(.all)).jobs.map(\.agentName) == ["online"])
            #expect(try await fleet.api.submit(.to(.selector(["zone": "1"]))).jobs.map(\.agentName) == ["online"])
            for name in ["paused", "pending", "engine"] {
                #expect(try await fleet.api.submit(.to(.host(name))).jobs.map(\.agentName) == [name])
            }
        }
    }

    @Test("an engine report shows engine-unavailable with the error; the next claim shows it online again")
    func engineReport() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            try await fleet.api.reportEngine(a, EngineReport(available: false, message: "cannot reach the Docker engine at unix:///gone.sock"))
            var agent = try #require(try await fleet.api.agent("a"))
            #expect(agent.state == .engineUnavailable)
            #expect(agent.engineError == "cannot reach the Docker engine at unix:///gone.sock")

            #expect(try await fleet.api.claim(a) == nil)
            agent = try #require(try await fleet.api.agent("a"))
            #expect(agent.state == .online)
            #expect(agent.engineError == nil)

            // And an explicit report of the engine back does the same.
            try await fleet.api.reportEngine(a, EngineReport(available: false, message: "down"))
            #expect(try await fleet.api.agent("a")?.state == .engineUnavailable)
            try await fleet.api.reportEngine(a, EngineReport(available: true))
            #expect(try await fleet.api.agent("a")?.state == .online)

            // Operators cannot report for an agent.
            let refused = try await fleet.api.send(.post, APIPath.agentsEngine, token: TestTokens.admin, json: EngineReport(available: true))
            #expect(refused.status == .forbidden)
        }
    }

    @Test("a failure because the engine vanished is requeued without using an attempt, even the last one")
    func engineUnavailableFailure() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            let submitted = try await fleet.api.submit(.to(.host("a"), maxAttempts: 1))
            let first = try #require(try await fleet.api.claim(a))
            #expect(first.job.attempt == 1)
            let response = try await fleet.api.send(
                .post, APIPath.jobFail(first.job.id), token: a.token,
                json: JobFailure(leaseToken: first.leaseToken, message: "the engine stopped answering", retryable: false, engineUnavailable: true))
            let requeued = try decode(Job.self, from: response)
            #expect(requeued.state == .queued)
            #expect(requeued.attempt == 0)
            #expect(requeued.error?.message == "the engine stopped answering")

            // Claimable again after the backoff, as attempt 1 of 1 once more.
            var second: ClaimResponse?
            let deadline = ContinuousClock.now + .seconds(20)
            while second == nil, ContinuousClock.now < deadline {
                second = try await fleet.api.claim(a, wait: 1)
            }
            let again = try #require(second)
            #expect(again.job.id == submitted.jobs[0].id)
            #expect(again.job.attempt == 1)
            // An ordinary failure now uses the only attempt.
            let failed = try decode(Job.self, from: try await fleet.api.fail(a, again, retryable: true))
            #expect(failed.state == .failed)
            #expect(failed.attempt == 1)
        }
    }

    @Test("control routes need an admin token, and name an unknown agent")
    func access() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            #expect(try await fleet.api.send(.post, APIPath.agentPause("a"), token: nil).status == .unauthorized)
            #expect(try await fleet.api.send(.post, APIPath.agentPause("a"), token: a.token).status == .forbidden)
            #expect(try await fleet.api.send(.delete, APIPath.agent("a"), token: a.token).status == .forbidden)
            let unknown = try await fleet.api.send(.post, APIPath.agentDrain("no such/host"), token: TestTokens.admin)
            #expect(try errorBody(unknown, status: .notFound).error.message.contains("\"no such/host\""))
        }
    }

    @Test("agents named like the agents' own routes are controlled by name")
    func routeLikeNames() async throws {
        try await TestFleet.run { fleet in
            for name in ["engine", "claim", "register"] {
                _ = try await fleet.api.register(name)
                let paused = try decode(AgentInfo.self, from: try await fleet.api.control(APIPath.agentPause(name)))
                #expect(paused.name == name)
                #expect(paused.state == .paused)
                let removed = try await fleet.api.send(.delete, APIPath.agent(name), token: TestTokens.admin)
                try expectStatus(removed, .ok)
                #expect(try decode(AgentRemoval.self, from: removed).agent.name == name)
            }
        }
    }

    @Test("migration 4 adds agent control to a schema-3 database, keeping its agents")
    func migrationOnExistingSchema() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let client = try PostgresClient(configuration: .init(connectionString: url, maxConnections: 2))
            do {
                let before = Migrations.all.filter { $0.version <= 3 }
                #expect(try await Migrator(client: client, migrations: before).migrate() == [1, 2, 3])
                let id = UUID()
                // A row as a schema-3 coordinator writes it.
                try await client.execute("""
                    INSERT INTO agents (id, name, labels, engine_version, engine_api_version, protocol_version, capacity, token_hash,
                                        engine_product, image_store, platform)
                    VALUES (\(id), 'old', '{"zone": "1"}'::jsonb, '28.5.2', '1.51', 1, 2, 'hash-of-old',
                            'Docker', 'containerd (overlayfs)', 'linux/amd64')
                    """)

                #expect(try await Migrator(client: client).migrate() == Array(4...Migrations.latestVersion))
                #expect(try await Migrator(client: client).currentVersion() == Migrations.latestVersion)

                let store = AgentStore(client: client)
                let listed = try #require(try await store.agents(onlineWithin: .seconds(30)).first)
                #expect(listed.id == id)
                #expect(listed.labels == ["zone": "1"])
                #expect(listed.imageStore == "containerd (overlayfs)")
                #expect(listed.state == .online)
                #expect(try await store.agent(tokenHash: "hash-of-old")?.id == id)

                let paused = try await store.apply(.pause, to: "old", onlineWithin: .seconds(30), instance: UUID())
                guard case .applied(let agent, _) = paused else {
                    Issue.record("pausing the migrated agent: \(paused)")
                    return
                }
                #expect(agent.state == .paused)
            } catch {
                await client.close()
                throw error
            }
            await client.close()
        }
    }
}
