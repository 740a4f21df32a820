@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Bad input corpus")
struct BadInputCorpusTests {
    @Test("the corpus has at least 150 cases with distinct names")
    func size() {
        let names = BadInputCorpus.all.map(\.name)
        #expect(names.count >= 150, "only \(names.count) cases")
        #expect(Set(names).count == names.count, "duplicate case names")
    }

    /// Over real HTTP (AsyncHTTPClient to the coordinator's server, so NIO's parser sees every
    /// request) against a scratch PostgreSQL database.
    @Test("every bad input gets its 4xx and a JSON error body with its code; never a 500, never an empty body")
    func corpus() async throws {
        // The corpus enrolls and fails authentication far past the failed-authentication budget
        // of one address; that limiter has tests of its own (CallerLimitTests), so it is off here.
        // The lease outlasts the corpus on a loaded machine, so the last check sees it held.
        try await TestFleet.run(.ahc(.http), configure: {
            $0.callerLimits.authFailureBurst = 0
            $0.leaseDuration = .seconds(3600)
        }) { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a")))
            let claim = try #require(try await fleet.api.claim(agent))
            for input in BadInputCorpus.all {
                let token: String? = switch input.caller {
                case .admin: TestTokens.admin
                case .enrollment: TestTokens.enrollment
                case .agent: agent.token
                case .anonymous: nil
                }
                let path = input.path.replacingOccurrences(of: "{job}", with: claim.job.id.uuidString.lowercased())
                let body = input.body.map { ByteBuffer(string: $0.replacingOccurrences(of: "{lease}", with: claim.leaseToken)) }
                let response = try await fleet.api.send(input.method, path, token: token, body: body)
                let text = String(buffer: response.body)
                let shown = text.count > 300 ? String(text.prefix(300)) + "…" : text
                guard let error = try? JSONDecoder.flattenProtocol.decode(ErrorBody.self, from: Data(response.body.readableBytesView)) else {
                    Issue.record("\(input): HTTP \(response.status.code) without a JSON error body: \(shown.isEmpty ? "(empty)" : shown)")
                    continue
                }
                #expect(response.headers[.contentType] == "application/json", "\(input)")
                #expect(response.status == input.status && error.error.code == input.code,
                        "\(input): expected \(input.status.code) \(input.code), got \(response.status.code) \(shown)")
                if let mentions = input.mentions {
                    #expect(error.error.message.contains(mentions), "\(input): the message does not mention \(mentions): \(error.error.message)")
                }
                #expect(error.error.message.count <= JSONResponse.maxErrorMessageCharacters + 1, "\(input): message of \(error.error.message.count) characters")
            }
            // Nothing above was stored or broke the coordinator: the job still runs under its lease.
            let after = try await fleet.api.job(claim.job.id)
            #expect(after.state == .running)
            #expect(try await fleet.api.heartbeat(agent, claim).status == .ok)
            let agents = try await fleet.api.send(.get, APIPath.agents, token: TestTokens.admin)
            #expect(try decode(AgentList.self, from: agents).agents.map(\.name) == ["a"])
        }
    }
}
