import FlattenProtocol

/// Which report an ended attempt gets, as a pure decision.
///
/// | ending | stop reason | report |
/// | --- | --- | --- |
/// | any | lease lost | none: the job is no longer this agent's |
/// | flattened | other | complete with the result |
/// | skipped | other | complete, skipped with the reason |
/// | image not found | none | complete, skipped ("not on this host") |
/// | failed | canceled by operator | fail, not retryable (the coordinator records `canceled`) |
/// | failed | agent stopping | fail, retryable (another attempt will run it) |
/// | failed, engine unavailable | none | fail, retryable, `engineUnavailable` (the attempt is given back) |
/// | failed | none | fail, retryable as the flatten said |
public enum ReportRule {
    /// The longest failure message, skip reason or warning sent, in UTF-8 bytes; longer ones are
    /// cut (the coordinator refuses longer ones with a 400 that retrying would not cure).
    public static let maximumMessageLength = ProtocolLimits.maxMessageBytes

    /// The report for `ending`, or nil when nothing must be reported.
    ///
    /// - Parameters:
    ///   - stop: why the flatten was stopped early, if it was.
    ///   - agentName: named in messages, so an operator sees which host said what.
    public static func report(
        for ending: FlattenEnding, stop: StopReason?, leaseToken: String, image: ImageReference, agentName: String
    ) -> JobReport? {
        if case .leaseLost = stop { return nil }
        switch ending {
        case .flattened(let result):
            var fitted = result
            fitted.warnings = result.warnings.prefix(ProtocolLimits.maxListCount).map(ProtocolLimits.fittedMessage)
            return .complete(JobCompletion(leaseToken: leaseToken, outcome: .succeeded(fitted)))
        case .skipped(let reason):
            return .complete(JobCompletion(leaseToken: leaseToken, outcome: .skipped(reason: ProtocolLimits.fittedMessage(reason))))
        case .failed(let failure):
            switch stop {
            case .canceledByOperator:
                return .fail(JobFailure(
                    leaseToken: leaseToken,
                    message: "canceled by an operator; \(agentName) stopped the flatten and removed what it had made",
                    retryable: false))
            case .agentStopping:
                return .fail(JobFailure(
                    leaseToken: leaseToken,
                    message: "the agent \(agentName) was stopped before the flatten finished; what it had made was removed",
                    retryable: true))
            case .leaseLost:
                return nil
            case nil:
                if failure.isImageNotFound {
                    return .complete(JobCompletion(
                        leaseToken: leaseToken,
                        outcome: .skipped(reason: ProtocolLimits.fittedMessage("not on \(agentName): \(failure.message)"))))
                }
                if failure.isEngineUnavailable {
                    return .fail(JobFailure(
                        leaseToken: leaseToken,
                        message: ProtocolLimits.fittedMessage("the engine of \(agentName) stopped answering: \(failure.message)"),
                        retryable: true, engineUnavailable: true))
                }
                return .fail(JobFailure(
                    leaseToken: leaseToken,
                    message: ProtocolLimits.fittedMessage(failure.message),
                    retryable: failure.isRetryable || failure.isCanceled))
            }
        }
    }
}
