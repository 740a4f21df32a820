import Crypto
import Foundation

/// A signed-in browser: the random ID its cookie holds, and the role it signed in with.
///
/// The ID never reaches the database (only ``SecretToken/hash(of:)`` of it does) and is never in
/// a URL. Forms carry ``formToken``, derived from the ID, so a request forged by another site,
/// which cannot read the page, cannot carry it either.
public struct DashboardSession: Sendable, Hashable {
    /// The cookie's value: 32 random bytes, base64url.
    public var id: String
    public var role: DashboardRole

    public init(id: String, role: DashboardRole) {
        self.id = id
        self.role = role
    }

    /// The value every form of this session posts back as `csrf`.
    public var formToken: String {
        SecretToken.hash(of: "dashboard-form:" + id)
    }

    /// Whether a posted form token is this session's (compared in constant time).
    public func acceptsFormToken(_ token: String?) -> Bool {
        guard let token else { return false }
        return ConstantTime.equals(token, formToken)
    }
}
