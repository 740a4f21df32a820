extension DecodingError {
    /// A one-line description a person can act on: what is wrong, and where in the document.
    ///
    /// Meant for the `message` of an ``ErrorBody`` answering a request the coordinator could
    /// not decode, e.g. `missing field "image" at top level` or
    /// `unknown value "bogus" for options.strategy; expected one of: merge, export`.
    public var readableDescription: String {
        switch self {
        case .keyNotFound(let key, let context):
            return "missing field \(String(reflecting: key.stringValue)) at \(context.codingPath.renderedPath)"
        case .valueNotFound(let type, let context):
            return "missing value of type \(type) at \(context.codingPath.renderedPath)"
        case .typeMismatch(let type, let context):
            return "expected a value of type \(type) at \(context.codingPath.renderedPath): \(context.debugDescription)"
        case .dataCorrupted(let context):
            // The protocol's own messages name the path; Foundation's (e.g. a bad UUID) do not.
            if context.underlyingError is DescribedDecodingProblem || context.codingPath.isEmpty {
                return context.debugDescription
            }
            return "\(context.codingPath.renderedPath): \(context.debugDescription)"
        @unknown default:
            return String(describing: self)
        }
    }
}

/// Marks a `DecodingError` whose message this module wrote, already naming the field path.
struct DescribedDecodingProblem: Error {}

extension DecodingError {
    /// A data-corrupted error at `codingPath` whose `message` names the path itself.
    static func described(at codingPath: [any CodingKey], _ message: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: codingPath, debugDescription: message, underlyingError: DescribedDecodingProblem()))
    }

    /// A data-corrupted error for `key` in `container`; `message` names the path itself.
    static func described<Key: CodingKey>(
        forKey key: Key, in container: KeyedDecodingContainer<Key>, _ message: String
    ) -> DecodingError {
        described(at: container.codingPath + [key], message)
    }

    /// A data-corrupted error for the value of `container`; `message` names the path itself.
    static func described(in container: any SingleValueDecodingContainer, _ message: String) -> DecodingError {
        described(at: container.codingPath, message)
    }
}

extension Array where Element == any CodingKey {
    /// The path as a person would write it: `jobs[0].options.strategy`, or `top level`.
    var renderedPath: String {
        guard !isEmpty else { return "top level" }
        var text = ""
        for key in self {
            // Array positions come as keys named "Index N" from Foundation's decoder.
            if let index = key.intValue, key.stringValue == "Index \(index)" {
                text += "[\(index)]"
            } else {
                if !text.isEmpty { text += "." }
                text += key.stringValue
            }
        }
        return text
    }
}
