/// How far a running job has come, as last reported by its agent's heartbeat.
public struct JobProgress: Sendable, Hashable, Codable {
    /// The step being run.
    public var phase: FlattenPhase
    /// Bytes processed in this phase.
    public var bytesDone: Int64
    /// Bytes this phase will process, when known.
    public var bytesTotal: Int64?

    public init(phase: FlattenPhase, bytesDone: Int64 = 0, bytesTotal: Int64? = nil) {
        self.phase = phase
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
    }

    /// The done fraction of this phase in `0...1`, when the total is known and positive.
    public var fractionDone: Double? {
        guard let bytesTotal, bytesTotal > 0 else { return nil }
        return min(1, max(0, Double(bytesDone) / Double(bytesTotal)))
    }
}
