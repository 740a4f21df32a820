/// How far a running job has come, as last reported by its agent's heartbeat.
///
/// ``bytesPerSecond`` came after the first protocol versions: it is optional and left out of the
/// JSON when unknown, so a coordinator or agent that does not know it still reads the message
/// (unknown keys are ignored), and progress from an agent that does not send it decodes with
/// no rate. No ``FlattenProtocolVersion`` bump is needed for it.
public struct JobProgress: Sendable, Hashable, Codable {
    /// The step being run.
    public var phase: FlattenPhase
    /// Bytes processed in this phase.
    public var bytesDone: Int64
    /// Bytes this phase will process, when known.
    public var bytesTotal: Int64?
    /// How fast this phase has moved lately, in bytes per second (see ``ProgressRate``), when
    /// the sender measured it: `0` means the phase has stalled, `nil` that no rate is known.
    public var bytesPerSecond: Double?

    public init(phase: FlattenPhase, bytesDone: Int64 = 0, bytesTotal: Int64? = nil, bytesPerSecond: Double? = nil) {
        self.phase = phase
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
        self.bytesPerSecond = bytesPerSecond
    }

    /// The done fraction of this phase in `0...1`, when the total is known and positive.
    public var fractionDone: Double? {
        guard let bytesTotal, bytesTotal > 0 else { return nil }
        return min(1, max(0, Double(bytesDone) / Double(bytesTotal)))
    }

    /// Seconds until this phase is done at ``bytesPerSecond``, as of when the progress was
    /// measured: `nil` when the total or a positive rate is unknown.
    public var secondsRemaining: Double? {
        guard let bytesTotal, bytesTotal > 0, let bytesPerSecond, bytesPerSecond.isFinite, bytesPerSecond > 0 else {
            return nil
        }
        return Double(max(0, bytesTotal - bytesDone)) / bytesPerSecond
    }
}
