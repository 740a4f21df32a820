/// A fragment of HTML that is safe by construction: text interpolated into it is escaped, and
/// only another `HTML` value is inserted as markup.
///
/// The dashboard's views are Swift functions that return `HTML`, so a page is type-checked
/// when the coordinator is built and an agent name, label or error message (all chosen by
/// someone else) can never become markup.
///
/// ```swift
/// let row: HTML = "<td>\(agent.name)</td>"   // agent.name is escaped
/// let page: HTML = "<tr>\(row)</tr>"          // row is inserted as markup
/// ```
public struct HTML: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The markup.
    public private(set) var rendered: String

    public init(stringLiteral value: String) {
        rendered = value
    }

    public init(stringInterpolation: Interpolation) {
        rendered = stringInterpolation.rendered
    }

    /// Markup taken as it is: only for text that is already HTML (the stylesheet, a drawn chart).
    public init(unescaped markup: String) {
        rendered = markup
    }

    public var description: String { rendered }

    /// No markup.
    public static let empty: HTML = ""

    /// The fragments one after the other.
    public static func joined(_ fragments: some Sequence<HTML>, separator: HTML = .empty) -> HTML {
        HTML(unescaped: fragments.map(\.rendered).joined(separator: separator.rendered))
    }

    /// `text` with the five characters that matter in text and in quoted attributes escaped.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    public struct Interpolation: StringInterpolationProtocol {
        var rendered = ""

        public init(literalCapacity: Int, interpolationCount: Int) {
            rendered.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        public mutating func appendLiteral(_ literal: String) {
            rendered += literal
        }

        /// Markup, inserted as it is.
        public mutating func appendInterpolation(_ html: HTML) {
            rendered += html.rendered
        }

        /// Text, escaped.
        public mutating func appendInterpolation(_ text: String) {
            rendered += HTML.escape(text)
        }

        /// A number, as text.
        public mutating func appendInterpolation<Number: BinaryInteger>(_ number: Number) {
            rendered += String(number)
        }

        /// Anything else, by its description, escaped.
        public mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            rendered += HTML.escape(value.description)
        }
    }
}
