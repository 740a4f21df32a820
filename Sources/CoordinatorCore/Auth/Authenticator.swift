import FlattenProtocol
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// Decides who a request comes from and whether that role may call the route.
///
/// - No or malformed `Authorization: Bearer` header, or an unknown token: 401.
/// - A valid token of the wrong role (an agent submitting, an operator claiming): 403.
///
/// Admin and enrollment tokens come from the configuration and are compared (as SHA-256
/// hashes, so every comparison has the same length) in constant time against all of them.
/// Agent tokens are looked up by hash, then compared in constant time.
public struct Authenticator: Sendable {
    /// The header that carries the enrollment token when the bearer token is the agent's own
    /// (re-registration).
    public static let enrollmentTokenHeader = HTTPField.Name("X-Flatten-Enrollment-Token")!

    let adminTokenHashes: [String]
    let enrollmentTokenHashes: [String]
    let viewerTokenHashes: [String]
    let agents: AgentStore
    let cache: AgentTokenCache

    public init(adminTokens: [String], enrollmentTokens: [String], viewerTokens: [String] = [], agents: AgentStore) {
        self.adminTokenHashes = adminTokens.map(SecretToken.hash(of:))
        self.enrollmentTokenHashes = enrollmentTokens.map(SecretToken.hash(of:))
        self.viewerTokenHashes = viewerTokens.map(SecretToken.hash(of:))
        self.agents = agents
        self.cache = AgentTokenCache()
    }

    /// The bearer token of `request`, or nil when there is no `Authorization` header.
    ///
    /// - Throws: 401 when the header is not `Bearer <token>`.
    static func bearerToken(of request: Request) throws -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        return try bearerToken(fromHeader: header)
    }

    /// The token of an `Authorization` header value `Bearer <token>` (scheme in any case,
    /// blanks around the token ignored); 401 otherwise.
    static func bearerToken(fromHeader header: String) throws -> String {
        // Every request comes through here: Substring slicing only, no Foundation trimming.
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].utf8.count == 6, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("the Authorization header must be \"Bearer <token>\"")
        }
        var token = parts[1]
        while let first = token.utf8.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { token.removeFirst() }
        while let last = token.utf8.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { token.removeLast() }
        guard !token.isEmpty else { throw APIError.unauthorized("the bearer token is empty") }
        return String(token)
    }

    /// Who sent `request`.
    public func principal(of request: Request) async throws -> Principal {
        guard let token = try Self.bearerToken(of: request) else {
            throw APIError.unauthorized("missing bearer token (Authorization: Bearer <token>)")
        }
        let hash = SecretToken.hash(of: token)
        if ConstantTime.matchesAny(hash, in: adminTokenHashes) {
            return .operator
        }
        if let agent = try await agent(tokenHash: hash) {
            return .agent(agent)
        }
        throw APIError.unauthorized("the bearer token is not a valid admin or agent token")
    }

    /// Passes for operators; 401 or 403 otherwise.
    public func requireOperator(_ request: Request) async throws {
        switch try await principal(of: request) {
        case .operator: return
        case .agent(let agent):
            throw APIError.forbidden("agent \(String(reflecting: agent.name)) may not call \(request.method) \(request.uri.path): it needs an admin token")
        }
    }

    /// The calling agent; 401 or 403 otherwise.
    public func requireAgent(_ request: Request) async throws -> AuthenticatedAgent {
        switch try await principal(of: request) {
        case .agent(let agent): return agent
        case .operator:
            throw APIError.forbidden("an admin token may not call \(request.method) \(request.uri.path): it needs an agent token")
        }
    }

    /// Checks the enrollment token: from `X-Flatten-Enrollment-Token`, or else the bearer token.
    ///
    /// - Returns: the bearer token when it is not the enrollment token (the agent's own token,
    ///   for a re-registration).
    public func requireEnrollment(_ request: Request) throws -> String? {
        let bearer = try Self.bearerToken(of: request)
        let enrollment: String
        let agentToken: String?
        if let header = request.headers[Self.enrollmentTokenHeader] {
            enrollment = header
            agentToken = bearer
        } else if let bearer {
            enrollment = bearer
            agentToken = nil
        } else {
            throw APIError.unauthorized("missing enrollment token (Authorization: Bearer <enrollment token>, or the \(Self.enrollmentTokenHeader) header)")
        }
        guard !enrollmentTokenHashes.isEmpty else {
            throw APIError.forbidden("agent enrollment is disabled: the coordinator has no enrollment token configured")
        }
        guard ConstantTime.matchesAny(SecretToken.hash(of: enrollment), in: enrollmentTokenHashes) else {
            throw APIError.unauthorized("the enrollment token is not valid")
        }
        return agentToken
    }

    /// The dashboard role `token` signs in with: an admin token is an operator, a viewer token
    /// a viewer; nil for anything else, agents' and enrollment tokens included (a stolen agent
    /// token must not open the dashboard). Both lists are always compared in full.
    public func dashboardRole(signingInWith token: String) -> DashboardRole? {
        let hash = SecretToken.hash(of: token)
        let isOperator = ConstantTime.matchesAny(hash, in: adminTokenHashes)
        let isViewer = ConstantTime.matchesAny(hash, in: viewerTokenHashes)
        return isOperator ? .operator : isViewer ? .viewer : nil
    }

    /// Forgets a token this process may have cached (rotated or revoked): refused at once here;
    /// other coordinators refuse it when their cache entry expires (``AgentTokenCache/lifetime``).
    public func forgetAgentToken(hash: String) {
        cache.forget(hash)
    }

    private func agent(tokenHash: String) async throws -> AuthenticatedAgent? {
        if let cached = cache.agent(for: tokenHash) { return cached }
        guard let agent = try await agents.agent(tokenHash: tokenHash) else { return nil }
        cache.remember(agent, for: tokenHash)
        return agent
    }
}

/// Agents already verified by token hash, so the hot paths (claim, heartbeat, complete) skip a
/// database round trip.
///
/// A token never changes owner (tokens are random, agents are never renamed), but an operator
/// can rotate or revoke it: the coordinator that does so forgets it at once, and every entry
/// expires after ``lifetime`` so other coordinators of the database refuse it soon after.
final class AgentTokenCache: Sendable {
    private static let capacity = 100_000
    /// How long a verified token is trusted without asking the database again.
    static let lifetime: Duration = .seconds(5)

    private struct Entry {
        var agent: AuthenticatedAgent
        var expires: ContinuousClock.Instant
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    func agent(for tokenHash: String) -> AuthenticatedAgent? {
        let now = ContinuousClock.now
        return entries.withLockedValue { entries in
            guard let entry = entries[tokenHash] else { return nil }
            guard entry.expires > now else {
                entries[tokenHash] = nil
                return nil
            }
            return entry.agent
        }
    }

    func remember(_ agent: AuthenticatedAgent, for tokenHash: String) {
        let expires = ContinuousClock.now + Self.lifetime
        entries.withLockedValue { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[tokenHash] = Entry(agent: agent, expires: expires)
        }
    }

    func forget(_ tokenHash: String) {
        _ = entries.withLockedValue { $0.removeValue(forKey: tokenHash) }
    }
}
