/// Why a string is not a valid image reference: every fault found in it, each with its position.
///
/// A struct wrapping ``Fault``s (each a private enum) so that new kinds of problems can be added
/// without breaking callers; compare errors by ``kind`` or ``faults``, or read ``description``:
/// `invalid image reference "UPPER/Case::x": repository name "Case" must be lowercase (upper
/// case at position 7); tag ":x" has ':' at position 12 (…)`.
public struct ImageReferenceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broad kind of problem, for callers that branch on it.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// The reference was the empty string.
        public static let empty = Kind(name: "empty")
        /// The reference does not follow the grammar (`[host[:port]/]path[:tag][@digest]`): a
        /// registry host or a repository path component is malformed, or the name is empty.
        public static let invalidFormat = Kind(name: "invalidFormat")
        /// The repository path contains upper-case letters.
        public static let uppercase = Kind(name: "uppercase")
        /// The repository name (host and path) is longer than 255 characters.
        public static let nameTooLong = Kind(name: "nameTooLong")
        /// The reference is a 64-character hex string: an image ID, not a name.
        public static let imageID = Kind(name: "imageID")
        /// The tag is malformed (empty, too long, a character a tag cannot hold).
        public static let invalidTag = Kind(name: "invalidTag")
        /// The digest is malformed or uses an unsupported algorithm.
        public static let invalidDigest = Kind(name: "invalidDigest")
    }

    /// The text that failed to parse.
    public let input: String
    /// Every fault found, in the order of their positions; never empty.
    public let faults: [Fault]

    init(input: String, faults: [Fault]) {
        precondition(!faults.isEmpty, "an ImageReferenceError names at least one fault")
        self.input = input
        self.faults = faults
    }

    init(input: String, _ fault: Fault) {
        self.init(input: input, faults: [fault])
    }

    /// The first fault's kind.
    public var kind: Kind { faults[0].kind }

    /// Every fault's kind, in order.
    public var kinds: [Kind] { faults.map(\.kind) }

    public var description: String {
        let faults = faults.map(\.description).joined(separator: "; ")
        return input.isEmpty ? "invalid image reference: \(faults)" : "invalid image reference \(String(reflecting: input)): \(faults)"
    }
}
