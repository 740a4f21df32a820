import FlattenProtocol
import Foundation

/// Reads the job and batch IDs operators type: a full UUID, or a unique prefix of one as the
/// tables show (12 hex digits, like docker's short IDs), looked up among the latest jobs.
struct IDResolver {
    /// How many of the latest jobs a prefix is looked up in.
    static let searchDepth = 2000

    let api: CoordinatorAPI

    func job(_ text: String) async throws -> UUID {
        if let id = UUID(uuidString: text) { return id }
        let prefix = try Self.normalizedPrefix(text, what: "job")
        let matches = try await scan { jobs in jobs.map(\.id) }.filter { Self.hex($0).hasPrefix(prefix) }
        return try Self.unique(matches, prefix: text, what: "job", hint: "see `flatctl jobs`")
    }

    func batch(_ text: String) async throws -> UUID {
        if let id = UUID(uuidString: text) { return id }
        let prefix = try Self.normalizedPrefix(text, what: "batch")
        let matches = try await scan { jobs in jobs.map(\.batchId) }.filter { Self.hex($0).hasPrefix(prefix) }
        return try Self.unique(matches, prefix: text, what: "batch", hint: "see `flatctl jobs`")
    }

    private func scan(_ ids: ([Job]) -> [UUID]) async throws -> Set<UUID> {
        var found = Set<UUID>()
        var query = CoordinatorAPI.JobQuery(limit: 500)
        var seen = 0
        while seen < Self.searchDepth {
            let page = try await api.jobs(query)
            found.formUnion(ids(page.jobs))
            seen += page.jobs.count
            guard let cursor = page.nextCursor, !page.jobs.isEmpty else { break }
            query.cursor = cursor
        }
        return found
    }

    static func hex(_ id: UUID) -> String {
        id.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    static func normalizedPrefix(_ text: String, what: String) throws -> String {
        let prefix = text.lowercased().replacingOccurrences(of: "-", with: "")
        guard prefix.count >= 4, prefix.allSatisfy({ $0.isHexDigit }) else {
            throw FlatctlError.usage("invalid \(what) ID \(String(reflecting: text)): expected a UUID or at least 4 hex digits of one")
        }
        return prefix
    }

    static func unique(_ matches: Set<UUID>, prefix: String, what: String, hint: String) throws -> UUID {
        switch matches.count {
        case 1: return matches.first!
        case 0: throw FlatctlError.refused("no \(what) ID starts with \(String(reflecting: prefix)) among the latest \(searchDepth) jobs; \(hint)")
        default: throw FlatctlError.usage("the \(what) ID prefix \(String(reflecting: prefix)) is ambiguous (\(matches.count) match); type more of it")
        }
    }
}
