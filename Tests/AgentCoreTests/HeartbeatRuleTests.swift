import CoordinatorHTTPClient
import FlattenProtocol
import Foundation
import Testing

@testable import AgentCore

@Suite("What to do on each heartbeat answer")
struct HeartbeatRuleTests {
    let schedule = HeartbeatSchedule(interval: .seconds(10), jitter: 0.2)
    let expiry = Date(timeIntervalSince1970: 1_700_000_000)

    @Test("an accepted heartbeat schedules the next one by the jittered interval")
    func acceptedBeatsAgain() {
        var rule = HeartbeatRule(schedule: schedule)
        let action = rule.decide(.success(HeartbeatResponse(cancelRequested: false, leaseExpiresAt: expiry)), unit: 1)
        #expect(action == .beatAgain(after: .seconds(12)))
    }

    @Test("a cancel request stops the flatten but keeps beating")
    func cancelRequested() {
        var rule = HeartbeatRule(schedule: schedule)
        let action = rule.decide(.success(HeartbeatResponse(cancelRequested: true, leaseExpiresAt: expiry)), unit: 0)
        #expect(action == .cancelRequested(beatAgainAfter: .seconds(8)))
    }

    @Test("409, 404 and 403 mean the lease is lost: abandon", arguments: [
        (409, APIErrorCode.staleLease), (404, .notFound), (403, .forbidden),
    ])
    func leaseLost(status: Int, code: APIErrorCode) {
        var rule = HeartbeatRule(schedule: schedule)
        let error = CoordinatorError.refused(status: status, body: ErrorBody(code: code, message: "gone"))
        guard case .abandon(let reason) = rule.decide(.failure(error), unit: 0.5) else {
            Issue.record("expected abandon for HTTP \(status)")
            return
        }
        #expect(reason.contains("\(status)"))
    }

    @Test("network errors, 5xx and 401 retry with growing backoff capped at the interval, then reset on success")
    func transientFailuresRetry() {
        var rule = HeartbeatRule(schedule: schedule)
        let failures: [CoordinatorError] = [
            .unreachable(url: "http://c", detail: "connection refused"),
            .refused(status: 503, body: nil),
            .refused(status: 401, body: nil),
            .malformedResponse(url: "http://c", detail: "cut short"),
        ]
        var delays: [Duration] = []
        for failure in failures {
            guard case .beatAgain(let after) = rule.decide(.failure(failure), unit: 1) else {
                Issue.record("expected a retry for \(failure)")
                return
            }
            delays.append(after)
        }
        #expect(delays == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2)])
        #expect(rule.consecutiveFailures == 4)
        for _ in 0..<10 { _ = rule.decide(.failure(failures[0]), unit: 1) }
        #expect(rule.decide(.failure(failures[0]), unit: 1) == .beatAgain(after: .seconds(10)))
        _ = rule.decide(.success(HeartbeatResponse(cancelRequested: false, leaseExpiresAt: expiry)), unit: 0.5)
        #expect(rule.consecutiveFailures == 0)
    }
}
