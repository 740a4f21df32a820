import Foundation

/// Where a page of the by-name agent list ends: the last agent's name, the list's sort key.
///
/// Clients see it as an opaque string (base64url of the name, like ``JobCursor``); anything that
/// does not parse back is refused with a 400 naming `cursor`.
public struct AgentCursor: Sendable, Hashable {
    public var name: String

    public init(name: String) {
        self.name = name
    }

    /// The opaque form handed to clients.
    public var encoded: String {
        Data("agent:\(name)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Parses the opaque form; nil when it is not one this coordinator made.
    public init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
              text.hasPrefix("agent:"), !text.unicodeScalars.contains("\u{0}") else { return nil }
        self.init(name: String(text.dropFirst("agent:".count)))
    }
}
