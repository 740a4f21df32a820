import FlattenProtocol

/// Whether the agent may claim, given what its engine check found, and when it tells the
/// coordinator about its engine: once per change, as a pure decision.
///
/// The coordinator starts out believing the engine is available, and believes so again after
/// each claim (a claim clears its record of an unavailable engine). While the engine does not
/// answer, the agent claims nothing and looks again after a backoff; a report that could not be
/// delivered is due again at the next look.
public struct EngineReportRule: Sendable, Hashable {
    /// What the coordinator was last told, or learned from a claim.
    public private(set) var coordinatorBelievesAvailable = true
    /// Checks in a row that found the engine unavailable.
    public private(set) var consecutiveUnavailable = 0
    let backoff: FullJitterBackoff

    public init(backoff: FullJitterBackoff) {
        self.backoff = backoff
    }

    /// What to do after a check.
    public enum Decision: Sendable, Hashable {
        /// Claim now, after delivering `report` if there is one.
        case claim(report: EngineReport?)
        /// Do not claim; deliver `report` if there is one, then look again after `delay`.
        case wait(Duration, report: EngineReport?)
    }

    /// The decision for a check that found `status`, with `unit` (uniform in 0...1) drawing
    /// the backoff's jitter. The wait is at least the backoff's base, so a missing socket
    /// (which fails at once) is never polled in a tight loop.
    public mutating func decide(_ status: EngineStatus, unit: Double) -> Decision {
        switch status {
        case .available:
            consecutiveUnavailable = 0
            return .claim(report: coordinatorBelievesAvailable ? nil : EngineReport(available: true))
        case .unavailable(let message):
            consecutiveUnavailable += 1
            let delay = max(backoff.delay(forAttempt: consecutiveUnavailable - 1, unit: unit), backoff.base)
            let report = coordinatorBelievesAvailable
                ? EngineReport(available: false, message: ProtocolLimits.fittedMessage(message))
                : nil
            return .wait(delay, report: report)
        }
    }

    /// The coordinator acknowledged `report` (or cannot take reports at all).
    public mutating func delivered(_ report: EngineReport) {
        coordinatorBelievesAvailable = report.available
    }

    /// The coordinator answered a claim, which clears its record of an unavailable engine.
    public mutating func claimAnswered() {
        coordinatorBelievesAvailable = true
    }
}
