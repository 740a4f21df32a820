import Foundation

/// A selector's labels as people type them, `zone=a,gpu=yes`: `flatctl submit --selector` and
/// the dashboard's label fields read them the same way.
public enum LabelSelectorText {
    /// The labels of `text`, blanks around keys and values ignored; a later key replaces an
    /// earlier one.
    ///
    /// - Throws: ``LabelSelectorTextError`` naming the first pair that is not `KEY=VALUE` with a
    ///   key (an empty text is one empty pair).
    public static func parse(_ text: String) throws(LabelSelectorTextError) -> [String: String] {
        var labels: [String: String] = [:]
        for pair in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            guard parts.count == 2, !key.isEmpty else { throw LabelSelectorTextError(pair: String(pair)) }
            labels[key] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        return labels
    }
}

/// A pair of a typed selector that is not `KEY=VALUE`.
public struct LabelSelectorTextError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The pair at fault, as typed.
    public let pair: String

    public var description: String {
        "\(String(reflecting: pair)) is not KEY=VALUE; write labels as zone=a,gpu=yes"
    }
}
