/// Why a string is not a valid image reference.
///
/// A struct wrapping a private enum so that new kinds of problems can be added without breaking
/// callers; compare errors by ``kind`` or read ``description``.
public struct ImageReferenceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broad kind of problem, for callers that branch on it.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// The reference was the empty string.
        public static let empty = Kind(name: "empty")
        /// The reference does not follow the grammar (`[host[:port]/]path[:tag][@digest]`).
        public static let invalidFormat = Kind(name: "invalidFormat")
        /// The repository path contains upper-case letters.
        public static let uppercase = Kind(name: "uppercase")
        /// The repository name (host and path) is longer than 255 characters.
        public static let nameTooLong = Kind(name: "nameTooLong")
        /// The reference is a 64-character hex string: an image ID, not a name.
        public static let imageID = Kind(name: "imageID")
        /// The tag is malformed.
        public static let invalidTag = Kind(name: "invalidTag")
        /// The digest is malformed or uses an unsupported algorithm.
        public static let invalidDigest = Kind(name: "invalidDigest")
    }

    private enum Problem: Hashable {
        case empty
        case invalidFormat(detail: String?)
        case uppercase(repository: String)
        case nameTooLong(length: Int)
        case imageID
        case invalidTag(String)
        case invalidDigest(detail: String)
    }

    /// The text that failed to parse.
    public let input: String
    private let problem: Problem

    private init(_ problem: Problem, input: String) {
        self.problem = problem
        self.input = input
    }

    static func empty() -> Self { Self(.empty, input: "") }
    static func invalidFormat(_ input: String, _ detail: String? = nil) -> Self {
        Self(.invalidFormat(detail: detail), input: input)
    }
    static func uppercase(_ input: String, repository: String) -> Self {
        Self(.uppercase(repository: repository), input: input)
    }
    static func nameTooLong(_ input: String, length: Int) -> Self { Self(.nameTooLong(length: length), input: input) }
    static func imageID(_ input: String) -> Self { Self(.imageID, input: input) }
    static func invalidTag(_ input: String, tag: String) -> Self { Self(.invalidTag(tag), input: input) }
    static func invalidDigest(_ input: String, _ detail: String) -> Self {
        Self(.invalidDigest(detail: detail), input: input)
    }

    public var kind: Kind {
        switch problem {
        case .empty: .empty
        case .invalidFormat: .invalidFormat
        case .uppercase: .uppercase
        case .nameTooLong: .nameTooLong
        case .imageID: .imageID
        case .invalidTag: .invalidTag
        case .invalidDigest: .invalidDigest
        }
    }

    public var description: String {
        let quoted = String(reflecting: input)
        switch problem {
        case .empty:
            return "invalid image reference: the reference is empty"
        case .invalidFormat(nil):
            return "invalid image reference \(quoted): invalid reference format"
        case .invalidFormat(let detail?):
            return "invalid image reference \(quoted): invalid reference format: \(detail)"
        case .uppercase(let repository):
            return "invalid image reference \(quoted): repository name \(String(reflecting: repository)) must be lowercase"
        case .nameTooLong(let length):
            return "invalid image reference \(quoted): repository name must not be longer than \(ImageReference.maximumNameLength) characters (it has \(length))"
        case .imageID:
            return "invalid image reference \(quoted): a 64-character hexadecimal string is an image ID, not a repository name"
        case .invalidTag(let tag):
            return "invalid image reference \(quoted): tag \(String(reflecting: tag)) must be 1 to 128 characters of letters, digits, '_', '.' and '-', not starting with '.' or '-'"
        case .invalidDigest(let detail):
            return "invalid image reference \(quoted): invalid digest: \(detail)"
        }
    }
}
