import Foundation

/// Who is calling, as proven by the bearer token.
public enum Principal: Sendable, Hashable {
    /// An operator (an admin token from the configuration).
    case `operator`
    /// A registered agent (its per-agent token).
    case agent(AuthenticatedAgent)
}
