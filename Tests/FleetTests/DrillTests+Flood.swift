import AsyncHTTPClient
import FlattenProtocol
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TestSupport

extension DrillTests {
    /// One answer of the coordinator, as the flood saw it.
    struct Answer: Sendable {
        var status: Int
        var contentType: String?
        var body: [UInt8]

        /// 2xx or 4xx, with a JSON body (204 has none).
        var isWellFormed: Bool {
            guard (200..<300).contains(status) || (400..<500).contains(status) else { return false }
            if status == 204 { return body.isEmpty }
            return contentType?.hasPrefix("application/json") == true
                && (try? JSONSerialization.jsonObject(with: Data(body))) != nil
        }

        var summary: String { "\(status) \(contentType ?? "-") \(String(decoding: body.prefix(200), as: UTF8.self))" }
    }

    /// Sends one request and reads its whole answer.
    static func send(
        _ http: HTTPClient, _ method: HTTPMethod, _ url: String, token: String? = nil, json: Data? = nil, timeout: Int64 = 60
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        let response = try await http.execute(request, timeout: .seconds(timeout))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), body: Array(body.readableBytesView))
    }

    /// Half-sent requests: a request line cut short, headers without their end, and a body
    /// shorter than its Content-Length, each then left hanging.
    static func halfSentRequests(port: Int) -> [String] {
        [
            "POST /v1/agents/cla",
            "POST /v1/agents/claim?wait=5 HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer x\r\nContent-Le",
            "POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"image\": \"app:1\", ",
        ]
    }

    @Test("a flood of 200 long polls and 60 half-sent requests: every answer a 2xx/4xx with JSON, health answers throughout, connections back to normal after")
    func flood() async throws {
        // The coordinator alone: the flood's agents are the test's own HTTP clients.
        try await Fleet.withStarted(on: Self.matrixEngine, leaseSeconds: 15, options: FleetOptions(agentKeys: [])) { fleet in
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 400)
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            var raw: [RawConnection] = []
            do {
                let url = fleet.coordinatorURL
                // Nothing has talked to the coordinator yet.
                let baseline = OpenConnections.count(localPort: fleet.port)
                // 50 agents, 4 polls each (`--max-polls-per-agent`'s default): 200 long polls at once.
                var agents: [(name: String, token: String)] = []
                for index in 0..<50 {
                    let name = "flood-\(fleet.id)-\(index)"
                    let registration = AgentRegistration(name: name, engineVersion: "20.10.24", engineAPIVersion: "1.41")
                    let answer = try await Self.send(http, .POST, url + APIPath.agentsRegister, token: Fleet.enrollToken, json: JSONEncoder.flattenProtocol.encode(registration))
                    #expect(answer.status == 201, "\(answer.summary)")
                    let registered = try JSONDecoder.flattenProtocol.decode(AgentRegistrationResponse.self, from: Data(answer.body))
                    agents.append((name, registered.agentToken))
                }

                for index in 0..<60 {
                    let connection = try RawConnection(port: fleet.port)
                    try connection.send(Self.halfSentRequests(port: fleet.port)[index % 3])
                    raw.append(connection)
                }
                // A poll that gets a job finishes it at once (skipped: there is no engine here),
                // as an agent would, within its lease.
                let pollers = agents
                let polls = Task {
                    try await withThrowingTaskGroup(of: (Answer, Answer?).self) { group in
                        for agent in pollers {
                            for _ in 0..<4 {
                                group.addTask {
                                    let answer = try await Self.send(http, .POST, url + APIPath.agentsClaim + "?wait=20", token: agent.token)
                                    guard answer.status == 200, let claim = try? JSONDecoder.flattenProtocol.decode(ClaimResponse.self, from: Data(answer.body)) else {
                                        return (answer, nil)
                                    }
                                    let completion = JobCompletion(leaseToken: claim.leaseToken, outcome: .skipped(reason: "flood drill"))
                                    let completed = try await Self.send(
                                        http, .POST, url + APIPath.jobComplete(claim.job.id), token: agent.token,
                                        json: JSONEncoder.flattenProtocol.encode(completion))
                                    return (answer, completed)
                                }
                            }
                        }
                        return try await group.reduce(into: [(Answer, Answer?)]()) { $0.append($1) }
                    }
                }
                try await Task.sleep(for: .seconds(1))

                // Jobs for the first ten agents, submitted in the middle of the flood (the polls wait
                // 20 s, long enough on a loaded machine): each is handed to exactly one of its
                // agent's four polls.
                var jobs: [UUID] = []
                for agent in agents.prefix(10) {
                    let submission = JobSubmission(image: try ImageReference("fleet-test/\(fleet.id)-flood:1"), target: .host(agent.name))
                    let answer = try await Self.send(http, .POST, url + APIPath.jobs, token: Fleet.adminToken, json: JSONEncoder.flattenProtocol.encode(submission))
                    #expect(answer.status == 201 || answer.status == 200, "\(answer.summary)")
                    let submitted = try JSONDecoder.flattenProtocol.decode(SubmissionResponse.self, from: Data(answer.body))
                    jobs += submitted.jobs.map(\.id)
                }
                let start = ContinuousClock.now
                let health = try await Self.send(http, .GET, url + APIPath.healthz, timeout: 30)
                let healthTime = ContinuousClock.now - start
                #expect(health.status == 200, "\(health.summary)")
                #expect(healthTime < .seconds(10), "the health check took \(healthTime) during the flood")
                let connectionsDuringFlood = OpenConnections.count(localPort: fleet.port)

                let results = try await polls.value
                let answers = results.map(\.0)
                let completions = results.compactMap(\.1)
                #expect(answers.count == 200)
                let malformed = answers.filter { !$0.isWellFormed }
                #expect(malformed.isEmpty, "not a 2xx/4xx with JSON: \(malformed.prefix(5).map(\.summary))")
                let claims = answers.filter { $0.status == 200 }.compactMap { try? JSONDecoder.flattenProtocol.decode(ClaimResponse.self, from: Data($0.body)) }
                #expect(claims.map(\.job.id).sorted { $0.uuidString < $1.uuidString } == jobs.sorted { $0.uuidString < $1.uuidString }, "each job handed out once")
                #expect(answers.filter { $0.status == 204 }.count == 200 - jobs.count)

                for answer in completions {
                    #expect(answer.status == 200 && answer.isWellFormed, "\(answer.summary)")
                }
                // Whatever the half-sent requests got back (if anything) is a 4xx with JSON.
                for connection in raw {
                    let (bytes, _) = connection.readAvailable()
                    guard !bytes.isEmpty else { continue }
                    let text = String(decoding: bytes, as: UTF8.self)
                    #expect(text.hasPrefix("HTTP/1.1 4") && text.lowercased().contains("content-type: application/json"), "a half-sent request got: \(text.prefix(300))")
                }
                let closedByServer = raw.filter { $0.readAvailable().closed }.count
                for connection in raw { connection.close() }
                raw = []
                try await http.shutdown()

                do {
                    // Within the coordinator's idle timeout (75 s), which closes whatever a client
                    // left open; on an idle machine this takes well under a second.
                    _ = try await TestEnvironment.eventually("the coordinator's connections back to \(baseline)", timeout: .seconds(90)) { () -> Bool? in
                        OpenConnections.count(localPort: fleet.port) <= baseline ? true : nil
                    }
                } catch {
                    throw FleetTestError("\(error); sockets on the coordinator's port by TCP state: \(OpenConnections.states(localPort: fleet.port))")
                }
                // Only now the shared client's API calls: they keep connections of their own.
                for job in jobs { try await Self.expectEndedOnce(job, as: .skipped, fleet: fleet) }
                let statuses = try await fleet.answeredStatuses()
                #expect(statuses.keys.allSatisfy { $0 < 500 }, "answers by status: \(statuses)")
                Self.expectNoServerErrors(fleet)
                #expect(fleet.coordinator.isRunning)
                print("drill: flood of 200 long polls and 60 half-sent requests: health answered in \(healthTime); \(connectionsDuringFlood) connections open during it, \(baseline) before and after; the server closed \(closedByServer) of the 60 half-sent requests itself")
            } catch {
                for connection in raw { connection.close() }
                try? await http.shutdown()
                throw error
            }
        }
    }
}
