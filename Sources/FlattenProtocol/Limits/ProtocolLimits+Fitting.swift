extension ProtocolLimits {
    /// `text` made acceptable as a message, reason or warning: NUL removed (PostgreSQL cannot
    /// store it) and cut, at a character boundary and with an ellipsis, to
    /// ``maxMessageBytes``. Agents send their reports through this so that a long engine error
    /// never turns a report into a 400 that would be retried forever.
    public static func fittedMessage(_ text: String) -> String {
        fitted(text, maxBytes: maxMessageBytes)
    }

    /// `text` without NUL, cut to at most `maxBytes` UTF-8 bytes (the cut ends with `…`).
    public static func fitted(_ text: String, maxBytes: Int) -> String {
        var clean = text.contains("\u{0}") ? text.replacingNUL() : text
        guard clean.utf8.count > maxBytes else { return clean }
        let ellipsis = "…"
        var budget = max(0, maxBytes - ellipsis.utf8.count)
        var cut = ""
        for character in clean {
            let size = character.utf8.count
            guard size <= budget else { break }
            cut.append(character)
            budget -= size
        }
        clean = cut + ellipsis
        return clean
    }
}

extension String {
    fileprivate func replacingNUL() -> String {
        String(String.UnicodeScalarView(unicodeScalars.filter { $0 != "\u{0}" }))
    }
}
