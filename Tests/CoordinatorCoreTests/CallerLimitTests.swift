import FlattenProtocol
import Foundation
import Testing
import TestSupport

/// Slow, idle, failing and scraping callers against the built `flatten-coordinator` over real
/// sockets: idle timeout, connection cap, long polls per agent, the failed-authentication
/// limiter and the metrics token.
@Suite("Caller limits on a running coordinator", .serialized)
struct CallerLimitTests {
    @Test("idle connections, half-sent heads and stalled bodies are closed after --idle-timeout; a held long poll is not")
    func idleTimeout() async throws {
        // A 3 s idle timeout, not 1 s: on a loaded machine the coordinator has read the held
        // poll's request (which makes the connection busy) only a few seconds after accepting it.
        try await withCoordinator(["--idle-timeout", "3"]) { coordinator in
            let agent = try await LiveAPI(baseURL: coordinator.baseURL).register("idle-agent")
            let idle = try RawConnection(port: coordinator.port)
            let halfHead = try RawConnection(port: coordinator.port)
            try halfHead.send("POST /v1/agents/claim?wait=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bear")
            let stalledBody = try RawConnection(port: coordinator.port)
            try stalledBody.send("POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(TestTokens.admin)\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"targ")
            let held = try RawConnection(port: coordinator.port)
            let start = ContinuousClock.now
            try held.send("POST /v1/agents/claim?wait=10 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(agent.token)\r\nContent-Length: 0\r\n\r\n")

            let idleEnd = try await idle.read(timeout: .seconds(20))
            #expect(idleEnd.closed, "an idle connection was still open 20 s after a 3 s idle timeout")
            #expect(idleEnd.data.isEmpty)
            #expect(try await halfHead.waitForClose(timeout: .seconds(20)), "a half-sent request head was still open after 20 s")
            #expect(try await stalledBody.waitForClose(timeout: .seconds(20)), "a stalled request body was still open after 20 s")

            // The poll waits 10 s, three idle timeouts and more: it is answered, not cut.
            let answer = try await held.readResponse(timeout: .seconds(30))
            #expect(answer?.status == 204)
            #expect(ContinuousClock.now - start >= .seconds(9.5), "the held poll was answered before its 10 s wait")
            // Answered, the connection is idle and is closed in turn.
            #expect(try await held.waitForClose(timeout: .seconds(20)))
        }
    }

    @Test("at --max-connections new connections wait, one warning is logged, and a waiting one is served when a held long poll's client goes")
    func connectionCap() async throws {
        // Polls are held up to 120 s, so within the bounds below only the client's departure
        // can free a place: a slow machine makes this test slower, not wrong.
        try await withCoordinator(["--max-connections", "2", "--max-claim-wait", "120"]) { coordinator in
            // Registered over a connection that closes (an HTTP client's pool would keep one open).
            let registering = try RawConnection(port: coordinator.port)
            let registered = try await registering.request(
                "POST", APIPath.agentsRegister, token: TestTokens.enrollment, headers: ["Connection": "close"],
                body: try registrationJSON("cap-agent"), timeout: .seconds(30))
            #expect(registered.status == 201)
            let agent = try JSONDecoder.flattenProtocol.decode(AgentRegistrationResponse.self, from: registered.body)
            // The coordinator only half-closes after `Connection: close`; the client closes too.
            #expect(try await registering.waitForClose(timeout: .seconds(30)))
            registering.close()

            // Two connections open: a kept-alive one that watches the coordinator, and a held long poll.
            let kept = try RawConnection(port: coordinator.port)
            defer { kept.close() }
            try await waitUntilServed(kept, coordinator: coordinator)
            let held = try RawConnection(port: coordinator.port)
            defer { held.close() }
            try held.send(claimRequest(token: agent.agentToken, wait: 120))
            try await waitForClaimsHeld(1, watching: kept)

            let waiting = try RawConnection(port: coordinator.port)
            defer { waiting.close() }
            try waiting.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
            #expect(try await waiting.readResponse(timeout: .seconds(2)) == nil, "a third connection was served with --max-connections 2")
            #expect(try await eventually(timeout: .seconds(60)) { coordinator.log.contains("connection cap reached") }, "no warning logged at the cap")

            // The agent goes away mid-poll: its connection is closed and its claim ended at once,
            // long before the poll's 120 s, and the waiting connection is served.
            held.close()
            let answer = try await waiting.readResponse(timeout: .seconds(100))
            #expect(answer?.status == 200, "the waiting connection was not served after a held one closed")
            try await waitForClaimsHeld(0, watching: kept)

            let scrape = try await kept.request("GET", APIPath.metrics, timeout: .seconds(30))
            #expect(scrape.text.contains("flatten_http_connection_cap_reached_total "))
            #expect(!scrape.text.contains("flatten_http_connection_cap_reached_total 0\n"))
            #expect(coordinator.log.components(separatedBy: "connection cap reached").count == 2, "the warning is rate-limited to one a minute")
        }
    }

    @Test("a further concurrent long poll by the same agent gets 429 with Retry-After and JSON; other agents are not affected; a departed or answered poll frees its place")
    func pollsPerAgent() async throws {
        try await withCoordinator(["--max-polls-per-agent", "2", "--max-claim-wait", "120"]) { coordinator in
            let api = LiveAPI(baseURL: coordinator.baseURL)
            let agent = try await api.register("poll-agent")
            let other = try await api.register("other-agent")
            let watcher = try RawConnection(port: coordinator.port)
            defer { watcher.close() }
            var held = try (0..<2).map { _ in try RawConnection(port: coordinator.port) }
            defer { for connection in held { connection.close() } }
            for connection in held { try connection.send(claimRequest(token: agent.token, wait: 120)) }
            try await waitForClaimsHeld(2, watching: watcher)

            let response = try await RawConnection(port: coordinator.port)
                .request("POST", APIPath.agentsClaim + "?wait=0", token: agent.token, timeout: .seconds(30))
            #expect(response.status == 429, "a third poll was not refused while two were held with --max-polls-per-agent 2")
            #expect(Int(response.headers["retry-after"] ?? "") ?? 0 >= 1)
            let body = try JSONDecoder.flattenProtocol.decode(ErrorBody.self, from: response.body)
            #expect(body.error.code == .tooManyRequests)
            #expect(body.error.message.contains("poll-agent"))
            #expect(try await api.claim(other, wait: 0) == nil)

            // A poll whose client left frees its place at once (its wait had about 120 s left):
            // a new one is held in its stead, not refused.
            held[0].close()
            try await waitForClaimsHeld(1, watching: watcher)
            let replacement = try RawConnection(port: coordinator.port)
            held[0] = replacement
            try replacement.send(claimRequest(token: agent.token, wait: 120))
            try await waitForClaimsHeld(2, watching: watcher)

            // A poll answered with a job frees its place too.
            _ = try await api.submit(.to(.host("poll-agent")))
            var answered: RawResponse?
            let deadline = ContinuousClock.now + .seconds(60)
            while answered == nil, ContinuousClock.now < deadline {
                for connection in held where answered == nil {
                    answered = try await connection.readResponse(timeout: .milliseconds(200))
                }
            }
            #expect(answered?.status == 200, "no held poll was answered with the submitted job")
            try await waitForClaimsHeld(1, watching: watcher)
            #expect(try await api.claim(agent, wait: 0) == nil, "an answered poll did not free its place")
            let scrape = try await api.send(.GET, APIPath.metrics, token: nil)
            #expect(String(decoding: scrape.body, as: UTF8.self).contains(#"flatten_refusals_total{reason="poll_limit"} "#))
        }
    }

    @Test("wrong tokens get 401 until the address's burst is spent, then 429 with Retry-After and JSON, valid tokens too; valid calls never spend; other addresses are not affected")
    func failedAuthentications() async throws {
        try await withCoordinator(["--auth-limit-burst", "5", "--auth-limit-rate", "0.01"]) { coordinator in
            let caller = try RawConnection(port: coordinator.port)
            for _ in 0..<30 {
                #expect(try await caller.request("GET", APIPath.agents, token: TestTokens.admin).status == 200)
            }
            for _ in 0..<5 {
                #expect(try await caller.request("GET", APIPath.agents, token: "wrong-token").status == 401)
            }
            for token in ["wrong-token", TestTokens.admin, nil] {
                let response = try await caller.request("GET", APIPath.agents, token: token)
                #expect(response.status == 429, "token \(token ?? "none")")
                // One token per 100 s.
                let retryAfter = Int(response.headers["retry-after"] ?? "") ?? 0
                #expect(retryAfter > 1 && retryAfter <= 100, "Retry-After: \(response.headers["retry-after"] ?? "none")")
                let body = try JSONDecoder.flattenProtocol.decode(ErrorBody.self, from: response.body)
                #expect(body.error.code == .tooManyRequests)
                #expect(body.error.message.contains("127.0.0.1"))
            }
            // Health stays open to the refused address.
            #expect(try await caller.request("GET", APIPath.healthz).status == 200)

            // Another client address has its own budget.
            let neighbour = try RawConnection(port: coordinator.port, from: "127.0.0.2")
            #expect(try await neighbour.request("GET", APIPath.agents, token: TestTokens.admin).status == 200)
            #expect(try await neighbour.request("GET", APIPath.agents, token: "wrong-token").status == 401)
            let scrape = try await neighbour.request("GET", APIPath.metrics)
            #expect(scrape.text.contains(#"flatten_refusals_total{reason="auth_limit"} 3"#))
        }
    }

    @Test("behind a --trusted-proxy, callers are counted by the address the proxy put in X-Forwarded-For")
    func trustedProxy() async throws {
        try await withCoordinator(["--auth-limit-burst", "2", "--auth-limit-rate", "0.01", "--trusted-proxy", "127.0.0.1"]) { coordinator in
            let proxy = try RawConnection(port: coordinator.port)
            let guesser = ["X-Forwarded-For": "10.1.1.1, 192.0.2.1"]
            for _ in 0..<2 {
                #expect(try await proxy.request("GET", APIPath.agents, token: "wrong-token", headers: guesser).status == 401)
            }
            let refused = try await proxy.request("GET", APIPath.agents, token: TestTokens.admin, headers: guesser)
            #expect(refused.status == 429)
            #expect(refused.text.contains("192.0.2.1"))
            // Other clients of the same proxy are not refused.
            #expect(try await proxy.request("GET", APIPath.agents, token: TestTokens.admin, headers: ["X-Forwarded-For": "192.0.2.2"]).status == 200)
            #expect(try await proxy.request("GET", APIPath.agents, token: TestTokens.admin).status == 200)
            // A client that is not the proxy cannot pick its address with the header.
            let direct = try RawConnection(port: coordinator.port, from: "127.0.0.2")
            for _ in 0..<2 {
                #expect(try await direct.request("GET", APIPath.agents, token: "wrong-token", headers: ["X-Forwarded-For": "192.0.2.\(Int.random(in: 3...250))"]).status == 401)
            }
            #expect(try await direct.request("GET", APIPath.agents, token: TestTokens.admin).status == 429)
        }
    }

    @Test("enrollments spend the address's budget: past the burst, registration gets 429 from that address only")
    func enrollments() async throws {
        try await withCoordinator(["--auth-limit-burst", "3", "--auth-limit-rate", "0.01"]) { coordinator in
            func register(_ name: String, from connection: RawConnection) async throws -> RawResponse {
                try await connection.request("POST", APIPath.agentsRegister, token: TestTokens.enrollment, body: try registrationJSON(name))
            }
            let caller = try RawConnection(port: coordinator.port)
            for index in 0..<3 {
                #expect(try await register("enroll-\(index)", from: caller).status == 201)
            }
            let refused = try await register("enroll-3", from: caller)
            #expect(refused.status == 429)
            #expect(refused.headers["retry-after"] != nil)
            let body = try JSONDecoder.flattenProtocol.decode(ErrorBody.self, from: refused.body)
            #expect(body.error.code == .tooManyRequests)
            #expect(body.error.message.contains("enrollments"))

            let neighbour = try RawConnection(port: coordinator.port, from: "127.0.0.2")
            #expect(try await register("enroll-4", from: neighbour).status == 201)

            // Wrong enrollment tokens spend one each too.
            let guesser = try RawConnection(port: coordinator.port, from: "127.0.0.3")
            for index in 0..<3 {
                let response = try await guesser.request("POST", APIPath.agentsRegister, token: "wrong-enrollment", body: try registrationJSON("guess-\(index)"))
                #expect(response.status == 401)
            }
            #expect(try await guesser.request("POST", APIPath.agentsRegister, token: "wrong-enrollment", body: try registrationJSON("guess-3")).status == 429)
        }
    }

    @Test("with --metrics-token-file, /metrics needs that token (401 without); health stays open")
    func metricsToken() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-token-\(UUID().uuidString)")
        try Data("metrics-secret-0123456789\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await withCoordinator(["--metrics-token-file", file.path]) { coordinator in
            let connection = try RawConnection(port: coordinator.port)
            for token in [nil, "wrong-token", TestTokens.admin] {
                let refused = try await connection.request("GET", APIPath.metrics, token: token)
                #expect(refused.status == 401, "token \(token ?? "none")")
                let body = try JSONDecoder.flattenProtocol.decode(ErrorBody.self, from: refused.body)
                #expect(body.error.code == .unauthorized)
            }
            let scrape = try await connection.request("GET", APIPath.metrics, token: "metrics-secret-0123456789")
            #expect(scrape.status == 200)
            #expect(scrape.text.contains("flatten_jobs"))
            #expect(try await connection.request("GET", APIPath.healthz).status == 200)
            #expect(try await connection.request("GET", APIPath.readyz).status == 200)
        }
    }

    @Test("an empty or missing --metrics-token-file stops the coordinator with a message naming the option and the file")
    func badMetricsTokenFile() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-token-empty-\(UUID().uuidString)")
        try Data("\n".utf8).write(to: empty)
        defer { try? FileManager.default.removeItem(at: empty) }
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-token-missing-\(UUID().uuidString)")
        try await withScratchDatabase(prefix: "coord_test") { url in
            for file in [empty, missing] {
                do {
                    let coordinator = try await CoordinatorProcess.start(databaseURL: url, arguments: ["--metrics-token-file", file.path])
                    await coordinator.stop()
                    Issue.record("the coordinator started with the metrics token file \(file.path)")
                } catch {
                    #expect("\(error)".contains("--metrics-token-file \(file.path)"), "\(error)")
                }
            }
        }
    }

    // MARK: Support

    private func withCoordinator(_ arguments: [String], _ body: (CoordinatorProcess) async throws -> Void) async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(databaseURL: url, arguments: arguments)
            do {
                try await body(coordinator)
            } catch {
                Issue.record("coordinator log:\n\(coordinator.log.suffix(3000))")
                await coordinator.stop()
                throw error
            }
            await coordinator.stop()
        }
    }

    private func registrationJSON(_ name: String) throws -> String {
        let registration = AgentRegistration(name: name, engineVersion: "20.10.24", engineAPIVersion: "1.41")
        return String(decoding: try JSONEncoder.flattenProtocol.encode(registration), as: UTF8.self)
    }

    /// Waits until `connection` has been accepted and served a request.
    private func waitUntilServed(_ connection: RawConnection, coordinator: CoordinatorProcess) async throws {
        let response = try await connection.request("GET", APIPath.healthz, timeout: .seconds(30))
        #expect(response.status == 200)
    }

    private func claimRequest(token: String, wait: Int) -> String {
        "POST /v1/agents/claim?wait=\(wait) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Length: 0\r\n\r\n"
    }

    /// Waits until the coordinator's `flatten_claims_held` gauge reads `count`, scraping over
    /// `connection` (kept alive, so the scrapes need no new place under a connection cap).
    private func waitForClaimsHeld(_ count: Int, watching connection: RawConnection) async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        var last = ""
        while ContinuousClock.now < deadline {
            let scrape = try await connection.request("GET", APIPath.metrics, timeout: .seconds(30))
            last = scrape.text.split(separator: "\n").first { $0.hasPrefix("flatten_claims_held ") }.map(String.init) ?? "no flatten_claims_held line"
            if last == "flatten_claims_held \(count)" || last == "flatten_claims_held \(count).0" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ProcessTestError("flatten_claims_held did not reach \(count) within 90 s; last: \(last)")
    }

    private func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
        return true
    }
}
