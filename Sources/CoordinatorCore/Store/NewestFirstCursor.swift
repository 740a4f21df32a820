import Foundation

/// Where a page of a newest-first list (jobs, or the dashboard's batches) ends: the last row's creation time (in
/// microseconds since 1970, PostgreSQL's precision) and ID, the list's sort key.
///
/// Clients see it as an opaque string; it is base64url of `micros:uuid`, and anything that
/// does not parse back is refused with a 400 naming `cursor`.
public struct NewestFirstCursor: Sendable, Hashable {
    public var createdAtMicroseconds: Int64
    public var id: UUID

    public init(createdAtMicroseconds: Int64, id: UUID) {
        self.createdAtMicroseconds = createdAtMicroseconds
        self.id = id
    }

    /// The opaque form handed to clients.
    public var encoded: String {
        CursorText.encode("\(createdAtMicroseconds):\(id.uuidString.lowercased())")
    }

    /// Parses the opaque form; nil when it is not one this coordinator made.
    public init?(encoded: String) {
        guard let text = CursorText.decode(encoded) else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(createdAtMicroseconds: micros, id: id)
    }
}
