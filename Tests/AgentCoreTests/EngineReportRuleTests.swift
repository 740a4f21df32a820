import FlattenProtocol
import Testing

@testable import AgentCore

@Suite("When the agent claims and reports its engine")
struct EngineReportRuleTests {
    let backoff = FullJitterBackoff(base: .seconds(1), cap: .seconds(8))

    @Test("an answering engine claims without a report")
    func available() {
        var rule = EngineReportRule(backoff: backoff)
        #expect(rule.decide(.available, unit: 0.5) == .claim(report: nil))
        #expect(rule.decide(.available, unit: 0.5) == .claim(report: nil))
    }

    @Test("an unreachable engine stops claims, is reported once, and is looked at again with a growing backoff")
    func unavailable() {
        var rule = EngineReportRule(backoff: backoff)
        let first = rule.decide(.unavailable("socket gone"), unit: 1)
        #expect(first == .wait(.seconds(1), report: EngineReport(available: false, message: "socket gone")))
        rule.delivered(EngineReport(available: false, message: "socket gone"))
        #expect(rule.decide(.unavailable("socket gone"), unit: 1) == .wait(.seconds(2), report: nil))
        #expect(rule.decide(.unavailable("socket gone"), unit: 1) == .wait(.seconds(4), report: nil))
        #expect(rule.decide(.unavailable("socket gone"), unit: 1) == .wait(.seconds(8), report: nil))
        #expect(rule.decide(.unavailable("socket gone"), unit: 1) == .wait(.seconds(8), report: nil))
        // Never a tight loop, whatever the jitter draws.
        #expect(rule.decide(.unavailable("socket gone"), unit: 0) == .wait(.seconds(1), report: nil))

        // Back: claim, telling the coordinator once.
        #expect(rule.decide(.available, unit: 0.5) == .claim(report: EngineReport(available: true)))
        rule.delivered(EngineReport(available: true))
        #expect(rule.decide(.available, unit: 0.5) == .claim(report: nil))
        #expect(rule.consecutiveUnavailable == 0)
    }

    @Test("a report that was not delivered is due again at the next look")
    func undelivered() {
        var rule = EngineReportRule(backoff: backoff)
        #expect(rule.decide(.unavailable("down"), unit: 1) == .wait(.seconds(1), report: EngineReport(available: false, message: "down")))
        #expect(rule.decide(.unavailable("still down"), unit: 1) == .wait(.seconds(2), report: EngineReport(available: false, message: "still down")))
    }

    @Test("a claim's answer means the coordinator shows the engine available again")
    func claimClearsTheRecord() {
        var rule = EngineReportRule(backoff: backoff)
        _ = rule.decide(.unavailable("down"), unit: 1)
        rule.delivered(EngineReport(available: false, message: "down"))
        rule.claimAnswered()
        #expect(rule.coordinatorBelievesAvailable)
        #expect(rule.decide(.unavailable("down again"), unit: 1) == .wait(.seconds(2), report: EngineReport(available: false, message: "down again")))
    }
}
