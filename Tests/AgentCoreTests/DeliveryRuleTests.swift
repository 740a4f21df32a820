import CoordinatorHTTPClient
import FlattenProtocol
import Foundation
import Testing

@testable import AgentCore

@Suite("Delivering a result until acknowledged")
struct DeliveryRuleTests {
    let backoff = FullJitterBackoff(base: .seconds(1), cap: .seconds(8))

    static let job = Job(
        id: UUID(), batchId: UUID(), agentId: UUID(), agentName: "a", image: try! ImageReference("app:1"),
        state: .succeeded, attempt: 1, maxAttempts: 3, priority: 0, createdAt: Date(), updatedAt: Date(),
        options: FlattenOptions())

    @Test("an acknowledged delivery (also a repeat the coordinator had stored) is done")
    func acknowledged() {
        var rule = DeliveryRule(backoff: backoff)
        #expect(rule.decide(.success(Self.job), unit: 0.5) == .acknowledged)
    }

    @Test("the network blinking, the coordinator restarting or rejecting the token: retry with growing windows")
    func transientRetries() {
        var rule = DeliveryRule(backoff: backoff)
        let failures: [CoordinatorError] = [
            .unreachable(url: "http://c", detail: "connection refused"),
            .unreachable(url: "http://c", detail: "connection reset"),
            .refused(status: 502, body: nil),
            .refused(status: 503, body: ErrorBody(code: .unavailable, message: "database down")),
            .refused(status: 401, body: nil),
            .refused(status: 500, body: nil),
        ]
        let delays = failures.map { failure -> Duration? in
            if case .retry(let after) = rule.decide(.failure(failure), unit: 1) { return after }
            return nil
        }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
        #expect(rule.failedAttempts == 6)
    }

    @Test("a lease the coordinator no longer honours drops the report", arguments: [409, 404, 403])
    func leaseLostDrops(status: Int) {
        var rule = DeliveryRule(backoff: backoff)
        let action = rule.decide(.failure(.refused(status: status, body: ErrorBody(code: .staleLease, message: "stale"))), unit: 0.5)
        guard case .dropped = action else {
            Issue.record("expected drop for \(status), got \(action)")
            return
        }
    }

    @Test("a report refused as invalid is dropped, since retrying cannot change it", arguments: [400, 413, 422])
    func invalidDrops(status: Int) {
        var rule = DeliveryRule(backoff: backoff)
        guard case .dropped(let reason) = rule.decide(.failure(.refused(status: status, body: nil)), unit: 0.5) else {
            Issue.record("expected drop for \(status)")
            return
        }
        #expect(reason.contains("invalid"))
    }
}
