import CoordinatorHTTPClient
import FlattenProtocol
import Logging

/// The agent's engine gate, shared by its claim loops: checks the engine before each claim,
/// tells the coordinator once per change (``EngineReportRule``), and says how long to wait
/// while the engine does not answer.
actor EngineMonitor {
    private let health: EngineHealth
    private let client: CoordinatorClient
    private let logger: Logger
    private var rule: EngineReportRule
    private var warnedUnsupported = false

    init(health: EngineHealth, client: CoordinatorClient, backoff: FullJitterBackoff, logger: Logger) {
        self.health = health
        self.client = client
        self.logger = logger
        self.rule = EngineReportRule(backoff: backoff)
    }

    /// Checks the engine: nil when the agent may claim now, else how long to wait before
    /// checking again.
    func beforeClaim() async -> Duration? {
        let status = await health.check()
        let wasUnavailable = rule.consecutiveUnavailable > 0
        let decision = rule.decide(status, unit: Double.random(in: 0...1))
        switch decision {
        case .claim(let report):
            if wasUnavailable {
                logger.notice("the engine answers again; claiming jobs")
            }
            if let report { await send(report) }
            return nil
        case .wait(let delay, let report):
            if case .unavailable(let message) = status, !wasUnavailable {
                logger.error("the engine does not answer; claiming no jobs until it does", metadata: ["error": "\(message)"])
            }
            if let report { await send(report) }
            return delay
        }
    }

    /// The coordinator answered a claim (it shows the agent online again).
    func claimAnswered() {
        rule.claimAnswered()
    }

    /// Whether the engine does not answer now (after a job failed talking to it).
    func isUnavailableNow() async -> Bool {
        if case .unavailable = await health.check() { return true }
        return false
    }

    private func send(_ report: EngineReport) async {
        do {
            try await client.reportEngine(report)
            rule.delivered(report)
        } catch let error as CoordinatorError where error.httpStatus == 404 || error.httpStatus == 405 {
            // A coordinator before protocol version 2 has no such route: nothing to tell it.
            rule.delivered(report)
            if !warnedUnsupported {
                warnedUnsupported = true
                logger.warning("the coordinator does not take engine reports (it is older than this agent); `flatctl agents` will not show engine-unavailable")
            }
        } catch {
            logger.warning("cannot report the engine's state to the coordinator; retrying at the next check", metadata: ["error": "\(error)"])
        }
    }
}
