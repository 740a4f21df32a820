import Foundation

/// Where a page of the newest-first job list ends: the last job's creation time (in
/// microseconds since 1970, PostgreSQL's precision) and ID, the list's sort key.
///
/// Clients see it as an opaque string; it is base64url of `micros:uuid`, and anything that
/// does not parse back is refused with a 400 naming `cursor`.
public struct JobCursor: Sendable, Hashable {
    public var createdAtMicroseconds: Int64
    public var id: UUID

    public init(createdAtMicroseconds: Int64, id: UUID) {
        self.createdAtMicroseconds = createdAtMicroseconds
        self.id = id
    }

    /// The opaque form handed to clients.
    public var encoded: String {
        Data("\(createdAtMicroseconds):\(id.uuidString.lowercased())".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Parses the opaque form; nil when it is not one this coordinator made.
    public init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(createdAtMicroseconds: micros, id: id)
    }
}
