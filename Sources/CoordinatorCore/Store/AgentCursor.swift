import Foundation

/// Where a page of the by-name agent list ends: the last agent's name, the list's sort key.
///
/// Clients see it as an opaque string (base64url of the name, like ``NewestFirstCursor``); anything that
/// does not parse back is refused with a 400 naming `cursor`.
public struct AgentCursor: Sendable, Hashable {
    public var name: String

    public init(name: String) {
        self.name = name
    }

    /// The opaque form handed to clients.
    public var encoded: String {
        CursorText.encode("agent:\(name)")
    }

    /// Parses the opaque form; nil when it is not one this coordinator made.
    public init?(encoded: String) {
        guard let text = CursorText.decode(encoded), text.hasPrefix("agent:"), !text.unicodeScalars.contains("\u{0}") else { return nil }
        self.init(name: String(text.dropFirst("agent:".count)))
    }
}
