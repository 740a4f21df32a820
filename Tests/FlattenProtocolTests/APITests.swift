import Foundation
import Testing
@testable import FlattenProtocol

@Suite struct APIPathTests {
    @Test func constants() {
        #expect(APIPath.jobs == "/v1/jobs")
        #expect(APIPath.jobTemplate == "/v1/jobs/{id}")
        #expect(APIPath.jobCancelTemplate == "/v1/jobs/{id}/cancel")
        #expect(APIPath.jobHeartbeatTemplate == "/v1/jobs/{id}/heartbeat")
        #expect(APIPath.jobCompleteTemplate == "/v1/jobs/{id}/complete")
        #expect(APIPath.jobFailTemplate == "/v1/jobs/{id}/fail")
        #expect(APIPath.batchTemplate == "/v1/batches/{id}")
        #expect(APIPath.agents == "/v1/agents")
        #expect(APIPath.agentsRegister == "/v1/agents/register")
        #expect(APIPath.agentsClaim == "/v1/agents/claim")
        #expect(APIPath.healthz == "/healthz")
        #expect(APIPath.readyz == "/readyz")
        #expect(APIPath.metrics == "/metrics")
    }

    @Test func concretePathsMatchTheirTemplates() {
        let id = UUID(uuidString: "ABCDEF01-2345-6789-ABCD-EF0123456789")!
        let lower = "abcdef01-2345-6789-abcd-ef0123456789"
        let pairs: [(String, String)] = [
            (APIPath.job(id), APIPath.jobTemplate),
            (APIPath.jobCancel(id), APIPath.jobCancelTemplate),
            (APIPath.jobHeartbeat(id), APIPath.jobHeartbeatTemplate),
            (APIPath.jobComplete(id), APIPath.jobCompleteTemplate),
            (APIPath.jobFail(id), APIPath.jobFailTemplate),
            (APIPath.batch(id), APIPath.batchTemplate),
        ]
        for (path, template) in pairs {
            #expect(path == template.replacingOccurrences(of: "{\(APIPath.idParameter)}", with: lower))
        }
        #expect(APIPath.jobHeartbeat(id) == "/v1/jobs/\(lower)/heartbeat")
    }
}

@Suite struct ProtocolVersionTests {
    @Test func currentIsSupported() {
        #expect(FlattenProtocolVersion.current == 2)
        // Version 1 agents (before agent control and engine reports) are still served.
        #expect(FlattenProtocolVersion.isSupported(1))
        #expect(FlattenProtocolVersion.isSupported(FlattenProtocolVersion.current))
        #expect(!FlattenProtocolVersion.isSupported(0))
        #expect(!FlattenProtocolVersion.isSupported(FlattenProtocolVersion.supported.upperBound + 1))
        #expect(AgentRegistration(name: "a", engineVersion: "1", engineAPIVersion: "1").protocolVersion == FlattenProtocolVersion.current)
    }
}

@Suite struct APIErrorCodeTests {
    @Test func wellKnownCodesAndStatuses() {
        let table: [(APIErrorCode, String, Int)] = [
            (.invalidRequest, "invalid_request", 400),
            (.unsupportedProtocolVersion, "unsupported_protocol_version", 400),
            (.unauthorized, "unauthorized", 401),
            (.forbidden, "forbidden", 403),
            (.notFound, "not_found", 404),
            (.staleLease, "stale_lease", 409),
            (.invalidState, "invalid_state", 409),
            (.conflict, "conflict", 409),
            (.payloadTooLarge, "payload_too_large", 413),
            (.noMatchingAgents, "no_matching_agents", 422),
            (.tooManyRequests, "too_many_requests", 429),
            (.internalError, "internal_error", 500),
            (.unavailable, "unavailable", 503),
        ]
        for (code, raw, status) in table {
            #expect(code.rawValue == raw)
            #expect(code.httpStatus == status, "\(code)")
        }
    }

    @Test func progressFraction() {
        #expect(JobProgress(phase: .saving, bytesDone: 25, bytesTotal: 100).fractionDone == 0.25)
        #expect(JobProgress(phase: .saving, bytesDone: 250, bytesTotal: 100).fractionDone == 1)
        #expect(JobProgress(phase: .saving, bytesDone: 25).fractionDone == nil)
        #expect(JobProgress(phase: .saving, bytesDone: 0, bytesTotal: 0).fractionDone == nil)
    }
}
