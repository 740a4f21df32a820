import Foundation
import Testing
@testable import FlattenProtocol

/// The messages of protocol version 2: agent states, engine reports, engine-unavailable failures.
@Suite struct AgentControlProtocolTests {
    @Test func engineReport() throws {
        try expectFixture(
            #"{"available": false, "message": "cannot reach the Docker engine at unix:///var/run/docker.sock"}"#,
            decodesTo: EngineReport(available: false, message: "cannot reach the Docker engine at unix:///var/run/docker.sock"))
        try expectFixture(#"{"available": true}"#, decodesTo: EngineReport(available: true))
    }

    @Test func engineUnavailableFailure() throws {
        try expectFixture(
            #"{"leaseToken": "lt-9", "message": "engine gone", "retryable": true, "engineUnavailable": true}"#,
            decodesTo: JobFailure(leaseToken: "lt-9", message: "engine gone", retryable: true, engineUnavailable: true))
        // A version 1 agent's failure has no such key.
        #expect(try decode(JobFailure.self, #"{"leaseToken": "lt", "message": "m", "retryable": false}"#).engineUnavailable == nil)
    }

    @Test func statesSpellings() throws {
        #expect(AgentState.allCases.map(\.rawValue) == ["online", "offline", "paused", "draining", "pending", "engine-unavailable", "removed"])
        #expect(try decode(AgentState.self, #""engine-unavailable""#) == .engineUnavailable)
    }

    @Test func paths() {
        #expect(APIPath.agentPause("web-1") == "/v1/agents/web-1/pause")
        #expect(APIPath.agentRotateToken("a b/c") == "/v1/agents/a%20b%2Fc/rotate-token")
        #expect(APIPath.agent("web-1") == "/v1/agents/web-1")
        #expect(APIPath.agentsEngine == "/v1/agents/engine")
    }
}
