/// What a person signed in to the dashboard may do.
public enum DashboardRole: String, Sendable, Hashable {
    /// Signed in with an admin token: sees everything and may act (submit, cancel, retry).
    case `operator`
    /// Signed in with a viewer token: sees everything, acts on nothing.
    case viewer

    /// Whether this role may submit, cancel and retry.
    public var mayAct: Bool { self == .operator }
}
