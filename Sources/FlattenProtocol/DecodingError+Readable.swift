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
            if let underlying = context.underlyingError, context.codingPath.isEmpty {
                return "malformed JSON: \(underlying)"
            }
            return context.debugDescription
        @unknown default:
            return String(describing: self)
        }
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
