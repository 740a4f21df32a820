/// The version of the coordinator's HTTP API messages.
///
/// Agents send ``current`` in ``AgentRegistration/protocolVersion``; the coordinator refuses
/// registrations outside ``supported`` with ``APIErrorCode/unsupportedProtocolVersion``. Bump
/// ``current`` whenever a message changes in a way an older peer cannot read (a new enum case,
/// a new required field), and keep the old number in ``supported`` while both can be served.
///
/// - 1: the first version.
/// - 2: agent states beyond online and offline (``AgentState``), the engine report
///   (``EngineReport``), `engineUnavailable` in ``JobFailure``, the agent control routes.
///   Version 1 agents are still served: they send none of the new messages.
public enum FlattenProtocolVersion {
    /// The version this build speaks.
    public static let current = 2

    /// The versions a coordinator of this build accepts from agents.
    public static let supported: ClosedRange<Int> = 1...2

    /// Whether a peer announcing `version` can be served.
    public static func isSupported(_ version: Int) -> Bool {
        supported.contains(version)
    }
}
