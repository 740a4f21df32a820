/// Text from the coordinator made safe to print: an agent name, a label or a failure message is
/// written by whoever registered or reported it, and a control character in it could move the
/// cursor, recolor the terminal or start a forged table row. Every such character is shown as
/// an escape instead (`\n`, `\t`, `\r`, `\u{1B}`), so what is printed is what was stored.
enum TerminalText {
    /// The widest a table cell gets, whatever the terminal: a 200 KB label must not pad every row.
    static let maxCellCharacters = 80

    /// `text` with every control character (C0, DEL, C1), line or paragraph separator and
    /// bidirectional override escaped.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard isUnsafe(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default: result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
        }
        return result
    }

    /// ``escaped(_:)`` cut to ``maxCellCharacters`` with an ellipsis: one table cell.
    static func cell(_ text: String) -> String {
        let safe = escaped(text)
        guard safe.count > maxCellCharacters else { return safe }
        return String(safe.prefix(maxCellCharacters - 1)) + "…"
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
